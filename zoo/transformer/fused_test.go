package transformer

import (
	"fmt"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
)

// setComposed switches every LayerNorm and multi-head attention of the given blocks and norms
// to their composed reference forms (on) or the fused ops (off).
func setComposed(on bool, lns []*nn.LayerNorm, mhas []*nn.MultiHeadAttention) {
	for _, ln := range lns {
		if ln != nil {
			ln.Composed = on
		}
	}
	for _, m := range mhas {
		m.Composed = on
	}
}

// lossAndGrads runs one training step's forward and backward pass of g on batch b and returns
// the loss and every parameter's gradient.
func lossAndGrads(t *testing.T, g *nn.Graph, b datasets.Batch) (float64, [][]float64) {
	t.Helper()
	if err := g.Feed(b); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(nn.NewRNG(4, nn.StreamDropout, 0)); err != nil {
		t.Fatal(err)
	}
	var grads [][]float64
	for i, n := range g.Nodes() {
		grads = append(grads, gradOf(t, n, g.Params()[i]))
	}
	return g.Loss(), grads
}

// TestFusedEqualsComposed checks that the models built on the fused LayerNorm and attention ops
// give the loss and every parameter gradient of the same models built of Gorgonia's ops, to
// 1e-6 in float64: the language model pre-LN and post-LN (with dropout, which both forms draw
// alike), and the encoder–decoder with padding and cross-attention.
func TestFusedEqualsComposed(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Config)
	}{
		{"pre-LN", nil},
		{"post-LN,gelu,dropout", func(c *Config) { c.PostLN, c.Activation, c.Dropout = true, "gelu", 0.2 }},
	} {
		t.Run("lm "+c.name, func(t *testing.T) {
			m := tinyLM(t, c.mod)
			lns := []*nn.LayerNorm{m.NormF}
			var mhas []*nn.MultiHeadAttention
			for _, b := range m.Blocks {
				lns, mhas = append(lns, b.Norm1, b.Norm2), append(mhas, b.Attn)
			}
			var loss [2]float64
			var grads [2][][]float64
			for i, composed := range []bool{false, true} {
				setComposed(composed, lns, mhas)
				g, err := m.Build(3, true)
				if err != nil {
					t.Fatal(err)
				}
				loss[i], grads[i] = lossAndGrads(t, g, lmBatch(6, 3, m.Config.Context, m.Config.Vocab))
			}
			compareRuns(t, loss, grads)
		})
	}
	t.Run("seq2seq", func(t *testing.T) {
		ds, err := datasets.Reverse(3, 2, 5, 4, 1)
		if err != nil {
			t.Fatal(err)
		}
		m := tinySeq2Seq(t, ds.Info(), 6)
		lns := []*nn.LayerNorm{m.EncNorm, m.DecNorm}
		var mhas []*nn.MultiHeadAttention
		for _, b := range m.Enc {
			lns, mhas = append(lns, b.Norm1, b.Norm2), append(mhas, b.Attn)
		}
		for _, b := range m.Dec {
			lns, mhas = append(lns, b.Norm1, b.Norm2, b.Norm3), append(mhas, b.Self, b.Cross)
		}
		var loss [2]float64
		var grads [2][][]float64
		for i, composed := range []bool{false, true} {
			setComposed(composed, lns, mhas)
			g, err := m.Build(3, true)
			if err != nil {
				t.Fatal(err)
			}
			loss[i], grads[i] = lossAndGrads(t, g, ds.Batch([]int{0, 1, 2}))
		}
		compareRuns(t, loss, grads)
	})
}

func compareRuns(t *testing.T, loss [2]float64, grads [2][][]float64) {
	t.Helper()
	closeTo(t, "loss", []float64{loss[0]}, []float64{loss[1]}, 1e-6)
	if len(grads[0]) == 0 || len(grads[0]) != len(grads[1]) {
		t.Fatalf("%d and %d gradients", len(grads[0]), len(grads[1]))
	}
	for k := range grads[0] {
		closeTo(t, fmt.Sprint("gradient ", k), grads[0][k], grads[1][k], 1e-6)
	}
}
