package datasets

import "github.com/pkg/errors"

var (
	bitVocab    = mustVocabulary([]string{"0", "1"})
	parityVocab = mustVocabulary([]string{"even", "odd"})
)

// ParitySet is per-step sequence classification: running parity, generated on demand (example i
// depends only on the seed and i). An example is T bits x_0…x_{T−1}, each 0 or 1 with probability
// 1/2, and the label of step t is the parity of the ones seen so far,
//
//	y_t = (x_0 + x_1 + … + x_t) mod 2,
//
// i.e. y_t = y_{t−1} XOR x_t: one bit of state, updated at every step. Info: Kind Sequence, T,
// Vocab {"0", "1"} (the bits), TgtVocab {"even", "odd"}, Classes 2. Batch layout: Tokens[n*T+t] =
// x_t, Targets[n*T+t] = y_t. A model without memory can do no better than chance after the first
// step (accuracy 1/2, cross-entropy ln 2); the first step it can always get right (y_0 = x_0).
type ParitySet struct {
	info Info
	n    int
	seed uint64
}

// RunningParity returns n examples of running parity over T steps (see ParitySet). It is an error
// for T to be below 1; n below 0 is treated as 0.
func RunningParity(n, T int, seed uint64) (*ParitySet, error) {
	if T < 1 {
		return nil, errors.Errorf("parity: T = %d steps; want at least 1", T)
	}
	return &ParitySet{
		info: Info{Name: "parity", Kind: Sequence, Classes: 2, T: T, Vocab: bitVocab, TgtVocab: parityVocab},
		n:    max(n, 0), seed: seed,
	}, nil
}

// Info describes the task.
func (p *ParitySet) Info() Info { return p.info }

// Len is the number of examples.
func (p *ParitySet) Len() int { return p.n }

// Batch generates the examples at the given indices (layout: see ParitySet). It panics on an index
// outside [0, Len()).
func (p *ParitySet) Batch(indices []int) Batch {
	T := p.info.T
	b := Batch{N: len(indices), T: T, Tokens: make([]int, len(indices)*T), Targets: make([]int, len(indices)*T)}
	for k, i := range indices {
		if i < 0 || i >= p.n {
			panic(errors.Errorf("parity: index %d outside [0, %d)", i, p.n))
		}
		rng := exampleRNG(p.seed, streamParity, i)
		parity := 0
		for t := 0; t < T; t++ {
			x := int(rng.Uint64() & 1)
			parity ^= x
			b.Tokens[k*T+t], b.Targets[k*T+t] = x, parity
		}
	}
	return b
}
