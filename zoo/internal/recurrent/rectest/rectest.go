// Package rectest is the test bench the recurrent cells share: a float64 network of a stack over
// T fed inputs with a fixed scalar loss, its finite-difference gradient check, its comparison with
// the PyTorch golden files in each cell package's testdata/ (written by make_golden.py beside this
// file), and the plain-Go arithmetic that reference loops are written in.
//
// The loss is L = Σ out∘W_out + Σ_l Σ_k state_{l,k}(T)∘W_{l,k} over the top layer's outputs at
// every step and every layer's final state tensors, W fed as inputs: every output and every final
// state receives a gradient of its own.
package rectest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/golden"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Net is a stack unrolled over T steps of B sequences in a graph of its own, with the loss above.
type Net struct {
	Store  *nn.Store        // the stack's parameters
	Stack  *recurrent.Stack // the layers under test
	T, B   int              // steps and sequences
	Graph  *nn.Graph        // the unrolled network and its loss
	Xs     []*nn.Input      // T inputs (B, In)
	State  *recurrent.State // the initial states, fed
	Outs   []*G.Node        // top output per step (B, H); nil when the stack is fused
	All    *G.Node          // every step's top output (T·B, H), time-major
	Final  [][]*G.Node      // final state per layer
	WOut   *nn.Input        // (T·B, H)
	WFinal [][]*nn.Input    // loss weights of the final states, [layer][state] (B, H)
	Loss   *G.Node          // Σ All∘WOut + Σ Final∘WFinal

	allVal, lossVal G.Value
	finalVal        [][]G.Value
}

// Build unrolls stack (whose parameters live in store) over T steps of B sequences: one fused node
// per layer over the joined inputs, or Forward step by step when stack.Impl is "graph". train
// selects a training graph (dropout between layers when the stack has it).
func Build(store *nn.Store, stack *recurrent.Stack, T, B int, train bool) (*Net, error) {
	g := nn.NewGraph(store, B, train)
	n := &Net{Store: store, Stack: stack, T: T, B: B, Graph: g}
	xs := make([]*G.Node, T)
	for t := range xs {
		in := g.Input(fmt.Sprintf("x_%d", t), B, stack.InputSize())
		n.Xs = append(n.Xs, in)
		xs[t] = in.Node
	}
	n.State = stack.NewState(g, B)
	var err error
	if stack.Fused() {
		// The fused layers read every step at once: the inputs joined time-major.
		x, err := recurrent.ConcatSteps(xs)
		if err != nil {
			return nil, err
		}
		if n.All, n.Final, err = stack.ForwardSeq(g, x, T, n.State.Nodes()); err != nil {
			return nil, err
		}
	} else {
		if n.Outs, n.Final, err = stack.Forward(g, xs, n.State.Nodes()); err != nil {
			return nil, err
		}
		if n.All, err = recurrent.ConcatSteps(n.Outs); err != nil {
			return nil, err
		}
	}
	h := stack.HiddenSize()
	n.WOut = g.Input("w_out", T*B, h)
	m := &nn.Chain{}
	loss := m.Do(G.Sum(m.Do(G.HadamardProd(n.All, n.WOut.Node))))
	n.WFinal = make([][]*nn.Input, len(n.Final))
	n.finalVal = make([][]G.Value, len(n.Final))
	for l, st := range n.Final {
		n.finalVal[l] = make([]G.Value, len(st))
		for k, s := range st {
			w := g.Input(fmt.Sprintf("w_final_%d_%d", l, k), s.Shape().Clone()...)
			n.WFinal[l] = append(n.WFinal[l], w)
			loss = m.Do(G.Add(loss, m.Do(G.Sum(m.Do(G.HadamardProd(s, w.Node))))))
			G.Read(s, &n.finalVal[l][k])
		}
	}
	if m.Err != nil {
		return nil, errors.Wrap(m.Err, "rectest: loss")
	}
	n.Loss = loss
	G.Read(n.All, &n.allVal)
	G.Read(loss, &n.lossVal)
	return n, nil
}

