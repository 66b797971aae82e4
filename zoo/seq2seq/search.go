package seq2seq

import (
	"sort"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// StepScores are a Stepper's scores of the next token, one row per hypothesis being extended.
type StepScores struct {
	// LogProb[r][y] is the log-probability that the next token of row r is y; every row spans the
	// whole target vocabulary.
	LogProb [][]float64
	// Attention[r] holds the attention weights of row r's next token over its source's real
	// positions; nil for a model without attention.
	Attention [][]float64
}

// A Stepper scores next tokens for rows of hypotheses, every row decoding one of a fixed set of
// sources (a batch). It is what GreedySearch and BeamSearch need of a model: the searches decide
// which rows to extend with which tokens, the Stepper runs the model. A Stepper serves one search
// at a time; Start begins a new one.
type Stepper interface {
	// Sources is the number of sources, numbered from 0.
	Sources() int
	// EOS is the target id that ends a hypothesis.
	EOS() int
	// MaxLen is the most tokens a hypothesis may hold, EOS included.
	MaxLen() int
	// Start lays out len(src) rows, row r decoding source src[r] from the empty prefix (the
	// decoder reads BOS), and scores every row's first token.
	Start(src []int) (StepScores, error)
	// Step moves every row on by one token and scores the token after it: row r becomes the
	// hypothesis that row from[r] held before the call followed by token tok[r]. A row with
	// from[r] < 0 is no longer used by the search; its scores are not read. Rows keep the source
	// Start gave them, and from[r] is always a row of the same source.
	Step(from, tok []int) (StepScores, error)
}

// checkScores checks a Stepper's scores for rows rows at step t.
func checkScores(sc StepScores, rows, t int) error {
	if len(sc.LogProb) != rows {
		return errors.Errorf("seq2seq: step %d scored %d rows, want %d", t, len(sc.LogProb), rows)
	}
	if sc.Attention != nil && len(sc.Attention) != rows {
		return errors.Errorf("seq2seq: step %d gave attention for %d rows, want %d", t, len(sc.Attention), rows)
	}
	for r, row := range sc.LogProb {
		if len(row) == 0 {
			return errors.Errorf("seq2seq: step %d scored row %d over an empty vocabulary", t, r)
		}
	}
	return nil
}

// checkStepper checks the sizes a search reads from s.
func checkStepper(s Stepper) (n, eos, maxLen int, err error) {
	if s == nil {
		return 0, 0, 0, errors.New("seq2seq: search without a stepper")
	}
	n, eos, maxLen = s.Sources(), s.EOS(), s.MaxLen()
	if n <= 0 {
		return 0, 0, 0, errors.Errorf("seq2seq: a stepper of %d sources", n)
	}
	if maxLen <= 0 {
		return 0, 0, 0, errors.Errorf("seq2seq: a stepper whose hypotheses hold at most %d tokens", maxLen)
	}
	return n, eos, maxLen, nil
}

// attnCopy is a copy of row r of the attention, or nil without attention.
func attnCopy(sc StepScores, r int) []float64 {
	if sc.Attention == nil {
		return nil
	}
	return append([]float64(nil), sc.Attention[r]...)
}

// GreedySearch decodes every source of s by taking the most likely token at each step (the
// first of equal ones), for at most s.MaxLen() tokens, EOS included. It returns one hypothesis
// per source, in order.
func GreedySearch(s Stepper) ([]Hypothesis, error) {
	n, eos, maxLen, err := checkStepper(s)
	if err != nil {
		return nil, err
	}
	src := make([]int, n)
	for i := range src {
		src[i] = i
	}
	sc, err := s.Start(src)
	if err != nil {
		return nil, errors.Wrap(err, "decoding step 0")
	}
	hyps := make([]Hypothesis, n)
	from, tok := make([]int, n), make([]int, n)
	for t := 0; ; t++ {
		if err := checkScores(sc, n, t); err != nil {
			return nil, err
		}
		live := false
		for i := range hyps {
			h := &hyps[i]
			from[i] = -1
			if h.Ended {
				continue
			}
			row := sc.LogProb[i]
			y := nn.Argmax(row)
			h.LogProb += row[y]
			if sc.Attention != nil {
				h.Attention = append(h.Attention, attnCopy(sc, i))
			}
			if y == eos {
				h.Ended = true
				continue
			}
			h.Tokens = append(h.Tokens, y)
			from[i], tok[i] = i, y
			live = true
		}
		if !live || t+1 >= maxLen {
			return hyps, nil
		}
		if sc, err = s.Step(from, tok); err != nil {
			return nil, errors.Wrapf(err, "decoding step %d", t+1)
		}
	}
}

// beamHyp is a hypothesis during the search, with the row holding its state.
type beamHyp struct {
	Hypothesis
	row int
}

// BeamSearch decodes every source of s by beam search of width k (k = 1 is GreedySearch), for
// at most s.MaxLen() tokens. A hypothesis ends at EOS and then competes, with its score, against
// the continuations of the others; the result is the highest-scoring hypothesis (sum of
// log-probabilities, no length normalisation), one per source, in order.
//
// Plain beam search can return a worse hypothesis with a wider beam, since the wider beam may
// prune the path a narrower one follows. BeamSearch therefore runs the searches of every width
// 1…k side by side (k(k+1)/2 rows per source) and returns the best of them, so widening the beam
// never lowers the returned log-probability.
func BeamSearch(s Stepper, k int) ([]Hypothesis, error) {
	if k < 1 {
		return nil, nn.BadField("seq2seq.BeamSearch(k)", k, "must be at least 1")
	}
	n, eos, maxLen, err := checkStepper(s)
	if err != nil {
		return nil, err
	}
	type group struct {
		src, width, start int
		hyps              []beamHyp
		done              bool
	}
	var groups []*group
	var src []int
	for i := 0; i < n; i++ {
		for w := 1; w <= k; w++ {
			groups = append(groups, &group{src: i, width: w, start: len(src), hyps: []beamHyp{{row: len(src)}}})
			for j := 0; j < w; j++ {
				src = append(src, i)
			}
		}
	}
	rows := len(src)
	sc, err := s.Start(src)
	if err != nil {
		return nil, errors.Wrap(err, "decoding step 0")
	}
	type cand struct {
		from  int // index of the hypothesis extended
		tok   int // −1 keeps an ended hypothesis as it is
		score float64
	}
	from, tok := make([]int, rows), make([]int, rows)
	var cands []cand // every group's candidates of a step, one after the other in the same buffer
	for t := 0; ; t++ {
		if err := checkScores(sc, rows, t); err != nil {
			return nil, err
		}
		for r := range from {
			from[r] = -1
		}
		live := false
		for _, gr := range groups {
			if gr.done {
				continue
			}
			cands = cands[:0]
			for j, h := range gr.hyps {
				if h.Ended {
					cands = append(cands, cand{j, -1, h.LogProb})
					continue
				}
				for y, lp := range sc.LogProb[h.row] {
					cands = append(cands, cand{j, y, h.LogProb + lp})
				}
			}
			sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
			if len(cands) > gr.width {
				cands = cands[:gr.width]
			}
			hyps := make([]beamHyp, len(cands))
			gr.done = true
			for j, c := range cands {
				old := gr.hyps[c.from]
				row := gr.start + j
				h := beamHyp{Hypothesis: Hypothesis{Tokens: old.Tokens, Ended: old.Ended, LogProb: c.score,
					Attention: old.Attention}, row: row}
				if c.tok >= 0 {
					h.Tokens = append(append([]int(nil), old.Tokens...), c.tok)
					if sc.Attention != nil {
						h.Attention = append(append([][]float64(nil), old.Attention...), attnCopy(sc, old.row))
					}
					if c.tok == eos {
						h.Tokens, h.Ended = old.Tokens, true
					} else {
						gr.done = false
						from[row], tok[row] = old.row, c.tok
					}
				}
				hyps[j] = h
			}
			gr.hyps = hyps
			live = live || !gr.done
		}
		if !live || t+1 >= maxLen {
			break
		}
		if sc, err = s.Step(from, tok); err != nil {
			return nil, errors.Wrapf(err, "decoding step %d", t+1)
		}
	}
	out := make([]Hypothesis, n)
	found := make([]bool, n)
	for _, gr := range groups {
		for _, h := range gr.hyps {
			if !found[gr.src] || h.LogProb > out[gr.src].LogProb {
				out[gr.src], found[gr.src] = h.Hypothesis, true
			}
		}
	}
	return out, nil
}
