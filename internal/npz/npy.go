// Package npz reads and writes numpy's .npy and .npz formats, so that checkpoints written by the
// zoo open in Python with numpy.load, and arrays saved by numpy load here.
//
// A .npy file is one array: the magic "\x93NUMPY", a format version, a little-endian header length,
// a Python dict literal such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and a final newline so that the data starts at a multiple of 64 bytes, and then
// the raw little-endian data in C (row-major) order. A .npz file is a zip archive holding one
// "NAME.npy" entry per array.
//
// Supported element types are float32 ('<f4'), float64 ('<f8') and int64 ('<i8'); int32 ('<i4')
// is also read and widened to int64. Fortran-ordered arrays are refused.
//
// Why not github.com/sbinet/npyio: its writer gives a Go slice the shape (len,), so a []float32
// weight matrix would be saved 1-D (only a gonum mat.Dense, which holds float64, gets two
// dimensions), and it pads the header with (header length + 1) mod 16 spaces instead of
// numpy's padding to a multiple of 64 bytes, so its files are not the bytes numpy.save writes.
// Checkpoints need float32 arrays of any rank in numpy's own layout; the three element types
// they use take a few hundred lines and no dependency.
package npz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Array is one named n-dimensional array.
//
// Data is a []float32, []float64 or []int64 holding the elements in row-major order; on writing a
// []int is accepted too and stored as int64. Shape nil or empty means a scalar (one element).
type Array struct {
	Name  string // the entry's name without ".npy"
	Shape []int  // dimensions, outermost first; nil or empty for a scalar
	Data  any    // the elements, row-major: []float32, []float64 or []int64
}

// Size is the number of elements the shape calls for (1 for a scalar), or -1 when a dimension is
// negative or the product overflows.
func (a Array) Size() int {
	return shapeSize(a.Shape)
}

func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt/d {
			return -1
		}
		n *= d
	}
	return n
}

const (
	magic      = "\x93NUMPY"
	arrayAlign = 64
	// growthAxisMaxDigits mirrors numpy's spare room after the dict so that the header can be
	// rewritten in place when the first axis grows; writing it keeps the output byte-identical to
	// numpy's own.
	growthAxisMaxDigits = 21
)

// label names an array in error messages.
func label(name string) string {
	if name == "" {
		return "array"
	}
	return fmt.Sprintf("array %q", name)
}

// dataInfo returns the dtype descr and element count of data.
func dataInfo(data any) (descr string, n int, err error) {
	switch d := data.(type) {
	case []float32:
		return "<f4", len(d), nil
	case []float64:
		return "<f8", len(d), nil
	case []int64:
		return "<i8", len(d), nil
	case []int:
		return "<i8", len(d), nil
	case nil:
		return "", 0, errors.New("Data is nil")
	default:
		return "", 0, errors.Errorf("unsupported Data type %T (want []float32, []float64, []int64 or []int)", data)
	}
}

// shapeRepr formats a shape the way Python writes a tuple: (), (3,), (2, 3).
func shapeRepr(shape []int) string {
	switch len(shape) {
	case 0:
		return "()"
	case 1:
		return "(" + strconv.Itoa(shape[0]) + ",)"
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// header returns the full preamble (magic, version, length and padded header) numpy writes for
// an array of the given dtype and shape.
func header(descr string, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeRepr(shape))
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(growthAxisMaxDigits-len(strconv.Itoa(shape[0])), 0))
	}
	hlen := len(dict) + 1 // the final newline
	prefix := len(magic) + 2 + 2
	major := byte(1)
	pad := arrayAlign - (prefix+hlen)%arrayAlign
	if hlen+pad > math.MaxUint16 {
		major = 2
		prefix = len(magic) + 2 + 4
		pad = arrayAlign - (prefix+hlen)%arrayAlign
	}
	var b bytes.Buffer
	b.Grow(prefix + hlen + pad)
	b.WriteString(magic)
	b.WriteByte(major)
	b.WriteByte(0)
	if major == 1 {
		_ = binary.Write(&b, binary.LittleEndian, uint16(hlen+pad))
	} else {
		_ = binary.Write(&b, binary.LittleEndian, uint32(hlen+pad))
	}
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
}

// validate checks that a's data type is supported and matches its shape.
func validate(a Array) (string, error) {
	descr, n, err := dataInfo(a.Data)
	if err != nil {
		return "", errors.Wrap(err, label(a.Name))
	}
	want := a.Size()
	if want < 0 {
		return "", errors.Errorf("%s: invalid shape %v (negative dimension or too large)", label(a.Name), a.Shape)
	}
	if n != want {
		return "", errors.Errorf("%s: shape %v needs %d elements, Data has %d", label(a.Name), a.Shape, want, n)
	}
	return descr, nil
}

