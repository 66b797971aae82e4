package seq2seq

import (
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// longRange trains a small model with or without attention on list reversal and returns its
// test scores by length.
func longRange(t *testing.T, attention string, steps, minLen, maxLen int) Scores {
	t.Helper()
	const batch = 32
	tr, err := datasets.Reverse(steps*batch, minLen, maxLen, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	test, err := datasets.Reverse(300, minLen, maxLen, 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Cell: "gru", Embed: 16, Hidden: 32, Layers: 1, Bidirectional: true, Attention: attention,
		AttnDim: 32, Seed: 1}.FromInfo(tr.Info(), maxLen, maxLen+1)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc := train.DefaultConfig()
	tc.Steps, tc.Batch, tc.Sequential, tc.LR, tc.EvalEvery = steps, batch, true, 3e-3, steps
	if _, err := train.Fit(m, train.Data{Train: tr}, tc); err != nil {
		t.Fatal(err)
	}
	sc, _, err := m.Evaluate(test, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// byLen averages exact match and token accuracy over the source lengths in [lo, hi],
// weighted by examples.
func byLen(sc Scores, lo, hi int) (exact, token float64) {
	n := 0
	for _, l := range sc.ByLength {
		if l.Len >= lo && l.Len <= hi {
			exact += l.Exact * float64(l.N)
			token += l.TokenAcc * float64(l.N)
			n += l.N
		}
	}
	return exact / float64(n), token / float64(n)
}

// TestAttentionHoldsWhereTheContextVectorBreaks is the small version of the long-range
// comparison (Bahdanau et al. 2015, figure 2): the same model and budget (150 steps of 32 lists
// of 3 to 10 symbols to reverse) with and without attention. Without attention the fixed
// context vector copes with short lists and fails on long ones; with attention long lists are
// reversed as well as short ones. The full table is `zoo compare`'s.
func TestAttentionHoldsWhereTheContextVectorBreaks(t *testing.T) {
	attn := longRange(t, AttnAdditive, 150, 3, 10)
	none := longRange(t, AttnNone, 150, 3, 10)
	for _, sc := range []struct {
		name string
		s    Scores
	}{{"attention", attn}, {"none", none}} {
		for _, l := range sc.s.ByLength {
			t.Logf("%-9s length %2d: %3d examples, exact %.3f, token accuracy %.3f", sc.name, l.Len, l.N, l.Exact, l.TokenAcc)
		}
	}
	aLongExact, aLong := byLen(attn, 8, 10)
	_, aShort := byLen(attn, 3, 4)
	nLongExact, nLong := byLen(none, 8, 10)
	_, nShort := byLen(none, 3, 4)
	if aLongExact < 0.8 || aShort-aLong > 0.05 {
		t.Errorf("attention: lists of 8–10 exact %.3f (want ≥ 0.8), token accuracy %.3f vs %.3f on 3–4", aLongExact, aLong, aShort)
	}
	if nLongExact > 0.2 || nShort-nLong < 0.3 {
		t.Errorf("no attention: lists of 8–10 exact %.3f (want ≤ 0.2), token accuracy %.3f vs %.3f on 3–4 (want a drop ≥ 0.3)", nLongExact, nLong, nShort)
	}
	if aLong-nLong < 0.3 {
		t.Errorf("on lists of 8–10 attention reaches token accuracy %.3f, the context vector %.3f", aLong, nLong)
	}
}
