package datasets

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/mirrortest"
)

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// serveOne points the cache at a new directory, which it returns, and serves body as name; part,
// when not nil, is left in the cache as name+".part", as an interrupted download leaves it.
func serveOne(t *testing.T, name string, body, part []byte) (string, *mirrortest.Server) {
	t.Helper()
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	if part != nil {
		if err := os.WriteFile(filepath.Join(cache, name+".part"), part, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return cache, mirrortest.New(t, map[string][]byte{name: body})
}

func corpusBody(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString("line " + strconv.Itoa(i) + " of the corpus\n")
	}
	return b.Bytes()[:n]
}

func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes (%v), want the %d served", path, len(got), err, len(want))
	}
}

// TestFetchResumesAnInterruptedDownload: a connection that drops half-way leaves a .part file,
// and the next call asks for the rest only (Range from the .part file's size).
func TestFetchResumesAnInterruptedDownload(t *testing.T) {
	body := corpusBody(10000)
	cache, rs := serveOne(t, "c.txt", body, nil)
	rs.Cut("c.txt", 4000)
	_, err := Fetch(rs.URL+"/c.txt", sumHex(body), "c.txt")
	if err == nil || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("interrupted download: %v", err)
	}
	part := filepath.Join(cache, "c.txt.part")
	if st, err := os.Stat(part); err != nil || st.Size() != 4000 {
		t.Fatalf(".part file after the interruption: %v, %v; want 4000 bytes", st, err)
	}
	if _, err := os.Stat(filepath.Join(cache, "c.txt")); !os.IsNotExist(err) {
		t.Errorf("the cache name exists after an interrupted download: %v", err)
	}
	p, err := Fetch(rs.URL+"/c.txt", sumHex(body), "c.txt")
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, body)
	if reqs := rs.Ranges(); len(reqs) != 2 || reqs[0] != "" || reqs[1] != "bytes=4000-" {
		t.Errorf("requests' Range headers %q; want none, then bytes=4000-", reqs)
	}
	if names := dirNames(t, cache); len(names) != 1 {
		t.Errorf("cache holds %v, want only c.txt", names)
	}
}

// TestFetchServerIgnoringRange: a server that answers a range request with the whole file (200)
// replaces the .part file's contents instead of being appended to it.
func TestFetchServerIgnoringRange(t *testing.T) {
	body := corpusBody(5000)
	_, rs := serveOne(t, "c.txt", body, body[:1234])
	rs.IgnoreRange()
	p, err := Fetch(rs.URL+"/c.txt", sumHex(body), "c.txt")
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, body)
	if reqs := rs.Ranges(); len(reqs) != 1 || reqs[0] != "bytes=1234-" {
		t.Errorf("Range headers %q, want one bytes=1234-", reqs)
	}
}

// TestFetchPartAsLongAsTheFile: a .part file that already holds every byte gets 416 for its range;
// the download starts over.
func TestFetchPartAsLongAsTheFile(t *testing.T) {
	body := corpusBody(3000)
	_, rs := serveOne(t, "c.txt", body, append(corpusBody(3000), "extra"...))
	p, err := Fetch(rs.URL+"/c.txt", sumHex(body), "c.txt")
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, body)
	if reqs := rs.Ranges(); len(reqs) != 2 || reqs[0] != "bytes=3005-" || reqs[1] != "" {
		t.Errorf("Range headers %q, want bytes=3005- then none", reqs)
	}
}

// TestFetchCorruptedPartIsDiscarded: a .part file whose bytes are wrong makes the resumed file fail
// its check; the error names the URL and both sums, the .part file goes, and the next call
// downloads the whole file.
func TestFetchCorruptedPartIsDiscarded(t *testing.T) {
	body := corpusBody(6000)
	bad := append([]byte(nil), body[:2000]...)
	bad[100] ^= 1
	cache, rs := serveOne(t, "c.txt", body, bad)
	url := rs.URL + "/c.txt"
	_, err := Fetch(url, sumHex(body), "c.txt")
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Cached || ce.Algo != "sha256" {
		t.Fatalf("corrupted resume: %v (%+v)", err, ce)
	}
	for _, s := range []string{url, sumHex(body), sumHex(append(bad, body[2000:]...)), filepath.Join(cache, "c.txt")} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if names := dirNames(t, cache); len(names) != 0 {
		t.Errorf("cache holds %v after the mismatch", names)
	}
	p, err := Fetch(url, sumHex(body), "c.txt")
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, body)
	if reqs := rs.Ranges(); len(reqs) != 2 || reqs[0] != "bytes=2000-" || reqs[1] != "" {
		t.Errorf("Range headers %q, want bytes=2000- then none", reqs)
	}
}

