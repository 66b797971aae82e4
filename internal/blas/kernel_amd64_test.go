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

// TestForRowsPicksLeastPadding: a product of one or two rows runs on the one-row kernel where
// there is one, not padded to eight or twelve; wider products keep the kernels they had.
func TestForRowsPicksLeastPadding(t *testing.T) {
	kn := avx512Kernels.s
	for _, c := range []struct{ m, mr int }{{1, 1}, {2, 1}, {3, 8}, {8, 8}, {12, 12}, {32, 8}, {36, 12}} {
		if got := kn.forRows(c.m); got.mr != c.mr {
			t.Errorf("%d rows: the %d-row kernel, want the %d-row one", c.m, got.mr, c.mr)
		}
	}
}
