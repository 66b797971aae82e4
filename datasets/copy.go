package datasets

import (
	"math"

	"github.com/pkg/errors"
)

// Token ids of the copy-memory task.
const (
	CopyBlank     = 0 // the blank, input and target
	CopyDelimiter = 9 // the delimiter: "now repeat the symbols"
	CopyAlphabet  = 8 // symbols 1…8 are the ones to remember
)

// copyVocab is the input vocabulary of the copy task; its first 9 symbols are the targets'.
var copyVocab = mustVocabulary([]string{"_", "1", "2", "3", "4", "5", "6", "7", "8", ":"})
var copyTgtVocab = mustVocabulary([]string{"_", "1", "2", "3", "4", "5", "6", "7", "8"})

// CopyBaseline is the cross-entropy per step (nats) of the memoryless strategy on the copy task
// with S symbols and delay T: predict the blank with certainty for the first T+S steps and a
// uniform guess among the 8 symbols for the last S, scoring S·ln 8 / (T + 2S). A model beats it
// only by remembering the symbols across the delay.
func CopyBaseline(S, T int) float64 {
	return float64(S) * math.Log(CopyAlphabet) / float64(T+2*S)
}

// CopySet is the copy-memory task (Arjovsky, Shah & Bengio 2016), generated on demand: example i
// depends only on the seed and i. An example has T+2S steps (Info.T = T+2S):
//
//	inputs:  a_1 … a_S,  blank × (T−1),  delimiter,  blank × S
//	targets: blank × (T+S),                          a_1 … a_S
//
// with a_j drawn uniformly from the symbols 1…8. Inputs use ids 0…9 (Info.Vocab: 0 blank "_",
// 1…8 the symbols, 9 the delimiter ":"); targets use ids 0…8 (Info.TgtVocab, Classes 9). Batch
// layout: Tokens[n*(T+2S)+t], Targets likewise. The loss is the mean cross-entropy over all
// T+2S steps; CopyBaseline(S, T) is what the memoryless strategy scores.
type CopySet struct {
	info Info
	n    int
	s, t int
	seed uint64
}

// CopyMemory returns n examples of the copy task with S symbols to remember over a delay of T
// steps (see CopySet); the usual settings are S = 10 and T = 100…2000. It is an error for S or T to
// be below 1; n below 0 is treated as 0.
func CopyMemory(n, S, T int, seed uint64) (*CopySet, error) {
	if S < 1 || T < 1 {
		return nil, errors.Errorf("copy: S = %d symbols and delay T = %d; want both at least 1", S, T)
	}
	return &CopySet{
		info: Info{Name: "copy", Kind: Sequence, Classes: copyTgtVocab.Size(), T: T + 2*S, Vocab: copyVocab, TgtVocab: copyTgtVocab},
		n:    max(n, 0), s: S, t: T, seed: seed,
	}, nil
}

// Info describes the task.
func (c *CopySet) Info() Info { return c.info }

// Len is the number of examples.
func (c *CopySet) Len() int { return c.n }

// Batch generates the examples at the given indices (layout: see CopySet). It panics on an index
// outside [0, Len()).
func (c *CopySet) Batch(indices []int) Batch {
	L := c.info.T
	b := Batch{N: len(indices), T: L, Tokens: make([]int, len(indices)*L), Targets: make([]int, len(indices)*L)}
	for k, i := range indices {
		if i < 0 || i >= c.n {
			panic(errors.Errorf("copy: index %d outside [0, %d)", i, c.n))
		}
		rng := exampleRNG(c.seed, streamCopy, i)
		in, out := b.Tokens[k*L:(k+1)*L], b.Targets[k*L:(k+1)*L]
		for j := 0; j < c.s; j++ {
			a := 1 + rng.IntN(CopyAlphabet)
			in[j] = a
			out[c.t+c.s+j] = a
		}
		in[c.s+c.t-1] = CopyDelimiter // the rest is CopyBlank = 0 already
	}
	return b
}
