// Package recurrent holds what the recurrent cells share: the Cell interface, the stacked and
// unrolled network built from cells (written once for the tanh RNN, the LSTM and the GRU), the
// PyTorch-style parameters of one layer, the carried state between batches, and the safe
// collection of per-step outputs.
//
// Gorgonia v0.9.18 merges two Slice nodes of one input whose bounds agree modulo 256 (the slice
// op hashes its bounds as single bytes), and Concat differentiates through such slices. Everything
// here keeps every sliced or concatenated axis below 256: gates are sliced from a (B, G, H) view,
// never from (B, G·H), and steps are concatenated as (1, B, H) pieces in groups of at most 255.
package recurrent

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxAxis is the largest length of an axis this package slices or concatenates along in one op;
// Gorgonia's slice op is only sound below 256.
const MaxAxis = 255

// Cell is one recurrent step: it maps an input x_t of shape (B, In) and the previous state to the
// output h_t of shape (B, Hidden) and the next state. The state is a list of (B, Hidden) nodes:
// [h] for the RNN and the GRU, [h, c] for the LSTM; h is always the first.
type Cell interface {
	// InputSize is the width In of x_t.
	InputSize() int
	// HiddenSize is the width H of h_t.
	HiddenSize() int
	// NumStates is the number of (B, H) tensors in the state.
	NumStates() int
	// Step computes one time step.
	Step(g *nn.Graph, x *G.Node, state []*G.Node) (h *G.Node, next []*G.Node, err error)
}

// Params are the four tensors of one recurrent layer, named and laid out so that a checkpoint
// loads into torch.nn.RNN/LSTM/GRU: weight_ih (In, Gates·H) and weight_hh (H, Gates·H) are kept
// as the transposes of PyTorch's (Gates·H, In) and (Gates·H, H) (Tensor.Transposed is set), the
// biases bias_ih and bias_hh as (1, Gates·H). Gate blocks follow PyTorch's order along the
// Gates·H axis.
type Params struct {
	In, Hidden, Gates  int        // input width, hidden width H, gate blocks (1 RNN, 4 LSTM, 3 GRU)
	WeightIH, WeightHH *nn.Tensor // (In, Gates·H), (H, Gates·H), both Transposed
	BiasIH, BiasHH     *nn.Tensor // (1, Gates·H) each
}

// ParamName joins a module name, a parameter name and a suffix: ParamName("rnn", "weight_ih",
// "_l0") is "rnn.weight_ih_l0", ParamName("", "bias_hh", "") is "bias_hh".
func ParamName(name, param, suffix string) string {
	if name == "" {
		return param + suffix
	}
	return name + "." + param + suffix
}

// NewParams creates a layer's parameters in s, all initialised as PyTorch's recurrent modules:
// U(−1/√H, 1/√H). suffix is "" for a single cell (torch.nn.LSTMCell's names) and "_lK" for layer
// K of a stack (torch.nn.LSTM's names).
func NewParams(s *nn.Store, name, suffix string, in, hidden, gates int) (*Params, error) {
	if in <= 0 || hidden <= 0 {
		return nil, errors.Errorf("recurrent: layer %q: input size %d and hidden size %d must be positive", name, in, hidden)
	}
	p := &Params{In: in, Hidden: hidden, Gates: gates}
	init := nn.FanIn(hidden)
	var err error
	add := func(param string, shape []int, transposed bool) *nn.Tensor {
		if err != nil {
			return nil
		}
		var t *nn.Tensor
		t, err = s.Add(ParamName(name, param, suffix), shape, true, init)
		if t != nil {
			t.Transposed = transposed
		}
		return t
	}
	p.WeightIH = add("weight_ih", []int{in, gates * hidden}, true)
	p.WeightHH = add("weight_hh", []int{hidden, gates * hidden}, true)
	p.BiasIH = add("bias_ih", []int{1, gates * hidden}, false)
	p.BiasHH = add("bias_hh", []int{1, gates * hidden}, false)
	if err != nil {
		return nil, errors.Wrap(err, "recurrent")
	}
	return p, nil
}

