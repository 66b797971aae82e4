package datasets

import (
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Symbols of the special tokens. A Vocabulary that holds one of them sets the matching id field
// (PAD, BOS, EOS, UNK) to its position.
const (
	PadSymbol = "<pad>" // padding after the end of a shorter sequence in a batch
	BOSSymbol = "<bos>" // beginning of a decoded sequence: the decoder's first input
	EOSSymbol = "<eos>" // end of a sequence: the decoder's last target; the line end in PTB
	UNKSymbol = "<unk>" // a word outside a limited vocabulary
)

// Vocabulary maps token ids 0…Size()-1 to symbols and back. A symbol is a string: one byte for
// character-level text (not necessarily valid UTF-8 on its own), one character for the date and
// list tasks, a word for word-level corpora. Ids are positions in the symbol list the vocabulary was
// built from.
type Vocabulary struct {
	symbols []string
	index   map[string]int

	// Ids of the special symbols, −1 when the vocabulary does not hold them.
	PAD, BOS, EOS, UNK int
}

// NewVocabulary builds a vocabulary whose id i is symbols[i]. The list must be non-empty and
// without duplicates. PAD, BOS, EOS and UNK are the ids of PadSymbol, BOSSymbol, EOSSymbol and
// UNKSymbol, or −1.
func NewVocabulary(symbols []string) (*Vocabulary, error) {
	if len(symbols) == 0 {
		return nil, errors.New("vocabulary: no symbols")
	}
	v := &Vocabulary{
		symbols: append([]string(nil), symbols...),
		index:   make(map[string]int, len(symbols)),
		PAD:     -1, BOS: -1, EOS: -1, UNK: -1,
	}
	for i, s := range v.symbols {
		if j, dup := v.index[s]; dup {
			return nil, errors.Errorf("vocabulary: symbol %q is both id %d and id %d", s, j, i)
		}
		v.index[s] = i
	}
	for sym, id := range map[string]*int{PadSymbol: &v.PAD, BOSSymbol: &v.BOS, EOSSymbol: &v.EOS, UNKSymbol: &v.UNK} {
		if i, ok := v.index[sym]; ok {
			*id = i
		}
	}
	return v, nil
}

// mustVocabulary builds a vocabulary from a fixed list known to be valid.
func mustVocabulary(symbols []string) *Vocabulary {
	v, err := NewVocabulary(symbols)
	if err != nil {
		panic(err)
	}
	return v
}

// Size is the number of symbols.
func (v *Vocabulary) Size() int { return len(v.symbols) }

// Symbols returns a copy of the symbol list, indexed by id.
func (v *Vocabulary) Symbols() []string { return append([]string(nil), v.symbols...) }

// Symbol returns the symbol of id, and "" for an id outside [0, Size()).
func (v *Vocabulary) Symbol(id int) string {
	if id < 0 || id >= len(v.symbols) {
		return ""
	}
	return v.symbols[id]
}

// ID returns the id of sym and whether the vocabulary holds it.
func (v *Vocabulary) ID(sym string) (int, bool) {
	i, ok := v.index[sym]
	return i, ok
}

// Encode maps symbols to ids. A symbol the vocabulary lacks becomes UNK when the vocabulary has
// one, and is an error naming it and its position otherwise.
func (v *Vocabulary) Encode(syms []string) ([]int, error) {
	ids := make([]int, len(syms))
	for i, s := range syms {
		id, ok := v.index[s]
		if !ok {
			if v.UNK < 0 {
				return nil, errors.Errorf("vocabulary: symbol %q at position %d is not in the vocabulary", s, i)
			}
			id = v.UNK
		}
		ids[i] = id
	}
	return ids, nil
}

// Decode maps ids to symbols; an id outside [0, Size()) is an error naming it and its position.
func (v *Vocabulary) Decode(ids []int) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(v.symbols) {
			return nil, errors.Errorf("vocabulary: id %d at position %d is outside [0, %d)", id, i, len(v.symbols))
		}
		out[i] = v.symbols[id]
	}
	return out, nil
}

// checkTokens reports the first id of tokens outside [0, size).
func checkTokens(what string, tokens []int, size int) error {
	for i, id := range tokens {
		if id < 0 || id >= size {
			return errors.Errorf("%s: token %d at position %d is outside the vocabulary [0, %d)", what, id, i, size)
		}
	}
	return nil
}

// Streams of the PCG generator for the sequence tasks (see synthetic.go for the others).
const (
	streamWindows = 16 + iota
	streamAdding
	streamCopy
	streamParity
	streamDates
	streamLists
)

// mix64 is the SplitMix64 finaliser: it spreads nearby inputs over the whole 64-bit range.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// exampleRNG returns the generator of example i of a generated task: its draws depend only on
// (seed, stream, i), so a generated dataset needs no storage and any example can be made alone.
func exampleRNG(seed, stream uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(mix64(seed^mix64(stream)), mix64(uint64(i)^(stream<<56))))
}

// seq2seqBatch pads sources and targets into a Seq2Seq batch (layout: see Batch).
func seq2seqBatch(srcs, tgts [][]int, src, tgt *Vocabulary) Batch {
	n := len(srcs)
	b := Batch{N: n, SrcLen: make([]int, n), TgtLen: make([]int, n)}
	for i := range srcs {
		b.SrcLen[i] = len(srcs[i])
		b.TgtLen[i] = len(tgts[i]) + 1
		b.SrcT = max(b.SrcT, b.SrcLen[i])
		b.TgtT = max(b.TgtT, b.TgtLen[i])
	}
	b.Src = make([]int, n*b.SrcT)
	b.Tgt = make([]int, n*b.TgtT)
	b.TgtIn = make([]int, n*b.TgtT)
	for i := range srcs {
		row := b.Src[i*b.SrcT : (i+1)*b.SrcT]
		copy(row, srcs[i])
		for j := len(srcs[i]); j < b.SrcT; j++ {
			row[j] = src.PAD
		}
		out := b.Tgt[i*b.TgtT : (i+1)*b.TgtT]
		in := b.TgtIn[i*b.TgtT : (i+1)*b.TgtT]
		l := len(tgts[i])
		copy(out, tgts[i])
		out[l] = tgt.EOS
		in[0] = tgt.BOS
		copy(in[1:], tgts[i])
		for t := l + 1; t < b.TgtT; t++ {
			out[t], in[t] = tgt.PAD, tgt.PAD
		}
	}
	return b
}
