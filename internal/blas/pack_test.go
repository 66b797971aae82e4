package blas

import (
	"math/rand"
	"testing"
)

// TestPackRuns checks packRuns against run-by-run copies for the widths it copies as arrays and
// one it does not, in float32 and float64, with a source stride wider than the runs and an
// offset, and that it writes nothing past kc runs.
func TestPackRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, w := range []int{12, 32, 8, 5, 16} {
		for _, kc := range []int{1, 3, 17} {
			lds, off := w+3, 2
			src := to32(randSlice(rng, off+(kc-1)*lds+w))
			got := make([]float32, kc*w+4)
			for i := range got {
				got[i] = -1
			}
			packRuns(got, w, src, off, lds, kc)
			for p := 0; p < kc; p++ {
				for i := 0; i < w; i++ {
					if got[p*w+i] != src[off+p*lds+i] {
						t.Fatalf("float32 w=%d kc=%d: dst[%d] = %v, want %v", w, kc, p*w+i, got[p*w+i], src[off+p*lds+i])
					}
				}
			}
			for i := kc * w; i < len(got); i++ {
				if got[i] != -1 {
					t.Fatalf("float32 w=%d kc=%d: dst[%d] written past the runs", w, kc, i)
				}
			}
			src64 := randSlice(rng, off+(kc-1)*lds+w)
			got64 := make([]float64, kc*w)
			packRuns(got64, w, src64, off, lds, kc)
			for p := 0; p < kc; p++ {
				for i := 0; i < w; i++ {
					if got64[p*w+i] != src64[off+p*lds+i] {
						t.Fatalf("float64 w=%d kc=%d: dst[%d] = %v, want %v", w, kc, p*w+i, got64[p*w+i], src64[off+p*lds+i])
					}
				}
			}
		}
	}
}