// SetGateBias overwrites gate k's block of a (1, Gates·H) bias with v.
func (p *Params) SetGateBias(b *nn.Tensor, k int, v float64) error {
	if k < 0 || k >= p.Gates {
		return errors.Errorf("recurrent: gate %d of %s outside [0, %d)", k, b.Name, p.Gates)
	}
	vals := nn.Float64s(b.Value)
	for j := k * p.Hidden; j < (k+1)*p.Hidden; j++ {
		vals[j] = v
	}
	return errors.Wrapf(nn.SetFloat64s(b.Value, vals), "recurrent: bias %s", b.Name)
}

// Tensors lists the four parameters in PyTorch's order.
func (p *Params) Tensors() []*nn.Tensor {
	return []*nn.Tensor{p.WeightIH, p.WeightHH, p.BiasIH, p.BiasHH}
}

// CheckStep validates the input and state of a step of a cell with these parameters.
func (p *Params) CheckStep(x *G.Node, state []*G.Node, nstates int) error {
	if x == nil || x.Dims() != 2 || x.Shape()[1] != p.In {
		var shape tensor.Shape
		if x != nil {
			shape = x.Shape()
		}
		return errors.Errorf("recurrent: %s expects input (B, %d), got %v", p.WeightIH.Name, p.In, shape)
	}
	b := x.Shape()[0]
	if len(state) != nstates {
		return errors.Errorf("recurrent: %s expects %d state tensors, got %d", p.WeightIH.Name, nstates, len(state))
	}
	for i, s := range state {
		if s == nil || !s.Shape().Eq(tensor.Shape{b, p.Hidden}) {
			var shape tensor.Shape
			if s != nil {
				shape = s.Shape()
			}
			return errors.Errorf("recurrent: %s expects state %d of shape (%d, %d), got %v", p.WeightIH.Name, i, b, p.Hidden, shape)
		}
	}
	return nil
}

// Projections returns x·W_ih + b_ih and h·W_hh + b_hh, each reshaped to (B, Gates, H) so that a
// gate is Slice(·, nil, S(k)) with k < Gates: every slice bound stays small whatever H is.
func (p *Params) Projections(g *nn.Graph, x, h *G.Node) (xi, hh *G.Node, err error) {
	m := &nn.Chain{}
	b := x.Shape()[0]
	shape := tensor.Shape{b, p.Gates, p.Hidden}
	xi = m.Do(G.BroadcastAdd(m.Do(G.Mul(x, g.Bind(p.WeightIH))), g.Bind(p.BiasIH), nil, []byte{0}))
	xi = m.Do(G.Reshape(xi, shape))
	hh = m.Do(G.BroadcastAdd(m.Do(G.Mul(h, g.Bind(p.WeightHH))), g.Bind(p.BiasHH), nil, []byte{0}))
	hh = m.Do(G.Reshape(hh, shape))
	if m.Err != nil {
		return nil, nil, errors.Wrapf(m.Err, "recurrent: projections of %s", p.WeightIH.Name)
	}
	return xi, hh, nil
}

// Fused returns x·W_ih + h·W_hh + (b_ih + b_hh) reshaped to (B, Gates, H): all gates of a step in
// one pre-activation, with one bias broadcast instead of two.
func (p *Params) Fused(g *nn.Graph, x, h *G.Node) (*G.Node, error) {
	m := &nn.Chain{}
	b := x.Shape()[0]
	sum := m.Do(G.Add(m.Do(G.Mul(x, g.Bind(p.WeightIH))), m.Do(G.Mul(h, g.Bind(p.WeightHH)))))
	bias := m.Do(G.Add(g.Bind(p.BiasIH), g.Bind(p.BiasHH)))
	pre := m.Do(G.BroadcastAdd(sum, bias, nil, []byte{0}))
	if p.Gates > 1 {
		pre = m.Do(G.Reshape(pre, tensor.Shape{b, p.Gates, p.Hidden}))
	}
	return pre, errors.Wrapf(m.Err, "recurrent: pre-activation of %s", p.WeightIH.Name)
}

