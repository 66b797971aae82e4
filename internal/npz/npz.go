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
	return WriteComment(w, arrays, "")
}

// WriteComment is Write with an archive comment (at most 65535 bytes), which numpy ignores and
// ReadComment returns: checkpoints record in it the step their arrays belong to.
func WriteComment(w io.Writer, arrays []Array, comment string) error {
	if len(comment) > 0xffff {
		return errors.Errorf("npz: comment of %d bytes is longer than 65535", len(comment))
	}
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
	if comment != "" {
		if err := zw.SetComment(comment); err != nil {
			return errors.Wrap(err, "npz: comment")
		}
	}
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
	return ReadFiltered(path, nil)
}

// A Filter decides, from an entry's array name and the shape its .npy header declares, before any
// data is decoded, whether to decode the array (true), skip it (false), or refuse the archive (an
// error). Loaders pass one that compares the shape with the one they expect, so that an entry of
// the wrong size is refused without decompressing it.
type Filter func(name string, shape []int) (bool, error)

// ReadFiltered is Read keeping only the arrays filter accepts; a nil filter keeps them all.
func ReadFiltered(path string, filter Filter) ([]Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "npz")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errors.Wrap(err, "npz")
	}
	arrays, err := ReadFromFiltered(f, st.Size(), filter)
	return arrays, errors.Wrap(err, path)
}

// ReadComment returns the archive comment of a .npz archive of the given size (see WriteComment).
func ReadComment(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", errors.Wrap(err, "npz: not a zip archive")
	}
	return zr.Comment, nil
}

// ReadFrom reads a .npz archive of the given size from r; see Read. Directory entries are
// skipped; any other entry that is not a ".npy" file is an error, as is data left over after an
// array.
func ReadFrom(r io.ReaderAt, size int64) ([]Array, error) {
	return ReadFromFiltered(r, size, nil)
}

// MaxEntryBytes bounds the uncompressed size of one .npz entry (16 GiB); larger entries are
// refused before they are read.
const MaxEntryBytes = 16 << 30

// ReadFromFiltered is ReadFrom keeping only the arrays filter accepts (nil keeps all). Every
// entry's .npy header is read first and checked against the entry's declared uncompressed size
// and against filter, so a malformed or unexpected entry costs no more than its header.
func ReadFromFiltered(r io.ReaderAt, size int64, filter Filter) ([]Array, error) {
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
		a, keep, err := readEntry(f, filter)
		if err != nil {
			return nil, errors.Wrapf(err, "npz: entry %q", f.Name)
		}
		if keep {
			arrays = append(arrays, a)
		}
	}
	return arrays, nil
}

func readEntry(f *zip.File, filter Filter) (Array, bool, error) {
	if f.UncompressedSize64 > MaxEntryBytes {
		return Array{}, false, errors.Errorf("declares %d bytes uncompressed, more than the limit of %d", f.UncompressedSize64, int64(MaxEntryBytes))
	}
	rc, err := f.Open()
	if err != nil {
		return Array{}, false, err
	}
	defer rc.Close()
	name := strings.TrimSuffix(f.Name, ".npy")
	h, err := readNPYHeader(rc)
	if err != nil {
		return Array{}, false, err
	}
	if want := uint64(h.headerBytes) + uint64(h.size)*uint64(h.width); want != f.UncompressedSize64 {
		return Array{}, false, errors.Errorf("header declares %s of shape %v (%d bytes with the header), the entry holds %d bytes",
			h.descr, h.shape, want, f.UncompressedSize64)
	}
	if filter != nil {
		keep, err := filter(name, h.shape)
		if err != nil || !keep {
			return Array{}, false, err
		}
	}
	a, err := h.readData(rc)
	if err != nil {
		return Array{}, false, err
	}
	// Reading to the end makes archive/zip verify the entry's checksum.
	extra, err := io.Copy(io.Discard, rc)
	if err != nil {
		return Array{}, false, errors.Wrap(err, "after the data")
	}
	if extra > 0 {
		return Array{}, false, errors.Errorf("%d unexpected bytes after the data", extra)
	}
	a.Name = name
	return a, true, nil
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
