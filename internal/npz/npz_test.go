package npz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

func roundTripNPY(t *testing.T, a Array) Array {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNPY(&buf, a); err != nil {
		t.Fatalf("WriteNPY(%v): %v", a.Shape, err)
	}
	if buf.Len()%64 != (a.Size()*width(a.Data))%64 {
		t.Errorf("shape %v: file length %d: preamble is not a multiple of 64", a.Shape, buf.Len())
	}
	got, err := ReadNPY(&buf)
	if err != nil {
		t.Fatalf("ReadNPY(%v): %v", a.Shape, err)
	}
	if buf.Len() != 0 {
		t.Errorf("shape %v: %d bytes left unread", a.Shape, buf.Len())
	}
	return got
}

func width(data any) int {
	if _, ok := data.([]float32); ok {
		return 4
	}
	return 8
}

func TestNPYRoundTrip(t *testing.T) {
	shapes := [][]int{{}, {1}, {5}, {2, 3}, {2, 3, 4}, {0}, {3, 0}, {1, 1, 1, 1}}
	for _, shape := range shapes {
		n := shapeSize(shape)
		f32 := make([]float32, n)
		f64 := make([]float64, n)
		i64 := make([]int64, n)
		ints := make([]int, n)
		for i := range n {
			f32[i] = float32(i)*0.25 - 1.5
			f64[i] = math.Pi * float64(i-3)
			i64[i] = int64(i-2) * (1 << 40)
			ints[i] = 7 - i*i
		}
		if n > 2 {
			f32[1] = float32(math.Inf(-1))
			f64[2] = math.SmallestNonzeroFloat64
			i64[0] = math.MinInt64
		}
		cases := []struct {
			in, want any
		}{
			{f32, f32}, {f64, f64}, {i64, i64}, {ints, func() []int64 {
				v := make([]int64, n)
				for i, x := range ints {
					v[i] = int64(x)
				}
				return v
			}()},
		}
		for _, c := range cases {
			got := roundTripNPY(t, Array{Name: "ignored", Shape: shape, Data: c.in})
			if got.Name != "" {
				t.Errorf("ReadNPY name = %q, want empty", got.Name)
			}
			if len(got.Shape) != len(shape) || (len(shape) > 0 && !reflect.DeepEqual(got.Shape, shape)) {
				t.Errorf("shape %v: got shape %v", shape, got.Shape)
			}
			if !reflect.DeepEqual(got.Data, c.want) {
				t.Errorf("shape %v %T: got %v, want %v", shape, c.in, got.Data, c.want)
			}
		}
	}
}

func TestNPYNaNRoundTrip(t *testing.T) {
	got := roundTripNPY(t, Array{Shape: []int{2}, Data: []float64{math.NaN(), 1}})
	d := got.Data.([]float64)
	if !math.IsNaN(d[0]) || d[1] != 1 {
		t.Errorf("got %v", d)
	}
}

// TestHeaderBytes checks the exact bytes numpy 1.x/2.x writes for np.zeros((2, 3), np.float32):
// the dict literal is 59 bytes, numpy appends 21-len("2") = 20 spare spaces, and then pads so that
// 10 (magic, version, length) + header is a multiple of 64: 10 + 59 + 20 + 1 = 90, so 38 more
// spaces, header length 118 = 0x76, data starting at byte 128.
func TestHeaderBytes(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteNPY(&buf, Array{Shape: []int{2, 3}, Data: make([]float32, 6)}); err != nil {
		t.Fatal(err)
	}
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	if len(dict) != 59 {
		t.Fatalf("test dict literal has %d bytes", len(dict))
	}
	want := "\x93NUMPY\x01\x00\x76\x00" + dict + strings.Repeat(" ", 58) + "\n"
	if len(want) != 128 {
		t.Fatalf("expected preamble has %d bytes", len(want))
	}
	got := buf.Bytes()
	if len(got) != 128+6*4 {
		t.Fatalf("file length %d, want %d", len(got), 128+24)
	}
	if string(got[:128]) != want {
		t.Errorf("preamble\n got %q\nwant %q", got[:128], want)
	}
	if !bytes.Equal(got[128:], make([]byte, 24)) {
		t.Errorf("data bytes %v, want zeros", got[128:])
	}

	// A known value: float64 scalar 1.0 -> header "(), " without spare spaces, data 0x3ff0....
	buf.Reset()
	if err := WriteNPY(&buf, Array{Data: []float64{1}}); err != nil {
		t.Fatal(err)
	}
	got = buf.Bytes()
	dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"
	want = "\x93NUMPY\x01\x00\x76\x00" + dict + strings.Repeat(" ", 128-10-len(dict)-1) + "\n"
	if string(got[:128]) != want {
		t.Errorf("scalar preamble\n got %q\nwant %q", got[:128], want)
	}
	if binary.LittleEndian.Uint64(got[128:]) != 0x3ff0000000000000 {
		t.Errorf("scalar data % x", got[128:])
	}

	// Vector shapes are written as a one-element tuple.
	buf.Reset()
	if err := WriteNPY(&buf, Array{Shape: []int{3}, Data: []int64{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'shape': (3,), }") || !strings.Contains(buf.String(), "'<i8'") {
		t.Errorf("vector header %q", buf.String()[:128])
	}
}

// npyBytes builds a .npy file by hand with the given version and header dict.
func npyBytes(major byte, dict string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	pre := 10
	if major >= 2 {
		pre = 12
	}
	hlen := len(dict) + 1
	pad := (64 - (pre+hlen)%64) % 64
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(hlen+pad))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(hlen+pad))
	}
	b.WriteString(dict + strings.Repeat(" ", pad) + "\n")
	b.Write(data)
	return b.Bytes()
}

