package seq2seq

import (
	"slices"
	"testing"
)

// TestPretrainedReproducesItsExactMatch decodes the 1000 held-out test dates with the shipped
// weights: the exact match is the one stated (PretrainedExact, the README's figure) and at least
// 99.5%.
func TestPretrainedReproducesItsExactMatch(t *testing.T) {
	m, err := Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	data, err := DateSplits(1, PretrainedDataSeed)
	if err != nil {
		t.Fatal(err)
	}
	sc, dec, err := m.Evaluate(data.Test, 250, 1)
	if err != nil {
		t.Fatal(err)
	}
	if sc.N != DateTest || sc.Exact != PretrainedExact {
		t.Errorf("exact match %.4f on %d test dates, the package states %.4f", sc.Exact, sc.N, PretrainedExact)
	}
	if sc.Exact < 0.995 {
		t.Errorf("exact match %.4f < 0.995", sc.Exact)
	}
	for _, d := range dec {
		if !d.Out.Ended || !slices.Equal(d.Out.Tokens, d.Tgt) {
			t.Logf("wrong: %v → %v (want %v)", d.Src, d.Out.Tokens, d.Tgt)
		}
	}
}
