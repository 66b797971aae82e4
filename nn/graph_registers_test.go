package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// registerGraph is a training graph of Gorgonia's own ops (matrix product, elementwise Add and
// Mul, Concat, Slice, a node feeding several consumers so that G.Grad sums gradients) on an
// input x.
func registerGraph(t *testing.T) (*Graph, *Input, *Tensor) {
	t.Helper()
	s := NewStore(tensor.Float64, 2)
	w, err := s.Add("w", []int{6, 5}, true, Normal(1))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 4, true)
	x := g.Input("x", 4, 6)
	h := G.Must(G.Mul(x.Node, g.Bind(w)))
	h2 := G.Must(G.Add(h, G.Must(G.HadamardProd(h, h))))
	c := G.Must(G.Concat(1, h2, h))
	// A Slice's gradient adds into a preallocated result (sliceIncrOp), which must never be the
	// previous run's.
	sl := G.Must(G.Slice(h2, nil, G.S(1, 3)))
	loss := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Square(c)))), G.Must(G.Sum(G.Must(G.Square(sl))))))
	g.SetOutputs(loss, c)
	return g, x, w
}

// TestRunKeepsRegisters runs one graph on three inputs and a fresh graph on each: losses,
// outputs and gradients agree bit for bit, so the previous run's values the graph puts back into
// the registers are only ever overwritten.
func TestRunKeepsRegisters(t *testing.T) {
	inputs := [][]float64{ramp(24, -1, 0.09), ramp(24, 2, -0.13), ramp(24, -1, 0.09)}
	type result struct {
		loss      float64
		out, grad []float64
	}
	read := func(g *Graph) result {
		gv, err := g.Nodes()[0].Grad()
		if err != nil {
			t.Fatal(err)
		}
		d := gv.(*tensor.Dense)
		r := result{g.Loss(), Float64s(g.Output()), Float64s(d)}
		d.Zero()
		return r
	}
	kept, x, _ := registerGraph(t)
	if err := kept.Compile(); err != nil {
		t.Fatal(err)
	}
	if kept.regs == nil {
		t.Fatal("the TapeMachine's registers were not found: every run allocates its results again")
	}
	for i, in := range inputs {
		if err := x.Set(in); err != nil {
			t.Fatal(err)
		}
		if err := kept.Run(nil); err != nil {
			t.Fatal(err)
		}
		got := read(kept)
		fresh, fx, _ := registerGraph(t)
		if err := fx.Set(in); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Run(nil); err != nil {
			t.Fatal(err)
		}
		want := read(fresh)
		if got.loss != want.loss {
			t.Errorf("run %d: loss %v, fresh graph %v", i, got.loss, want.loss)
		}
		assertClose(t, "output", got.out, want.out, 0)
		assertClose(t, "gradient", got.grad, want.grad, 0)
	}
}
