package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// concatGraph joins three inputs of 300 rows and widths 70, 260 and 9 by ConcatCols or G.Concat
// (whose bounds 70, 330, 339 stay clear of Gorgonia's merging of slices by hash), with the first
// input used twice so that its gradient is a sum.
func concatGraph(t *testing.T, fused bool, widths ...int) (*Graph, *G.Node, *G.Node, []*G.Node) {
	t.Helper()
	const n = 300
	g := NewGraph(NewStore(tensor.Float64, 1), n, true)
	var xs, wrt []*G.Node
	for i, w := range widths {
		x := randomInput(g, "x", uint64(20+i), n, w)
		xs, wrt = append(xs, x.Node), append(wrt, x.Node)
	}
	xs = append(xs, xs[0])
	var y *G.Node
	var err error
	if fused {
		y, err = ConcatCols(xs...)
	} else {
		y, err = G.Concat(1, xs...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return g, weighted(t, g, y, 21), y, wrt
}

// TestConcatColsMatchesConcat holds ConcatCols equal to G.Concat along axis 1 in value and in
// every input's gradient, and checks it by finite differences; the batch-major reading of its
// columns is checked on a small case.
func TestConcatColsMatchesConcat(t *testing.T) {
	run := func(fused bool) ([][]float64, [][]float64) {
		g, loss, y, wrt := concatGraph(t, fused, 70, 260, 9)
		return forwardBackward(t, g, loss, []*G.Node{y}, wrt)
	}
	fv, fg := run(true)
	cv, cg := run(false)
	assertClose(t, "y", fv[0], cv[0], 0)
	for i := range fg {
		assertClose(t, "dx", fg[i], cg[i], 0)
	}

	g, _, y, wrt := concatGraph(t, true, 3, 2)
	loss := G.Must(G.Sum(G.Must(G.Square(y))))
	mustCheck(t, g, loss, wrt, 40, 1e-6)

	s := NewStore(tensor.Float64, 1)
	sg := NewGraph(s, 2, false)
	a, b := sg.Input("a", 2, 2), sg.Input("b", 2, 2)
	if err := a.Set([]float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	if err := b.Set([]float64{5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	c, err := ConcatCols(a.Node, b.Node)
	if err != nil {
		t.Fatal(err)
	}
	rows := G.Must(G.Reshape(c, tensor.Shape{4, 2}))
	sg.SetOutputs(G.Must(G.Sum(rows)), rows)
	for run := 0; run < 2; run++ {
		if err := sg.Run(nil); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "batch-major rows", Float64s(sg.Output()), []float64{1, 2, 5, 6, 3, 4, 7, 8}, 0)
	}
	if _, err := ConcatCols(a.Node, sg.Input("c", 3, 2).Node); err == nil {
		t.Error("matrices of 2 and 3 rows were joined")
	}
}
