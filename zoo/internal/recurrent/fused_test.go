package recurrent_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// seqCase is one configuration compared between the two implementations.
type seqCase struct {
	name          string
	cell          string // tanh, relu, lstm, gru
	layers        int
	dropout       float64
	in, hidden    int
	T, B          int
	mask, reverse bool // single layer through recurrent.Sequence
}

func newStack(t testing.TB, c seqCase, dt tensor.Dtype) (*nn.Store, *recurrent.Stack) {
	t.Helper()
	s := nn.NewStore(dt, 7)
	var st *recurrent.Stack
	var err error
	switch c.cell {
	case "tanh", "relu":
		st, err = rnn.New(s, "m", c.in, c.hidden, rnn.Config{Layers: c.layers, Dropout: c.dropout, Activation: c.cell})
	case "lstm":
		st, err = lstm.New(s, "m", c.in, c.hidden, lstm.Config{Layers: c.layers, Dropout: c.dropout, ForgetBias: 1})
	case "gru":
		st, err = gru.New(s, "m", c.in, c.hidden, gru.Config{Layers: c.layers, Dropout: c.dropout})
	}
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// seqNet is a stack over one (T·B, In) input with loss Σ y∘W + Σ final∘W_f.
type seqNet struct {
	g      *nn.Graph
	inputs []*nn.Input
	wrt    []*G.Node
	loss   *G.Node
	y      *G.Node
	finals []*G.Node
	vals   []*G.Value // y, then the finals
	lossV  G.Value
}

func buildSeq(t testing.TB, c seqCase, impl string, dt tensor.Dtype) *seqNet {
	t.Helper()
	store, stack := newStack(t, c, dt)
	stack.Impl = impl
	g := nn.NewGraph(store, c.B, true)
	n := &seqNet{g: g}
	x := g.Input("x", c.T*c.B, c.in)
	n.inputs = append(n.inputs, x)
	st := stack.NewState(g, c.B)
	var y *G.Node
	var final [][]*G.Node
	var err error
	if c.mask || c.reverse {
		var opt recurrent.SeqOptions
		opt.Reverse, opt.Graph = c.reverse, impl == recurrent.ImplGraph
		if c.mask {
			m := g.Input("mask", c.T*c.B, 1)
			n.inputs = append(n.inputs, m)
			opt.Mask = m.Node
		}
		var f []*G.Node
		y, f, err = recurrent.Sequence(g, stack.Cells[0], x.Node, c.T, st.Nodes()[0], opt)
		final = [][]*G.Node{f}
	} else {
		y, final, err = stack.ForwardSeq(g, x.Node, c.T, st.Nodes())
	}
	if err != nil {
		t.Fatal(err)
	}
	mm := &nn.Chain{}
	wy := g.Input("w_y", c.T*c.B, c.hidden)
	n.inputs = append(n.inputs, wy)
	loss := mm.Do(G.Sum(mm.Do(G.HadamardProd(y, wy.Node))))
	n.y = y
	n.vals = []*G.Value{new(G.Value)}
	G.Read(y, n.vals[0])
	for l, f := range final {
		for k, s := range f {
			w := g.Input(fmt.Sprintf("w_final_%d_%d", l, k), c.B, c.hidden)
			n.inputs = append(n.inputs, w)
			loss = mm.Do(G.Add(loss, mm.Do(G.Sum(mm.Do(G.HadamardProd(s, w.Node))))))
			n.finals = append(n.finals, s)
			n.vals = append(n.vals, new(G.Value))
			G.Read(s, n.vals[len(n.vals)-1])
		}
	}
	if mm.Err != nil {
		t.Fatal(mm.Err)
	}
	n.loss = loss
	G.Read(loss, &n.lossV)
	for _, p := range store.Params() {
		n.wrt = append(n.wrt, g.Bind(p))
	}
	n.wrt = append(n.wrt, x.Node)
	for _, l := range st.In {
		for _, s := range l {
			n.inputs = append(n.inputs, s)
			n.wrt = append(n.wrt, s.Node)
		}
	}
	return n
}

// fill feeds N(0, 1) values (0/1 for the mask, about 3 in 4 ones) from a fixed generator, so two
// nets built alike receive the same inputs.
func (n *seqNet) fill(t testing.TB, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	for _, in := range n.inputs {
		v := make([]float64, in.Value.Shape().TotalSize())
		for i := range v {
			if in.Node.Name() == "mask" {
				if rng.Float64() < 0.75 {
					v[i] = 1
				}
				continue
			}
			v[i] = rng.NormFloat64()
		}
		if err := in.Set(v); err != nil {
			t.Fatal(err)
		}
	}
}

type seqResult struct {
	loss  float64
	vals  [][]float64
	grads [][]float64
}

func (n *seqNet) run(t testing.TB, seed uint64) seqResult {
	t.Helper()
	if _, err := G.Grad(n.loss, n.wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(n.g.G, G.BindDualValues(n.wrt...))
	defer vm.Close()
	if err := n.g.Prepare(rand.New(rand.NewPCG(seed, 9))); err != nil {
		t.Fatal(err)
	}
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	var r seqResult
	switch v := n.lossV.Data().(type) {
	case float64:
		r.loss = v
	case float32:
		r.loss = float64(v)
	}
	for _, v := range n.vals {
		r.vals = append(r.vals, nn.Float64s((*v).(tensor.Tensor)))
	}
	for _, w := range n.wrt {
		gv, err := w.Grad()
		if err != nil {
			t.Fatalf("gradient of %s: %v", w.Name(), err)
		}
		r.grads = append(r.grads, nn.Float64s(gv.(tensor.Tensor)))
	}
	return r
}

// closeTo fails t when got and want differ by more than tol·max(1, max|want|), reporting the
// largest difference.
func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	scale, d := 1.0, 0.0
	for i := range want {
		scale = math.Max(scale, math.Abs(want[i]))
		diff := math.Abs(got[i] - want[i])
		if math.IsNaN(diff) {
			diff = math.Inf(1)
		}
		d = math.Max(d, diff)
	}
	if !(d <= tol*scale) {
		t.Errorf("%s: fused differs from graph by %.3g (scale %.3g, tolerance %g)", what, d, scale, tol)
	}
}

func compareImpls(t *testing.T, c seqCase) {
	fused := buildSeq(t, c, recurrent.ImplFused, tensor.Float64)
	graph := buildSeq(t, c, recurrent.ImplGraph, tensor.Float64)
	fused.fill(t, 11)
	graph.fill(t, 11)
	rf, rg := fused.run(t, 5), graph.run(t, 5)
	closeTo(t, "loss", []float64{rf.loss}, []float64{rg.loss}, 1e-6)
	for i := range rg.vals {
		what := "outputs"
		if i > 0 {
			what = fmt.Sprintf("final state %d", i-1)
		}
		closeTo(t, what, rf.vals[i], rg.vals[i], 1e-6)
	}
	for i, w := range graph.wrt {
		closeTo(t, "gradient of "+w.Name(), rf.grads[i], rg.grads[i], 1e-6)
	}
	// The comparison must be able to fail: the outputs are not all zero and the gradients differ
	// from node to node.
	if n := norm(rg.vals[0]); n == 0 {
		t.Errorf("outputs are all zero")
	}
}

func norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// TestFusedEqualsGraph compares the fused layers with the per-formula graph in float64: outputs,
// final states and every gradient (parameters, inputs, initial states), at H = 300, from a
// carried (random) initial state. Three cases run over T = 260 steps; the others over 30 unless
// ZOO_FUSED_FULL is set (then every case runs 260 steps, about two minutes on 2 cores: compiling
// the per-step graph of 260 steps is what costs).
func TestFusedEqualsGraph(t *testing.T) {
	full := os.Getenv("ZOO_FUSED_FULL") != ""
	cases := []seqCase{
		{name: "tanh", cell: "tanh", in: 5, hidden: 300, T: 260, B: 2},
		{name: "lstm-mask-reverse", cell: "lstm", in: 5, hidden: 300, T: 260, B: 2, mask: true, reverse: true},
		{name: "gru", cell: "gru", in: 5, hidden: 300, T: 260, B: 2},
		{name: "relu", cell: "relu", in: 5, hidden: 300, T: 30, B: 2},
		{name: "lstm", cell: "lstm", in: 5, hidden: 300, T: 30, B: 2},
		{name: "gru-mask", cell: "gru", in: 5, hidden: 300, T: 30, B: 2, mask: true},
		{name: "gru-reverse", cell: "gru", in: 5, hidden: 300, T: 30, B: 3, reverse: true},
		{name: "tanh-mask-reverse", cell: "tanh", in: 5, hidden: 300, T: 30, B: 2, mask: true, reverse: true},
		{name: "lstm-2-layers-dropout", cell: "lstm", layers: 2, dropout: 0.3, in: 5, hidden: 300, T: 30, B: 2},
		{name: "gru-3-layers-dropout", cell: "gru", layers: 3, dropout: 0.5, in: 5, hidden: 64, T: 20, B: 3},
		{name: "tanh-3-layers-dropout", cell: "tanh", layers: 3, dropout: 0.5, in: 5, hidden: 300, T: 30, B: 2},
	}
	for _, c := range cases {
		if full && c.T < 260 && c.hidden >= 300 {
			c.T = 260
		}
		t.Run(c.name, func(t *testing.T) { compareImpls(t, c) })
	}
}

// TestFusedGradCheck checks the fused layers by central differences in float64, at H = 256 so
// that the packed output's ranges start beyond 256, with masks and both directions.
func TestFusedGradCheck(t *testing.T) {
	cases := []seqCase{
		{name: "tanh", cell: "tanh", in: 3, hidden: 256, T: 3, B: 2},
		{name: "relu-mask", cell: "relu", in: 3, hidden: 256, T: 3, B: 2, mask: true},
		{name: "lstm-mask-reverse", cell: "lstm", in: 3, hidden: 256, T: 3, B: 2, mask: true, reverse: true},
		{name: "gru-mask", cell: "gru", in: 3, hidden: 256, T: 3, B: 2, mask: true},
		{name: "lstm-2-layers", cell: "lstm", layers: 2, in: 3, hidden: 256, T: 3, B: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := buildSeq(t, c, recurrent.ImplFused, tensor.Float64)
			n.fill(t, 13)
			res, err := gradcheck.Check(n.g.G, n.loss, n.wrt, gradcheck.Options{Eps: 1e-5, Samples: 6, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(n.wrt) {
				t.Fatalf("%d results for %d nodes", len(res), len(n.wrt))
			}
			for _, r := range res {
				if r.Entries == 0 || !(r.MaxRelErr <= 1e-4) {
					t.Errorf("%v", r)
				}
			}
		})
	}
}

// TestFusedFloat32 runs the fused LSTM in float32 and compares it with the float64 run.
func TestFusedFloat32(t *testing.T) {
	c := seqCase{cell: "lstm", layers: 2, in: 4, hidden: 32, T: 20, B: 3, mask: false}
	n64 := buildSeq(t, c, recurrent.ImplFused, tensor.Float64)
	n32 := buildSeq(t, c, recurrent.ImplFused, tensor.Float32)
	n64.fill(t, 3)
	n32.fill(t, 3)
	r64, r32 := n64.run(t, 1), n32.run(t, 1)
	closeTo(t, "float32 outputs", r32.vals[0], r64.vals[0], 1e-4)
	for i := range r64.grads {
		closeTo(t, "float32 gradient of "+n64.wrt[i].Name(), r32.grads[i], r64.grads[i], 1e-3)
	}
}