// Gate returns gate k, shape (B, H), of a (B, Gates, H) node.
func Gate(pre *G.Node, k int) (*G.Node, error) {
	n, err := G.Slice(pre, nil, G.S(k))
	return n, errors.Wrapf(err, "recurrent: gate %d of %v", k, pre.Shape())
}

// ConcatSteps stacks per-step outputs, each (B, H), into one (T·B, H) node, row t·B+b holding
// step t of sequence b. Steps are concatenated as (1, B, H) pieces along a new leading axis in
// groups of at most 255, and the groups (each 255 steps but the last) along the same axis, so no
// gradient slice of Gorgonia's Concat has a bound that another same-shaped slice matches modulo
// 256. T is limited to 255·256.
func ConcatSteps(steps []*G.Node) (*G.Node, error) {
	t := len(steps)
	if t == 0 {
		return nil, errors.New("recurrent: no steps to concatenate")
	}
	if t > MaxAxis*256 {
		return nil, errors.Errorf("recurrent: %d steps to concatenate, at most %d", t, MaxAxis*256)
	}
	shape := steps[0].Shape()
	if len(shape) != 2 {
		return nil, errors.Errorf("recurrent: step 0 has shape %v, want (B, H)", shape)
	}
	b, h := shape[0], shape[1]
	m := &nn.Chain{}
	pieces := make([]*G.Node, t)
	for i, s := range steps {
		if !s.Shape().Eq(shape) {
			return nil, errors.Errorf("recurrent: step %d has shape %v, step 0 %v", i, s.Shape(), shape)
		}
		pieces[i] = m.Do(G.Reshape(s, tensor.Shape{1, b, h}))
	}
	var groups []*G.Node
	for start := 0; start < t; start += MaxAxis {
		end := min(start+MaxAxis, t)
		if end-start == 1 {
			groups = append(groups, pieces[start])
			continue
		}
		groups = append(groups, m.Do(G.Concat(0, pieces[start:end]...)))
	}
	all := groups[0]
	if len(groups) > 1 {
		all = m.Do(G.Concat(0, groups...))
	}
	out := m.Do(G.Reshape(all, tensor.Shape{t * b, h}))
	return out, errors.Wrap(m.Err, "recurrent: concatenating steps")
}

// Stack is L cells applied one above the other at every time step (layer l+1 reads layer l's
// output), with inverted dropout on the outputs of every layer but the last in a training graph,
// as torch.nn.LSTM's dropout argument.
type Stack struct {
	// Name prefixes the nodes of the stack's inputs (initial states, dropout masks).
	Name string
	// Cells holds layer 0 first; layer l+1's input size is layer l's hidden size.
	Cells []Cell
	// Dropout is the probability of zeroing an element between layers.
	Dropout float64
	// Impl selects how ForwardSeq runs the layers: ImplFused ("" too), one fused node per layer
	// over the whole sequence, or ImplGraph, the per-formula steps of Cell.Step.
	Impl string
	// FusedSteps makes Step run every layer as the fused op over one step (T = 1) when Impl is
	// fused, as a seq2seq decoder does; otherwise Step composes Cell.Step.
	FusedSteps bool
}

// NewStack checks that the cells chain (each layer's input size is the previous hidden size) and
// that dropout is in [0, 1).
func NewStack(name string, cells []Cell, dropout float64) (*Stack, error) {
	if len(cells) == 0 {
		return nil, errors.Errorf("recurrent: stack %q has no layers", name)
	}
	for l := 1; l < len(cells); l++ {
		if cells[l].InputSize() != cells[l-1].HiddenSize() {
			return nil, errors.Errorf("recurrent: stack %q: layer %d reads %d inputs, layer %d gives %d",
				name, l, cells[l].InputSize(), l-1, cells[l-1].HiddenSize())
		}
	}
	if dropout < 0 || dropout >= 1 {
		return nil, errors.Errorf("recurrent: stack %q: dropout %v outside [0, 1)", name, dropout)
	}
	return &Stack{Name: name, Cells: cells, Dropout: dropout}, nil
}

