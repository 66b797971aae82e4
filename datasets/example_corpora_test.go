package datasets_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gorgonia-zoo/modelzoo/datasets"
)

// A corpus by name from a mirror: a directory holding the files under their cache names, served
// over HTTP. datasets.TinyShakespeare() alone downloads the real one from upstream and checks it
// against its built-in SHA-256; a corpus of one's own needs its sum given.
func ExampleSource_TinyShakespeare() {
	mirror, _ := os.MkdirTemp("", "mirror")
	defer os.RemoveAll(mirror)
	text := []byte("First Citizen:\nBefore we proceed any further, hear me speak.\n")
	os.WriteFile(filepath.Join(mirror, "tinyshakespeare.txt"), text, 0o644)
	srv := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	defer srv.Close()
	cache, _ := os.MkdirTemp("", "cache")
	defer os.RemoveAll(cache)
	os.Setenv(datasets.CacheEnv, cache)
	defer os.Unsetenv(datasets.CacheEnv)

	sum := sha256.Sum256(text)
	src := datasets.Source{BaseURL: srv.URL, Sums: map[string]datasets.Sum{"tinyshakespeare.txt": {SHA256: hex.EncodeToString(sum[:])}}}
	t, err := src.TinyShakespeare()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Name, len(t.Tokens), "characters,", t.Vocab.Size(), "symbols")
	// Output:
	// tinyshakespeare 61 characters, 27 symbols
}
