package npz_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
)

// Example saves two arrays as a .npz checkpoint (readable with numpy.load) and reads them back.
func Example() {
	dir, err := os.MkdirTemp("", "npz-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.npz")

	arrays := []npz.Array{
		{Name: "W", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "step", Data: []int64{1000}},
	}
	err = npz.WriteFileAtomic(path, func(w io.Writer) error { return npz.Write(w, arrays) })
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := npz.Read(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range back {
		fmt.Println(a.Name, a.Shape, a.Data)
	}
	// Output:
	// W [2 3] [1 2 3 4 5 6]
	// step [] [1000]
}

// ExampleWriteNPY shows the 128-byte preamble numpy expects before the data.
func ExampleWriteNPY() {
	var buf bytes.Buffer
	if err := npz.WriteNPY(&buf, npz.Array{Shape: []int{2, 3}, Data: make([]float32, 6)}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", bytes.TrimRight(buf.Bytes()[10:128], " \n"))
	fmt.Println(buf.Len())
	// Output:
	// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	// 152
}
