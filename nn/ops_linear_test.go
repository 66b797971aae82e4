package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestLinearOpMatchesComposed holds Linear's single op equal to G.Mul followed by AddBias in
// value and in the gradients of x, W and b, with and without bias, at sizes above 256, with x
// feeding a second consumer (so its gradient is a sum).
func TestLinearOpMatchesComposed(t *testing.T) {
	const n, in, out = 300, 270, 260
	for _, bias := range []bool{true, false} {
		run := func(fused bool) ([][]float64, [][]float64) {
			s := NewStore(tensor.Float64, 1)
			l, err := NewLinear(s, "fc", in, out, bias)
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph(s, n, true)
			x := randomInput(g, "x", 5, n, in)
			var y *G.Node
			if fused {
				y, err = l.Forward(g, x.Node)
			} else {
				y, err = l.ForwardComposed(g, x.Node)
			}
			if err != nil {
				t.Fatal(err)
			}
			loss := G.Must(G.Add(weighted(t, g, y, 6), weighted(t, g, x.Node, 7)))
			wrt := []*G.Node{x.Node, g.Bind(l.Weight)}
			if bias {
				wrt = append(wrt, g.Bind(l.Bias))
			}
			return forwardBackward(t, g, loss, []*G.Node{y}, wrt)
		}
		fv, fg := run(true)
		cv, cg := run(false)
		assertClose(t, "y", fv[0], cv[0], 1e-12)
		for i, name := range []string{"dx", "dW", "db"}[:len(fg)] {
			assertClose(t, name, fg[i], cg[i], 1e-9)
		}
	}
}

// TestLinearOpRepeatedRuns runs a training graph with the single op three times: every run
// gives the loss and gradients of the first (the buffers kept across runs are overwritten,
// never accumulated into), and a float32 graph agrees with the float64 one to float32 precision.
func TestLinearOpRepeatedRuns(t *testing.T) {
	build := func(dt tensor.Dtype) (*Graph, *Linear) {
		s := NewStore(dt, 3)
		l, err := NewLinear(s, "fc", 9, 6, true)
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, 4, true)
		x := g.Input("x", 4, 9)
		if err := x.Set(ramp(36, -1, 0.07)); err != nil {
			t.Fatal(err)
		}
		y, err := l.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		g.SetOutputs(G.Must(G.Sum(G.Must(G.Square(y)))), y)
		return g, l
	}
	g64, l64 := build(tensor.Float64)
	var losses []float64
	var grads [][]float64
	for run := 0; run < 3; run++ {
		if err := g64.Run(nil); err != nil {
			t.Fatal(err)
		}
		losses = append(losses, g64.Loss())
		gw, err := g64.Nodes()[0].Grad()
		if err != nil {
			t.Fatal(err)
		}
		v, err := valueFloats(gw)
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, v)
		for _, n := range g64.Nodes() { // as a solver step does
			if err := zeroGrad(n); err != nil {
				t.Fatal(err)
			}
		}
	}
	for run := 1; run < 3; run++ {
		if losses[run] != losses[0] {
			t.Errorf("run %d: loss %v, first run %v", run, losses[run], losses[0])
		}
		assertClose(t, "dW of a later run", grads[run], grads[0], 0)
	}
	g32, l32 := build(tensor.Float32)
	copy(l32.Weight.Value.Data().([]float32), toFloat32(Float64s(l64.Weight.Value)))
	copy(l32.Bias.Value.Data().([]float32), toFloat32(Float64s(l64.Bias.Value)))
	if err := g32.Run(nil); err != nil {
		t.Fatal(err)
	}
	if d := (g32.Loss() - losses[0]) / losses[0]; d > 1e-5 || d < -1e-5 {
		t.Errorf("float32 loss %v, float64 %v", g32.Loss(), losses[0])
	}
}

// TestLinearOpErrors checks that inputs that do not multiply are errors, not panics.
func TestLinearOpErrors(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	g := NewGraph(s, 3, false)
	x := g.Input("x", 3, 5)
	w := g.Input("w", 4, 2)
	if _, err := LinearOp(x.Node, w.Node, nil); err == nil {
		t.Error("(3, 5)·(4, 2) was accepted")
	}
	w2 := g.Input("w2", 5, 2)
	b := g.Input("b", 1, 3)
	if _, err := LinearOp(x.Node, w2.Node, b.Node); err == nil {
		t.Error("a (1, 3) bias for 2 outputs was accepted")
	}
	if _, err := LinearOp(nil, w2.Node, nil); err == nil {
		t.Error("a nil input was accepted")
	}
}

func zeroGrad(n *G.Node) error {
	gv, err := n.Grad()
	if err != nil {
		return err
	}
	if d, ok := gv.(*tensor.Dense); ok {
		d.Zero()
	}
	return nil
}

func toFloat32(v []float64) []float32 {
	r := make([]float32, len(v))
	for i, x := range v {
		r[i] = float32(x)
	}
	return r
}

// TestFedInputGradientSkipped compiles a training graph whose first Linear reads a fed input:
// the op builds no gradient for that input (no product dY·Wᵀ runs), while the weights'
// gradients still equal those of the composed form, which does compute it.
func TestFedInputGradientSkipped(t *testing.T) {
	const n, in, out = 6, 5, 4
	run := func(fused bool) ([]float64, *linearOp) {
		s := NewStore(tensor.Float64, 2)
		l, err := NewLinear(s, "fc", in, out, true)
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, n, true)
		x := randomInput(g, "x", 5, n, in)
		var y *G.Node
		if fused {
			y, err = l.Forward(g, x.Node)
		} else {
			y, err = l.ForwardComposed(g, x.Node)
		}
		if err != nil {
			t.Fatal(err)
		}
		g.SetOutputs(weighted(t, g, y, 6), nil)
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		var op *linearOp
		if fused {
			op = y.Op().(*linearOp)
		}
		var grads []float64
		for _, n := range g.Nodes() {
			d, err := n.Grad()
			if err != nil {
				t.Fatal(err)
			}
			grads = append(grads, Float64s(d.(tensor.Tensor))...)
		}
		return grads, op
	}
	fg, op := run(true)
	if op.needDX {
		t.Error("the linear op of a fed input still computes the input's gradient")
	}
	cg, _ := run(false)
	assertClose(t, "dW, db", fg, cg, 1e-12)
}
