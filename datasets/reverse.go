package datasets

import (
	"slices"
	"strconv"

	"github.com/pkg/errors"
)

// ListOp is what a list task asks of the target.
type ListOp int

const (
	// ReverseOp: the target is the source backwards.
	ReverseOp ListOp = iota
	// SortOp: the target is the source sorted in increasing id order (equal symbols kept).
	SortOp
)

// listSpecials are the first ids of every list vocabulary.
var listSpecials = []string{PadSymbol, BOSSymbol, EOSSymbol}

// ListSet is a long-range seq2seq task over random token lists, generated on demand (example i
// depends only on the seed and i): a source of L tokens, L uniform in MinLen…MaxLen, each drawn
// uniformly from K symbols, is to be reversed (ReverseOp) or sorted (SortOp). Reversal makes the
// first output depend on the last input and the last on the first, so the distance the model must
// carry information grows with L: length is the difficulty knob.
//
// One vocabulary serves source and target (Info.Vocab == Info.TgtVocab): PAD = 0, BOS = 1,
// EOS = 2, and symbol j = 0…K−1 (written as the decimal j) has id 3+j; Classes = K+3. Batch
// layout: see Batch, Kind Seq2Seq (TgtLen = SrcLen+1).
type ListSet struct {
	info              Info
	op                ListOp
	n, minLen, maxLen int
	seed              uint64
}

// Reverse returns n examples of list reversal, lengths minLen…maxLen over K symbols (see ListSet).
func Reverse(n, minLen, maxLen, K int, seed uint64) (*ListSet, error) {
	return newLists(ReverseOp, n, minLen, maxLen, K, seed)
}

// SortList returns n examples of list sorting, lengths minLen…maxLen over K symbols (see ListSet).
func SortList(n, minLen, maxLen, K int, seed uint64) (*ListSet, error) {
	return newLists(SortOp, n, minLen, maxLen, K, seed)
}

// newLists checks the arguments: lengths 1 ≤ minLen ≤ maxLen and K ≥ 1 symbols; n below 0 is
// treated as 0.
func newLists(op ListOp, n, minLen, maxLen, K int, seed uint64) (*ListSet, error) {
	name := map[ListOp]string{ReverseOp: "reverse", SortOp: "sort"}[op]
	if minLen < 1 || maxLen < minLen {
		return nil, errors.Errorf("%s: lengths %d…%d; want 1 ≤ min ≤ max", name, minLen, maxLen)
	}
	if K < 1 {
		return nil, errors.Errorf("%s: %d symbols; want at least 1", name, K)
	}
	syms := append([]string(nil), listSpecials...)
	for j := 0; j < K; j++ {
		syms = append(syms, strconv.Itoa(j))
	}
	v := mustVocabulary(syms)
	return &ListSet{
		info: Info{Name: name, Kind: Seq2Seq, Classes: v.Size(), Vocab: v, TgtVocab: v},
		op:   op, n: max(n, 0), minLen: minLen, maxLen: maxLen, seed: seed,
	}, nil
}

// Info describes the task.
func (l *ListSet) Info() Info { return l.info }

// Len is the number of examples.
func (l *ListSet) Len() int { return l.n }

// Example returns the source and target ids of example i. It panics on an index outside [0, Len()).
func (l *ListSet) Example(i int) (src, tgt []int) {
	if i < 0 || i >= l.n {
		panic(errors.Errorf("%s: index %d outside [0, %d)", l.info.Name, i, l.n))
	}
	rng := exampleRNG(l.seed, streamLists+uint64(l.op)<<8, i)
	k := l.info.Vocab.Size() - len(listSpecials)
	src = make([]int, l.minLen+rng.IntN(l.maxLen-l.minLen+1))
	for j := range src {
		src[j] = len(listSpecials) + rng.IntN(k)
	}
	tgt = slices.Clone(src)
	switch l.op {
	case ReverseOp:
		slices.Reverse(tgt)
	case SortOp:
		slices.Sort(tgt)
	}
	return src, tgt
}

// Batch generates the examples at the given indices, padded (layout: see Batch, Kind Seq2Seq).
func (l *ListSet) Batch(indices []int) Batch {
	srcs, tgts := make([][]int, len(indices)), make([][]int, len(indices))
	for k, i := range indices {
		srcs[k], tgts[k] = l.Example(i)
	}
	return seq2seqBatch(srcs, tgts, l.info.Vocab, l.info.TgtVocab)
}