// NewNet is the network the cells' tests check: a store of dtype (seed 7), the stack build makes
// in it, unrolled over T steps of B sequences by Build, and filled by Fill from a fixed generator
// (PCG 3, 4). Any error fails the test.
func NewNet(t testing.TB, dtype tensor.Dtype, T, B int, train bool, build func(s *nn.Store) (*recurrent.Stack, error)) *Net {
	t.Helper()
	store := nn.NewStore(dtype, 7)
	stack, err := build(store)
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(store, stack, T, B, train)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.Fill(rand.New(rand.NewPCG(3, 4))); err != nil {
		t.Fatal(err)
	}
	return net
}

// Fill feeds N(0, 1) inputs, initial states and loss weights from rng.
func (n *Net) Fill(rng *rand.Rand) error {
	normal := func(in *nn.Input) error {
		v := make([]float64, in.Value.Shape().TotalSize())
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return in.Set(v)
	}
	for _, in := range n.Inputs() {
		if err := normal(in); err != nil {
			return err
		}
	}
	return nil
}

// Inputs lists every fed input: the Xs, the initial states, W_out and the final-state weights.
func (n *Net) Inputs() []*nn.Input {
	ins := append([]*nn.Input(nil), n.Xs...)
	for _, l := range n.State.In {
		ins = append(ins, l...)
	}
	ins = append(ins, n.WOut)
	for _, l := range n.WFinal {
		ins = append(ins, l...)
	}
	return ins
}

// Wrt lists the nodes the gradient is checked for: every parameter, every x_t and every initial
// state tensor.
func (n *Net) Wrt() []*G.Node {
	var wrt []*G.Node
	for _, p := range n.Store.Params() {
		wrt = append(wrt, n.Graph.Bind(p))
	}
	for _, x := range n.Xs {
		wrt = append(wrt, x.Node)
	}
	for _, l := range n.State.In {
		for _, s := range l {
			wrt = append(wrt, s.Node)
		}
	}
	return wrt
}

// GradCheck compares the symbolic gradients of every Wrt node with central differences at
// samples entries per node. The graph must not have been compiled.
func (n *Net) GradCheck(samples int, seed uint64) ([]gradcheck.Result, error) {
	return gradcheck.Check(n.Graph.G, n.Loss, n.Wrt(), gradcheck.Options{Eps: 1e-5, Samples: samples, Seed: seed})
}

// Result is what one run of the network computed.
type Result struct {
	Loss  float64              // the scalar loss
	Out   []float64            // (T·B, H): row t·B+b is step t of sequence b
	Final [][][]float64        // [layer][state] (B, H)
	Grads map[string][]float64 // gradient of every input and parameter by node name
}

// Run compiles the graph (differentiated with respect to Wrt when grads is set), runs it once
// and returns what it computed; gradients are keyed by node name.
func (n *Net) Run(grads bool) (*Result, error) {
	var vm G.VM
	var wrt []*G.Node
	if grads {
		wrt = n.Wrt()
		if _, err := G.Grad(n.Loss, wrt...); err != nil {
			return nil, errors.Wrap(err, "rectest: differentiating")
		}
		vm = G.NewTapeMachine(n.Graph.G, G.BindDualValues(wrt...))
	} else {
		vm = G.NewTapeMachine(n.Graph.G)
	}
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return nil, errors.Wrap(err, "rectest: running")
	}
	r := &Result{Out: nn.Float64s(n.allVal.(tensor.Tensor)), Grads: map[string][]float64{}}
	switch v := n.lossVal.Data().(type) {
	case float64:
		r.Loss = v
	case float32:
		r.Loss = float64(v)
	}
	for l := range n.finalVal {
		var st [][]float64
		for _, v := range n.finalVal[l] {
			st = append(st, nn.Float64s(v.(tensor.Tensor)))
		}
		r.Final = append(r.Final, st)
	}
	for _, w := range wrt {
		gv, err := w.Grad()
		if err != nil {
			return nil, errors.Wrapf(err, "rectest: gradient of %s", w.Name())
		}
		r.Grads[w.Name()] = nn.Float64s(gv.(tensor.Tensor))
	}
	return r, nil
}

