package recurrent_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// concatGrads builds loss = Σ concat(pieces)∘W for T pieces (B, H) with the given concatenation,
// runs forward and backward and returns the concatenated value, W and every piece's gradient.
func concatGrads(t *testing.T, T, B, H int, concat func([]*G.Node) (*G.Node, error)) (out, w []float64, grads [][]float64, pieces [][]float64) {
	t.Helper()
	store := nn.NewStore(tensor.Float64, 1)
	g := nn.NewGraph(store, B, false)
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(in *nn.Input) []float64 {
		v := make([]float64, in.Value.Shape().TotalSize())
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		if err := in.Set(v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	nodes := make([]*G.Node, T)
	for i := range nodes {
		in := g.Input("p", B, H)
		pieces = append(pieces, fill(in))
		nodes[i] = in.Node
	}
	all, err := concat(nodes)
	if err != nil {
		t.Fatal(err)
	}
	win := g.Input("w", all.Shape().Clone()...)
	w = fill(win)
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(all, win.Node))))
	var allV G.Value
	G.Read(all, &allV)
	if _, err := G.Grad(loss, nodes...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G, G.BindDualValues(nodes...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, nn.Float64s(gv.(tensor.Tensor)))
	}
	return nn.Float64s(allV.(tensor.Tensor)), w, grads, pieces
}

// wrongPieces counts the pieces whose value or gradient is not the exact slice it should be.
func wrongPieces(out, w []float64, grads, pieces [][]float64) int {
	wrong := 0
	for i := range pieces {
		n := len(pieces[i])
		for j := 0; j < n; j++ {
			if out[i*n+j] != pieces[i][j] || grads[i][j] != w[i*n+j] {
				wrong++
				break
			}
		}
	}
	return wrong
}

// TestConcatSteps stacks 600 steps (more than 2·256) and requires the value to be the steps in
// order and each step's gradient of Σ out∘W to be its own rows of W.
func TestConcatSteps(t *testing.T) {
	out, w, grads, pieces := concatGrads(t, 600, 2, 3, recurrent.ConcatSteps)
	if len(out) != 600*2*3 {
		t.Fatalf("%d values, want %d", len(out), 600*2*3)
	}
	if n := wrongPieces(out, w, grads, pieces); n != 0 {
		t.Errorf("%d of 600 steps have a wrong value or gradient", n)
	}
	// A single step and a short run take the one-group path.
	for _, T := range []int{1, 7} {
		out, w, grads, pieces := concatGrads(t, T, 2, 3, recurrent.ConcatSteps)
		if n := wrongPieces(out, w, grads, pieces); n != 0 {
			t.Errorf("T=%d: %d steps have a wrong value or gradient", T, n)
		}
	}
}

// TestNaiveConcatIsWrong documents why ConcatSteps groups: one Concat of 600 (1, B, H) pieces
// gets the gradient of some pieces wrong in Gorgonia v0.9.18, since slices S(t, t+1) and
// S(t+256, t+257) of the output gradient are merged into one node.
func TestNaiveConcatIsWrong(t *testing.T) {
	naive := func(ns []*G.Node) (*G.Node, error) {
		ps := make([]*G.Node, len(ns))
		for i, n := range ns {
			ps[i] = G.Must(G.Reshape(n, tensor.Shape{1, 2, 3}))
		}
		return G.Concat(0, ps...)
	}
	out, w, grads, pieces := concatGrads(t, 600, 2, 3, naive)
	n := wrongPieces(out, w, grads, pieces)
	if n == 0 {
		t.Error("the naive Concat is correct: the Slice hash bug this package works around is gone")
	}
	t.Logf("naive Concat: %d of 600 steps wrong", n)
}

// TestConcatStepsErrors checks empty and inconsistent step lists.
func TestConcatStepsErrors(t *testing.T) {
	if _, err := recurrent.ConcatSteps(nil); err == nil {
		t.Error("no steps accepted")
	}
	store := nn.NewStore(tensor.Float64, 1)
	g := nn.NewGraph(store, 2, false)
	a, b := g.Input("a", 2, 3), g.Input("b", 2, 4)
	if _, err := recurrent.ConcatSteps([]*G.Node{a.Node, b.Node}); err == nil {
		t.Error("steps of different shapes accepted")
	}
}

// cell is a minimal Cell for the stack's own checks: h_t = x_t (In = H).
type cell struct{ in, h int }

func (c cell) InputSize() int  { return c.in }
func (c cell) HiddenSize() int { return c.h }
func (c cell) NumStates() int  { return 1 }
func (c cell) Step(_ *nn.Graph, x *G.Node, _ []*G.Node) (*G.Node, []*G.Node, error) {
	return x, []*G.Node{x}, nil
}

// TestStackErrors checks construction and use errors of a stack.
func TestStackErrors(t *testing.T) {
	if _, err := recurrent.NewStack("s", nil, 0); err == nil {
		t.Error("empty stack accepted")
	}
	if _, err := recurrent.NewStack("s", []recurrent.Cell{cell{3, 3}, cell{4, 4}}, 0); err == nil {
		t.Error("layer 1 reading 4 after a layer giving 3 accepted")
	}
	if _, err := recurrent.NewStack("s", []recurrent.Cell{cell{3, 3}}, -0.1); err == nil {
		t.Error("negative dropout accepted")
	}
	s, err := recurrent.NewStack("s", []recurrent.Cell{cell{3, 3}, cell{3, 3}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g := nn.NewGraph(nn.NewStore(tensor.Float64, 1), 2, false)
	x := g.Input("x", 2, 3)
	if _, _, err := s.Step(g, x.Node, make([][]*G.Node, 1)); err == nil {
		t.Error("one layer of state accepted by a 2-layer stack")
	}
	if _, _, err := s.Forward(g, nil, nil); err == nil {
		t.Error("no steps accepted")
	}
	st := s.NewState(g, 2)
	if err := st.Carry(); err == nil {
		t.Error("Carry before Watch accepted")
	}
	if err := st.Watch(make([][]*G.Node, 3)); err == nil {
		t.Error("3 layers of final state watched for 2 layers")
	}
	if err := st.Set(2, 0, nil); err == nil {
		t.Error("state of layer 2 set in a 2-layer stack")
	}
	outs, final, err := s.Forward(g, []*G.Node{x.Node, x.Node}, nil)
	if err != nil || len(outs) != 2 || len(final) != 2 || outs[1] != x.Node {
		t.Errorf("Forward of the identity cell: %v, %d outputs, %d final states", err, len(outs), len(final))
	}
}

// TestBuild checks the layer widths Build hands to its constructor.
func TestBuild(t *testing.T) {
	var widths []int
	cells, err := recurrent.Build(3, 5, 8, func(l, in int) (recurrent.Cell, error) {
		widths = append(widths, in)
		return cell{in, 8}, nil
	})
	if err != nil || len(cells) != 3 || widths[0] != 5 || widths[1] != 8 || widths[2] != 8 {
		t.Errorf("Build: %v, %d cells, widths %v", err, len(cells), widths)
	}
	if cells, _ := recurrent.Build(0, 5, 8, func(l, in int) (recurrent.Cell, error) { return cell{in, 8}, nil }); len(cells) != 1 {
		t.Errorf("0 layers built %d cells, want 1", len(cells))
	}
	if recurrent.ParamName("", "bias_hh", "") != "bias_hh" || recurrent.ParamName("m", "weight_ih", recurrent.LayerSuffix(2)) != "m.weight_ih_l2" {
		t.Error("ParamName does not follow PyTorch's names")
	}
}
