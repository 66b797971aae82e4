package blas

import (
	"math/rand"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestTransposeAVX checks the AVX transpose against the portable one on widths and depths
// around its 8×8 block, with leading dimensions wider than the data.
func TestTransposeAVX(t *testing.T) {
	if !cpu.X86.HasAVX {
		t.Skip("no AVX")
	}
	rng := rand.New(rand.NewSource(5))
	for w := 1; w <= 20; w++ {
		for kc := 1; kc <= 35; kc++ {
			lds, ldd := kc+rng.Intn(3), w+rng.Intn(3)
			src := to32(randSlice(rng, (w-1)*lds+kc))
			want := to32(randSlice(rng, (kc-1)*ldd+w))
			got := append([]float32(nil), want...)
			transposeGo(want, ldd, src, lds, w, kc)
			transposeAVX(got, ldd, src, lds, w, kc)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("w=%d kc=%d lds=%d ldd=%d: element %d = %v, want %v", w, kc, lds, ldd, i, got[i], want[i])
				}
			}
		}
	}
}