// WriteNPY writes a as one .npy file (format version 1.0, little-endian, C order). a.Name is not
// stored.
func WriteNPY(w io.Writer, a Array) error {
	descr, err := validate(a)
	if err != nil {
		return err
	}
	if _, err := w.Write(header(descr, a.Shape)); err != nil {
		return errors.Wrapf(err, "%s: writing header", label(a.Name))
	}
	const chunk = 8192 // elements per write
	buf := make([]byte, 0, chunk*8)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := w.Write(buf)
		buf = buf[:0]
		return errors.Wrapf(err, "%s: writing data", label(a.Name))
	}
	switch d := a.Data.(type) {
	case []float32:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if (i+1)%chunk == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []float64:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			if (i+1)%chunk == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []int64:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
			if (i+1)%chunk == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	case []int:
		for i, v := range d {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(int64(v)))
			if (i+1)%chunk == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// ReadNPY reads one .npy array from r. It accepts format versions 1.0 and 2.0 (and 3.0, whose
// header is UTF-8), dtypes '<f4', '<f8', '<i8' and '<i4' (widened to int64), and C order only.
// Data is []float32, []float64 or []int64; Name is empty. Reading stops right after the data.
func ReadNPY(r io.Reader) (Array, error) {
	h, err := readNPYHeader(r)
	if err != nil {
		return Array{}, err
	}
	return h.readData(r)
}

// npyHeader is what a .npy preamble declares.
type npyHeader struct {
	descr       string
	shape       []int
	size, width int
	headerBytes int // preamble and header dict, the offset of the data
}

// maxHeaderShow bounds how much of a malformed header an error message quotes.
const maxHeaderShow = 120

// quoteHeader quotes at most maxHeaderShow bytes of a header for an error message.
func quoteHeader(h string) string {
	h = strings.TrimSpace(h)
	if len(h) > maxHeaderShow {
		return fmt.Sprintf("%q… (%d bytes)", h[:maxHeaderShow], len(h))
	}
	return fmt.Sprintf("%q", h)
}

// readNPYHeader reads and checks the preamble and header dict of a .npy array.
func readNPYHeader(r io.Reader) (npyHeader, error) {
	var h npyHeader
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		return h, errors.Errorf("npy: truncated preamble (%d of 8 bytes)", n)
	}
	if string(pre[:6]) != magic {
		return h, errors.Errorf("npy: bad magic %q (want %q)", pre[:6], magic)
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch major {
	case 1:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return h, errors.New("npy: truncated header length")
		}
		hlen = int(binary.LittleEndian.Uint16(l[:]))
		h.headerBytes = 10 + hlen
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return h, errors.New("npy: truncated header length")
		}
		hlen = int(binary.LittleEndian.Uint32(l[:]))
		if hlen > 1<<24 {
			return h, errors.Errorf("npy: header length %d is implausibly large", hlen)
		}
		h.headerBytes = 12 + hlen
	default:
		return h, errors.Errorf("npy: unsupported format version %d.%d", major, minor)
	}
	hdr := make([]byte, 0, min(hlen, 1<<16))
	hdr, err := readUpTo(r, hdr, hlen)
	if err != nil || len(hdr) < hlen {
		return h, errors.Errorf("npy: truncated header (%d of %d bytes)", len(hdr), hlen)
	}
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return h, errors.Wrapf(err, "npy: header %s", quoteHeader(string(hdr)))
	}
	if fortran {
		return h, errors.New("npy: 'fortran_order': True is not supported (save with C order)")
	}
	size := shapeSize(shape)
	if size < 0 {
		return h, errors.Errorf("npy: invalid shape %v", shape)
	}
	var width int
	switch descr {
	case "<f4", "<i4":
		width = 4
	case "<f8", "<i8":
		width = 8
	default:
		return h, errors.Errorf("npy: unsupported dtype %q (supported: '<f4', '<f8', '<i8', '<i4')", descr)
	}
	if size > math.MaxInt/width {
		return h, errors.Errorf("npy: shape %v is too large", shape)
	}
	h.descr, h.shape, h.size, h.width = descr, shape, size, width
	return h, nil
}

