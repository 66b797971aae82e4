package seq2seq_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
)

// scriptModel is a model that writes a fixed output for each source, chosen by the source's
// first token: at every step the script's next token (EOS once the script is done) has
// probability 0.9 and the other tokens share the rest.
type scriptModel struct {
	scripts map[int][]int
	maxLen  int
}

const (
	scriptEOS   = 0
	scriptVocab = 10
)

func (d scriptModel) NewStepper(b datasets.Batch) (seq2seq.Stepper, error) {
	s := &scriptStepper{d: d}
	for i := 0; i < b.N; i++ {
		sc, ok := d.scripts[b.Src[i*b.SrcT]]
		if !ok {
			return nil, errors.Errorf("no script for source %v", b.Src[i*b.SrcT:(i+1)*b.SrcT])
		}
		s.src = append(s.src, sc)
	}
	return s, nil
}

// scriptStepper follows every row's prefix, so the scores depend on what the search extends.
type scriptStepper struct {
	d      scriptModel
	src    [][]int // the script of each source
	rows   []int   // the source of each row
	prefix [][]int // the tokens of each row
}

func (s *scriptStepper) Sources() int { return len(s.src) }
func (s *scriptStepper) EOS() int     { return scriptEOS }
func (s *scriptStepper) MaxLen() int  { return s.d.maxLen }

func (s *scriptStepper) Start(src []int) (seq2seq.StepScores, error) {
	s.rows, s.prefix = append([]int(nil), src...), make([][]int, len(src))
	return s.score(), nil
}

func (s *scriptStepper) Step(from, tok []int) (seq2seq.StepScores, error) {
	next := make([][]int, len(s.rows))
	for r, f := range from {
		if f >= 0 {
			next[r] = append(append([]int(nil), s.prefix[f]...), tok[r])
		}
	}
	s.prefix = next
	return s.score(), nil
}

func (s *scriptStepper) score() seq2seq.StepScores {
	var sc seq2seq.StepScores
	for r, p := range s.prefix {
		script, want := s.src[s.rows[r]], scriptEOS
		if len(p) < len(script) {
			want = script[len(p)]
		}
		row := make([]float64, scriptVocab)
		for y := range row {
			row[y] = math.Log(0.1 / (scriptVocab - 1))
		}
		row[want] = math.Log(0.9)
		sc.LogProb = append(sc.LogProb, row)
	}
	return sc
}

// pairSet is a seq2seq dataset of explicit source and target ids, batched as datasets lay
// batches out (padded, EOS after the target).
type pairSet struct{ src, tgt [][]int }

func (p pairSet) Info() datasets.Info {
	return datasets.Info{Name: "pairs by hand", Kind: datasets.Seq2Seq}
}
func (p pairSet) Len() int { return len(p.src) }
func (p pairSet) Batch(idx []int) datasets.Batch {
	b := datasets.Batch{N: len(idx)}
	for _, i := range idx {
		b.SrcT, b.TgtT = max(b.SrcT, len(p.src[i])), max(b.TgtT, len(p.tgt[i])+1)
	}
	b.Src, b.Tgt, b.TgtIn = make([]int, b.N*b.SrcT), make([]int, b.N*b.TgtT), make([]int, b.N*b.TgtT)
	for n, i := range idx {
		copy(b.Src[n*b.SrcT:], p.src[i])
		copy(b.Tgt[n*b.TgtT:], p.tgt[i]) // then EOS = 0 and padding 0
		copy(b.TgtIn[n*b.TgtT+1:], p.tgt[i])
		b.SrcLen = append(b.SrcLen, len(p.src[i]))
		b.TgtLen = append(b.TgtLen, len(p.tgt[i])+1)
	}
	return b
}

