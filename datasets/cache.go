package datasets

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// CacheEnv names the environment variable that overrides the download cache directory.
const CacheEnv = "ZOO_CACHE"

// MNISTMirror is where MNIST is fetched from (the mirror PyTorch uses).
const MNISTMirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"

// mnistSHA256 are the SHA-256 sums of the four MNIST archives.
var mnistSHA256 = map[string]string{
	"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

// httpClient downloads files; the timeout bounds a stalled transfer.
var httpClient = &http.Client{Timeout: 30 * time.Minute}

// CacheDir returns the directory downloads are kept in: $ZOO_CACHE when set, otherwise
// gorgonia-zoo under the user's cache directory (os.UserCacheDir). It does not create it.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", errors.Wrapf(err, "cache directory: set %s", CacheEnv)
	}
	return filepath.Join(base, "gorgonia-zoo"), nil
}

// Sum is the published checksum of a file, as hex digits: its SHA-256 or, for files whose
// publisher gave only that, its MD5. When SHA256 is set, MD5 is not used.
type Sum struct {
	SHA256 string // 64 hex digits, or empty
	MD5    string // 32 hex digits; checked only when SHA256 is empty
}

// ChecksumError is a file whose checksum is not the expected one. A download that fails its check
// is removed (it was never the user's); a file already in the cache is left as it is.
type ChecksumError struct {
	File   string // the file checked: the cache file, or the URL of a download
	Algo   string // "sha256" or "md5"
	Want   string // the expected sum
	Got    string // the sum of the file
	Cached bool   // the file was already in the cache (and was kept)
	Note   string // where Want comes from, when not the built-in or given sum
}

// Error names the file, the expected and the actual sum.
func (e *ChecksumError) Error() string {
	s := fmt.Sprintf("%s mismatch: %s has %s %s, expected %s", e.Algo, e.File, e.Algo, e.Got, e.Want)
	if e.Note != "" {
		s += " " + e.Note
	}
	if e.Cached {
		s += "; it was left as it is: remove it to download it again"
	}
	return s
}

// Fetch returns the path of the file name in the cache directory, downloading it from url first
// unless a file of that name with SHA-256 sum sha256hex (64 hex digits) is already there (see
// FetchSum).
func Fetch(url, sha256hex, name string) (string, error) {
	return FetchSum(url, Sum{SHA256: sha256hex}, name)
}

// FetchSum returns the path of the file name in the cache directory, downloading it from url
// first unless it is already there, and checks it against sum.
//
// The download goes to name+".part" in the cache directory and is renamed into place only once its
// sum is right, so the cache never holds a partial or wrong file under name. An interrupted
// download keeps its .part file and the next call resumes it with an HTTP Range request from the
// .part file's size (a server that ignores the range sends the whole file, which then replaces
// the .part file's contents). A download whose sum is wrong is a *ChecksumError naming the URL
// and both sums, and its .part file is removed.
//
// A file already in the cache whose sum is wrong is a *ChecksumError naming it and both sums, and
// is left as it is for the user to look at or remove: Fetch never deletes or replaces it.
//
// When sum holds only an MD5, the file is accepted by its MD5 and its SHA-256 is recorded beside
// it in name+".sha256" (the format of sha256sum); later calls check the file against that
// recorded SHA-256. name must be a plain file name, without directories. Two processes must not
// download the same file at once.
func FetchSum(url string, sum Sum, name string) (string, error) {
	want, err := checkSum(url, sum)
	if err != nil {
		return "", err
	}
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
		return "", errors.Errorf("fetch %s: cache name %q is not a plain file name", url, name)
	}
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrapf(err, "fetch %s: create cache directory", url)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		if err := checkCached(path, want); err != nil {
			return "", errors.Wrapf(err, "fetch %s", url)
		}
		return path, nil
	} else if !os.IsNotExist(err) {
		return "", errors.Wrapf(err, "fetch %s", url)
	}
	if err := download(url, want, path); err != nil {
		return "", err
	}
	return path, nil
}

