package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReLUMatchesRectify holds the ReLU op equal to Gorgonia's Rectify in value and gradient
// (float64, 300×260, with exact zeros in the input), and checks it by finite differences.
func TestReLUMatchesRectify(t *testing.T) {
	const n, d = 300, 260
	run := func(fused bool) ([][]float64, [][]float64) {
		g := NewGraph(NewStore(tensor.Float64, 1), n, true)
		x := randomInput(g, "x", 2, n, d)
		v := Float64s(x.Value)
		for i := 0; i < len(v); i += 7 {
			v[i] = 0
		}
		if err := x.Set(v); err != nil {
			t.Fatal(err)
		}
		var y *G.Node
		var err error
		if fused {
			y, err = ReLU(x.Node)
		} else {
			y, err = G.Rectify(x.Node)
		}
		if err != nil {
			t.Fatal(err)
		}
		return forwardBackward(t, g, weighted(t, g, y, 4), []*G.Node{y}, []*G.Node{x.Node})
	}
	fv, fg := run(true)
	cv, cg := run(false)
	assertClose(t, "y", fv[0], cv[0], 0)
	assertClose(t, "dx", fg[0], cg[0], 0)

	g := NewGraph(NewStore(tensor.Float64, 1), 300, true)
	x := randomInput(g, "x", 3, 300, 3)
	y, err := ReLU(x.Node)
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g, weighted(t, g, y, 5), []*G.Node{x.Node}, 60, 1e-6)
}

// TestReLUFloat32 checks the float32 op, NaN included, over two runs.
func TestReLUFloat32(t *testing.T) {
	g := NewGraph(NewStore(tensor.Float32, 1), 2, false)
	x := g.Input("x", 2, 3)
	if err := x.Set([]float64{-1, 0, 2, math.NaN(), -0.5, 3}); err != nil {
		t.Fatal(err)
	}
	y, err := ReLU(x.Node)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	for run := 0; run < 2; run++ {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	got := Float64s(y.Value().(tensor.Tensor))
	want := []float64{0, 0, 2, math.NaN(), 0, 3}
	for i := range want {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("relu[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}
