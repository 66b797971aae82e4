package datasets

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Level is how a Tokenizer cuts text into the symbols of its vocabulary, and how it joins them
// back.
type Level string

// The levels of the zoo's tasks.
const (
	// LevelBytes makes every byte a symbol (character-level text: Text, the Opticks); decoded
	// symbols are concatenated.
	LevelBytes Level = "bytes"
	// LevelChars makes every character (rune) a symbol (the date task); decoded symbols are
	// concatenated.
	LevelChars Level = "chars"
	// LevelFields cuts text at white space (the list tasks, word corpora); decoded symbols are
	// joined by single spaces.
	LevelFields Level = "fields"
	// LevelWords cuts text with Tokenize (lower case, punctuation apart: sentence pairs); decoded
	// symbols are joined by single spaces.
	LevelWords Level = "words"
)

// Tokenizer turns text into a model's token ids and back: the vocabulary the model was trained
// with and how text is cut into its symbols. A Tokenizer is not changed by its methods, so one
// value may serve any number of goroutines.
type Tokenizer struct {
	Vocab *Vocabulary // the symbols and their ids
	Level Level       // how text is cut into symbols: bytes, chars, fields or words
}

// NewTokenizer returns the tokenizer of vocabulary v cutting text at level.
func NewTokenizer(v *Vocabulary, level Level) (*Tokenizer, error) {
	if v == nil {
		return nil, errors.New("tokenizer: no vocabulary")
	}
	switch level {
	case LevelBytes, LevelChars, LevelFields, LevelWords:
	default:
		return nil, errors.Errorf("tokenizer: level %q: want bytes, chars, fields or words", level)
	}
	return &Tokenizer{Vocab: v, Level: level}, nil
}

// Tokenizer is the byte-level tokenizer of the text: its ids are those of Encode.
func (t *Text) Tokenizer() *Tokenizer { return &Tokenizer{Vocab: t.Vocab, Level: LevelBytes} }

// Tokenizers are the tokenizers of a task's inputs and targets; Target is Source where the task
// predicts the symbols it reads (language models).
type Tokenizers struct {
	Source, Target *Tokenizer // of the inputs; of the outputs
}

// TaskTokenizers returns the tokenizers of a token task from its Info. Sequence-to-sequence tasks
// split by name: "dates" by characters, "pairs" by Tokenize, the others ("reverse", "sort") at
// white space. Sequence tasks split their vocabulary's symbols: by bytes when every symbol is one
// byte (texts, the synthetic tasks), by characters when every one is a character, at white space
// otherwise (word corpora). Target is Source unless the Info has a TgtVocab of its own. A task
// without tokens (features, regression) is an error.
func TaskTokenizers(info Info) (Tokenizers, error) {
	if info.Vocab == nil {
		return Tokenizers{}, errors.Errorf("tokenizer: task %q reads features, not tokens", info.Name)
	}
	var split Level
	if info.Kind == Seq2Seq {
		switch info.Name {
		case "dates":
			split = LevelChars
		case "pairs":
			split = LevelWords
		default:
			split = LevelFields
		}
	} else {
		split = vocabSplit(info.Vocab)
	}
	src := &Tokenizer{Vocab: info.Vocab, Level: split}
	tt := Tokenizers{Source: src, Target: src}
	if info.TgtVocab != nil && info.TgtVocab != info.Vocab {
		tgt := split
		if info.Kind != Seq2Seq {
			tgt = vocabSplit(info.TgtVocab)
		}
		tt.Target = &Tokenizer{Vocab: info.TgtVocab, Level: tgt}
	}
	return tt, nil
}

// vocabSplit is the finest level that keeps every non-special symbol of v whole.
func vocabSplit(v *Vocabulary) Level {
	split := LevelBytes
	for id, s := range v.symbols {
		if id == v.PAD || id == v.BOS || id == v.EOS || id == v.UNK {
			continue
		}
		switch {
		case len(s) == 1:
		case utf8.RuneCountInString(s) == 1:
			split = LevelChars
		default:
			return LevelFields
		}
	}
	return split
}

