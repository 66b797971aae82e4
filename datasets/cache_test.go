package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileServer serves files by path and counts the requests.
func fileServer(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestCacheDir(t *testing.T) {
	t.Setenv(CacheEnv, "/some/where")
	if d, err := CacheDir(); err != nil || d != "/some/where" {
		t.Errorf("with %s: %q, %v", CacheEnv, d, err)
	}
	t.Setenv(CacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	d, err := CacheDir()
	base, berr := os.UserCacheDir()
	if err != nil || berr != nil || d != filepath.Join(base, "gorgonia-zoo") {
		t.Errorf("default: %q, %v (user cache %q, %v)", d, err, base, berr)
	}
}

func TestFetchDownloadsOnceAndVerifies(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CacheEnv, filepath.Join(dir, "cache"))
	body := []byte("the file's bytes")
	srv, hits := fileServer(t, map[string][]byte{"/f.bin": body})

	p, err := Fetch(srv.URL+"/f.bin", strings.ToUpper(sumHex(body)), "f.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != string(body) || p != filepath.Join(dir, "cache", "f.bin") {
		t.Errorf("path %s holds %q", p, got)
	}
	if _, err := Fetch(srv.URL+"/f.bin", sumHex(body), "f.bin"); err != nil || hits.Load() != 1 {
		t.Errorf("second fetch: %v, %d requests; want the cached file and 1 request", err, hits.Load())
	}
	// A corrupted cached file is an error naming it; it is kept, and nothing is downloaded.
	os.WriteFile(p, []byte("garbage"), 0o644)
	if _, err := Fetch(srv.URL+"/f.bin", sumHex(body), "f.bin"); err == nil || !strings.Contains(err.Error(), p) || hits.Load() != 1 {
		t.Errorf("after corruption: %v, %d requests", err, hits.Load())
	}
	if got, _ := os.ReadFile(p); string(got) != "garbage" {
		t.Errorf("cache holds %q after the mismatch", got)
	}
	if names := dirNames(t, filepath.Join(dir, "cache")); len(names) != 1 {
		t.Errorf("cache holds %v, want only f.bin", names)
	}
}

func TestFetchChecksumMismatchLeavesNothing(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	body := []byte("served")
	srv, _ := fileServer(t, map[string][]byte{"/f.bin": body})
	want := sumHex([]byte("expected"))
	url := srv.URL + "/f.bin"
	_, err := Fetch(url, want, "f.bin")
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{url, sumHex(body), want, "mismatch"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if names := dirNames(t, cache); len(names) != 0 {
		t.Errorf("cache holds %v after a mismatch", names)
	}
}

// TestCachedFileWithWrongSumIsKept: a file in the cache whose sum is wrong is an error naming the
// file and both sums; the file is neither deleted nor replaced.
func TestCachedFileWithWrongSumIsKept(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	srv, _ := fileServer(t, map[string][]byte{"/f.bin": []byte("served")})
	want := sumHex([]byte("served"))
	path := filepath.Join(cache, "f.bin")
	if err := os.WriteFile(path, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Fetch(srv.URL+"/f.bin", want, "f.bin")
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{path, sumHex([]byte("stale")), want} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "stale" {
		t.Errorf("cached file now %q, %v", b, err)
	}
}

func TestFetchErrors(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	srv, _ := fileServer(t, nil)
	good := sumHex(nil)
	cases := []struct{ url, sum, name, want string }{
		{srv.URL + "/missing", good, "m", "404"},
		{srv.URL + "/x", "abc", "x", `checksum "abc" is not 64 hex digits`},
		{srv.URL + "/x", strings.Repeat("zz", 32), "x", "is not 64 hex digits"},
		{srv.URL + "/x", good, "../x", `cache name "../x" is not a plain file name`},
		{srv.URL + "/x", good, "", "is not a plain file name"},
		{"http://127.0.0.1:1/none", good, "n", "fetch http://127.0.0.1:1/none"},
	}
	for _, c := range cases {
		if _, err := Fetch(c.url, c.sum, c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Fetch(%s, %s, %q): %v, want %q", c.url, c.sum, c.name, err, c.want)
		}
	}
	if names := dirNames(t, cache); len(names) != 0 {
		t.Errorf("cache holds %v after failures", names)
	}
}

func TestMNISTFromMirror(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	imgs := gzipBytes(t, idxBytes(idxImagesMagic, []uint32{3, 2, 3}, threeImages))
	labs := gzipBytes(t, idxBytes(idxLabelsMagic, []uint32{3}, []byte{4, 1, 8}))
	srv, _ := fileServer(t, map[string][]byte{
		"/mnist/t10k-images-idx3-ubyte.gz": imgs,
		"/mnist/t10k-labels-idx1-ubyte.gz": labs,
	})
	sums := map[string]string{"t10k-images-idx3-ubyte.gz": sumHex(imgs), "t10k-labels-idx1-ubyte.gz": sumHex(labs)}
	tab, err := mnistFrom(srv.URL+"/mnist/", "test", sums)
	if err != nil {
		t.Fatal(err)
	}
	if info := tab.Info(); info.Name != "mnist-test" || info.Dim != 6 || info.Classes != 10 || tab.Len() != 3 || tab.Label(2) != 8 {
		t.Errorf("info %+v len %d", info, tab.Len())
	}
	if _, err := mnistFrom(srv.URL+"/mnist/", "valid", sums); err == nil || !strings.Contains(err.Error(), `split "valid"`) {
		t.Errorf("bad split: %v", err)
	}
	// The training files are not served: the error names the URL.
	if _, err := mnistFrom(srv.URL+"/mnist/", "train", mnistSHA256); err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz") {
		t.Errorf("missing train files: %v", err)
	}
}

func TestMNISTSums(t *testing.T) {
	for name, s := range mnistSHA256 {
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			t.Errorf("%s: bad sum %q", name, s)
		}
	}
	if len(mnistSHA256) != 4 {
		t.Errorf("%d sums, want 4", len(mnistSHA256))
	}
}
