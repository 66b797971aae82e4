package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestAddBiasMatchesBroadcastAdd holds the bias op equal to Gorgonia's BroadcastAdd in value and
// in the gradients of x and b, for both bias shapes, at a size above 256 on both axes.
func TestAddBiasMatchesBroadcastAdd(t *testing.T) {
	const n, d = 300, 260
	for _, bshape := range [][]int{{1, d}, {d}} {
		run := func(fused bool) ([][]float64, [][]float64) {
			s := NewStore(tensor.Float64, 1)
			b, err := s.Add("b", bshape, true, Normal(1))
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph(s, n, true)
			x := randomInput(g, "x", 2, n, d)
			var y *G.Node
			if fused {
				y, err = AddBias(x.Node, g.Bind(b))
			} else if len(bshape) == 2 {
				y, err = G.BroadcastAdd(x.Node, g.Bind(b), nil, []byte{0})
			} else {
				y, err = G.BroadcastAdd(x.Node, G.Must(G.Reshape(g.Bind(b), tensor.Shape{1, d})), nil, []byte{0})
			}
			if err != nil {
				t.Fatal(err)
			}
			return forwardBackward(t, g, weighted(t, g, y, 4), []*G.Node{y}, []*G.Node{x.Node, g.Bind(b)})
		}
		fv, fg := run(true)
		cv, cg := run(false)
		assertClose(t, "y", fv[0], cv[0], 1e-12)
		assertClose(t, "dx", fg[0], cg[0], 1e-12)
		assertClose(t, "db", fg[1], cg[1], 1e-9)
	}
}

// TestAddBiasGradient checks the bias op by finite differences at N = 300, float32 forward too.
func TestAddBiasGradient(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	b, err := s.Add("b", []int{1, 7}, true, Normal(1))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 300, true)
	x := randomInput(g, "x", 2, 300, 7)
	y, err := AddBias(x.Node, g.Bind(b))
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.Square(y))))
	mustCheck(t, g, loss, []*G.Node{x.Node, g.Bind(b)}, 40, 1e-6)
}

// TestAddBiasFloat32 compares the float32 op with a plain loop, and checks that a wrong bias
// shape is an error, not a panic.
func TestAddBiasFloat32(t *testing.T) {
	s := NewStore(tensor.Float32, 1)
	b, err := s.Add("b", []int{1, 5}, true, Normal(1))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 3, false)
	x := g.Input("x", 3, 5)
	xv := ramp(15, -1, 0.13)
	if err := x.Set(xv); err != nil {
		t.Fatal(err)
	}
	y, err := AddBias(x.Node, g.Bind(b))
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	for run := 0; run < 2; run++ { // the second run reuses the output buffer
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
	}
	got := Float64s(y.Value().(tensor.Tensor))
	bv := Float64s(b.Value)
	for i := range got {
		want := float64(float32(xv[i]) + float32(bv[i%5]))
		if got[i] != want {
			t.Fatalf("y[%d] = %v, want %v", i, got[i], want)
		}
	}
	bad, err := s.Add("bad", []int{1, 4}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddBias(x.Node, g.Bind(bad)); err == nil {
		t.Error("a (1, 4) bias for (3, 5) rows was accepted")
	}
}
