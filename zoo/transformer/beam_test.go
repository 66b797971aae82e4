package transformer

import (
	"math"
	"slices"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// teacherScore is the log-probability the model gives source e of b followed by tokens (and EOS
// when ended), read from the training graph with the tokens as the decoder's inputs; with greedy
// it also checks that every token is the most likely one at its position.
func teacherScore(t *testing.T, m *Seq2Seq, b datasets.Batch, e int, h seq2seq.Hypothesis, greedy bool) float64 {
	t.Helper()
	cfg := m.Config
	T, V := cfg.MaxTgt, cfg.TgtVocab
	out := append([]int(nil), h.Tokens...)
	if h.Ended {
		out = append(out, cfg.EOS)
	}
	in := append([]int{cfg.BOS}, h.Tokens...)[:len(out)]
	one := datasets.Batch{N: 1, SrcT: b.SrcT, Src: b.Src[e*b.SrcT : (e+1)*b.SrcT], SrcLen: []int{b.SrcLen[e]},
		TgtT: len(out), TgtIn: in, Tgt: out, TgtLen: []int{len(out)}}
	g, err := m.Build(1, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Feed(one); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	logits := nn.Float64s(g.Output())
	sum := 0.0
	for p, y := range out {
		row := nn.LogSoftmax(logits[p*V : (p+1)*V])
		sum += row[y]
		for j, lp := range row {
			if greedy && (lp > row[y] || lp == row[y] && j < y) {
				t.Errorf("example %d: greedy output %d is %d, the most likely token is %d", e, p, y, j)
			}
		}
	}
	if len(out) > T {
		t.Fatalf("example %d: %d tokens, the model writes at most %d", e, len(out), T)
	}
	return sum
}

// TestSeq2SeqBeam: the encoder–decoder decodes through seq2seq's searches. Beam width 1 is
// Greedy token for token, score for score and attention for attention; width 3 never scores
// lower than width 1 and beats it somewhere; every returned score is the sum of the
// log-probabilities the training graph gives the returned tokens.
func TestSeq2SeqBeam(t *testing.T) {
	ds, err := datasets.Reverse(8, 2, 5, 4, 11)
	if err != nil {
		t.Fatal(err)
	}
	m := tinySeq2Seq(t, ds.Info(), 6)
	b := ds.Batch([]int{0, 1, 2, 3, 4, 5, 6, 7})
	out, att, err := m.Greedy(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewStepper(b)
	if err != nil {
		t.Fatal(err)
	}
	greedy, err := seq2seq.GreedySearch(s)
	if err != nil {
		t.Fatal(err)
	}
	one, err := m.Beam(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, err := m.Beam(b, 3)
	if err != nil {
		t.Fatal(err)
	}
	better := 0
	for e := 0; e < b.N; e++ {
		g, b1, b3 := greedy[e], one[e], three[e]
		if !slices.Equal(g.Tokens, out[e]) || len(g.Attention) != len(att[e]) {
			t.Errorf("example %d: Greedy %v, GreedySearch %v", e, out[e], g.Tokens)
		}
		if !slices.Equal(g.Tokens, b1.Tokens) || g.LogProb != b1.LogProb || g.Ended != b1.Ended || len(g.Attention) != len(b1.Attention) {
			t.Errorf("example %d: greedy %v %.17g, beam 1 %v %.17g", e, g.Tokens, g.LogProb, b1.Tokens, b1.LogProb)
		}
		for p := range g.Attention {
			for j := range g.Attention[p] {
				if g.Attention[p][j] != b1.Attention[p][j] {
					t.Fatalf("example %d: attention of output %d differs at source position %d", e, p, j)
				}
			}
		}
		if b3.LogProb < b1.LogProb {
			t.Errorf("example %d: beam 3 scores %.12g < beam 1's %.12g", e, b3.LogProb, b1.LogProb)
		}
		if b3.LogProb > b1.LogProb+1e-9 {
			better++
		}
		for i, h := range []seq2seq.Hypothesis{g, b3} {
			if got := teacherScore(t, m, b, e, h, i == 0); math.Abs(got-h.LogProb) > 1e-9 {
				t.Errorf("example %d: score %.12g, its tokens %v score %.12g", e, h.LogProb, h.Tokens, got)
			}
			if len(h.Attention) != len(h.Tokens)+map[bool]int{true: 1}[h.Ended] || len(h.Attention[0]) != b.SrcLen[e] {
				t.Errorf("example %d: %d attention rows of %d for %d tokens", e, len(h.Attention), len(h.Attention[0]), len(h.Tokens))
			}
		}
	}
	if better == 0 {
		t.Error("beam 3 never beat beam 1: the search is not searching")
	}
	if _, err := m.Beam(b, 0); err == nil {
		t.Error("beam 0 accepted")
	}
	if _, err := m.NewStepper(datasets.Batch{N: 1, SrcT: 2, Src: []int{1}, SrcLen: []int{2}}); err == nil {
		t.Error("a batch of 1 token for a source of 2 accepted")
	}
}