// checkSum validates sum and returns it lower-cased.
func checkSum(url string, sum Sum) (Sum, error) {
	s := Sum{SHA256: strings.ToLower(sum.SHA256), MD5: strings.ToLower(sum.MD5)}
	if s.SHA256 != "" || s.MD5 == "" {
		if b, err := hex.DecodeString(s.SHA256); err != nil || len(b) != sha256.Size {
			return s, errors.Errorf("fetch %s: checksum %q is not 64 hex digits", url, sum.SHA256)
		}
		s.MD5 = ""
		return s, nil
	}
	if b, err := hex.DecodeString(s.MD5); err != nil || len(b) != md5.Size {
		return s, errors.Errorf("fetch %s: md5 checksum %q is not 32 hex digits", url, sum.MD5)
	}
	return s, nil
}

// recordPath is where the SHA-256 of a file accepted by its MD5 is recorded.
func recordPath(path string) string { return path + ".sha256" }

// checkCached checks a file that is already in the cache; it never modifies it.
func checkCached(path string, want Sum) error {
	if want.SHA256 != "" {
		got, err := fileSums(path)
		if err != nil {
			return err
		}
		if got.SHA256 != want.SHA256 {
			return &ChecksumError{File: path, Algo: "sha256", Want: want.SHA256, Got: got.SHA256, Cached: true}
		}
		return nil
	}
	rec := recordPath(path)
	recorded, err := readRecord(rec)
	if err != nil {
		return err
	}
	got, err := fileSums(path)
	if err != nil {
		return err
	}
	if recorded != "" {
		if got.SHA256 != recorded {
			return &ChecksumError{File: path, Algo: "sha256", Want: recorded, Got: got.SHA256, Cached: true,
				Note: "(recorded in " + rec + " when the file was first accepted by its md5 " + want.MD5 + ")"}
		}
		return nil
	}
	// No record yet (a file put there by hand): accept it by its MD5 and record its SHA-256.
	if got.MD5 != want.MD5 {
		return &ChecksumError{File: path, Algo: "md5", Want: want.MD5, Got: got.MD5, Cached: true}
	}
	return writeRecord(path, got.SHA256)
}

// readRecord returns the SHA-256 recorded for a file, or "" when there is no record.
func readRecord(rec string) (string, error) {
	b, err := os.ReadFile(rec)
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", errors.WithStack(err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "", errors.Errorf("%s: empty; remove it to accept the file by its md5 again", rec)
	}
	s := strings.ToLower(f[0])
	if h, err := hex.DecodeString(s); err != nil || len(h) != sha256.Size {
		return "", errors.Errorf("%s: %q is not a sha256 (64 hex digits); remove it to accept the file by its md5 again", rec, f[0])
	}
	return s, nil
}

// writeRecord records the SHA-256 of the file at path beside it, in sha256sum's format, through
// a temporary file and a rename.
func writeRecord(path, sha string) error {
	rec := recordPath(path)
	tmp := rec + ".tmp"
	if err := os.WriteFile(tmp, []byte(sha+"  "+filepath.Base(path)+"\n"), 0o644); err != nil {
		return errors.Wrapf(err, "record the sha256 of %s", path)
	}
	if err := os.Rename(tmp, rec); err != nil {
		os.Remove(tmp)
		return errors.Wrapf(err, "record the sha256 of %s", path)
	}
	return nil
}

