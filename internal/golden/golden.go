// Package golden reads the reference files of the tests: .npz archives of arrays computed by
// PyTorch (each written by the make_golden.py beside it in a package's testdata/), looked up by
// name, failing the test with the file and array named when one is missing or of another type.
package golden

import (
	"path/filepath"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
)

// File is the arrays of one golden file by name.
type File struct {
	// Path is the file read.
	Path string
	// Arrays holds every array of the file under its name.
	Arrays map[string]npz.Array
	t      testing.TB
}

// Load reads testdata/NAME.npz of the package under test (go test runs in its directory); a
// file that cannot be read fails the test.
func Load(t testing.TB, name string) *File {
	t.Helper()
	return Read(t, filepath.Join("testdata", name+".npz"))
}

// Read reads the .npz file at path; a file that cannot be read fails the test.
func Read(t testing.TB, path string) *File {
	t.Helper()
	arrays, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &File{Path: path, Arrays: make(map[string]npz.Array, len(arrays)), t: t}
	for _, a := range arrays {
		f.Arrays[a.Name] = a
	}
	return f
}

// Has reports whether the file holds an array called name.
func (f *File) Has(name string) bool {
	_, ok := f.Arrays[name]
	return ok
}

// Array is the array called name; a missing one fails the test.
func (f *File) Array(name string) npz.Array {
	f.t.Helper()
	a, ok := f.Arrays[name]
	if !ok {
		f.t.Fatalf("%s: no array %q", f.Path, name)
	}
	return a
}

// Shape is the shape of the array called name.
func (f *File) Shape(name string) []int {
	f.t.Helper()
	return f.Array(name).Shape
}

// F64 is the data of the float64 array called name (a scalar as one value); another type fails
// the test.
func (f *File) F64(name string) []float64 {
	f.t.Helper()
	d, ok := f.Array(name).Data.([]float64)
	if !ok {
		f.t.Fatalf("%s: array %q holds %T, want float64", f.Path, name, f.Array(name).Data)
	}
	return d
}

// Ints is the data of the integer array called name as ints; another type fails the test.
func (f *File) Ints(name string) []int {
	f.t.Helper()
	d, ok := f.Array(name).Data.([]int64)
	if !ok {
		f.t.Fatalf("%s: array %q holds %T, want int64", f.Path, name, f.Array(name).Data)
	}
	out := make([]int, len(d))
	for i, v := range d {
		out[i] = int(v)
	}
	return out
}

// Formula is the formula(k, n, scale) of the make_golden.py scripts: the values of array k
// (0-based) of n elements in the large cases, generated on both sides instead of stored,
//
//	v_i = ((i·7919 + (k+1)·104729) mod 1999 − 999) / 999 · scale,
//
// exact in float64.
func Formula(k, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64((i*7919+(k+1)*104729)%1999-999) / 999 * scale
	}
	return v
}