// InputError is text a model was given that its tokenizer cannot encode: a symbol outside the
// vocabulary (with no UNK to stand for it). Model methods return it wrapped with the argument's
// name; errors.As finds it.
type InputError struct {
	// Symbol is the character (or word, or byte of an incomplete UTF-8 sequence) at fault.
	Symbol string
	// Pos is its position in the text: characters from 0 for the byte and character levels,
	// symbols from 0 for the others.
	Pos int
	// Unit names what Pos counts: "character" or "word".
	Unit string
}

// Error names the symbol and its position.
func (e *InputError) Error() string {
	return fmt.Sprintf("%s %q at position %d is not in the model's vocabulary", e.Unit, e.Symbol, e.Pos)
}

// Symbols cuts text into the symbols of the tokenizer's level (for LevelBytes, one-byte strings).
func (t *Tokenizer) Symbols(text string) []string {
	var syms []string
	switch t.Level {
	case LevelBytes:
		for i := 0; i < len(text); i++ {
			syms = append(syms, text[i:i+1])
		}
	case LevelChars:
		for _, r := range text {
			syms = append(syms, string(r))
		}
	case LevelWords:
		syms = Tokenize(text)
	default:
		syms = strings.Fields(text)
	}
	return syms
}

// Encode maps text to ids. A symbol outside the vocabulary becomes UNK where the vocabulary has
// one and is an *InputError naming it and its position otherwise; for the byte level the error
// names the whole character the byte belongs to. Empty text gives no ids and no error.
func (t *Tokenizer) Encode(text string) ([]int, error) {
	v := t.Vocab
	if v == nil {
		return nil, errors.New("tokenizer: no vocabulary")
	}
	if t.Level == LevelBytes {
		ids := make([]int, 0, len(text))
		pos := 0
		for off := 0; off < len(text); pos++ {
			_, w := utf8.DecodeRuneInString(text[off:])
			for k := off; k < off+w; k++ {
				id, ok := v.index[text[k:k+1]]
				if !ok && v.UNK >= 0 {
					id, ok = v.UNK, true
				}
				if !ok {
					return nil, &InputError{Symbol: text[off : off+w], Pos: pos, Unit: "character"}
				}
				ids = append(ids, id)
			}
			off += w
		}
		return ids, nil
	}
	syms := t.Symbols(text)
	unit := "character"
	if t.Level != LevelChars {
		unit = "word"
	}
	ids := make([]int, len(syms))
	for i, s := range syms {
		id, ok := v.index[s]
		if !ok && v.UNK >= 0 {
			id, ok = v.UNK, true
		}
		if !ok {
			return nil, &InputError{Symbol: s, Pos: i, Unit: unit}
		}
		ids[i] = id
	}
	return ids, nil
}

// Labels maps ids to their symbols, for the labels of a heatmap; an id outside the vocabulary is
// an error naming it and its position.
func (t *Tokenizer) Labels(ids []int) ([]string, error) {
	if t.Vocab == nil {
		return nil, errors.New("tokenizer: no vocabulary")
	}
	return t.Vocab.Decode(ids)
}

// Decode maps ids back to text: the symbols concatenated (bytes, characters) or joined by single
// spaces (fields, words).
func (t *Tokenizer) Decode(ids []int) (string, error) {
	syms, err := t.Labels(ids)
	if err != nil {
		return "", err
	}
	if t.Level == LevelFields || t.Level == LevelWords {
		return strings.Join(syms, " "), nil
	}
	return strings.Join(syms, ""), nil
}

// opticksBytes are the 93 distinct bytes of the Opticks (OpticksPath) in increasing order: the
// vocabulary of Opticks().
const opticksBytes = "\n &'()*+,-./0123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]_abcdefghijklmnopqrstuvwxyz{|\x86\x97\xa6\xa7\xaa\xb4\xb7\xbb\xc2\xc3"

// OpticksTokenizer is Opticks().Tokenizer() without reading the text: the tokenizer of the
// models trained on the Opticks, usable where Go's source tree is absent.
func OpticksTokenizer() *Tokenizer {
	syms := make([]string, len(opticksBytes))
	for i := range syms {
		syms[i] = opticksBytes[i : i+1]
	}
	v := mustVocabulary(syms)
	v.PAD, v.BOS, v.EOS, v.UNK = -1, -1, -1, -1
	return &Tokenizer{Vocab: v, Level: LevelBytes}
}
