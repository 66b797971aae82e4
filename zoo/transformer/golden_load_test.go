package transformer

import (
	"bytes"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// loadArrays loads arrays in PyTorch's names and layouts into s, through train.LoadWeightsFrom.
func loadArrays(t *testing.T, arrays []npz.Array, s *nn.Store, what string) {
	t.Helper()
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	if err := train.LoadWeightsFrom(bytes.NewReader(buf.Bytes()), int64(buf.Len()), what, s); err != nil {
		t.Fatal(err)
	}
}

// transposed returns the (c, r) transpose of an (r, c) row-major matrix.
func transposed(v []float64, r, c int) []float64 {
	out := make([]float64, len(v))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = v[i*c+j]
		}
	}
	return out
}
