package vecmath

import (
	"math"
	"math/rand"
	"testing"
)

// TestMomentum32 checks the heavy-ball step against the plain float32 loop bit for bit (every
// implementation multiplies and adds separately), at lengths that cover the vector tails, and
// one step by hand.
func TestMomentum32(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		w, g, v := []float32{1, -2, 0.5}, []float32{0.5, 1, -4}, []float32{0, 2, 1}
		Momentum32(w, g, v, 0.5, 0.25)
		// v = 0.25·v + g = [0.5, 1.5, -3.75]; w − 0.5·v = [0.75, -2.75, 2.375]
		wantV, wantW := []float32{0.5, 1.5, -3.75}, []float32{0.75, -2.75, 2.375}
		for i := range w {
			if v[i] != wantV[i] || w[i] != wantW[i] {
				t.Fatalf("by hand [%d]: w=%g v=%g, want w=%g v=%g", i, w[i], v[i], wantW[i], wantV[i])
			}
		}

		r := rand.New(rand.NewSource(9))
		for _, n := range lengthsAndLarge() {
			w, g, v := randSlice(r, n, 3), randSlice(r, n, 3), randSlice(r, n, 3)
			lr, mu := r.Float32()*0.1, r.Float32()
			ww, vv := append([]float32(nil), w...), append([]float32(nil), v...)
			for i := range ww {
				vv[i] = float32(mu*vv[i]) + g[i]
				ww[i] -= float32(lr * vv[i])
			}
			Momentum32(w, g, v, lr, mu)
			for i := range w {
				if math.Float32bits(w[i]) != math.Float32bits(ww[i]) || math.Float32bits(v[i]) != math.Float32bits(vv[i]) {
					t.Fatalf("n=%d [%d]: w=%g v=%g, want w=%g v=%g", n, i, w[i], v[i], ww[i], vv[i])
				}
			}
		}
	})
}
