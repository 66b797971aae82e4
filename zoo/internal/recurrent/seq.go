package recurrent

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Implementations of a stack: the values of Stack.Impl and of the Impl fields of the model configs.
const (
	// ImplFused runs each layer over the whole sequence as one node (the default).
	ImplFused = "fused"
	// ImplGraph composes every step of Gorgonia operations, formula by formula: the reference.
	ImplGraph = "graph"
)

// CheckImpl accepts "", "fused" and "graph" ("" is fused). Its error says what it wants; the
// caller names the field that held impl (nn.WrapField).
func CheckImpl(impl string) error {
	switch impl {
	case "", ImplFused, ImplGraph:
		return nil
	}
	return errors.New("want fused or graph")
}

// SeqOptions selects how Sequence runs a layer.
type SeqOptions struct {
	// Mask, when not nil, is a (T·B, 1) node of 0/1: where it is 0 the step keeps the state,
	// s ← s + m∘(s̃ − s) (padding past a sequence's end).
	Mask *G.Node
	// Reverse runs the steps t = T−1, …, 0 (the backward direction of a bidirectional encoder).
	Reverse bool
	// Graph composes every step of Gorgonia operations (Cell.Step) instead of the fused op.
	Graph bool
}

// Sequence runs one layer c over T steps of x (T·B, In), time-major (row t·B+b is step t of
// sequence b), from state (B, H each; [h] or [h, c]). It returns y (T·B, H), row block t holding
// h after step t whatever the direction, and the final state. A cell that implements FusedCell
// runs as one fused node unless opt.Graph is set; any other cell runs step by step.
func Sequence(g *nn.Graph, c Cell, x *G.Node, T int, state []*G.Node, opt SeqOptions) (*G.Node, []*G.Node, error) {
	if x == nil || x.Dims() != 2 || T <= 0 || x.Shape()[0]%T != 0 || x.Shape()[1] != c.InputSize() {
		var shape tensor.Shape
		if x != nil {
			shape = x.Shape()
		}
		return nil, nil, errors.Errorf("recurrent: sequence of %d steps of %d features, got %v", T, c.InputSize(), shape)
	}
	B := x.Shape()[0] / T
	if len(state) != c.NumStates() {
		return nil, nil, errors.Errorf("recurrent: sequence: %d state tensors, the cell has %d", len(state), c.NumStates())
	}
	for k, s := range state {
		if s == nil || !s.Shape().Eq(tensor.Shape{B, c.HiddenSize()}) {
			return nil, nil, errors.Errorf("recurrent: sequence: state %d must be (%d, %d)", k, B, c.HiddenSize())
		}
	}
	if opt.Mask != nil && !opt.Mask.Shape().Eq(tensor.Shape{T * B, 1}) {
		return nil, nil, errors.Errorf("recurrent: sequence mask %v, want (%d, 1)", opt.Mask.Shape(), T*B)
	}
	if fc, ok := c.(FusedCell); ok && !opt.Graph {
		if kind, p, ok := fc.FusedForm(); ok {
			return fusedSequence(g, kind, p, x, T, B, state, opt)
		}
	}
	return graphSequence(g, c, x, T, B, state, opt)
}

func fusedSequence(g *nn.Graph, kind Kind, p *Params, x *G.Node, T, B int, state []*G.Node, opt SeqOptions) (*G.Node, []*G.Node, error) {
	op := &layerOp{id: opIDs.Add(1), kind: kind, t: T, b: B, in: p.In, h: p.Hidden,
		reverse: opt.Reverse, masked: opt.Mask != nil, dt: g.Dtype()}
	args := G.Nodes{x, g.Bind(p.WeightIH), g.Bind(p.WeightHH), g.Bind(p.BiasIH), g.Bind(p.BiasHH)}
	args = append(args, state...)
	if opt.Mask != nil {
		args = append(args, opt.Mask)
	}
	packed, err := G.ApplyOp(op, args...)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "recurrent: %s", p.WeightIH.Name)
	}
	H := p.Hidden
	y, err := Range(packed, 0, tensor.Shape{T * B, H})
	if err != nil {
		return nil, nil, err
	}
	final := make([]*G.Node, kind.States())
	for k := range final {
		if final[k], err = Range(packed, (T+k)*B*H, tensor.Shape{B, H}); err != nil {
			return nil, nil, err
		}
	}
	return y, final, nil
}

// graphSequence is Sequence of Gorgonia operations, step by step, with the masked update of the
// seq2seq encoder.
func graphSequence(g *nn.Graph, c Cell, x *G.Node, T, B int, state []*G.Node, opt SeqOptions) (*G.Node, []*G.Node, error) {
	outs := make([]*G.Node, T)
	state = append([]*G.Node(nil), state...)
	for i := 0; i < T; i++ {
		t := i
		if opt.Reverse {
			t = T - 1 - i
		}
		xt, err := Rows(x, t*B, (t+1)*B)
		if err != nil {
			return nil, nil, err
		}
		_, next, err := c.Step(g, xt, state)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "step %d", t)
		}
		if opt.Mask == nil {
			state = next
		} else {
			m := &nn.Chain{}
			mt := m.Do(Rows(opt.Mask, t*B, (t+1)*B))
			for k := range state {
				d := m.Do(G.Sub(next[k], state[k]))
				state[k] = m.Do(G.Add(m.Do(G.BroadcastHadamardProd(d, mt, nil, []byte{1})), state[k]))
			}
			if m.Err != nil {
				return nil, nil, errors.Wrapf(m.Err, "recurrent: masked step %d", t)
			}
		}
		outs[t] = state[0]
	}
	y, err := ConcatSteps(outs)
	return y, state, err
}