// download fetches url into path+".part", resuming it when it exists, checks its sum and renames
// it to path (recording its SHA-256 first when it was accepted by its MD5).
func download(url string, want Sum, path string) error {
	part := path + ".part"
	if err := fetchPart(url, part); err != nil {
		return err
	}
	got, err := fileSums(part)
	if err != nil {
		return errors.Wrapf(err, "fetch %s", url)
	}
	if want.SHA256 != "" && got.SHA256 != want.SHA256 {
		os.Remove(part)
		return errors.Wrapf(&ChecksumError{File: url, Algo: "sha256", Want: want.SHA256, Got: got.SHA256},
			"fetch %s into %s", url, path)
	}
	if want.SHA256 == "" {
		if got.MD5 != want.MD5 {
			os.Remove(part)
			return errors.Wrapf(&ChecksumError{File: url, Algo: "md5", Want: want.MD5, Got: got.MD5},
				"fetch %s into %s", url, path)
		}
		if err := writeRecord(path, got.SHA256); err != nil {
			return err
		}
	}
	if err := os.Rename(part, path); err != nil {
		return errors.Wrapf(err, "fetch %s: move into %s", url, path)
	}
	return nil
}

// fetchPart brings the .part file to the whole of url: from its current size with a Range request
// when it is not empty, from the start otherwise or when the server does not honour the range.
// An interrupted transfer leaves what arrived in the .part file.
func fetchPart(url, part string) error {
	var have int64
	if st, err := os.Stat(part); err == nil && st.Mode().IsRegular() {
		have = st.Size()
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return errors.Wrapf(err, "fetch %s", url)
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return errors.Wrapf(err, "fetch %s", url)
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case have > 0 && resp.StatusCode == http.StatusPartialContent && rangeStart(resp) == have:
		flags |= os.O_APPEND
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC // no range asked, or the server ignored it: the whole file
	case have > 0 && (resp.StatusCode == http.StatusRequestedRangeNotSatisfiable || resp.StatusCode == http.StatusPartialContent):
		// The .part file is at least as long as the file, or the server answered another range:
		// start over.
		resp.Body.Close()
		if err := os.Remove(part); err != nil {
			return errors.Wrapf(err, "fetch %s: restart", url)
		}
		return fetchPart(url, part)
	default:
		return errors.Errorf("fetch %s: %s", url, resp.Status)
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return errors.Wrapf(err, "fetch %s", url)
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Wrapf(err, "fetch %s: interrupted after %d bytes (kept in %s: run again to resume)", url, n, part)
	}
	return nil
}

// rangeStart is the first byte of a 206 response's Content-Range ("bytes FIRST-LAST/SIZE"), or
// −1.
func rangeStart(resp *http.Response) int64 {
	cr, ok := strings.CutPrefix(resp.Header.Get("Content-Range"), "bytes ")
	if !ok {
		return -1
	}
	first, _, ok := strings.Cut(cr, "-")
	if !ok {
		return -1
	}
	v, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// fileSums returns the hex SHA-256 and MD5 of the file at path.
func fileSums(path string) (Sum, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sum{}, errors.WithStack(err)
	}
	defer f.Close()
	hs, hm := sha256.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(hs, hm), f); err != nil {
		return Sum{}, errors.Wrapf(err, "read %s", path)
	}
	return Sum{SHA256: hexSum(hs), MD5: hexSum(hm)}, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// MNIST returns the "train" (60 000 images) or "test" (10 000 images) split of MNIST as a
// classification table of 784 pixels in [0, 1] and 10 classes, downloading the archives from
// MNISTMirror into the cache directory (see Fetch) on first use and checking their SHA-256 sums.
func MNIST(split string) (*Table, error) {
	return mnistFrom(MNISTMirror, split, mnistSHA256)
}
func mnistFrom(base, split string, sums map[string]string) (*Table, error) {
	var prefix string
	switch split {
	case "train":
		prefix = "train"
	case "test":
		prefix = "t10k"
	default:
		return nil, errors.Errorf("mnist: split %q: want \"train\" or \"test\"", split)
	}
	var paths [2]string
	for i, file := range []string{prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz"} {
		p, err := Fetch(base+file, sums[file], file)
		if err != nil {
			return nil, errors.Wrap(err, "mnist")
		}
		paths[i] = p
	}
	t, err := LoadIDX(paths[0], paths[1])
	if err != nil {
		return nil, errors.Wrap(err, "mnist")
	}
	t.info.Name = "mnist-" + split
	return t, nil
}
