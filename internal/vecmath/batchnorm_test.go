package vecmath

import (
	"math"
	"math/rand"
	"testing"
)

// TestBatchNormRows checks the BatchNorm row loops against the plain loops bit for bit, at lengths
// that cover the vector tails, and ColSum64 and ColSqDev64 by hand.
func TestBatchNormRows(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		acc, sq := []float64{1, 2, 3}, []float64{0, 0, 0}
		ColSum64(acc, []float32{0.5, -2, 4})
		ColSqDev64(sq, []float32{0.5, -2, 4}, []float64{1.5, 0, 1})
		for i, want := range []float64{1.5, 0, 7} {
			if acc[i] != want {
				t.Fatalf("ColSum64 [%d] = %g, want %g", i, acc[i], want)
			}
		}
		for i, want := range []float64{1, 4, 9} {
			if sq[i] != want {
				t.Fatalf("ColSqDev64 [%d] = %g, want %g", i, sq[i], want)
			}
		}

		r := rand.New(rand.NewSource(11))
		f64 := func(n int) []float64 {
			s := make([]float64, n)
			for i := range s {
				s[i] = r.NormFloat64() * 3
			}
			return s
		}
		same32 := func(what string, n int, got, want []float32) {
			t.Helper()
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s n=%d [%d] = %g, want %g", what, n, i, got[i], want[i])
				}
			}
		}
		same64 := func(what string, n int, got, want []float64) {
			t.Helper()
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s n=%d [%d] = %g, want %g", what, n, i, got[i], want[i])
				}
			}
		}
		for _, n := range lengthsAndLarge() {
			x, y := randSlice(r, n, 3), randSlice(r, n, 3)
			acc, mean := f64(n), f64(n)

			got, want := append([]float64(nil), acc...), append([]float64(nil), acc...)
			ColSum64(got, x)
			for j := range want {
				want[j] += float64(x[j])
			}
			same64("ColSum64", n, got, want)

			got, want = append([]float64(nil), acc...), append([]float64(nil), acc...)
			ColSqDev64(got, x, mean)
			for j := range want {
				d := float64(x[j]) - mean[j]
				want[j] += float64(d * d)
			}
			same64("ColSqDev64", n, got, want)

			s2 := f64(n)
			got, want = append([]float64(nil), acc...), append([]float64(nil), acc...)
			got2, want2 := append([]float64(nil), s2...), append([]float64(nil), s2...)
			ColSumProd64(got, got2, x, y)
			for j := range want {
				want[j] += float64(x[j])
				want2[j] += float64(float64(x[j]) * float64(y[j]))
			}
			same64("ColSumProd64 s1", n, got, want)
			same64("ColSumProd64 s2", n, got2, want2)

			mu, inv, gamma, beta := randSlice(r, n, 1), randSlice(r, n, 2), randSlice(r, n, 2), randSlice(r, n, 1)
			xh, out := make([]float32, n), make([]float32, n)
			BatchNormRow32(xh, out, x, mu, inv, gamma, beta)
			wantH, wantY := make([]float32, n), make([]float32, n)
			for j := range wantH {
				wantH[j] = float32(x[j]-mu[j]) * inv[j]
				wantY[j] = float32(gamma[j]*wantH[j]) + beta[j]
			}
			same32("BatchNormRow32 xh", n, xh, wantH)
			same32("BatchNormRow32 y", n, out, wantY)

			dx := make([]float32, n)
			BatchNormGradRow32(dx, y, xh, mu, inv, gamma)
			wantDX := make([]float32, n)
			for j := range wantDX {
				wantDX[j] = (float32(mu[j]*y[j]) - inv[j]) - float32(gamma[j]*xh[j])
			}
			same32("BatchNormGradRow32", n, dx, wantDX)
		}
	})
}

// TestRelu32 checks Relu32 against the builtin max bit for bit, with −0, ±Inf, NaN and
// subnormals among random values, at lengths that cover the vector tails, and in place.
func TestRelu32(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(12))
		special := []float32{float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1)),
			float32(math.NaN()), -float32(math.NaN()), 1e-40, -1e-40, math.MaxFloat32, -math.MaxFloat32}
		for _, n := range lengthsAndLarge() {
			x := randSlice(r, n, 3)
			for i := range x {
				if r.Intn(4) == 0 {
					x[i] = special[r.Intn(len(special))]
				}
			}
			got := make([]float32, n)
			Relu32(got, x)
			for i, v := range x {
				want := max(v, 0)
				if want != want {
					if got[i] == got[i] {
						t.Fatalf("n=%d relu(%g) = %g, want NaN", n, v, got[i])
					}
					continue
				}
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("n=%d relu(%g) = %g (%#x), want %g (%#x)", n, v, got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
				}
			}
			Relu32(x, x)
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(got[i]) && !(x[i] != x[i] && got[i] != got[i]) {
					t.Fatalf("n=%d in place [%d] = %g, want %g", n, i, x[i], got[i])
				}
			}
		}
	})
}