func TestReadNPYForeignHeaders(t *testing.T) {
	i32 := []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80}
	a, err := ReadNPY(bytes.NewReader(npyBytes(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i32)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, -1, math.MinInt32}; !reflect.DeepEqual(a.Data, want) {
		t.Errorf("int32 widened to %v, want %v", a.Data, want)
	}
	// Double quotes, different key order, no trailing comma, Python 2 long dims.
	f64 := make([]byte, 16)
	binary.LittleEndian.PutUint64(f64[8:], math.Float64bits(2.5))
	a, err = ReadNPY(bytes.NewReader(npyBytes(1, `{"shape": (1L, 2L), "fortran_order": False, "descr": "<f8"}`, f64)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{1, 2}) || !reflect.DeepEqual(a.Data, []float64{0, 2.5}) {
		t.Errorf("got %v %v", a.Shape, a.Data)
	}
}

func TestReadNPYErrors(t *testing.T) {
	var good bytes.Buffer
	if err := WriteNPY(&good, Array{Shape: []int{4, 5}, Data: make([]float64, 20)}); err != nil {
		t.Fatal(err)
	}
	g := good.Bytes()
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "truncated preamble"},
		{"bad magic", append([]byte("\x93NUMPZ"), g[6:]...), "bad magic"},
		{"version", append(append([]byte{}, g[:6]...), append([]byte{9, 0}, g[8:]...)...), "unsupported format version 9.0"},
		{"truncated header", g[:50], "truncated header"},
		{"truncated data", g[:len(g)-3], "truncated data: shape [4 5] needs 160 bytes, got 152"},
		{"no data", g[:128], "truncated data"},
		{"dtype", npyBytes(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), `unsupported dtype ">f8"`},
		{"dtype u1", npyBytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), `unsupported dtype "|u1"`},
		{"fortran", npyBytes(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", make([]byte, 8)), "fortran_order"},
		{"missing key", npyBytes(1, "{'descr': '<f8', 'shape': (1,), }", make([]byte, 8)), `missing key "fortran_order"`},
		{"bad shape", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (a,), }", make([]byte, 8)), "expected a dimension"},
		{"huge shape", npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", make([]byte, 8)), "invalid shape"},
	}
	for _, c := range cases {
		_, err := ReadNPY(bytes.NewReader(c.data))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.msg)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	cases := []struct {
		a   Array
		msg string
	}{
		{Array{Name: "w", Shape: []int{2, 2}, Data: []float64{1, 2, 3}}, `array "w": shape [2 2] needs 4 elements, Data has 3`},
		{Array{Name: "w", Shape: []int{-1}, Data: []float64{}}, "invalid shape"},
		{Array{Name: "w", Data: []int32{1}}, "unsupported Data type []int32"},
		{Array{Name: "w"}, "Data is nil"},
	}
	for _, c := range cases {
		err := WriteNPY(&bytes.Buffer{}, c.a)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("WriteNPY(%+v) error %v, want %q", c.a, err, c.msg)
		}
	}
	err := Write(&bytes.Buffer{}, []Array{{Name: "", Data: []float64{1}}})
	if err == nil || !strings.Contains(err.Error(), "empty name") {
		t.Errorf("empty name: %v", err)
	}
	err = Write(&bytes.Buffer{}, []Array{{Name: "a", Data: []float64{1}}, {Name: "a", Data: []float64{2}}})
	if err == nil || !strings.Contains(err.Error(), `arrays 0 and 1 are both named "a"`) {
		t.Errorf("duplicate name: %v", err)
	}
}