// ForwardSeq runs the stack over T steps of x (T·B, In), time-major, from init (init[l] is layer
// l's state; nil starts from zeros), and returns the top layer's outputs (T·B, H) and every
// layer's final state. With Impl "graph" (or a cell the fused op cannot compute) it is Forward
// over the rows of x, step by step; otherwise every layer is one fused node. Dropout between
// layers draws its masks in the same order either way (step by step, layer by layer), so both
// implementations compute the same function under the same generator.
func (s *Stack) ForwardSeq(g *nn.Graph, x *G.Node, T int, init [][]*G.Node) (*G.Node, [][]*G.Node, error) {
	if x == nil || x.Dims() != 2 || T <= 0 || x.Shape()[0]%T != 0 || x.Shape()[1] != s.InputSize() {
		var shape tensor.Shape
		if x != nil {
			shape = x.Shape()
		}
		return nil, nil, errors.Errorf("recurrent: stack %q expects (T·B, %d) inputs over %d steps, got %v", s.Name, s.InputSize(), T, shape)
	}
	B := x.Shape()[0] / T
	if init == nil {
		init = s.NewState(g, B).Nodes()
	}
	if len(init) != len(s.Cells) {
		return nil, nil, errors.Errorf("recurrent: stack %q has %d layers, given %d states", s.Name, len(s.Cells), len(init))
	}
	if !s.Fused() {
		xs := make([]*G.Node, T)
		for t := range xs {
			var err error
			if xs[t], err = Rows(x, t*B, (t+1)*B); err != nil {
				return nil, nil, err
			}
		}
		outs, final, err := s.Forward(g, xs, init)
		if err != nil {
			return nil, nil, err
		}
		y, err := ConcatSteps(outs)
		return y, final, err
	}
	masks, err := s.dropoutMasks(g, T, B)
	if err != nil {
		return nil, nil, err
	}
	final := make([][]*G.Node, len(s.Cells))
	in := x
	for l, c := range s.Cells {
		if masks[l] != nil {
			if in, err = G.HadamardProd(in, masks[l]); err != nil {
				return nil, nil, errors.Wrapf(err, "recurrent: stack %q, dropout below layer %d", s.Name, l)
			}
		}
		if in, final[l], err = Sequence(g, c, in, T, init[l], SeqOptions{}); err != nil {
			return nil, nil, errors.Wrapf(err, "recurrent: stack %q, layer %d", s.Name, l)
		}
	}
	return in, final, nil
}

// Fused reports whether ForwardSeq runs the fused op: Impl is not "graph" and every cell has a
// fused form.
func (s *Stack) Fused() bool {
	if s.Impl == ImplGraph {
		return false
	}
	for _, c := range s.Cells {
		if !Fusable(c) {
			return false
		}
	}
	return true
}

// dropoutMasks adds the (T·B, In_l) inverted-dropout masks below layers 1…L−1 of a training
// graph (nil entries elsewhere) and one hook drawing them in the order Step draws its masks:
// step by step, and within a step layer by layer, each mask row-major.
func (s *Stack) dropoutMasks(g *nn.Graph, T, B int) ([]*G.Node, error) {
	masks := make([]*G.Node, len(s.Cells))
	p := s.Dropout
	if !g.Train || p == 0 || len(s.Cells) < 2 {
		return masks, nil
	}
	ins := make([]*nn.Input, len(s.Cells))
	bufs := make([][]float64, len(s.Cells))
	for l := 1; l < len(s.Cells); l++ {
		w := s.Cells[l].InputSize()
		ins[l] = g.Input(ParamName(s.Name, fmt.Sprintf("dropout_l%d", l), ""), T*B, w)
		bufs[l] = make([]float64, T*B*w)
		masks[l] = ins[l].Node
	}
	keep := 1 / (1 - p)
	g.BeforeRun(func(rng *rand.Rand) error {
		if rng == nil {
			return errors.New("recurrent: a stack with dropout needs a generator for its masks")
		}
		for t := 0; t < T; t++ {
			for l := 1; l < len(s.Cells); l++ {
				w := s.Cells[l].InputSize()
				step := bufs[l][t*B*w : (t+1)*B*w]
				for i := range step {
					if rng.Float64() >= p {
						step[i] = keep
					} else {
						step[i] = 0
					}
				}
			}
		}
		for l := 1; l < len(s.Cells); l++ {
			if err := ins[l].Set(bufs[l]); err != nil {
				return err
			}
		}
		return nil
	})
	return masks, nil
}