// readUpTo appends up to n bytes of r to buf, growing it as bytes arrive.
func readUpTo(r io.Reader, buf []byte, n int) ([]byte, error) {
	var chunk [4096]byte
	for len(buf) < n {
		m, err := r.Read(chunk[:min(len(chunk), n-len(buf))])
		buf = append(buf, chunk[:m]...)
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// readData reads the array's data after its header.
func (h npyHeader) readData(r io.Reader) (Array, error) {
	data, got, err := readData(r, h.descr, h.size, h.width)
	if err != nil {
		return Array{}, errors.Wrapf(err, "npy: reading %s data of shape %v", h.descr, h.shape)
	}
	if got < h.size {
		return Array{}, errors.Errorf("npy: truncated data: shape %v needs %d bytes, got %d", h.shape, h.size*h.width, got*h.width)
	}
	return Array{Shape: h.shape, Data: data}, nil
}

// readData decodes size elements of the given dtype, growing the result as bytes arrive so that a
// truncated file with a huge declared shape does not allocate the whole shape up front. It returns
// the number of whole elements read.
func readData(r io.Reader, descr string, size, width int) (any, int, error) {
	const chunkElems = 1 << 14
	buf := make([]byte, chunkElems*width)
	initCap := min(size, 1<<20)
	var (
		f32 []float32
		f64 []float64
		i64 []int64
	)
	switch descr {
	case "<f4":
		f32 = make([]float32, 0, initCap)
	case "<f8":
		f64 = make([]float64, 0, initCap)
	default:
		i64 = make([]int64, 0, initCap)
	}
	done := 0
	for done < size {
		m := min(size-done, chunkElems)
		n, err := io.ReadFull(r, buf[:m*width])
		whole := n / width
		for i := 0; i < whole; i++ {
			b := buf[i*width : (i+1)*width]
			switch descr {
			case "<f4":
				f32 = append(f32, math.Float32frombits(binary.LittleEndian.Uint32(b)))
			case "<f8":
				f64 = append(f64, math.Float64frombits(binary.LittleEndian.Uint64(b)))
			case "<i8":
				i64 = append(i64, int64(binary.LittleEndian.Uint64(b)))
			case "<i4":
				i64 = append(i64, int64(int32(binary.LittleEndian.Uint32(b))))
			}
		}
		done += whole
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, done, err
		}
	}
	switch descr {
	case "<f4":
		return f32, done, nil
	case "<f8":
		return f64, done, nil
	default:
		return i64, done, nil
	}
}

// parseHeader parses numpy's header dict literal.
func parseHeader(s string) (descr string, fortran bool, shape []int, err error) {
	p := &parser{s: s}
	if err = p.expect('{'); err != nil {
		return
	}
	seen := map[string]bool{}
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			break
		}
		var key string
		if key, err = p.str(); err != nil {
			return
		}
		if err = p.expect(':'); err != nil {
			return
		}
		switch key {
		case "descr":
			if descr, err = p.str(); err != nil {
				return
			}
		case "fortran_order":
			if fortran, err = p.boolean(); err != nil {
				return
			}
		case "shape":
			if shape, err = p.tuple(); err != nil {
				return
			}
		default:
			err = errors.Errorf("unexpected key %q", key)
			return
		}
		if seen[key] {
			err = errors.Errorf("duplicate key %q", key)
			return
		}
		seen[key] = true
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			err = p.errorf("expected ',' or '}'")
			return
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			err = errors.Errorf("missing key %q", k)
			return
		}
	}
	if strings.TrimSpace(s[p.pos:]) != "" {
		err = p.errorf("unexpected text after the dict")
	}
	return
}

type parser struct {
	s   string
	pos int
}

func (p *parser) errorf(format string, args ...any) error {
	return errors.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) expect(c byte) error {
	p.skipSpace()
	if p.peek() != c {
		return p.errorf("expected %q", c)
	}
	p.pos++
	return nil
}

func (p *parser) str() (string, error) {
	p.skipSpace()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("expected a string")
	}
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func (p *parser) boolean() (bool, error) {
	p.skipSpace()
	switch {
	case strings.HasPrefix(p.s[p.pos:], "True"):
		p.pos += 4
		return true, nil
	case strings.HasPrefix(p.s[p.pos:], "False"):
		p.pos += 5
		return false, nil
	}
	return false, p.errorf("expected True or False")
}

func (p *parser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	for {
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			return shape, nil
		}
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		if start == p.pos {
			return nil, p.errorf("expected a dimension")
		}
		d, err := strconv.Atoi(p.s[start:p.pos])
		if err != nil {
			return nil, p.errorf("bad dimension %q", p.s[start:p.pos])
		}
		if p.peek() == 'L' { // Python 2 long suffix
			p.pos++
		}
		shape = append(shape, d)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
		default:
			return nil, p.errorf("expected ',' or ')' in shape")
		}
	}
}