func TestNPZRoundTrip(t *testing.T) {
	in := []Array{
		{Name: "zeta", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "alpha", Data: []float64{0.5}},
		{Name: "layer1/W", Shape: []int{2}, Data: []int64{-3, 9}},
		{Name: "x.npy", Shape: []int{1, 2, 1}, Data: []float64{7, 8}},
		{Name: "empty", Shape: []int{0, 4}, Data: []float32{}},
		{Name: " ", Shape: []int{1}, Data: []int{42}},
	}
	path := filepath.Join(t.TempDir(), "ckpt.npz")
	err := WriteFileAtomic(path, func(w io.Writer) error { return Write(w, in) })
	if err != nil {
		t.Fatal(err)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("read %d arrays, wrote %d", len(out), len(in))
	}
	for i := range in {
		want := in[i]
		if d, ok := want.Data.([]int); ok {
			want.Data = []int64{int64(d[0])}
		}
		if want.Shape == nil {
			want.Shape = []int{}
		}
		if !reflect.DeepEqual(out[i], want) {
			t.Errorf("array %d: got %+v, want %+v", i, out[i], want)
		}
	}
}

func TestNPZEntryErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, []Array{{Name: "ok", Data: []float64{1}}, {Name: "bad", Shape: []int{8}, Data: make([]float64, 8)}}); err != nil {
		t.Fatal(err)
	}
	// Corrupt the magic of the second entry: the error must name it.
	b := buf.Bytes()
	second := bytes.LastIndex(b, []byte("\x93NUMPY"))
	b[second+1] = 'X'
	_, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), `entry "bad.npy"`) || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("corrupt entry error: %v", err)
	}
	_, err = ReadFrom(bytes.NewReader(b[:20]), 20)
	if err == nil || !strings.Contains(err.Error(), "not a zip archive") {
		t.Errorf("truncated archive error: %v", err)
	}
	path := filepath.Join(t.TempDir(), "missing.npz")
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "missing.npz") {
		t.Errorf("missing file error: %v", err)
	}
}

func TestWriteFileAtomicKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.npz")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the new")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v does not wrap the writer's error", err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "old contents" {
		t.Errorf("old file now %q, %v", got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only model.npz", names)
	}
	// A successful write replaces the file.
	if err := WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("after success file is %q", got)
	}
	// A missing directory is reported, not panicked on.
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "f"), func(io.Writer) error { return nil }); err == nil {
		t.Error("no error for a missing directory")
	}
}

func TestDenseRoundTrip(t *testing.T) {
	cases := []Array{
		{Name: "m", Shape: []int{2, 3}, Data: []float64{1, 2, 3, 4, 5, 6}},
		{Name: "v", Shape: []int{4}, Data: []float32{1, -2, 3, -4}},
		{Name: "i", Shape: []int{2, 1, 2}, Data: []int64{5, 6, 7, 8}},
		{Name: "s", Shape: []int{}, Data: []float64{3.5}},
	}
	for _, a := range cases {
		d, err := ToDense(a)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if !reflect.DeepEqual([]int(d.Shape()), a.Shape) && !(len(a.Shape) == 0 && d.Shape().IsScalar()) {
			t.Errorf("%s: tensor shape %v", a.Name, d.Shape())
		}
		back, err := FromDense(a.Name, d)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if !reflect.DeepEqual(back, a) {
			t.Errorf("%s: round trip %+v, want %+v", a.Name, back, a)
		}
	}
	// int64 data becomes a tensor of int.
	d, _ := ToDense(Array{Shape: []int{2}, Data: []int64{1, 2}})
	if d.Dtype() != tensor.Int {
		t.Errorf("int64 array became %v tensor", d.Dtype())
	}
	// A transposed view is materialized in row-major order.
	m := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))
	if err := m.T(); err != nil {
		t.Fatal(err)
	}
	a, err := FromDense("mt", m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{3, 2}) || !reflect.DeepEqual(a.Data, []float64{1, 4, 2, 5, 3, 6}) {
		t.Errorf("transposed: %v %v", a.Shape, a.Data)
	}
	if _, err := FromDense("b", tensor.New(tensor.WithShape(2), tensor.WithBacking([]bool{true, false}))); err == nil {
		t.Error("bool tensor accepted")
	}
	if _, err := ToDense(Array{Name: "e", Shape: []int{0}, Data: []float64{}}); err == nil {
		t.Error("empty array accepted by ToDense")
	}
}
