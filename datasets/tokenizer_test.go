package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOpticksTokenizer holds the built-in Opticks vocabulary to the one read from the text.
func TestOpticksTokenizer(t *testing.T) {
	text, err := Opticks()
	if err != nil {
		t.Skip("the Opticks is not installed:", err)
	}
	got, want := OpticksTokenizer(), text.Tokenizer()
	if !reflect.DeepEqual(got.Vocab.Symbols(), want.Vocab.Symbols()) || got.Level != want.Level {
		t.Fatalf("built-in vocabulary %q, the text's %q", got.Vocab.Symbols(), want.Vocab.Symbols())
	}
	prime := "Light is propagated. Opticks \xc2\xa7"
	ids, err := got.Encode(prime)
	if err != nil {
		t.Fatal(err)
	}
	if wantIDs, _ := text.Encode([]byte(prime)); !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("Encode %v, the text's %v", ids, wantIDs)
	}
	if back, err := got.Decode(ids); err != nil || back != prime {
		t.Errorf("Decode %q (%v), want %q", back, err, prime)
	}
}

// TestTokenizerUnknown checks the error of an unknown symbol at every level: the character (not
// its byte) and its position counted in characters or words.
func TestTokenizerUnknown(t *testing.T) {
	for _, c := range []struct {
		tok       *Tokenizer
		text, sym string
		pos       int
		unit      string
	}{
		{OpticksTokenizer(), "ab\u00e9c", "\u00e9", 2, "character"}, // é is C3 A9; the Opticks has C3, not A9
		{OpticksTokenizer(), "ab\u00e9c\u20ac", "\u00e9", 2, "character"},
		{OpticksTokenizer(), "a\u20acb", "\u20ac", 1, "character"},
		{OpticksTokenizer(), "a\xffb", "\xff", 1, "character"},
		{&Tokenizer{Vocab: dateSrcVocab, Level: LevelChars}, "12 M\u00e4rz 1998", "\u00e4", 4, "character"},
		{&Tokenizer{Vocab: mustVocabulary([]string{"<pad>", "1", "2"}), Level: LevelFields}, "1 2 12 1", "12", 2, "word"},
	} {
		_, err := c.tok.Encode(c.text)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Symbol != c.sym || ie.Pos != c.pos || ie.Unit != c.unit {
			t.Errorf("Encode(%q): %v, want %s %q at %d", c.text, err, c.unit, c.sym, c.pos)
		}
	}
	// A vocabulary with UNK maps unknown words to it.
	v := mustVocabulary([]string{PadSymbol, BOSSymbol, EOSSymbol, UNKSymbol, "the", "cat", "."})
	ids, err := (&Tokenizer{Vocab: v, Level: LevelWords}).Encode("The dog.")
	if err != nil || !reflect.DeepEqual(ids, []int{4, 3, 6}) {
		t.Errorf("words with UNK: %v, %v", ids, err)
	}
}

// TestTaskTokenizers checks the level TaskTokenizers picks for every kind of token task, and that
// decoding joins symbols as the task writes them.
func TestTaskTokenizers(t *testing.T) {
	dates, err := Dates(1, 1, DateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := Reverse(1, 3, 5, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := CopyMemory(1, 10, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	text, err := NewText("t", []byte("h\u00e9llo"))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Windows(text.Tokens, text.Vocab, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pairs.txt")
	if err := os.WriteFile(path, []byte("Go on.\tVa !\nI see.\tJe vois.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pairs, err := LoadPairs(path, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		info     Info
		src, tgt Level
		in       string
		out      []int // target ids to decode
		want     string
	}{
		{dates.Info(), LevelChars, LevelChars, "12 March 1998", []int{1, 9, 9, 8, 10, 0, 3}, "1998-03"},
		{rev.Info(), LevelFields, LevelFields, "1 11 3", []int{4, 3, 14}, "1 0 11"},
		{pairs.Info(), LevelWords, LevelWords, "I see.", nil, ""},
		{cp.Info(), LevelBytes, LevelBytes, "1:", []int{1, 2}, "12"},
		{ws.Info(), LevelBytes, LevelBytes, "h\u00e9", []int{0}, "h"},
	} {
		tt, err := TaskTokenizers(c.info)
		if err != nil {
			t.Fatal(err)
		}
		if tt.Source.Level != c.src || tt.Target.Level != c.tgt {
			t.Errorf("%s: levels %s/%s, want %s/%s", c.info.Name, tt.Source.Level, tt.Target.Level, c.src, c.tgt)
		}
		if _, err := tt.Source.Encode(c.in); err != nil {
			t.Errorf("%s: %v", c.info.Name, err)
		}
		if got, err := tt.Target.Decode(c.out); err != nil || got != c.want {
			t.Errorf("%s: Decode(%v) = %q (%v), want %q", c.info.Name, c.out, got, err, c.want)
		}
	}
	if _, err := TaskTokenizers(Info{Name: "adding"}); err == nil {
		t.Error("a task of features has tokenizers")
	}
	if _, err := NewTokenizer(dateSrcVocab, "letters"); err == nil {
		t.Error("a tokenizer of an unknown level")
	}
}

// FuzzTokenizer: at every level, Encode either fails with an InputError naming a symbol that is
// in the text, or gives ids that decode to the text (up to white space and case where the level
// drops them); it never panics.
func FuzzTokenizer(f *testing.F) {
	for _, s := range []string{"The ", "12 M\u00e4rz 1998", "a\xffb", "", "  1  2 ", "Don't stop!", "\u00e9\u00e9"} {
		f.Add(s)
	}
	words := mustVocabulary([]string{PadSymbol, UNKSymbol, "don", "'", "t", "stop", "!"})
	toks := []*Tokenizer{
		OpticksTokenizer(),
		{Vocab: dateSrcVocab, Level: LevelChars},
		{Vocab: mustVocabulary([]string{PadSymbol, "1", "2", "12"}), Level: LevelFields},
		{Vocab: words, Level: LevelWords},
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			ids, err := tok.Encode(s)
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) || !strings.Contains(s, ie.Symbol) && !strings.Contains(strings.ToLower(s), ie.Symbol) {
					t.Fatalf("%s: Encode(%q): %v", tok.Level, s, err)
				}
				continue
			}
			back, err := tok.Decode(ids)
			if err != nil {
				t.Fatalf("%s: Decode(%v): %v", tok.Level, ids, err)
			}
			switch tok.Level {
			case LevelBytes, LevelChars:
				if back != s {
					t.Fatalf("%s: %q came back as %q", tok.Level, s, back)
				}
			case LevelFields:
				if back != strings.Join(strings.Fields(s), " ") {
					t.Fatalf("%s: %q came back as %q", tok.Level, s, back)
				}
			}
		}
	})
}
