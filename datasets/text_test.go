package datasets

import (
	"bytes"
	"os"
	"reflect"
	"testing"
)

func mustText(t *testing.T, s string) *Text {
	t.Helper()
	tx, err := NewText("test", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestNewTextHand(t *testing.T) {
	tx := mustText(t, "abracadabra")
	if got, want := tx.Vocab.Symbols(), []string{"a", "b", "c", "d", "r"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("symbols %q, want %q", got, want)
	}
	if want := []int{0, 1, 4, 0, 2, 0, 3, 0, 1, 4, 0}; !reflect.DeepEqual(tx.Tokens, want) {
		t.Fatalf("tokens %v, want %v", tx.Tokens, want)
	}
	if tx.Vocab.PAD != -1 || tx.Vocab.UNK != -1 {
		t.Errorf("byte vocabulary has special ids PAD %d UNK %d", tx.Vocab.PAD, tx.Vocab.UNK)
	}
	ids, err := tx.Encode([]byte("dab"))
	if err != nil || !reflect.DeepEqual(ids, []int{3, 0, 1}) {
		t.Errorf("Encode(dab) = %v, %v", ids, err)
	}
	back, err := tx.Decode(tx.Tokens)
	if err != nil || string(back) != "abracadabra" {
		t.Errorf("Decode = %q, %v", back, err)
	}
	if _, err := tx.Encode([]byte("abz")); err == nil {
		t.Error("Encode of a byte outside the vocabulary: no error")
	}
	if _, err := tx.Decode([]int{0, 5}); err == nil {
		t.Error("Decode of id 5 of 5: no error")
	}
	if _, err := NewText("empty", nil); err == nil {
		t.Error("NewText of no data: no error")
	}
	if _, err := LoadText("/nonexistent/file.txt"); err == nil {
		t.Error("LoadText of a missing file: no error")
	}
	train, valid := tx.Split(0.9) // int(9.9) = 9
	if len(train) != 9 || !reflect.DeepEqual(valid, []int{4, 0}) {
		t.Errorf("Split(0.9) of 11 tokens: %v | %v", train, valid)
	}
}

func TestTextBinaryBytes(t *testing.T) {
	data := []byte{0xff, 0x00, 0x80, 0xff}
	tx, err := NewText("bin", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tx.Tokens, []int{2, 0, 1, 2}) {
		t.Fatalf("tokens %v", tx.Tokens)
	}
	back, _ := tx.Decode(tx.Tokens)
	if !bytes.Equal(back, data) {
		t.Errorf("round trip %x, want %x", back, data)
	}
}

// TestOpticks checks the reference corpus figures: 567 198 bytes, 93 distinct, 510 478 training
// and 56 720 validation bytes, 886 validation windows of 64 scoring 56 704 bytes.
func TestOpticks(t *testing.T) {
	p, err := OpticksPath()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no Opticks text in this Go installation: %v", err)
	}
	tx, err := Opticks()
	if err != nil {
		t.Fatal(err)
	}
	if len(tx.Tokens) != 567198 || tx.Vocab.Size() != 93 {
		t.Fatalf("%d bytes, %d symbols; want 567198, 93", len(tx.Tokens), tx.Vocab.Size())
	}
	raw, _ := os.ReadFile(p)
	back, err := tx.Decode(tx.Tokens)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatal("decoding the tokens does not give the file back")
	}
	syms := tx.Vocab.Symbols()
	for i := 1; i < len(syms); i++ {
		if syms[i-1][0] >= syms[i][0] {
			t.Fatalf("symbols not in increasing byte order at %d: %q %q", i, syms[i-1], syms[i])
		}
	}
	train, valid := tx.Split(TextTrainFrac)
	if len(train) != 510478 || len(valid) != 56720 {
		t.Fatalf("split %d + %d; want 510478 + 56720", len(train), len(valid))
	}
	w, err := Windows(valid, tx.Vocab, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 886 {
		t.Fatalf("%d validation windows; want 886", w.Len())
	}
	b := All(w)
	if b.N*b.T != 56704 || len(b.Targets) != 56704 {
		t.Errorf("%d scored targets; want 56704", len(b.Targets))
	}
	if b.Targets[len(b.Targets)-1] != valid[886*64] {
		t.Error("last target is not token 886·64 of the validation part")
	}
	if info := w.Info(); info.Kind != Sequence || info.T != 64 || info.Classes != 93 || info.Vocab != tx.Vocab {
		t.Errorf("info %+v", info)
	}
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func numVocab(n int) *Vocabulary {
	syms := make([]string, n)
	for i := range syms {
		syms[i] = string(rune('A' + i))
	}
	return mustVocabulary(syms)
}

func TestWindowsHand(t *testing.T) {
	tokens, v := seqInts(10), numVocab(10)
	w, err := Windows(tokens, v, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	b := All(w)
	if b.N != 3 || b.T != 3 {
		t.Fatalf("N %d T %d; want 3, 3", b.N, b.T)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}; !reflect.DeepEqual(b.Tokens, want) {
		t.Errorf("tokens %v, want %v", b.Tokens, want)
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}; !reflect.DeepEqual(b.Targets, want) {
		t.Errorf("targets %v, want %v", b.Targets, want)
	}
	w2, _ := Windows(tokens, v, 3, 2) // starts 0, 2, 4, 6
	if w2.Len() != 4 {
		t.Fatalf("stride 2: %d windows, want 4", w2.Len())
	}
	b2 := w2.Batch([]int{3, 1})
	if want := []int{6, 7, 8, 2, 3, 4}; !reflect.DeepEqual(b2.Tokens, want) {
		t.Errorf("stride 2 windows 3, 1: %v, want %v", b2.Tokens, want)
	}
	for name, f := range map[string]func() error{
		"T 0":        func() error { _, err := Windows(tokens, v, 0, 1); return err },
		"stride 0":   func() error { _, err := Windows(tokens, v, 3, 0); return err },
		"too short":  func() error { _, err := Windows(tokens, v, 10, 1); return err },
		"bad token":  func() error { _, err := Windows([]int{0, 1, 10}, v, 1, 1); return err },
		"negative":   func() error { _, err := Windows([]int{0, -1, 2}, v, 1, 1); return err },
		"nil vocab":  func() error { _, err := Windows(tokens, nil, 3, 3); return err },
		"random T 0": func() error { _, err := RandomWindows(tokens, v, 0, 5, 1); return err },
		"sampler":    func() error { _, err := NewWindowSampler(tokens, v, 10, 1); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRandomWindows(t *testing.T) {
	tokens, v := seqInts(6), numVocab(6)
	w, err := RandomWindows(tokens, v, 3, 600, 7)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 3)
	for i := 0; i < w.Len(); i++ {
		s := w.Start(i)
		if s < 0 || s > 2 {
			t.Fatalf("window %d starts at %d; offsets must lie in 0…2", i, s)
		}
		counts[s]++
	}
	for s, c := range counts {
		if c < 150 || c > 250 {
			t.Errorf("offset %d drawn %d of 600 times; want about 200", s, c)
		}
	}
	b := All(w)
	for i := 0; i < b.N; i++ {
		for k := 0; k < 3; k++ {
			if b.Tokens[i*3+k] != w.Start(i)+k || b.Targets[i*3+k] != w.Start(i)+k+1 {
				t.Fatalf("window %d: tokens %v targets %v from offset %d", i, b.Tokens[i*3:i*3+3], b.Targets[i*3:i*3+3], w.Start(i))
			}
		}
	}
	again, _ := RandomWindows(tokens, v, 3, 600, 7)
	other, _ := RandomWindows(tokens, v, 3, 600, 8)
	if !reflect.DeepEqual(All(again), b) {
		t.Error("same seed, different windows")
	}
	if reflect.DeepEqual(All(other), b) {
		t.Error("different seeds, same windows")
	}
	s, err := NewWindowSampler(tokens, v, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	first, second := s.Next(250), s.Next(350)
	if !reflect.DeepEqual(first.Tokens, b.Tokens[:750]) || !reflect.DeepEqual(second.Targets, b.Targets[750:]) {
		t.Error("the sampler does not draw RandomWindows' offsets in order")
	}
}

func TestStreamHand(t *testing.T) {
	tokens, v := seqInts(27), numVocab(27) // B = 2: L = 13, one token left out; (13-1)/3 = 4 batches
	s, err := Stream(tokens, v, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 4 || s.Streams() != 2 {
		t.Fatalf("%d batches of %d streams; want 4 of 2", s.Len(), s.Streams())
	}
	b0, b3 := s.Batch(0), s.Batch(3)
	if want := []int{0, 1, 2, 13, 14, 15}; !reflect.DeepEqual(b0.Tokens, want) {
		t.Errorf("batch 0 tokens %v, want %v", b0.Tokens, want)
	}
	if want := []int{10, 11, 12, 23, 24, 25}; !reflect.DeepEqual(b3.Targets, want) {
		t.Errorf("batch 3 targets %v, want %v", b3.Targets, want)
	}
	// Row j of batch k+1 continues row j of batch k.
	for k := 0; k+1 < s.Len(); k++ {
		a, n := s.Batch(k), s.Batch(k+1)
		for j := 0; j < 2; j++ {
			if n.Tokens[j*3] != a.Targets[j*3+2] {
				t.Errorf("batch %d row %d does not continue batch %d", k+1, j, k)
			}
		}
	}
	for name, f := range map[string]func() error{
		"B 0":       func() error { _, err := Stream(tokens, v, 0, 3); return err },
		"T 0":       func() error { _, err := Stream(tokens, v, 2, 0); return err },
		"too short": func() error { _, err := Stream(tokens, v, 7, 3); return err },
		"bad token": func() error { _, err := Stream([]int{0, 1, 2, 99}, v, 1, 2); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestVocabulary(t *testing.T) {
	v, err := NewVocabulary([]string{PadSymbol, "x", UNKSymbol, EOSSymbol, BOSSymbol})
	if err != nil {
		t.Fatal(err)
	}
	if v.PAD != 0 || v.UNK != 2 || v.EOS != 3 || v.BOS != 4 || v.Size() != 5 {
		t.Errorf("PAD %d UNK %d EOS %d BOS %d size %d", v.PAD, v.UNK, v.EOS, v.BOS, v.Size())
	}
	ids, err := v.Encode([]string{"x", "y"})
	if err != nil || !reflect.DeepEqual(ids, []int{1, 2}) {
		t.Errorf("Encode with UNK: %v, %v", ids, err)
	}
	if _, err := numVocab(3).Encode([]string{"Z"}); err == nil {
		t.Error("Encode of an unknown symbol without UNK: no error")
	}
	if _, err := v.Decode([]int{5}); err == nil {
		t.Error("Decode of id 5 of 5: no error")
	}
	if _, err := NewVocabulary([]string{"a", "b", "a"}); err == nil {
		t.Error("duplicate symbols: no error")
	}
	if _, err := NewVocabulary(nil); err == nil {
		t.Error("no symbols: no error")
	}
	if v.Symbol(1) != "x" || v.Symbol(9) != "" {
		t.Errorf("Symbol(1) %q Symbol(9) %q", v.Symbol(1), v.Symbol(9))
	}
}

func TestStreamExamples(t *testing.T) {
	vocab, err := NewVocabulary([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]int, 40)
	for i := range tokens {
		tokens[i] = i % 10
	}
	s, err := Stream(tokens, vocab, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	ex := s.Examples()
	if ex.Len() != s.Len()*3 {
		t.Fatalf("Len %d, want %d", ex.Len(), s.Len()*3)
	}
	for k := 0; k < s.Len(); k++ {
		want := s.Batch(k)
		got := ex.Batch([]int{3 * k, 3*k + 1, 3*k + 2})
		for i := range want.Tokens {
			if got.Tokens[i] != want.Tokens[i] || got.Targets[i] != want.Targets[i] {
				t.Fatalf("batch %d differs at %d: %v vs %v", k, i, got.Tokens, want.Tokens)
			}
		}
	}
}
