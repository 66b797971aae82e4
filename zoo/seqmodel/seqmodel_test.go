package seqmodel_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"gorgonia.org/tensor"
)

// newModel builds a model of the named cell with the cell's defaults.
func newModel(t *testing.T, cell string, cfg seqmodel.Config) *seqmodel.Model {
	t.Helper()
	c, err := catalog.FindCell(cell)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.NewModel(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func textBatch(t *testing.T, n, T int) (datasets.Batch, *datasets.Vocabulary) {
	t.Helper()
	text, err := datasets.NewText("t", []byte("the quick brown fox jumps over the lazy dog, again and again."))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := datasets.Windows(text.Tokens, text.Vocab, T, 5)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return ws.Batch(idx), text.Vocab
}

// TestLanguageModelGradient checks every parameter of a whole language-model step — embedding,
// two recurrent layers of 300 with dropout between them, output layer, per-step cross-entropy —
// by finite differences, for each cell.
func TestLanguageModelGradient(t *testing.T) {
	const n, T = 3, 6
	b, vocab := textBatch(t, n, T)
	for _, cell := range []string{"rnn", "lstm", "gru"} {
		cfg := seqmodel.Config{Hidden: 300, Layers: 2, Embed: 8, Dropout: 0.2, T: T, Vocab: vocab.Size(),
			Classes: vocab.Size(), Float64: true, Seed: 2}
		m := newModel(t, cell, cfg)
		g, err := m.Build(n, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Feed(b); err != nil {
			t.Fatal(err)
		}
		if err := g.Prepare(nn.NewRNG(1, nn.StreamDropout, 0)); err != nil {
			t.Fatal(err)
		}
		rs, err := gradcheck.Check(g.G, g.LossNode(), g.Nodes(), gradcheck.Options{Eps: 1e-5, Samples: 12, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1+2*4+2 {
			t.Errorf("%s: checked %d parameters, want 11", cell, len(rs))
		}
		for _, r := range rs {
			if r.MaxRelErr > 1e-4 {
				t.Errorf("%s %s: max relative error %.3g (analytic %.6g, numeric %.6g)", cell, r.Node, r.MaxRelErr, r.Analytic, r.Numeric)
			}
		}
	}
}

// TestCarryContinuesTheStream: with Carry, two consecutive windows of a stream give the loss of
// one window twice as long; without it, the second starts from zeros.
func TestCarryContinuesTheStream(t *testing.T) {
	text, err := datasets.NewText("t", []byte("abcabdabeabfabgabhabiabjabkablabmabnaboabp"))
	if err != nil {
		t.Fatal(err)
	}
	base := seqmodel.Config{Hidden: 16, Embed: 4, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Float64: true, Seed: 3}
	long := base
	long.T = 16
	whole := newModel(t, "lstm", long)
	gw, err := whole.Build(1, false)
	if err != nil {
		t.Fatal(err)
	}
	s16, err := datasets.Stream(text.Tokens, text.Vocab, 1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Feed(s16.Batch(0)); err != nil {
		t.Fatal(err)
	}
	if err := gw.Run(nil); err != nil {
		t.Fatal(err)
	}
	short := base
	short.T, short.Carry = 8, true
	halves := newModel(t, "lstm", short)
	gh, err := halves.Build(1, true)
	if err != nil {
		t.Fatal(err)
	}
	s8, err := datasets.Stream(text.Tokens, text.Vocab, 1, 8)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for k := 0; k < 2; k++ {
		if err := gh.Feed(s8.Batch(k)); err != nil {
			t.Fatal(err)
		}
		if err := gh.Run(nil); err != nil {
			t.Fatal(err)
		}
		sum += gh.Loss()
	}
	if math.Abs(sum/2-gw.Loss()) > 1e-12 {
		t.Errorf("two carried halves: mean loss %.15f, one window: %.15f", sum/2, gw.Loss())
	}
}

// TestAddingProblemSmall is the small version of the lecture's claim on long-range memory: on the
// adding problem of 30 steps, a GRU gets below an MSE of 0.05 within 600 steps while the vanilla
// RNN stays near the 0.167 of always answering 1. (The LSTM needs more steps here, as in PyTorch,
// where it passes 0.01 only after ~1800 steps at T = 50; the full comparison is `zoo train`.)
func TestAddingProblemSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three models")
	}
	const T, steps = 30, 600
	data := train.Data{}
	var err error
	if data.Train, err = datasets.Adding(steps*50, T, 1); err != nil {
		t.Fatal(err)
	}
	if data.Val, err = datasets.Adding(500, T, 2); err != nil {
		t.Fatal(err)
	}
	mse := map[string]float64{}
	for _, cell := range []string{"rnn", "gru"} {
		cfg := seqmodel.Config{Hidden: 64, Seed: 1}.FromInfo(data.Train.Info())
		m := newModel(t, cell, cfg)
		c := train.DefaultConfig()
		c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery, c.Sequential = steps, 50, 1e-3, 1, steps, true
		res, err := train.Fit(m, data, c)
		if err != nil {
			t.Fatal(err)
		}
		mse[cell] = res.Val["mse"]
		t.Logf("%s: validation MSE %.4f after %d steps", cell, mse[cell], steps)
	}
	if mse["gru"] > 0.05 || mse["rnn"] < 0.1 {
		t.Errorf("validation MSE rnn %.4f (want ≥ 0.1), gru %.4f (want ≤ 0.05)", mse["rnn"], mse["gru"])
	}
}

// TestPretrainedReproducesREADME evaluates the prebuilt weights of each cell on the Opticks
// validation windows and requires exactly the bits per character of their record, which the
// README's table states.
func TestPretrainedReproducesREADME(t *testing.T) {
	text, err := datasets.Opticks()
	if err != nil {
		t.Skip(err)
	}
	_, valid := text.Split(datasets.TextTrainFrac)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range catalog.Cells {
		cell := c.Name
		m, rec, err := c.Prebuilt()
		if err != nil {
			t.Fatal(err)
		}
		val, err := datasets.Windows(valid, text.Vocab, m.Config.T, m.Config.T)
		if err != nil {
			t.Fatal(err)
		}
		gs := train.NewGraphs(m)
		met, err := train.Evaluate(gs, val, 32)
		gs.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprintf("%.4f", met["bpc"]), fmt.Sprintf("%.4f", rec.ValBPC); got != want {
			t.Errorf("%s: validation bits/char %s, the record says %s", cell, got, want)
		}
		if row := fmt.Sprintf("| %s | %.4f |", cell, rec.ValBPC); !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no row %q", row)
		}
	}
}

// TestFusedEqualsGraph trains one step of a three-layer language model (dropout on the
// embeddings, between the layers and below the head) and of a two-layer adding-problem regressor
// with each implementation under the same generator: losses and every parameter's gradient agree
// to 1e-9 in float64, so the dropout masks are drawn alike.
func TestFusedEqualsGraph(t *testing.T) {
	const n, T = 3, 12
	lm, vocab := textBatch(t, n, T)
	adding, err := datasets.Adding(n, T, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for _, cell := range []string{"rnn", "lstm", "gru"} {
		for _, task := range []string{"lm", "adding"} {
			cfg := seqmodel.Config{Hidden: 40, Layers: 3, Embed: 8, Dropout: 0.3, T: T, Vocab: vocab.Size(),
				Classes: vocab.Size(), Float64: true, Seed: 5}
			b := lm
			if task == "adding" {
				cfg = seqmodel.Config{Hidden: 40, Layers: 2, Dropout: 0.3, Float64: true, Seed: 5}.FromInfo(adding.Info())
				b = adding.Batch(idx)
			}
			type run struct {
				loss  float64
				grads map[string][]float64
			}
			var runs []run
			for _, impl := range []string{"graph", "fused"} {
				cfg.Impl = impl
				m := newModel(t, cell, cfg)
				g, err := m.Build(n, true)
				if err != nil {
					t.Fatal(err)
				}
				if err := g.Feed(b); err != nil {
					t.Fatal(err)
				}
				if err := g.Run(nn.NewRNG(1, nn.StreamDropout, 0)); err != nil {
					t.Fatal(err)
				}
				r := run{loss: g.Loss(), grads: map[string][]float64{}}
				for i, vg := range g.ValueGrads() {
					gv, err := vg.Grad()
					if err != nil {
						t.Fatal(err)
					}
					r.grads[g.Params()[i].Name] = nn.Float64s(gv.(*tensor.Dense))
				}
				runs = append(runs, r)
				g.Close()
			}
			if d := math.Abs(runs[0].loss - runs[1].loss); !(d <= 1e-9) || runs[0].loss == 0 {
				t.Errorf("%s %s: loss graph %.12g, fused %.12g", cell, task, runs[0].loss, runs[1].loss)
			}
			if len(runs[0].grads) != len(runs[1].grads) {
				t.Fatalf("%s %s: %d and %d gradients", cell, task, len(runs[0].grads), len(runs[1].grads))
			}
			for name, a := range runs[0].grads {
				f, ok := runs[1].grads[name]
				if !ok || len(f) != len(a) {
					t.Fatalf("%s %s: fused graph has no gradient of %s", cell, task, name)
				}
				worst := 0.0
				for j := range a {
					worst = math.Max(worst, math.Abs(a[j]-f[j]))
				}
				if !(worst <= 1e-9) {
					t.Errorf("%s %s: gradient of %s differs by %.3g", cell, task, name, worst)
				}
			}
		}
	}
}
