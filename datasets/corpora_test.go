package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/mirrortest"
)

// testSource serves the files from a local server, with the checksums of the test's own corpora.
func testSource(t *testing.T, files map[string][]byte, sums map[string]Sum) (*mirrortest.Server, Source) {
	t.Helper()
	served := map[string][]byte{}
	for name, b := range files {
		served["mirror/"+name] = b
	}
	rs := mirrortest.New(t, served)
	return rs, Source{BaseURL: rs.URL + "/mirror/", Sums: sums}
}

func TestTinyShakespeareFetch(t *testing.T) {
	body := []byte("First Citizen:\nSpeak.\n")
	rs, src := testSource(t, map[string][]byte{"tinyshakespeare.txt": body},
		map[string]Sum{"tinyshakespeare.txt": {SHA256: sumHex(body)}})
	t.Setenv(CacheEnv, t.TempDir())
	tx, err := src.TinyShakespeare()
	if err != nil {
		t.Fatal(err)
	}
	if tx.Name != "tinyshakespeare" || len(tx.Tokens) != len(body) || tx.Vocab.Size() != 17 {
		t.Errorf("%q: %d tokens, %d symbols; want %d, 17", tx.Name, len(tx.Tokens), tx.Vocab.Size(), len(body))
	}
	if _, err := src.TinyShakespeare(); err != nil || len(rs.Ranges()) != 1 {
		t.Errorf("second load: %v, %d requests; want the cached file, 1 request", err, len(rs.Ranges()))
	}
}

// TestTinyShakespeareBuiltInSum: without an override the built-in SHA-256 applies, so the test's
// small file (served through $ZOO_DATA_URL_BASE) is refused with an error naming both sums.
func TestTinyShakespeareBuiltInSum(t *testing.T) {
	body := []byte("not the real corpus\n")
	rs, _ := testSource(t, map[string][]byte{"tinyshakespeare.txt": body}, nil)
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	t.Setenv(DataURLEnv, rs.URL+"/mirror")
	_, err := TinyShakespeare()
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("want a checksum error, got %v", err)
	}
	for _, s := range []string{"tiny-shakespeare", rs.URL + "/mirror/tinyshakespeare.txt", sumHex(body),
		"86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if names := dirNames(t, cache); len(names) != 0 {
		t.Errorf("cache holds %v", names)
	}
}

func TestCorpusSums(t *testing.T) {
	if len(corpusFiles) != 4 {
		t.Errorf("%d corpus files, want 4", len(corpusFiles))
	}
	for name, f := range corpusFiles {
		if _, err := checkSum(f.url, f.sum); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.HasSuffix(f.url, "/input.txt") && !strings.HasSuffix(f.url, "/"+name) {
			t.Errorf("%s comes from %s", name, f.url)
		}
	}
	if corpusFiles["ptb.train.txt"].sum.SHA256 != "" {
		t.Error("ptb.train.txt has a SHA-256: the published sum is an MD5")
	}
}

func TestPTBFetch(t *testing.T) {
	train := []byte(" the cat sat \n the <unk> ran\n")
	valid := []byte(" the dog sat\n")
	test := []byte("\n")
	files := map[string][]byte{"ptb.train.txt": train, "ptb.valid.txt": valid, "ptb.test.txt": test}
	sums := map[string]Sum{"ptb.train.txt": {MD5: md5Hex(train)}, "ptb.valid.txt": {SHA256: sumHex(valid)}, "ptb.test.txt": {SHA256: sumHex(test)}}
	rs, src := testSource(t, files, sums)
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	c, err := src.PTB()
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
	// The training file, accepted by its MD5, has its SHA-256 recorded.
	if got, err := readRecord(filepath.Join(cache, "ptb.train.txt.sha256")); err != nil || got != sumHex(train) {
		t.Errorf("recorded sha256 %q, %v", got, err)
	}
	// Altered afterwards, it is reported against the recorded sum and kept.
	p := filepath.Join(cache, "ptb.train.txt")
	os.WriteFile(p, []byte(" the cat sat \n the <unk> ran ran\n"), 0o644)
	_, err = src.PTB()
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), sumHex(train)) {
		t.Errorf("altered training file: %v", err)
	}
	if len(rs.Ranges()) != 3 {
		t.Errorf("%d requests, want 3 (each file once)", len(rs.Ranges()))
	}
	// The built-in sums refuse the test's files.
	os.Remove(p)
	if _, err := (Source{BaseURL: src.BaseURL}).PTB(); err == nil || !strings.Contains(err.Error(), "f26c4b92c5fdc7b3f8c7cdcb991d8420") {
		t.Errorf("built-in md5: %v", err)
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
