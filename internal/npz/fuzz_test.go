package npz

import (
	"bytes"
	"testing"
)

// FuzzReadNPY: no input makes ReadNPY panic or allocate beyond what the input holds; what it
// accepts writes back and reads again as the same array.
func FuzzReadNPY(f *testing.F) {
	for _, a := range []Array{
		{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Shape: []int{}, Data: []float64{3}},
		{Shape: []int{2}, Data: []int64{-1, 7}},
	} {
		var buf bytes.Buffer
		if err := WriteNPY(&buf, a); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(magic + "\x01\x00\x20\x00{'descr': '<f4', 'shape': (99999999999,), 'fortran_order': False}"))
	f.Add([]byte(magic + "\x02\x00\xff\xff\xff\x00{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteNPY(&out, a); err != nil {
			t.Fatalf("accepted array does not write back: %v", err)
		}
		if _, err := ReadNPY(&out); err != nil {
			t.Fatalf("written array does not read back: %v", err)
		}
	})
}

// FuzzReadNPZ: no archive makes ReadFrom panic; the header-size check bounds what it decodes.
func FuzzReadNPZ(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteComment(&buf, []Array{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}, {Name: "b", Data: []float64{1}}}, "step 1"); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:40])
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, b []byte) {
		arrays, err := ReadFrom(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, a := range arrays {
			if _, err := validate(a); err != nil {
				t.Fatalf("accepted an inconsistent array: %v", err)
			}
		}
		_, _ = ReadComment(bytes.NewReader(b), int64(len(b)))
	})
}
