package transformer

import (
	"math"
	"os"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// tinySeq2Seq is a small float64 encoder–decoder for the list tasks of lengths up to maxLen.
func tinySeq2Seq(t *testing.T, info datasets.Info, maxLen int) *Seq2Seq {
	t.Helper()
	cfg, err := Seq2SeqFor(info, maxLen, maxLen+1, 3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.D, cfg.Heads, cfg.FF, cfg.Layers, cfg.InitStd, cfg.Float64 = 8, 2, 16, 1, 0.3, true
	m, err := NewSeq2Seq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSeq2SeqGradient checks the encoder–decoder's loss gradient (padding masks, cross-attention,
// the masked cross-entropy) by finite differences, sampled entries of every parameter.
func TestSeq2SeqGradient(t *testing.T) {
	ds, err := datasets.Reverse(3, 2, 5, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := tinySeq2Seq(t, ds.Info(), 6)
	g, err := m.Build(3, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Feed(ds.Batch([]int{0, 1, 2})); err != nil {
		t.Fatal(err)
	}
	rs, err := gradcheck.Check(g.G, g.LossNode(), g.Nodes(), gradcheck.Options{Samples: 4, Seed: 2, Floor: 1e-4})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(m.Store().Params()) {
		t.Errorf("%d parameters checked, the model has %d", len(rs), len(m.Store().Params()))
	}
	for _, r := range rs {
		if r.MaxRelErr > 1e-4 {
			t.Errorf("%v", r)
		}
	}
}

// TestSeq2SeqPadding checks that padding is invisible: changing a padded source position or a
// target input past the end changes neither the loss nor the scored logits.
func TestSeq2SeqPadding(t *testing.T) {
	ds, err := datasets.Reverse(2, 2, 5, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	m := tinySeq2Seq(t, ds.Info(), 6)
	g, err := m.Build(2, false)
	if err != nil {
		t.Fatal(err)
	}
	b := ds.Batch([]int{0, 1})
	run := func(b datasets.Batch) (float64, []float64) {
		if err := g.Feed(b); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		return g.Loss(), nn.Float64s(g.Output())
	}
	loss, logits := run(b)
	// Pad the sources further, with a different padding symbol in the padded positions.
	S := b.SrcT + 1
	b2 := b
	b2.SrcT, b2.Src = S, make([]int, 2*S)
	for e := 0; e < 2; e++ {
		for j := 0; j < S; j++ {
			b2.Src[e*S+j] = 3
			if j < b.SrcLen[e] {
				b2.Src[e*S+j] = b.Src[e*b.SrcT+j]
			}
		}
	}
	loss2, logits2 := run(b2)
	if loss != loss2 {
		t.Errorf("loss %v became %v when padding changed", loss, loss2)
	}
	V, T := m.Config.TgtVocab, m.Config.MaxTgt
	for e := 0; e < 2; e++ {
		for tt := 0; tt < b.TgtLen[e]; tt++ {
			for j := 0; j < V; j++ {
				if i := (e*T+tt)*V + j; math.Float64bits(logits[i]) != math.Float64bits(logits2[i]) {
					t.Fatalf("example %d position %d: logits changed with the padding", e, tt)
				}
			}
		}
	}
	// Greedy decoding runs and returns at most MaxTgt tokens, with attention rows over the
	// real source positions.
	out, att, err := m.Greedy(b)
	if err != nil {
		t.Fatal(err)
	}
	for e := range out {
		if len(out[e]) > T || len(att[e]) == 0 || len(att[e][0]) != b.SrcLen[e] {
			t.Errorf("example %d: %d tokens, attention rows of %d", e, len(out[e]), len(att[e][0]))
		}
		sum := 0.0
		for _, w := range att[e][0] {
			sum += w
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("example %d: attention sums to %v over the source", e, sum)
		}
	}
}

// TestSeq2SeqTasks trains the encoder–decoder on the date task and on list reversal of lengths 5
// to 40 (the long-range task), 1500 steps each, with the splits the seq2seq command uses,
// printing exact match on the test split and the table by source length. It takes many minutes: set ZOO_TRANSFORMER_LONG=1.
func TestSeq2SeqTasks(t *testing.T) {
	if os.Getenv("ZOO_TRANSFORMER_LONG") == "" {
		t.Skip("set ZOO_TRANSFORMER_LONG=1 to train on the seq2seq tasks")
	}
	t.Run("dates", func(t *testing.T) {
		test, err := datasets.Dates(1000, 101, datasets.DateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := datasets.Dates(96000, 2, datasets.DateOptions{Exclude: test})
		if err != nil {
			t.Fatal(err)
		}
		val, err := datasets.Dates(1000, 3, datasets.DateOptions{Exclude: test})
		if err != nil {
			t.Fatal(err)
		}
		acc := trainSeq2Seq(t, train.Data{Train: tr, Val: val}, test, 29, 11, 1500)
		if acc < 0.995 {
			t.Errorf("date exact match %.4f, want ≥ 0.995", acc)
		}
	})
	t.Run("reverse", func(t *testing.T) {
		var sets [3]*datasets.ListSet
		for i, n := range []int{64000, 1000, 1000} {
			var err error
			if sets[i], err = datasets.Reverse(n, 5, 40, 10, 1+uint64(i)*1000003); err != nil {
				t.Fatal(err)
			}
		}
		trainSeq2Seq(t, train.Data{Train: sets[0], Val: sets[1]}, sets[2], 40, 41, 1500)
	})
}

// trainSeq2Seq trains a default encoder–decoder (batch 64, Adam 1e-3 with a cosine schedule) and
// returns its exact match on test, logging the table by source length.
func trainSeq2Seq(t *testing.T, data train.Data, test datasets.Dataset, maxSrc, maxTgt, steps int) float64 {
	cfg, err := Seq2SeqFor(data.Train.Info(), maxSrc, maxTgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewSeq2Seq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc := train.DefaultConfig()
	tc.Epochs, tc.Steps, tc.Batch, tc.EvalEvery, tc.Sequential, tc.Schedule = 0, steps, 64, 500, true, "cosine"
	tc.OnEval = func(r train.Record) { t.Logf("%v", r) }
	res, err := train.Fit(m, data, tc)
	if err != nil {
		t.Fatal(err)
	}
	sc, _, err := seq2seq.Evaluate(m, test, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d steps in %.0f s, test exact match %.4f", test.Info().Name, res.Steps, res.Elapsed, sc.Exact)
	for _, ls := range sc.ByLength {
		t.Logf("  length %2d: %4d examples, exact match %.3f", ls.Len, ls.N, ls.Exact)
	}
	return sc.Exact
}
