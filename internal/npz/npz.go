package npz

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
)

// Write writes arrays as a .npz archive: a zip file with one uncompressed "NAME.npy" entry per
// array, in the order given (numpy.savez's layout). Names must be non-empty and distinct.
func Write(w io.Writer, arrays []Array) error {
	seen := make(map[string]int, len(arrays))
	for i, a := range arrays {
		if a.Name == "" {
			return errors.Errorf("npz: array %d has an empty name", i)
		}
		if j, ok := seen[a.Name]; ok {
			return errors.Errorf("npz: arrays %d and %d are both named %q", j, i, a.Name)
		}
		seen[a.Name] = i
		if _, err := validate(a); err != nil {
			return errors.Wrap(err, "npz")
		}
	}
	zw := zip.NewWriter(w)
	for _, a := range arrays {
		ew, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Store})
		if err != nil {
			return errors.Wrapf(err, "npz: creating entry %q", a.Name+".npy")
		}
		if err := WriteNPY(ew, a); err != nil {
			return errors.Wrap(err, "npz")
		}
	}
	return errors.Wrap(zw.Close(), "npz: finishing archive")
}

// Read reads every array of the .npz file at path, in archive order, each named after its entry
// without the ".npy" suffix.
func Read(path string) ([]Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "npz")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Wrap(err, "npz")
	}
	arrays, err := ReadFrom(f, st.Size())
	return arrays, errors.Wrap(err, path)
}

// ReadFrom reads a .npz archive of the given size from r; see Read. Directory entries are
// skipped; any other entry that is not a ".npy" file is an error, as is data left over after an
// array.
func ReadFrom(r io.ReaderAt, size int64) ([]Array, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, errors.Wrap(err, "npz: not a zip archive")
	}
	var arrays []Array
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if !strings.HasSuffix(f.Name, ".npy") {
			return nil, errors.Errorf("npz: entry %q is not a .npy file", f.Name)
		}
		a, err := readEntry(f)
		if err != nil {
			return nil, errors.Wrapf(err, "npz: entry %q", f.Name)
		}
		arrays = append(arrays, a)
	}
	return arrays, nil
}

func readEntry(f *zip.File) (Array, error) {
	rc, err := f.Open()
	if err != nil {
		return Array{}, err
	}
	defer rc.Close()
	a, err := ReadNPY(rc)
	if err != nil {
		return Array{}, err
	}
	// Reading to the end makes archive/zip verify the entry's checksum.
	extra, err := io.Copy(io.Discard, rc)
	if err != nil {
		return Array{}, errors.Wrap(err, "after the data")
	}
	if extra > 0 {
		return Array{}, errors.Errorf("%d unexpected bytes after the data", extra)
	}
	a.Name = strings.TrimSuffix(f.Name, ".npy")
	return a, nil
}

// WriteFileAtomic writes a file by calling write on a temporary file in the same directory,
// syncing it and renaming it over path, so that readers see either the old file or the complete
// new one. When write (or any step) fails the temporary file is removed and an existing file at
// path is left untouched. The new file gets mode 0644.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return errors.Wrapf(err, "atomic write of %s", path)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err = write(tmp); err != nil {
		return errors.Wrapf(err, "writing %s", path)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return errors.Wrapf(err, "atomic write of %s", path)
	}
	if err = tmp.Sync(); err != nil {
		return errors.Wrapf(err, "syncing %s", tmpName)
	}
	if err = tmp.Close(); err != nil {
		return errors.Wrapf(err, "closing %s", tmpName)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return errors.Wrapf(err, "renaming %s to %s", tmpName, path)
	}
	// Make the rename itself durable; not every file system supports syncing a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