// TestFetchByMD5RecordsSHA256: a file with only a published MD5 is accepted by it, its SHA-256 is
// recorded beside it, and later calls check that record: a file altered afterwards is an error
// naming it, the recorded and the actual SHA-256, and is kept.
func TestFetchByMD5RecordsSHA256(t *testing.T) {
	body := corpusBody(2500)
	cache, rs := serveOne(t, "w.txt", body, nil)
	url := rs.URL + "/w.txt"
	sum := Sum{MD5: strings.ToUpper(md5Hex(body))}
	p, err := FetchSum(url, sum, "w.txt")
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, p, body)
	rec, err := os.ReadFile(p + ".sha256")
	if want := sumHex(body) + "  w.txt\n"; err != nil || string(rec) != want {
		t.Errorf("record %q, %v; want %q", rec, err, want)
	}
	if _, err := FetchSum(url, sum, "w.txt"); err != nil || len(rs.Ranges()) != 1 {
		t.Errorf("second call: %v, %d requests; want the cached file", err, len(rs.Ranges()))
	}
	// Altered afterwards, even to another file of the same MD5, it fails the recorded SHA-256.
	altered := append([]byte(nil), body...)
	altered[7] = 'X'
	if err := os.WriteFile(p, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = FetchSum(url, sum, "w.txt")
	var ce *ChecksumError
	if !errors.As(err, &ce) || !ce.Cached {
		t.Fatalf("altered file: %v", err)
	}
	for _, s := range []string{p, sumHex(body), sumHex(altered), p + ".sha256", "left as it is"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	assertFile(t, p, altered)
	if len(rs.Ranges()) != 1 {
		t.Errorf("%d requests; the altered file must not be downloaded again", len(rs.Ranges()))
	}

	// A wrong download by MD5: the error names both MD5 sums; nothing is recorded or kept.
	os.Remove(p)
	os.Remove(p + ".sha256")
	wrong := Sum{MD5: md5Hex([]byte("other"))}
	_, err = FetchSum(url, wrong, "w.txt")
	if !errors.As(err, &ce) || ce.Algo != "md5" || !strings.Contains(err.Error(), md5Hex(body)) || !strings.Contains(err.Error(), wrong.MD5) {
		t.Errorf("wrong md5: %v", err)
	}
	if names := dirNames(t, cache); len(names) != 0 {
		t.Errorf("cache holds %v after an md5 mismatch", names)
	}

	// A file put in the cache by hand is accepted by its MD5 and recorded, without a download.
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	n := len(rs.Ranges())
	if _, err := FetchSum(url, sum, "w.txt"); err != nil || len(rs.Ranges()) != n {
		t.Errorf("hand-placed file: %v, %d new requests", err, len(rs.Ranges())-n)
	}
	if got, err := readRecord(p + ".sha256"); err != nil || got != sumHex(body) {
		t.Errorf("record of the hand-placed file %q, %v", got, err)
	}
	// A hand-placed file of another MD5 is reported and kept.
	os.Remove(p + ".sha256")
	os.WriteFile(p, altered, 0o644)
	if _, err := FetchSum(url, sum, "w.txt"); !errors.As(err, &ce) || ce.Algo != "md5" || !ce.Cached {
		t.Errorf("hand-placed file of another md5: %v", err)
	}
	assertFile(t, p, altered)
	// A malformed record is an error naming it.
	os.WriteFile(p+".sha256", []byte("nonsense\n"), 0o644)
	if _, err := FetchSum(url, sum, "w.txt"); err == nil || !strings.Contains(err.Error(), p+".sha256") {
		t.Errorf("malformed record: %v", err)
	}
}

func TestFetchSumErrors(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	for _, c := range []struct {
		sum  Sum
		want string
	}{
		{Sum{}, `checksum "" is not 64 hex digits`},
		{Sum{MD5: "abc"}, `md5 checksum "abc" is not 32 hex digits`},
		{Sum{SHA256: "abc", MD5: md5Hex(nil)}, `checksum "abc" is not 64 hex digits`},
	} {
		if _, err := FetchSum("http://127.0.0.1:1/x", c.sum, "x"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FetchSum(%+v): %v, want %q", c.sum, err, c.want)
		}
	}
}