// Layers is the number of stacked cells.
func (s *Stack) Layers() int { return len(s.Cells) }

// InputSize is layer 0's input width.
func (s *Stack) InputSize() int { return s.Cells[0].InputSize() }

// HiddenSize is the top layer's output width.
func (s *Stack) HiddenSize() int { return s.Cells[len(s.Cells)-1].HiddenSize() }

// Step advances every layer by one time step: x (B, In) enters layer 0, state[l] is layer l's
// state. It returns the top layer's output and the next states. Seq2seq decoders call it once per
// generated token; Forward calls it once per step of a known sequence. With FusedSteps and a
// fused Impl every layer's step is the fused op over T = 1.
func (s *Stack) Step(g *nn.Graph, x *G.Node, state [][]*G.Node) (*G.Node, [][]*G.Node, error) {
	if len(state) != len(s.Cells) {
		return nil, nil, errors.Errorf("recurrent: stack %q has %d layers, given %d states", s.Name, len(s.Cells), len(state))
	}
	next := make([][]*G.Node, len(s.Cells))
	in := x
	fused := s.Fused() && s.FusedSteps
	for l, c := range s.Cells {
		if l > 0 && s.Dropout > 0 {
			var err error
			if in, err = nn.Dropout(g, in, s.Dropout); err != nil {
				return nil, nil, errors.Wrapf(err, "recurrent: stack %q, dropout below layer %d", s.Name, l)
			}
		}
		var h *G.Node
		var st []*G.Node
		var err error
		if fused {
			// One fused step (T = 1): the same op as ForwardSeq's layers.
			if _, st, err = Sequence(g, c, in, 1, state[l], SeqOptions{}); err == nil {
				h = st[0]
			}
		} else {
			h, st, err = c.Step(g, in, state[l])
		}
		if err != nil {
			return nil, nil, errors.Wrapf(err, "recurrent: stack %q, layer %d", s.Name, l)
		}
		next[l] = st
		in = h
	}
	return in, next, nil
}

// Forward unrolls the stack over xs, one (B, In) node per time step, from the initial states init
// (init[l] is layer l's state; nil starts every layer from zeros). It returns the top layer's
// output at every step and every layer's final state.
func (s *Stack) Forward(g *nn.Graph, xs []*G.Node, init [][]*G.Node) ([]*G.Node, [][]*G.Node, error) {
	if len(xs) == 0 {
		return nil, nil, errors.Errorf("recurrent: stack %q given no time steps", s.Name)
	}
	if init == nil {
		if xs[0] == nil || xs[0].Dims() != 2 {
			return nil, nil, errors.Errorf("recurrent: stack %q expects (B, %d) inputs", s.Name, s.InputSize())
		}
		init = s.NewState(g, xs[0].Shape()[0]).Nodes()
	}
	outs := make([]*G.Node, len(xs))
	state := init
	for t, x := range xs {
		var err error
		if outs[t], state, err = s.Step(g, x, state); err != nil {
			return nil, nil, errors.Wrapf(err, "step %d", t)
		}
	}
	return outs, state, nil
}

// State is the initial state of a stack as graph inputs, In[l][k] being state tensor k of layer l
// (B, H), zero until set. After a run, Carry copies the final state it was told to watch into
// these inputs, so the next batch continues where the last one stopped (truncated BPTT).
type State struct {
	In     [][]*nn.Input // [layer][state tensor] (B, H)
	finals [][]G.Value
}