// CheckGrad runs GradCheck and fails t when a node's relative error exceeds tol, logging every
// node's result.
func CheckGrad(t *testing.T, n *Net, samples int, seed uint64, tol float64) {
	t.Helper()
	res, err := n.GradCheck(samples, seed)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(n.Wrt()) {
		t.Fatalf("gradcheck returned %d results for %d nodes", len(res), len(n.Wrt()))
	}
	for _, r := range res {
		t.Log(r)
		if r.Entries == 0 || !(r.MaxRelErr <= tol) {
			t.Errorf("%s: relative error %.3g > %g", r.Node, r.MaxRelErr, tol)
		}
	}
}

// Affine returns x·W + b for x (B, in) and W (in, out) row-major, b (out) or nil.
func Affine(x []float64, b, in int, w []float64, bias []float64) []float64 {
	out := len(w) / in
	y := make([]float64, b*out)
	for r := 0; r < b; r++ {
		row := y[r*out : (r+1)*out]
		copy(row, bias)
		for k := 0; k < in; k++ {
			xv := x[r*in+k]
			if xv == 0 {
				continue
			}
			wk := w[k*out : (k+1)*out]
			for j := range row {
				row[j] += xv * wk[j]
			}
		}
	}
	return y
}

// Sigmoid is 1/(1+e^(−v)).
func Sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// RefStep is a plain-Go step of layer l: x (B×In) and state (each B×H) to the new state, h first.
type RefStep func(l int, x []float64, state [][]float64) [][]float64

// RefForward unrolls step over xs (T of B×In) from init ([layer][state] B×H): the reference loop
// of a stack without dropout. It returns the top outputs (T·B, H) and the final states.
func RefForward(layers int, xs [][]float64, init [][][]float64, step RefStep) ([]float64, [][][]float64) {
	state := init
	var out []float64
	for _, x := range xs {
		in := x
		next := make([][][]float64, layers)
		for l := 0; l < layers; l++ {
			next[l] = step(l, in, state[l])
			in = next[l][0]
		}
		state = next
		out = append(out, in...)
	}
	return out, state
}

// Values reads the current values of the net's inputs: xs [t] and the initial states [l][k].
func (n *Net) Values() ([][]float64, [][][]float64) {
	xs := make([][]float64, len(n.Xs))
	for t, x := range n.Xs {
		xs[t] = nn.Float64s(x.Value)
	}
	init := make([][][]float64, len(n.State.In))
	for l, ins := range n.State.In {
		for _, in := range ins {
			init[l] = append(init[l], nn.Float64s(in.Value))
		}
	}
	return xs, init
}

// MaxDiff is max |a_i − b_i|, or +Inf when the lengths differ.
func MaxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = math.Max(m, d)
	}
	return m
}

