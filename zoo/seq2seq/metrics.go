package seq2seq

import (
	"math"
	"slices"
	"sort"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/pkg/errors"
)

// Names of the decoding metrics, as the command reports them and a run's JSON records them: a
// misspelt name does not compile.
const (
	MetricExact    = "exact"     // Scores.Exact
	MetricTokenAcc = "token_acc" // Scores.TokenAcc
	MetricBLEU     = "bleu"      // Scores.BLEU
)

// LengthScore is the accuracy of the examples of one source length.
type LengthScore struct {
	Len      int     `json:"len"`       // source length in tokens
	N        int     `json:"n"`         // examples of that length
	Exact    float64 `json:"exact"`     // their exact match, as Scores.Exact
	TokenAcc float64 `json:"token_acc"` // their token accuracy, as Scores.TokenAcc
}

// Scores are the figures of one decoding pass over a dataset.
type Scores struct {
	N int `json:"n"` // examples decoded
	// Exact is the fraction of outputs equal to their target (same tokens, then EOS).
	Exact float64 `json:"exact"`
	// TokenAcc is the fraction of target positions (EOS included) where the output has the
	// target's token.
	TokenAcc float64 `json:"token_acc"`
	// BLEU is corpus BLEU-4 (Papineni et al. 2002) of the outputs against the targets, in [0, 1].
	BLEU float64 `json:"bleu"`
	// ByLength breaks exact match and token accuracy down by source length, shortest first.
	ByLength []LengthScore `json:"by_length"`
}

// Decoded is one example's source, target and output, as ids.
type Decoded struct {
	Src, Tgt []int      // the source; the target without EOS
	Out      Hypothesis // what the search decoded
}

// Evaluate decodes every example of ds with the model m (Model, or the transformer's
// encoder–decoder), batch examples at a time, greedily (beam ≤ 1, GreedySearch) or by BeamSearch
// of width beam over m's Stepper, and scores the outputs against the targets (Score, with the
// Stepper's EOS). It returns the scores and every decoded example in order.
func Evaluate(m Searcher, ds datasets.Dataset, batch, beam int) (Scores, []Decoded, error) {
	if m == nil {
		return Scores{}, nil, errors.New("seq2seq: evaluation without a model")
	}
	if ds == nil || ds.Len() == 0 {
		return Scores{}, nil, errors.New("seq2seq: nothing to evaluate")
	}
	if batch <= 0 {
		return Scores{}, nil, errors.Errorf("seq2seq: evaluation batch %d must be positive", batch)
	}
	var all []Decoded
	eos := 0
	for _, idx := range datasets.Epoch(ds.Len(), batch, nil, false) {
		b := ds.Batch(idx)
		s, err := m.NewStepper(b)
		if err != nil {
			return Scores{}, nil, err
		}
		var hyps []Hypothesis
		if beam > 1 {
			hyps, err = BeamSearch(s, beam)
		} else {
			hyps, err = GreedySearch(s)
		}
		if err != nil {
			return Scores{}, nil, err
		}
		if len(hyps) != b.N {
			return Scores{}, nil, errors.Errorf("seq2seq: decoding a batch of %d examples gave %d outputs", b.N, len(hyps))
		}
		eos = s.EOS()
		for i, h := range hyps {
			e := Decoded{Out: h}
			e.Src = append(e.Src, b.Src[i*b.SrcT:i*b.SrcT+b.SrcLen[i]]...)
			e.Tgt = append(e.Tgt, b.Tgt[i*b.TgtT:i*b.TgtT+b.TgtLen[i]-1]...)
			all = append(all, e)
		}
	}
	return Score(all, eos), all, nil
}

// Evaluate is Evaluate(m, ds, batch, beam): the model's outputs on ds, scored.
func (m *Model) Evaluate(ds datasets.Dataset, batch, beam int) (Scores, []Decoded, error) {
	return Evaluate(m, ds, batch, beam)
}

// Score computes exact match, token accuracy, BLEU and the breakdown by source length of decoded
// examples; eos is the target EOS id, against which the position after the tokens is scored.
func Score(ds []Decoded, eos int) Scores {
	s := Scores{N: len(ds)}
	if len(ds) == 0 {
		return s
	}
	type acc struct{ n, exact, right, total int }
	byLen := map[int]*acc{}
	all := &acc{}
	var hyps, refs [][]int
	for _, d := range ds {
		a := byLen[len(d.Src)]
		if a == nil {
			a = &acc{}
			byLen[len(d.Src)] = a
		}
		out := d.Out.Tokens
		exact := d.Out.Ended && slices.Equal(out, d.Tgt)
		right := 0
		for t := 0; t <= len(d.Tgt); t++ {
			want, got := eos, -1
			if t < len(d.Tgt) {
				want = d.Tgt[t]
			}
			switch {
			case t < len(out):
				got = out[t]
			case t == len(out) && d.Out.Ended:
				got = eos
			}
			if got == want {
				right++
			}
		}
		for _, x := range []*acc{a, all} {
			x.n++
			x.right += right
			x.total += len(d.Tgt) + 1
			if exact {
				x.exact++
			}
		}
		hyps, refs = append(hyps, out), append(refs, d.Tgt)
	}
	s.Exact = float64(all.exact) / float64(all.n)
	s.TokenAcc = float64(all.right) / float64(all.total)
	s.BLEU = BLEU(hyps, refs)
	for l, a := range byLen {
		s.ByLength = append(s.ByLength, LengthScore{Len: l, N: a.n, Exact: float64(a.exact) / float64(a.n),
			TokenAcc: float64(a.right) / float64(a.total)})
	}
	sort.Slice(s.ByLength, func(i, j int) bool { return s.ByLength[i].Len < s.ByLength[j].Len })
	return s
}

// BLEU is corpus BLEU-4 of hypotheses against one reference each (Papineni et al. 2002): the
// geometric mean of the clipped n-gram precisions for n = 1…4, each summed over the corpus,
// times the brevity penalty exp(1 − r/c) when the hypotheses' total length c is below the
// references' r. It is 0 when some precision is 0 (no smoothing), as sacrebleu's default.
func BLEU(hyps, refs [][]int) float64 {
	const N = 4
	var match, total [N]int
	c, r := 0, 0
	for i := range hyps {
		if i >= len(refs) {
			break
		}
		h, ref := hyps[i], refs[i]
		c += len(h)
		r += len(ref)
		for n := 1; n <= N; n++ {
			counts := ngrams(ref, n)
			for g, k := range ngrams(h, n) {
				match[n-1] += min(k, counts[g])
				total[n-1] += k
			}
		}
	}
	if c == 0 {
		return 0
	}
	logp := 0.0
	for n := 0; n < N; n++ {
		if match[n] == 0 || total[n] == 0 {
			return 0
		}
		logp += math.Log(float64(match[n])/float64(total[n])) / N
	}
	bp := 1.0
	if c < r {
		bp = math.Exp(1 - float64(r)/float64(c))
	}
	return bp * math.Exp(logp)
}

// ngrams counts the n-grams of s, keyed by their ids.
func ngrams(s []int, n int) map[[4]int]int {
	out := map[[4]int]int{}
	for i := 0; i+n <= len(s); i++ {
		var k [4]int
		for j := range k {
			k[j] = -1
		}
		copy(k[:], s[i:i+n])
		out[k]++
	}
	return out
}
