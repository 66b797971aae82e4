package datasets

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const pairsHand = "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n" +
	"Hi.\tSalut !\tattrib\n" +
	"Run!\tCours !\n" +
	"Run!\tCourez !\n" +
	"\n" +
	"Who are you?\tQui êtes-vous ?\r\n"

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTokenize(t *testing.T) {
	for in, want := range map[string][]string{
		"Don't stop!":        {"don", "'", "t", "stop", "!"},
		"  Qui êtes-vous ? ": {"qui", "êtes", "-", "vous", "?"},
		"I paid $5.":         {"i", "paid", "$", "5", "."},
		"":                   nil,
	} {
		if got := Tokenize(in); !reflect.DeepEqual(got, want) {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadPairs(t *testing.T) {
	p := writeTemp(t, "fra.txt", pairsHand)
	ps, err := LoadPairs(p, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Len() != 5 || ps.Dropped != 0 {
		t.Fatalf("%d pairs, %d dropped; want 5, 0", ps.Len(), ps.Dropped)
	}
	sv, tv := ps.Info().Vocab, ps.Info().TgtVocab
	wantSrc := []string{"<pad>", "<bos>", "<eos>", "<unk>", "!", ".", "run", "?", "are", "go", "hi", "who", "you"}
	if !reflect.DeepEqual(sv.Symbols(), wantSrc) {
		t.Errorf("source vocabulary %q, want %q", sv.Symbols(), wantSrc)
	}
	if tv.Symbols()[4] != "!" || tv.Size() != 4+10 || ps.Info().Classes != tv.Size() {
		t.Errorf("target vocabulary %q", tv.Symbols())
	}
	src, tgt := ps.Pair(4)
	words, _ := tv.Decode(tgt)
	if strings.Join(words, " ") != "qui êtes - vous ?" || len(src) != 4 {
		t.Errorf("pair 4: %v → %q", src, words)
	}

	limited, err := LoadPairs(p, PairOptions{MaxVocab: 3, MaxLen: 4, Swap: true})
	if err != nil {
		t.Fatal(err)
	}
	if limited.Len() != 4 || limited.Dropped != 1 {
		t.Fatalf("MaxLen 4: %d pairs, %d dropped; want 4, 1", limited.Len(), limited.Dropped)
	}
	// Swapped: the French side is the source. Its words: "!" ×4, then "courez", "cours", "salut",
	// "va" once each, in byte order.
	if got := limited.Info().Vocab.Symbols(); !reflect.DeepEqual(got, []string{"<pad>", "<bos>", "<eos>", "<unk>", "!", "courez", "cours"}) {
		t.Errorf("limited source vocabulary %q", got)
	}
	b := limited.Batch([]int{0, 2})
	// Pair 0: "va !" → UNK "!", target "go ." → UNK "." EOS ("go" is not among the English
	// side's 3 words "!", ".", "run"). Pair 2: "cours !" → "run !" EOS.
	want := Batch{N: 2, SrcT: 2, TgtT: 3,
		Src: []int{3, 4, 6, 4}, SrcLen: []int{2, 2},
		Tgt: []int{3, 5, 2, 6, 4, 2}, TgtIn: []int{1, 3, 5, 1, 6, 4}, TgtLen: []int{3, 3}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("batch\n%+v\nwant\n%+v", b, want)
	}
}

func TestLoadPairsErrors(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"no tab":      {"a\tb\nno tab here\n", "bad.txt:2: no tab"},
		"empty side":  {"a\tb\n\n \tb\n", "bad.txt:3: the first sentence is empty"},
		"empty right": {"a\t ... \n", "bad.txt:1:"}, // "..." tokenises to dots: not empty
		"bad utf-8":   {"a\tb\nc\t\xff\n", "bad.txt:2: not valid UTF-8"},
		"nothing":     {"\n\n", "no pairs"},
	} {
		_, err := LoadPairs(writeTemp(t, "bad.txt", c.body), PairOptions{})
		if name == "empty right" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
	if _, err := LoadPairs(writeTemp(t, "bad.txt", "a\t \n"), PairOptions{}); err == nil || !strings.Contains(err.Error(), "second sentence is empty") {
		t.Errorf("empty target: %v", err)
	}
	if _, err := LoadPairs("/nonexistent/pairs.txt", PairOptions{}); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := LoadPairs(writeTemp(t, "ok.txt", "a\tb\n"), PairOptions{MaxLen: -1}); err == nil {
		t.Error("negative MaxLen: no error")
	}
}
