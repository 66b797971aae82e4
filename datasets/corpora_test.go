package datasets

import (
	"reflect"
	"strings"
	"testing"
)

func TestTinyShakespeareFetch(t *testing.T) {
	body := []byte("First Citizen:\nSpeak.\n")
	srv, hits := fileServer(t, map[string][]byte{"/input.txt": body})
	t.Setenv(CacheEnv, t.TempDir())
	tx, err := tinyShakespeareFrom(srv.URL+"/input.txt", sumHex(body))
	if err != nil {
		t.Fatal(err)
	}
	if tx.Name != "tinyshakespeare" || len(tx.Tokens) != len(body) || tx.Vocab.Size() != 17 {
		t.Errorf("%q: %d tokens, %d symbols; want %d, 17", tx.Name, len(tx.Tokens), tx.Vocab.Size(), len(body))
	}
	if _, err := tinyShakespeareFrom(srv.URL+"/input.txt", sumHex(body)); err != nil || hits.Load() != 1 {
		t.Errorf("second load: %v, %d requests; want the cached file, 1 request", err, hits.Load())
	}
	_, err = tinyShakespeareFrom(srv.URL+"/input.txt", sumHex([]byte("other")))
	if err == nil || !strings.Contains(err.Error(), "sha256 mismatch") {
		t.Errorf("wrong sum: %v", err)
	}
	if _, err := TinyShakespeare(""); err == nil {
		t.Error("no sum: no error")
	}
}

func TestPTBFetch(t *testing.T) {
	train := []byte(" the cat sat \n the <unk> ran\n")
	valid := []byte(" the dog sat\n")
	test := []byte("\n")
	srv, _ := fileServer(t, map[string][]byte{"/d/ptb.train.txt": train, "/d/ptb.valid.txt": valid, "/d/ptb.test.txt": test})
	t.Setenv(CacheEnv, t.TempDir())
	c, err := ptbFrom(srv.URL+"/d/", PTBSums{sumHex(train), sumHex(valid), sumHex(test)})
	if err != nil {
		t.Fatal(err)
	}
	wantVocab := []string{"the", "cat", "sat", "<eos>", "<unk>", "ran"}
	if c.Name != "ptb" || !reflect.DeepEqual(c.Vocab.Symbols(), wantVocab) {
		t.Fatalf("%q vocabulary %q, want %q", c.Name, c.Vocab.Symbols(), wantVocab)
	}
	if c.Vocab.EOS != 3 || c.Vocab.UNK != 4 {
		t.Errorf("EOS %d UNK %d; want 3, 4", c.Vocab.EOS, c.Vocab.UNK)
	}
	if want := []int{0, 1, 2, 3, 0, 4, 5, 3}; !reflect.DeepEqual(c.Train, want) {
		t.Errorf("train %v, want %v", c.Train, want)
	}
	if want := []int{0, 4, 2, 3}; !reflect.DeepEqual(c.Valid, want) { // "dog" → <unk>
		t.Errorf("valid %v, want %v", c.Valid, want)
	}
	if want := []int{3}; !reflect.DeepEqual(c.Test, want) { // an empty line is one <eos>
		t.Errorf("test %v, want %v", c.Test, want)
	}
	if _, err := ptbFrom(srv.URL+"/d/", PTBSums{sumHex(train), sumHex(valid), "00"}); err == nil {
		t.Error("a malformed sum: no error")
	}
}

func TestLoadWordCorpusErrors(t *testing.T) {
	train := writeTemp(t, "train.txt", "a b\nc\n")
	valid := writeTemp(t, "valid.txt", "a\na z\n")
	_, err := LoadWordCorpus(train, valid, "")
	if err == nil || !strings.Contains(err.Error(), "valid.txt:2") || !strings.Contains(err.Error(), `"z"`) {
		t.Errorf("unknown word without <unk>: %v", err)
	}
	c, err := LoadWordCorpus(train, "", "")
	if err != nil || len(c.Train) != 5 || c.Valid != nil {
		t.Errorf("train only: %+v, %v", c, err)
	}
	if _, err := LoadWordCorpus(writeTemp(t, "empty.txt", ""), "", ""); err == nil {
		t.Error("empty training file: no error")
	}
	if _, err := LoadWordCorpus("/nonexistent/train.txt", "", ""); err == nil {
		t.Error("missing file: no error")
	}
}
