package npz

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"testing"
)

// deflatedNPZ builds a .npz whose single entry is compressed, holding the .npy bytes given.
func deflatedNPZ(t *testing.T, name string, npy []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(npy); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFilterRefusesBeforeDecoding: a deflated entry that expands to 40 MB is refused by the
// filter from its header alone, and a filtered-out entry is not returned.
func TestFilterRefusesBeforeDecoding(t *testing.T) {
	big := Array{Name: "w", Shape: []int{10_000_000}, Data: make([]float32, 10_000_000)}
	var npy bytes.Buffer
	if err := WriteNPY(&npy, big); err != nil {
		t.Fatal(err)
	}
	b := deflatedNPZ(t, "w.npy", npy.Bytes())
	if len(b) > 1<<20 {
		t.Fatalf("compressed archive is %d bytes", len(b))
	}
	var seen []int
	_, err := ReadFromFiltered(bytes.NewReader(b), int64(len(b)), func(name string, shape []int) (bool, error) {
		seen = shape
		if shape[0] != 4 {
			return false, fmt.Errorf("%s has shape %v, want [4]", name, shape)
		}
		return true, nil
	})
	if err == nil || !strings.Contains(err.Error(), "want [4]") || len(seen) != 1 || seen[0] != 10_000_000 {
		t.Fatalf("filter error %v, shape seen %v", err, seen)
	}
	arrays, err := ReadFromFiltered(bytes.NewReader(b), int64(len(b)), func(string, []int) (bool, error) { return false, nil })
	if err != nil || len(arrays) != 0 {
		t.Fatalf("skipped entry: %v arrays, %v", len(arrays), err)
	}
}

// TestEntrySizeMustMatchHeader: an entry whose header declares more (or fewer) bytes than the
// entry holds is refused before its data is decoded.
func TestEntrySizeMustMatchHeader(t *testing.T) {
	var npy bytes.Buffer
	if err := WriteNPY(&npy, Array{Shape: []int{8}, Data: make([]float64, 8)}); err != nil {
		t.Fatal(err)
	}
	raw := npy.Bytes()
	hdr := strings.Replace(string(raw), "(8,)", "(9,)", 1)
	b := deflatedNPZ(t, "x.npy", []byte(hdr))
	_, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "entry holds") {
		t.Fatalf("header/entry size mismatch: %v", err)
	}
	// A header far larger than the message shows is quoted briefly.
	long := append([]byte(magic+"\x01\x00"), 0, 0)
	dict := "{'descr': '<f8', 'bogus': " + strings.Repeat("x", 5000) + "}"
	long[8], long[9] = byte(len(dict)), byte(len(dict)>>8)
	long = append(long, dict...)
	_, err = ReadNPY(bytes.NewReader(long))
	if err == nil || len(err.Error()) > 400 {
		t.Fatalf("long header error (%d bytes): %.200v", len(err.Error()), err)
	}
}

func TestComment(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteComment(&buf, []Array{{Name: "a", Data: []float64{1}}}, "step 7"); err != nil {
		t.Fatal(err)
	}
	c, err := ReadComment(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || c != "step 7" {
		t.Fatalf("comment %q, %v", c, err)
	}
	if err := WriteComment(io.Discard, nil, strings.Repeat("x", 70000)); err == nil {
		t.Error("70000-byte comment accepted")
	}
}