// Golden loads testdata/NAME.npz of the package under test, builds the stack with build (which
// creates its parameters under the module name "m" in a float64 store of the input size, hidden
// size and layers the file has), loads PyTorch's parameters into it, runs it with gradients and
// requires outputs, final states and the gradients of the inputs, initial states and parameters
// to equal PyTorch's within tol.
func Golden(t *testing.T, name string, tol float64, build func(s *nn.Store, in, hidden, layers int) (*recurrent.Stack, error)) {
	t.Helper()
	gold := golden.Load(t, name)
	get := gold.F64
	xShape, hShape := gold.Shape("x"), gold.Shape("h0")
	if len(xShape) != 3 || len(hShape) != 3 {
		t.Fatalf("%s: x %v, h0 %v: want 3-D", name, xShape, hShape)
	}
	T, B, E, L, H := xShape[0], xShape[1], xShape[2], hShape[0], hShape[2]
	store := nn.NewStore(tensor.Float64, 1)
	stack, err := build(store, E, H, L)
	if err != nil {
		t.Fatal(err)
	}
	// Parameters: PyTorch keeps weights (G·H, in) and biases (G·H); the store keeps (in, G·H) and
	// (1, G·H).
	large := gold.Has("grad_weight_ih_l0_idx")
	params := store.Params()
	for k, p := range params {
		pname := strings.TrimPrefix(p.Name, "m.")
		shape := p.Value.Shape()
		rows, cols := shape[0], shape[1]
		var torch []float64
		if large {
			torch = golden.Formula(k, rows*cols, 1/math.Sqrt(float64(H))) // parameter k in PyTorch's order
		} else {
			torch = get(pname)
		}
		if len(torch) != rows*cols {
			t.Fatalf("%s: %s has %d values, store (%d, %d)", name, pname, len(torch), rows, cols)
		}
		vals := torch
		if p.Transposed {
			vals = Transpose(torch, cols, rows)
		}
		if err := nn.SetFloat64s(p.Value, vals); err != nil {
			t.Fatal(err)
		}
	}
	net, err := Build(store, stack, T, B, true)
	if err != nil {
		t.Fatal(err)
	}
	x := get("x")
	for tt, in := range net.Xs {
		if err := in.Set(x[tt*B*E : (tt+1)*B*E]); err != nil {
			t.Fatal(err)
		}
	}
	stateKeys := []string{"h0", "c0"}
	wKeys := []string{"wh", "wc"}
	for l := 0; l < L; l++ {
		for k := range net.State.In[l] {
			if err := net.State.Set(l, k, get(stateKeys[k])[l*B*H:(l+1)*B*H]); err != nil {
				t.Fatal(err)
			}
			if err := net.WFinal[l][k].Set(get(wKeys[k])[l*B*H : (l+1)*B*H]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := net.WOut.Set(get("wout")); err != nil {
		t.Fatal(err)
	}
	res, err := net.Run(true)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want []float64) {
		t.Helper()
		if d := MaxDiff(got, want); !(d <= tol) {
			t.Errorf("%s: %s differs from PyTorch by %.3g (> %g)", name, what, d, tol)
		} else {
			t.Logf("%s: %s max |diff| %.3g", name, what, d)
		}
	}
	check("out", res.Out, get("out"))
	finalKeys := []string{"h_n", "c_n"}
	for l := 0; l < L; l++ {
		for k := range res.Final[l] {
			check(fmt.Sprintf("%s[%d]", finalKeys[k], l), res.Final[l][k], get(finalKeys[k])[l*B*H:(l+1)*B*H])
		}
	}
	gx := get("grad_x")
	for tt, in := range net.Xs {
		check(fmt.Sprintf("grad_x[%d]", tt), res.Grads[in.Node.Name()], gx[tt*B*E:(tt+1)*B*E])
	}
	gradKeys := []string{"grad_h0", "grad_c0"}
	for l := 0; l < L; l++ {
		for k, in := range net.State.In[l] {
			check(fmt.Sprintf("%s[%d]", gradKeys[k], l), res.Grads[in.Node.Name()], get(gradKeys[k])[l*B*H:(l+1)*B*H])
		}
	}
	for _, p := range params {
		pname := strings.TrimPrefix(p.Name, "m.")
		got := res.Grads[net.Graph.Bind(p).Name()]
		shape := p.Value.Shape()
		if p.Transposed {
			got = Transpose(got, shape[0], shape[1])
		}
		if !large {
			check("grad_"+pname, got, get("grad_"+pname))
			continue
		}
		idx := gold.Ints("grad_" + pname + "_idx")
		sampled := make([]float64, len(idx))
		for i, j := range idx {
			sampled[i] = got[j]
		}
		check("grad_"+pname+" (sampled)", sampled, get("grad_"+pname+"_val"))
	}
}

// Transpose returns the (cols, rows) transpose of a row-major (rows, cols) matrix.
func Transpose(m []float64, rows, cols int) []float64 {
	out := make([]float64, len(m))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = m[r*cols+c]
		}
	}
	return out
}

// Bench times forward and backward passes of stack (parameters in store) over T steps of B
// sequences on one compiled training graph (no solver step), reporting tokens/s, where a token is
// one step of one sequence.
func Bench(b *testing.B, store *nn.Store, stack *recurrent.Stack, T, B int) {
	net, err := Build(store, stack, T, B, true)
	if err != nil {
		b.Fatal(err)
	}
	if err := net.Fill(rand.New(rand.NewPCG(1, 1))); err != nil {
		b.Fatal(err)
	}
	net.Graph.SetOutputs(net.Loss, nil)
	if err := net.Graph.Compile(); err != nil {
		b.Fatal(err)
	}
	defer net.Graph.Close()
	rng := rand.New(rand.NewPCG(2, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := net.Graph.Run(rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(T*B*b.N)/b.Elapsed().Seconds(), "tokens/s")
}