// NewState adds zero initial-state inputs for batches of b sequences, named NAME.state_lL_K.
func (s *Stack) NewState(g *nn.Graph, b int) *State {
	st := &State{In: make([][]*nn.Input, len(s.Cells))}
	for l, c := range s.Cells {
		for k := 0; k < c.NumStates(); k++ {
			st.In[l] = append(st.In[l], g.Input(ParamName(s.Name, fmt.Sprintf("state_l%d_%d", l, k), ""), b, c.HiddenSize()))
		}
	}
	return st
}

// Nodes returns the input nodes, for Forward's init.
func (st *State) Nodes() [][]*G.Node {
	out := make([][]*G.Node, len(st.In))
	for l, ins := range st.In {
		for _, in := range ins {
			out[l] = append(out[l], in.Node)
		}
	}
	return out
}

// Watch records the final states (as returned by Forward) whose values Carry copies; call it once,
// before the graph is compiled.
func (st *State) Watch(final [][]*G.Node) error {
	if len(final) != len(st.In) {
		return errors.Errorf("recurrent: %d layers of state, %d final states", len(st.In), len(final))
	}
	st.finals = make([][]G.Value, len(final))
	for l := range final {
		if len(final[l]) != len(st.In[l]) {
			return errors.Errorf("recurrent: layer %d has %d state tensors, %d final ones", l, len(st.In[l]), len(final[l]))
		}
		st.finals[l] = make([]G.Value, len(final[l]))
		for k, n := range final[l] {
			G.Read(n, &st.finals[l][k])
		}
	}
	return nil
}

// Carry copies the final states of the last run into the initial-state inputs.
func (st *State) Carry() error {
	if st.finals == nil {
		return errors.New("recurrent: Carry before Watch")
	}
	for l := range st.finals {
		for k, v := range st.finals[l] {
			t, ok := v.(*tensor.Dense)
			if !ok {
				return errors.Errorf("recurrent: final state %d of layer %d has not been computed", k, l)
			}
			if err := nn.CopyValues(st.In[l][k].Value, t); err != nil {
				return errors.Wrapf(err, "recurrent: carrying state %d of layer %d", k, l)
			}
			if err := G.Let(st.In[l][k].Node, st.In[l][k].Value); err != nil {
				return errors.Wrapf(err, "recurrent: carrying state %d of layer %d", k, l)
			}
		}
	}
	return nil
}

// Zero resets every initial state to zeros (a new, unrelated sequence).
func (st *State) Zero() error {
	for l := range st.In {
		for k, in := range st.In[l] {
			if err := in.Set(make([]float64, in.Value.Shape().TotalSize())); err != nil {
				return errors.Wrapf(err, "recurrent: zeroing state %d of layer %d", k, l)
			}
		}
	}
	return nil
}

// Set feeds layer l's state tensor k, B×H row-major.
func (st *State) Set(l, k int, vals []float64) error {
	if l < 0 || l >= len(st.In) || k < 0 || k >= len(st.In[l]) {
		return errors.Errorf("recurrent: no state %d of layer %d", k, l)
	}
	return st.In[l][k].Set(vals)
}

// LayerSuffix is PyTorch's suffix of layer l's parameters: "_l0", "_l1", ….
func LayerSuffix(l int) string { return fmt.Sprintf("_l%d", l) }

// Build makes the cells of an L-layer stack (layers 0 means 1) with newCell(l, inputSize): layer
// 0 reads in features, the others hidden.
func Build(layers, in, hidden int, newCell func(l, in int) (Cell, error)) ([]Cell, error) {
	if layers < 0 {
		return nil, errors.Errorf("recurrent: %d layers", layers)
	}
	layers = max(layers, 1)
	cells := make([]Cell, layers)
	for l := range cells {
		width := hidden
		if l == 0 {
			width = in
		}
		c, err := newCell(l, width)
		if err != nil {
			return nil, err
		}
		cells[l] = c
	}
	return cells, nil
}
