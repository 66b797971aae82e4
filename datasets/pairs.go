package datasets

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// pairSpecials are the first ids of both vocabularies of a PairSet.
var pairSpecials = []string{PadSymbol, BOSSymbol, EOSSymbol, UNKSymbol}

// Tokenize splits a sentence into word tokens: it lower-cases the text, splits it on white space
// and makes every punctuation or symbol character (Unicode classes P and S) a token of its own, so
// "Don't stop!" gives ["don" "'" "t" "stop" "!"]. Letters, digits and marks stay in words.
func Tokenize(s string) []string {
	var toks []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			toks = append(toks, word.String())
			word.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsSpace(r):
			flush()
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			flush()
			toks = append(toks, string(r))
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return toks
}

// PairOptions tune LoadPairs.
type PairOptions struct {
	// MaxVocab limits each side's vocabulary to its MaxVocab most frequent words (ties broken by
	// the words' byte order); the others become UNK. 0 keeps every word.
	MaxVocab int
	// MaxLen drops the pairs whose source or target has more than MaxLen tokens (EOS not counted).
	// 0 keeps every pair.
	MaxLen int
	// Swap makes the second column the source and the first the target.
	Swap bool
}

// PairSet is a sentence-pair translation dataset (Kind Seq2Seq) loaded by LoadPairs. Info.Vocab is
// the source vocabulary and Info.TgtVocab the target one; each starts with PAD = 0, BOS = 1,
// EOS = 2, UNK = 3 and continues with the side's words by decreasing frequency (ties in byte
// order), counted over the pairs kept. Classes is TgtVocab.Size(). Batch layout: see Batch.
type PairSet struct {
	info     Info
	src, tgt [][]int
	// Dropped is the number of pairs the length filter left out.
	Dropped int
}

// LoadPairs reads tab-separated sentence pairs, one per line: "source<TAB>target", optionally
// followed by more tab-separated fields (the attribution of the Tatoeba/Anki files), which are
// ignored. Both sides are split with Tokenize. Empty lines are skipped. A line without a tab, with
// an empty side or that is not valid UTF-8 is an error naming the file and line; so is a file with
// no pairs, or none left after the length filter.
func LoadPairs(path string, opts PairOptions) (*PairSet, error) {
	if opts.MaxVocab < 0 || opts.MaxLen < 0 {
		return nil, errors.Errorf("pairs %s: MaxVocab %d and MaxLen %d must not be negative", path, opts.MaxVocab, opts.MaxLen)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "pairs")
	}
	defer f.Close()
	var srcWords, tgtWords [][]string
	dropped := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if !utf8.ValidString(text) {
			return nil, errors.Errorf("pairs %s:%d: not valid UTF-8", path, line)
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 2 {
			return nil, errors.Errorf("pairs %s:%d: no tab between source and target", path, line)
		}
		a, b := Tokenize(fields[0]), Tokenize(fields[1])
		if len(a) == 0 || len(b) == 0 {
			side := "first"
			if len(a) > 0 {
				side = "second"
			}
			return nil, errors.Errorf("pairs %s:%d: the %s sentence is empty", path, line, side)
		}
		if opts.Swap {
			a, b = b, a
		}
		if opts.MaxLen > 0 && (len(a) > opts.MaxLen || len(b) > opts.MaxLen) {
			dropped++
			continue
		}
		srcWords, tgtWords = append(srcWords, a), append(tgtWords, b)
	}
	if err := sc.Err(); err != nil {
		return nil, errors.Wrapf(err, "pairs %s", path)
	}
	if len(srcWords) == 0 {
		return nil, errors.Errorf("pairs %s: no pairs (%d dropped by the length filter)", path, dropped)
	}
	sv, tv := pairVocab(srcWords, opts.MaxVocab), pairVocab(tgtWords, opts.MaxVocab)
	p := &PairSet{
		info:    Info{Name: "pairs", Kind: Seq2Seq, Classes: tv.Size(), Vocab: sv, TgtVocab: tv},
		src:     make([][]int, len(srcWords)),
		tgt:     make([][]int, len(tgtWords)),
		Dropped: dropped,
	}
	for i := range srcWords {
		p.src[i], _ = sv.Encode(srcWords[i]) // UNK catches every unknown word
		p.tgt[i], _ = tv.Encode(tgtWords[i])
	}
	return p, nil
}

// pairVocab builds the vocabulary of one side: the specials, then the most frequent words.
func pairVocab(sents [][]string, limit int) *Vocabulary {
	count := map[string]int{}
	for _, s := range sents {
		for _, w := range s {
			count[w]++
		}
	}
	for _, sp := range pairSpecials {
		delete(count, sp) // a literal "<unk>" in the text is the UNK token
	}
	words := sortedKeys(count)
	sort.SliceStable(words, func(i, j int) bool { return count[words[i]] > count[words[j]] })
	if limit > 0 && len(words) > limit {
		words = words[:limit]
	}
	return mustVocabulary(append(append([]string(nil), pairSpecials...), words...))
}

// Info describes the pairs.
func (p *PairSet) Info() Info { return p.info }

// Len is the number of pairs.
func (p *PairSet) Len() int { return len(p.src) }

// Pair returns the source and target ids of pair i (shared storage: do not modify).
func (p *PairSet) Pair(i int) (src, tgt []int) { return p.src[i], p.tgt[i] }

// Batch gathers the pairs at the given indices, padded (layout: see Batch, Kind Seq2Seq).
func (p *PairSet) Batch(indices []int) Batch {
	srcs, tgts := make([][]int, len(indices)), make([][]int, len(indices))
	for k, i := range indices {
		srcs[k], tgts[k] = p.src[i], p.tgt[i]
	}
	return seq2seqBatch(srcs, tgts, p.info.Vocab, p.info.TgtVocab)
}
