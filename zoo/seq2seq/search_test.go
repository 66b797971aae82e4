package seq2seq_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// tableStepper is a model given by a table: the probabilities of the next token (0 = EOS, 1 = a,
// 2 = b) after each prefix, the same for every source; prefixes not in the table use "*". It
// tracks every row's prefix, so it checks that the searches extend the rows they say.
type tableStepper struct {
	probs  map[string][3]float64
	n, max int
	rows   []string
	steps  int
}

func (s *tableStepper) Sources() int { return s.n }
func (s *tableStepper) EOS() int     { return 0 }
func (s *tableStepper) MaxLen() int  { return s.max }

func (s *tableStepper) Start(src []int) (seq2seq.StepScores, error) {
	s.rows, s.steps = make([]string, len(src)), 0
	return s.score()
}

func (s *tableStepper) Step(from, tok []int) (seq2seq.StepScores, error) {
	next := make([]string, len(s.rows))
	for r, f := range from {
		if f >= 0 {
			next[r] = s.rows[f] + "ab"[tok[r]-1:tok[r]]
		}
	}
	s.rows = next
	s.steps++
	return s.score()
}

func (s *tableStepper) score() (seq2seq.StepScores, error) {
	var sc seq2seq.StepScores
	for _, p := range s.rows {
		pr, ok := s.probs[p]
		if !ok {
			pr = s.probs["*"]
		}
		sc.LogProb = append(sc.LogProb, []float64{math.Log(pr[0]), math.Log(pr[1]), math.Log(pr[2])})
	}
	return sc, nil
}

// garden is a table where the likelier first token leads to the less likely output:
// greedy writes "aa" (0.5·0.35·0.5 = 0.0875), a beam of 2 finds "b" (0.4·0.9 = 0.36).
func garden(n int) *tableStepper {
	return &tableStepper{n: n, max: 3, probs: map[string][3]float64{
		"":  {0.1, 0.5, 0.4},
		"a": {0.3, 0.35, 0.35},
		"b": {0.9, 0.05, 0.05},
		"*": {0.5, 0.25, 0.25},
	}}
}

func spell(tokens []int) string {
	var sb strings.Builder
	for _, y := range tokens {
		sb.WriteByte("_ab"[y])
	}
	return sb.String()
}

// Greedy and beam search over any model that implements Stepper: here a table of next-token
// probabilities in which the likelier first token leads to the less likely output.
func ExampleBeamSearch() {
	g, err := seq2seq.GreedySearch(garden(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("greedy: %q p=%.4f\n", spell(g[0].Tokens), math.Exp(g[0].LogProb))
	for _, k := range []int{1, 2} {
		hyps, err := seq2seq.BeamSearch(garden(1), k)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("beam %d: %q p=%.4f ended=%v\n", k, spell(hyps[0].Tokens), math.Exp(hyps[0].LogProb), hyps[0].Ended)
	}
	// Output:
	// greedy: "aa" p=0.0875
	// beam 1: "aa" p=0.0875 ended=true
	// beam 2: "b" p=0.3600 ended=true
}

// TestSearchByHand checks both searches on the hand-computed table, for several sources at once,
// with a length limit that cuts hypotheses short, and their errors.
func TestSearchByHand(t *testing.T) {
	check := func(name string, h seq2seq.Hypothesis, tokens string, p float64, ended bool) {
		t.Helper()
		if spell(h.Tokens) != tokens || math.Abs(h.LogProb-math.Log(p)) > 1e-12 || h.Ended != ended || h.Attention != nil {
			t.Errorf("%s: %q p=%.6g ended=%v, want %q p=%.6g ended=%v", name, spell(h.Tokens), math.Exp(h.LogProb), h.Ended, tokens, p, ended)
		}
	}
	s := garden(3)
	g, err := seq2seq.GreedySearch(s)
	if err != nil || len(g) != 3 {
		t.Fatalf("greedy: %d hypotheses, %v", len(g), err)
	}
	if s.steps != 2 {
		t.Errorf("greedy ran %d steps after Start, want 2", s.steps)
	}
	for k := 1; k <= 4; k++ {
		hyps, err := seq2seq.BeamSearch(garden(3), k)
		if err != nil {
			t.Fatal(err)
		}
		for i := range hyps {
			check("greedy", g[i], "aa", 0.0875, true)
			if k == 1 {
				check("beam 1", hyps[i], "aa", 0.0875, true)
			} else {
				check(fmt.Sprintf("beam %d", k), hyps[i], "b", 0.36, true)
			}
		}
	}
	// Two tokens at most: greedy stops after "a" then "a", without EOS (0.5·0.35).
	short := garden(1)
	short.max = 2
	if g, err := seq2seq.GreedySearch(short); err != nil {
		t.Fatal(err)
	} else {
		check("greedy, 2 tokens", g[0], "aa", 0.175, false)
	}
	if _, err := seq2seq.BeamSearch(garden(1), 0); err == nil {
		t.Error("beam 0 accepted")
	}
	if _, err := seq2seq.GreedySearch(nil); err == nil {
		t.Error("nil stepper accepted")
	}
	if _, err := seq2seq.GreedySearch(&tableStepper{n: 0, max: 3}); err == nil {
		t.Error("a stepper of no sources accepted")
	}
	if _, err := seq2seq.BeamSearch(&wrongRows{garden(2)}, 2); err == nil || !strings.Contains(err.Error(), "rows") {
		t.Errorf("scores for the wrong number of rows: error %v", err)
	}
}

// wrongRows scores one row too few.
type wrongRows struct{ *tableStepper }

func (w *wrongRows) Start(src []int) (seq2seq.StepScores, error) {
	sc, err := w.tableStepper.Start(src)
	sc.LogProb = sc.LogProb[1:]
	return sc, err
}
