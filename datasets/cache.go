package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// Fetch returns the path of the file name in the cache directory, downloading it from url first
// unless a file of that name with SHA-256 sum sha256hex (64 hex digits) is already there. The
// download goes to a temporary file in the cache directory, is checked and only then renamed into
// place, so the cache never holds a partial or wrong download: on a checksum mismatch the error
// names the URL and both sums and nothing is left behind. A file already in the cache whose sum
// is wrong is an error naming it and both sums, and is left as it is for the user to look at or
// remove. name must be a plain file name, without directories.
func Fetch(url, sha256hex, name string) (string, error) {
	want := strings.ToLower(sha256hex)
	if b, err := hex.DecodeString(want); err != nil || len(b) != sha256.Size {
		return "", errors.Errorf("fetch %s: checksum %q is not 64 hex digits", url, sha256hex)
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
	if got, err := fileSHA256(path); err == nil {
		if got == want {
			return path, nil
		}
		return "", errors.Errorf("sha256 mismatch: cached file %s has sha256 %s, expected %s (from %s); it was left as it is: remove it to download it again",
			path, got, want, url)
	} else if !os.IsNotExist(errors.Cause(err)) {
		return "", errors.Wrapf(err, "fetch %s", url)
	}
	if err := download(url, want, dir, path); err != nil {
		return "", err
	}
	return path, nil
}

// download fetches url into a temporary file in dir, checks its sum and renames it to path.
func download(url, want, dir, path string) (err error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return errors.Wrapf(err, "fetch %s", url)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.Errorf("fetch %s: %s", url, resp.Status)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		return errors.Wrapf(err, "fetch %s: temporary file", url)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), resp.Body); err != nil {
		return errors.Wrapf(err, "fetch %s: download", url)
	}
	if err := tmp.Close(); err != nil {
		return errors.Wrapf(err, "fetch %s: write %s", url, tmp.Name())
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return errors.Errorf("fetch %s: sha256 mismatch: got %s, want %s", url, got, want)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return errors.Wrapf(err, "fetch %s: move into %s", url, path)
	}
	return nil
}

// fileSHA256 returns the hex SHA-256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", errors.WithStack(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errors.Wrapf(err, "read %s", path)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

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
