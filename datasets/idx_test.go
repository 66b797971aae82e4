package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an IDX file of unsigned bytes with the given magic, dimensions and data.
func idxBytes(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeBytes(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// threeImages are 3 images of 2×3 pixels.
var threeImages = []byte{
	0, 255, 51, 102, 0, 0,
	1, 2, 3, 4, 5, 6,
	255, 255, 255, 0, 0, 0,
}

func TestLoadIDXRawAndGzip(t *testing.T) {
	imgs := idxBytes(idxImagesMagic, []uint32{3, 2, 3}, threeImages)
	labs := idxBytes(idxLabelsMagic, []uint32{3}, []byte{7, 0, 9})
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		ib, lb := imgs, labs
		if gz {
			ib, lb = gzipBytes(t, imgs), gzipBytes(t, labs)
		}
		tab, err := LoadIDX(writeBytes(t, dir, "img", ib), writeBytes(t, dir, "lab", lb))
		if err != nil {
			t.Fatalf("gzip=%v: %v", gz, err)
		}
		info := tab.Info()
		if info.Dim != 6 || info.Classes != 10 || tab.Len() != 3 || info.Kind != Classification {
			t.Fatalf("gzip=%v: info %+v len %d", gz, info, tab.Len())
		}
		b := All(tab)
		if !slices.Equal(b.Labels, []int{7, 0, 9}) {
			t.Errorf("gzip=%v: labels %v", gz, b.Labels)
		}
		if want := []float64{0, 1, 0.2, 0.4, 0, 0}; !slices.Equal(b.X[:6], want) {
			t.Errorf("gzip=%v: image 0 = %v, want %v", gz, b.X[:6], want)
		}
		if b.X[12] != 1 || b.X[17] != 0 {
			t.Errorf("gzip=%v: image 2 = %v", gz, b.X[12:])
		}
		if names := tab.ClassNames(); len(names) != 10 || names[9] != "9" {
			t.Errorf("class names %v", names)
		}
	}
}

func TestLoadIDXMoreClasses(t *testing.T) {
	dir := t.TempDir()
	tab, err := LoadIDX(
		writeBytes(t, dir, "img", idxBytes(idxImagesMagic, []uint32{2, 1, 1}, []byte{0, 1})),
		writeBytes(t, dir, "lab", idxBytes(idxLabelsMagic, []uint32{2}, []byte{3, 25})))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Info().Classes != 26 {
		t.Errorf("classes %d, want 26", tab.Info().Classes)
	}
}

func TestReadIDXImages(t *testing.T) {
	im, err := ReadIDXImages(bytes.NewReader(gzipBytes(t, idxBytes(idxImagesMagic, []uint32{3, 2, 3}, threeImages))), "x")
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 3 || im.Rows != 2 || im.Cols != 3 || !slices.Equal(im.Pixels, threeImages) {
		t.Errorf("got %+v", im)
	}
}

func TestIDXErrors(t *testing.T) {
	good := idxBytes(idxImagesMagic, []uint32{3, 2, 3}, threeImages)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"label magic", idxBytes(idxLabelsMagic, []uint32{3, 2, 3}, threeImages), "img.idx: magic number 0x00000801, want 0x00000803"},
		{"float magic", idxBytes(0x00000D03, []uint32{3, 2, 3}, threeImages), "magic number 0x00000d03"},
		{"empty", nil, "img.idx: truncated header"},
		{"short header", good[:10], "img.idx: truncated header"},
		{"short data", good[:len(good)-4], "img.idx: truncated: header promises 18 bytes of data, file holds 14"},
		{"short gzip", gzipBytes(t, good)[:30], "img.idx: truncated"},
		{"huge", idxBytes(idxImagesMagic, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "more than"},
	}
	for _, c := range cases {
		_, err := ReadIDXImages(bytes.NewReader(c.data), "img.idx")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := ReadIDXLabels(bytes.NewReader(good), "lab.idx"); err == nil || !strings.Contains(err.Error(), "lab.idx: magic number 0x00000803, want 0x00000801") {
		t.Errorf("labels with image magic: %v", err)
	}
	if _, err := ReadIDXLabels(bytes.NewReader(idxBytes(idxLabelsMagic, []uint32{5}, []byte{1, 2})), "lab.idx"); err == nil || !strings.Contains(err.Error(), "lab.idx: truncated") {
		t.Errorf("short labels: %v", err)
	}
}

func TestLoadIDXMismatchAndMissing(t *testing.T) {
	dir := t.TempDir()
	ip := writeBytes(t, dir, "img", idxBytes(idxImagesMagic, []uint32{3, 2, 3}, threeImages))
	lp := writeBytes(t, dir, "lab", idxBytes(idxLabelsMagic, []uint32{2}, []byte{1, 2}))
	_, err := LoadIDX(ip, lp)
	if err == nil || !strings.Contains(err.Error(), ip+" holds 3 images but "+lp+" holds 2 labels") {
		t.Errorf("count mismatch: %v", err)
	}
	missing := filepath.Join(dir, "nope")
	if _, err := LoadIDX(missing, lp); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
}
