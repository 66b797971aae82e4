package blas

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchImpl is one BLAS compared in the benchmarks.
type benchImpl struct {
	name string
	impl blas.Float32
}

// benchImpls are the BLASes compared: this package, gonum, and (with -tags openblas) OpenBLAS.
var benchImpls = []benchImpl{{"zoo", Implementation{}}, {"gonum", gonum.Implementation{}}}

// w16Shapes are the forward products m×k·k×n of workloads W1–W6.
var w16Shapes = [][3]int{
	{32, 1024, 64}, {32, 1024, 256}, {2048, 1024, 256}, {2048, 1024, 64}, {2048, 93, 256},
	{128, 256, 784}, {128, 256, 256}, {2048, 384, 128}, {2048, 512, 128},
}

// timeFlops runs f b.N times and reports GFLOP/s of wall time and, because wall time means
// little on a machine shared with other work, GFLOP per CPU-second of the process too (equal to
// GFLOP/s on one thread; with more threads it is the work done per CPU-second).
func timeFlops(b *testing.B, flops float64, f func()) {
	b.ResetTimer()
	cpu0, start := cpuSeconds(), time.Now()
	for i := 0; i < b.N; i++ {
		f()
	}
	wall, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
	b.ReportMetric(flops*float64(b.N)/wall/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flops*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkSgemm times the products of W1–W6 and their backward forms: for C = A·B (m×k·k×n),
// "NN" is A·B, "NT" is dA = dC·Bᵀ (m×n·(k×n)ᵀ) and "TN" is dB = Aᵀ·dC ((m×k)ᵀ·m×n), for each
// BLAS side by side. The metric is GFLOP/s.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, s := range w16Shapes {
		m, n, k := s[0], s[1], s[2]
		forms := []struct {
			name    string
			tA, tB  blas.Transpose
			m, n, k int
		}{
			{"NN", blas.NoTrans, blas.NoTrans, m, n, k},
			{"NT", blas.NoTrans, blas.Trans, m, k, n},
			{"TN", blas.Trans, blas.NoTrans, k, n, m},
		}
		for _, f := range forms {
			ar, ac := f.m, f.k
			if f.tA == blas.Trans {
				ar, ac = f.k, f.m
			}
			br, bc := f.k, f.n
			if f.tB == blas.Trans {
				br, bc = f.n, f.k
			}
			a, bb := to32(randSlice(rng, ar*ac)), to32(randSlice(rng, br*bc))
			c := to32(randSlice(rng, f.m*f.n)) // touched, so page faults are not timed
			for _, im := range benchImpls {
				b.Run(fmt.Sprintf("%dx%dx%d/%s/%s", m, k, n, f.name, im.name), func(b *testing.B) {
					timeFlops(b, 2*float64(f.m)*float64(f.n)*float64(f.k), func() {
						im.impl.Sgemm(f.tA, f.tB, f.m, f.n, f.k, 1, a, ac, bb, bc, 0, c, f.n)
					})
				})
			}
		}
	}
}

// BenchmarkDgemm times a square float64 product for each BLAS.
func BenchmarkDgemm(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{64, 256, 512} {
		a, bb, c := randSlice(rng, n*n), randSlice(rng, n*n), make([]float64, n*n)
		for _, im := range benchImpls {
			f64, ok := im.impl.(blas.Float64)
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%d/%s", n, im.name), func(b *testing.B) {
				timeFlops(b, 2*float64(n*n*n), func() {
					f64.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, bb, n, 0, c, n)
				})
			})
		}
	}
}

// BenchmarkKernel times each microkernel alone on packed panels that stay in L1: the ceiling of
// the products.
func BenchmarkKernel(b *testing.B) {
	for _, ks := range available() {
		for kn := ks.s; kn != nil; kn = kn.alt {
			benchKernel(b, fmt.Sprintf("%s/%dx%d", ks.name, kn.mr, kn.nr), kn)
		}
	}
}

func benchKernel(b *testing.B, name string, kn *kernel[float32]) {
	const k = 256
	a := make([]float32, k*kn.mr)
	bb := make([]float32, k*kn.nr)
	c := make([]float32, kn.mr*kn.nr)
	b.Run(name, func(b *testing.B) {
		timeFlops(b, 2*float64(k*kn.mr*kn.nr), func() {
			kn.fn(k, a, bb, kn.nr, c, kn.nr, 1, 0, false)
		})
	})
}
