package vecmath

import (
	"math"
	"testing"
)

// TestAsmKernelsAgree checks that the assembly implementations give bitwise the same exp, sigmoid
// and tanh (they share the arithmetic; only the scaling by 2^n differs, exact in both or rounded
// once), so that a full error sweep of one stands for all: on every 97th bit pattern of the range,
// or on every one with ZOO_VECMATH_SWEEP=full (about 10^10 evaluations, a few minutes).
func TestAsmKernelsAgree(t *testing.T) {
	ks := archKernels()
	if len(ks) < 2 {
		t.Skip("fewer than two assembly implementations on this processor")
	}
	stride := uint32(97)
	if fullSweep() {
		stride = 1
	} else if raceEnabled {
		stride = 9973
	}
	const chunk = 1 << 14
	xs := make([]float32, 0, chunk)
	a, b := make([]float32, chunk), make([]float32, chunk)
	for _, c := range sweepCases() {
		diff, n := 0, 0
		check := func() {
			for i := 1; i < len(ks); i++ {
				c.kf(ks[0])(a[:len(xs)], xs)
				c.kf(ks[i])(b[:len(xs)], xs)
				for j := range xs {
					if math.Float32bits(a[j]) != math.Float32bits(b[j]) && !(a[j] != a[j] && b[j] != b[j]) {
						if diff < 5 {
							t.Errorf("%s(%g): %s %g, %s %g", c.name, xs[j], ks[0].name, a[j], ks[i].name, b[j])
						}
						diff++
					}
				}
			}
			n += len(xs)
			xs = xs[:0]
		}
		for _, s := range segments(c.lo, c.hi, 1) {
			for x := uint64(s.from); x <= uint64(s.to); x += uint64(stride) {
				xs = append(xs, math.Float32frombits(s.sign|uint32(x)))
				if len(xs) == chunk {
					check()
				}
			}
		}
		check()
		t.Logf("%s: %d points, %d differences", c.name, n, diff)
	}
}
