package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pkg/errors"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned byte) and the number of
// dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
	// idxMaxBytes bounds the payload a header may claim (MNIST's training images are 47 MB).
	idxMaxBytes = 1 << 31
)

// IDXImages is a set of greyscale images read from an IDX file: N images of Rows×Cols bytes,
// stored image-major, row-major.
type IDXImages struct {
	N, Rows, Cols int    // images, and the height and width of each
	Pixels        []byte // N×Rows×Cols
}

// ReadIDXImages reads an IDX image file (magic 0x00000803: unsigned bytes, three dimensions N,
// rows, cols, big-endian), raw or gzip-compressed (recognised by the gzip magic bytes). name is
// used in error messages. It is an error for the magic to differ or for the data to end early.
func ReadIDXImages(r io.Reader, name string) (*IDXImages, error) {
	r, closeFn, err := idxReader(r, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, err := idxHeader(r, name, idxImagesMagic, 3)
	if err != nil {
		return nil, err
	}
	n, rows, cols := dims[0], dims[1], dims[2]
	plane := uint64(rows) * uint64(cols) // < 2^64: each factor < 2^32
	if plane > idxMaxBytes || uint64(n)*plane > idxMaxBytes {
		return nil, errors.Errorf("%s: header claims %d×%d×%d bytes, more than %d", name, n, rows, cols, idxMaxBytes)
	}
	pix, err := idxPayload(r, name, n*rows*cols)
	if err != nil {
		return nil, err
	}
	return &IDXImages{N: n, Rows: rows, Cols: cols, Pixels: pix}, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801: unsigned bytes, one dimension N), raw
// or gzip-compressed. name is used in error messages.
func ReadIDXLabels(r io.Reader, name string) ([]byte, error) {
	r, closeFn, err := idxReader(r, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, err := idxHeader(r, name, idxLabelsMagic, 1)
	if err != nil {
		return nil, err
	}
	if dims[0] > idxMaxBytes {
		return nil, errors.Errorf("%s: header claims %d labels, more than %d", name, dims[0], idxMaxBytes)
	}
	return idxPayload(r, name, dims[0])
}

// LoadIDX reads an MNIST-style pair of IDX files, images and labels (each raw or gzipped), into a
// classification table: one row of Rows×Cols features per image with pixels scaled from 0…255 to
// [0, 1], and 10 classes (or the largest label plus one, if that is more) named "0", "1", ….
// The table is named after the images file. The two files must hold the same number of examples.
func LoadIDX(imagesPath, labelsPath string) (*Table, error) {
	imgs, err := readIDXFile(imagesPath, func(r io.Reader) (*IDXImages, error) { return ReadIDXImages(r, imagesPath) })
	if err != nil {
		return nil, err
	}
	labels, err := readIDXFile(labelsPath, func(r io.Reader) ([]byte, error) { return ReadIDXLabels(r, labelsPath) })
	if err != nil {
		return nil, err
	}
	if imgs.N != len(labels) {
		return nil, errors.Errorf("load idx: %s holds %d images but %s holds %d labels", imagesPath, imgs.N, labelsPath, len(labels))
	}
	dim := imgs.Rows * imgs.Cols
	if dim == 0 {
		return nil, errors.Errorf("load idx: %s: images of %d×%d pixels", imagesPath, imgs.Rows, imgs.Cols)
	}
	x := make([]float64, len(imgs.Pixels))
	for i, p := range imgs.Pixels {
		x[i] = float64(p) / 255
	}
	lab := make([]int, len(labels))
	classes := 10
	for i, l := range labels {
		lab[i] = int(l)
		classes = max(classes, int(l)+1)
	}
	t, err := newClassTable(filepath.Base(imagesPath), x, dim, lab, classes)
	if err != nil {
		return nil, err
	}
	t.classNames = make([]string, classes)
	for i := range t.classNames {
		t.classNames[i] = strconv.Itoa(i)
	}
	return t, nil
}

func readIDXFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, errors.Wrapf(err, "load idx %s", path)
	}
	defer f.Close()
	return read(f)
}

// idxReader looks at the first two bytes and, when they are the gzip magic 1f 8b, decompresses.
func idxReader(r io.Reader, name string) (io.Reader, func(), error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, nil, errors.Wrapf(err, "%s: read", name)
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "%s: gzip", name)
		}
		return zr, func() { zr.Close() }, nil
	}
	return br, func() {}, nil
}

// idxHeader reads and checks the magic number and the dimensions.
func idxHeader(r io.Reader, name string, magic uint32, ndims int) ([]int, error) {
	buf := make([]byte, 4*(1+ndims))
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, idxTruncated(name, "header", err)
	}
	if got := binary.BigEndian.Uint32(buf); got != magic {
		return nil, errors.Errorf("%s: magic number 0x%08x, want 0x%08x (an IDX file of unsigned bytes with %d dimensions)", name, got, magic, ndims)
	}
	dims := make([]int, ndims)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(buf[4*(i+1):]))
	}
	return dims, nil
}

// idxPayload reads exactly size bytes, growing the buffer as data arrives so that a header
// claiming more than the file holds costs no more memory than the file.
func idxPayload(r io.Reader, name string, size int) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, int64(size))
	if err != nil {
		if err == io.EOF {
			return nil, errors.Errorf("%s: truncated: header promises %d bytes of data, file holds %d", name, size, n)
		}
		return nil, idxTruncated(name, "data", err)
	}
	return buf.Bytes(), nil
}

func idxTruncated(name, part string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.Errorf("%s: truncated %s", name, part)
	}
	return errors.Wrapf(err, "%s: read %s", name, part)
}