// TestEvaluateByHand decodes four examples through the shared Evaluate, in batches of 3 and 1,
// greedily and with a beam of 2 (which the script makes agree), and checks exact match, token
// accuracy, BLEU and the breakdown by source length against values worked out by hand.
func TestEvaluateByHand(t *testing.T) {
	d := scriptModel{maxLen: 6, scripts: map[int][]int{
		1: {1, 2, 3, 4, 5},
		2: {1, 2, 3, 4, 5},
		3: {7, 8},
		4: {2, 2, 2, 2, 2, 2, 2, 2}, // longer than maxLen: six tokens, no EOS
	}}
	ds := pairSet{
		src: [][]int{{1}, {2, 3}, {3, 4}, {4, 5, 6}},
		tgt: [][]int{{1, 2, 3, 4, 5}, {1, 2, 3, 4, 6}, {7, 8, 9}, {2, 2}},
	}
	// Token accuracy, target positions and EOS: 6/6, 5/6 (the last token), 2/4 (EOS early, then
	// nothing), 2/3 (no EOS): 15/19. Exact: the first example only.
	// BLEU (output lengths 18 ≥ reference lengths 15, no brevity penalty): clipped n-gram matches
	// 1-grams 5+4+2+2 of 5+5+2+6, 2-grams 4+3+1+1 of 4+4+1+5, 3-grams 3+2+0+0 of 3+3+0+4,
	// 4-grams 2+1+0+0 of 2+2+0+3.
	bleu := math.Pow(13.0/18*9.0/14*5.0/10*3.0/7, 0.25)
	wantLen := []seq2seq.LengthScore{{Len: 1, N: 1, Exact: 1, TokenAcc: 1}, {Len: 2, N: 2, Exact: 0, TokenAcc: 7.0 / 10},
		{Len: 3, N: 1, Exact: 0, TokenAcc: 2.0 / 3}}
	for _, beam := range []int{1, 2} {
		sc, dec, err := seq2seq.Evaluate(d, ds, 3, beam)
		if err != nil {
			t.Fatal(err)
		}
		if sc.N != 4 || sc.Exact != 0.25 || math.Abs(sc.TokenAcc-15.0/19) > 1e-15 || math.Abs(sc.BLEU-bleu) > 1e-12 {
			t.Errorf("beam %d: %d examples, exact %v, token accuracy %v, BLEU %.15g; want 4, 0.25, 15/19, %.15g",
				beam, sc.N, sc.Exact, sc.TokenAcc, sc.BLEU, bleu)
		}
		if len(sc.ByLength) != len(wantLen) {
			t.Fatalf("beam %d: by length %+v, want %+v", beam, sc.ByLength, wantLen)
		}
		for i, w := range wantLen {
			if g := sc.ByLength[i]; g.Len != w.Len || g.N != w.N || g.Exact != w.Exact || math.Abs(g.TokenAcc-w.TokenAcc) > 1e-15 {
				t.Errorf("beam %d: by length %+v, want %+v", beam, g, w)
			}
		}
		if len(dec) != 4 || len(dec[3].Out.Tokens) != 6 || dec[3].Out.Ended || !dec[2].Out.Ended ||
			len(dec[1].Src) != 2 || len(dec[2].Tgt) != 3 {
			t.Errorf("beam %d: decoded examples %+v", beam, dec)
		}
	}

	if _, _, err := seq2seq.Evaluate(nil, ds, 3, 1); err == nil {
		t.Error("no model accepted")
	}
	if _, _, err := seq2seq.Evaluate(d, pairSet{}, 3, 1); err == nil {
		t.Error("an empty dataset accepted")
	}
	if _, _, err := seq2seq.Evaluate(d, ds, 0, 1); err == nil {
		t.Error("batch 0 accepted")
	}
	bad := pairSet{src: [][]int{{1}, {9}}, tgt: [][]int{{1}, {1}}}
	if _, _, err := seq2seq.Evaluate(d, bad, 1, 1); err == nil || !strings.Contains(err.Error(), "no script") {
		t.Errorf("a stepper that cannot be made: error %v", err)
	}
}
