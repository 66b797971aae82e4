package vecmath

import (
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
)

// sweepStride is the mean step between sampled bit patterns in TestSweep: about 2.2·10^9 float32
// lie in [−105, 105], so a step near 200 samples ≥ 10^7 of them per function, in every binade.
const sweepStride = 200

// fullSweep reports whether ZOO_VECMATH_SWEEP=full asks TestSweep for every float32 in the range
// (about 2·10^9 per function and implementation: minutes).
func fullSweep() bool { return os.Getenv("ZOO_VECMATH_SWEEP") == "full" }

// testKernels are the implementations the tests exercise: the one named by ZOO_VECMATH_KERNEL
// when it is set, else every one this processor can run.
func testKernels(t *testing.T) []*kernels {
	if name := os.Getenv(EnvKernel); name != "" {
		k, err := kernelByName(name)
		if err != nil {
			t.Fatal(err)
		}
		return []*kernels{k}
	}
	return available()
}

// segment is an inclusive range of float32 bit patterns of one sign.
type segment struct{ sign, from, to uint32 }

// segments splits the float32 values in [lo, hi] (lo ≤ 0 ≤ hi) into about parts pieces.
func segments(lo, hi float32, parts int) []segment {
	var out []segment
	for _, s := range []segment{{1 << 31, 0, math.Float32bits(-lo)}, {0, 0, math.Float32bits(hi)}} {
		step := (s.to - s.from) / uint32(parts)
		for from := s.from; ; from += step + 1 {
			to := from + step
			if to >= s.to || to < from {
				out = append(out, segment{s.sign, from, s.to})
				break
			}
			out = append(out, segment{s.sign, from, to})
		}
	}
	return out
}

// sweepResult is the worst error of one implementation.
type sweepResult struct {
	worst float64
	x     float32
}

// sweep measures the worst error of c in every kernel of ks over [c.lo, c.hi], every stride-th
// bit pattern (stride 1: all of them; otherwise steps of stride+0…6, so that all low-bit
// residues are visited), and returns the results and the number of points.
func sweep(c sweepCase, ks []*kernels, stride uint32) ([]sweepResult, int) {
	const chunk = 1 << 12
	workers := runtime.GOMAXPROCS(0)
	segs := segments(c.lo, c.hi, 8*workers)
	jobs := make(chan segment)
	var mu sync.Mutex
	res := make([]sweepResult, len(ks))
	total := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs := make([]float32, 0, chunk)
			ref := make([]float64, chunk)
			got := make([]float32, chunk)
			local := make([]sweepResult, len(ks))
			n := 0
			flush := func() {
				for i, x := range xs {
					ref[i] = c.ref(float64(x))
				}
				for ki, k := range ks {
					g := got[:len(xs)]
					c.kf(k)(g, xs)
					for i := range xs {
						if e := ulpErr(g[i], ref[i]); e > local[ki].worst {
							local[ki] = sweepResult{e, xs[i]}
						}
					}
				}
				n += len(xs)
				xs = xs[:0]
			}
			for s := range jobs {
				for b, k := s.from, uint32(0); ; k++ {
					xs = append(xs, math.Float32frombits(s.sign|b))
					if len(xs) == chunk {
						flush()
					}
					step := uint32(1)
					if stride > 1 {
						step = stride + k%7
					}
					if b+step > s.to || b+step < b {
						break
					}
					b += step
				}
			}
			if len(xs) > 0 {
				flush()
			}
			mu.Lock()
			defer mu.Unlock()
			total += n
			for ki := range res {
				if local[ki].worst > res[ki].worst {
					res[ki] = local[ki]
				}
			}
		}()
	}
	for _, s := range segs {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	return res, total
}

// TestSweep checks the documented error bounds of Exp32, Sigmoid32 and Tanh32, in every
// implementation, over a dense deterministic sample of every binade of their range (≥ 10^7 points
// per function), or over every float32 in it with ZOO_VECMATH_SWEEP=full.
func TestSweep(t *testing.T) {
	stride := uint32(sweepStride)
	switch {
	case fullSweep():
		stride = 1
	case raceEnabled:
		stride = 50 * sweepStride // 2·10^5 points: the race detector checks the goroutines, not the accuracy
	}
	ks := testKernels(t)
	for _, c := range sweepCases() {
		res, n := sweep(c, ks, stride)
		if stride == sweepStride && n < 1e7 {
			t.Errorf("%s: only %d points sampled", c.name, n)
		}
		for ki, r := range res {
			k := ks[ki]
			t.Logf("%s [%s]: %d points in [%g, %g], max error %.3f ulp at x=%g (%#08x)",
				c.name, k.name, n, c.lo, c.hi, r.worst, r.x, math.Float32bits(r.x))
			if r.worst > c.bound {
				t.Errorf("%s [%s]: max error %.3f ulp at x=%g (%#08x): got %g, want %g; documented bound %g ulp",
					c.name, k.name, r.worst, r.x, math.Float32bits(r.x), apply(c.kf(k), r.x), c.ref(float64(r.x)), c.bound)
			}
		}
	}
}
