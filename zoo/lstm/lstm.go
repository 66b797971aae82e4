// Package lstm is the long short-term memory cell (Hochreiter & Schmidhuber 1997, with the forget
// gate of Gers et al. 2000) as torch.nn.LSTM computes it:
//
//	i_t = σ(x_t·W_ii + b_ii + h_{t−1}·W_hi + b_hi)   input gate
//	f_t = σ(x_t·W_if + b_if + h_{t−1}·W_hf + b_hf)   forget gate
//	g_t = tanh(x_t·W_ig + b_ig + h_{t−1}·W_hg + b_hg) candidate
//	o_t = σ(x_t·W_io + b_io + h_{t−1}·W_ho + b_ho)   output gate
//	c_t = f_t∘c_{t−1} + i_t∘g_t
//	h_t = o_t∘tanh(c_t)
//
// The four gates are one fused product per step. Parameters carry PyTorch's names, gate order
// (i, f, g, o) and initialisation, so a checkpoint loads into torch.nn.LSTM; the one departure is
// the forget-gate bias, which starts at Config.ForgetBias (1 by default, Jozefowicz et al. 2015).
package lstm

import (
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Gate blocks along the 4H axis of the parameters, in PyTorch's order.
const (
	GateInput  = 0 // i
	GateForget = 1 // f
	GateCell   = 2 // g
	GateOutput = 3 // o
)

// Config selects a stack's shape and initialisation; start from DefaultConfig.
type Config struct {
	// Layers is the number of stacked cells (0 means 1).
	Layers int
	// Dropout is the probability of dropping an element between layers in training.
	Dropout float64
	// ForgetBias is the initial forget-gate bias: bias_ih's forget block is set to it and
	// bias_hh's forget block to 0, so the gate starts at σ(ForgetBias + …). Ignored when
	// TorchInit is set.
	ForgetBias float64
	// TorchInit keeps PyTorch's initialisation exactly: every bias U(−1/√H, 1/√H), the forget
	// blocks included.
	TorchInit bool
}

// DefaultConfig is one layer, no dropout, forget-gate bias 1.
func DefaultConfig() Config { return Config{Layers: 1, ForgetBias: 1} }

// Cell is one LSTM step. Its state is [h, c].
type Cell struct {
	recurrent.Params
}

// NewCell creates a single cell's parameters in s under name with torch.nn.LSTMCell's names
// (NAME.weight_ih (In, 4H), NAME.weight_hh (H, 4H), NAME.bias_ih, NAME.bias_hh (1, 4H)); only
// cfg.ForgetBias and cfg.TorchInit matter.
func NewCell(s *nn.Store, name string, in, hidden int, cfg Config) (*Cell, error) {
	c, err := newCell(s, name, "", in, hidden, cfg)
	if err != nil {
		return nil, errors.Wrapf(err, "lstm: cell %q", name)
	}
	return c, nil
}

// newCell is NewCell for layer suffix of a stack; its errors are for NewCell or New to prefix.
func newCell(s *nn.Store, name, suffix string, in, hidden int, cfg Config) (*Cell, error) {
	p, err := recurrent.NewParams(s, name, suffix, in, hidden, 4)
	if err != nil {
		return nil, err
	}
	if !cfg.TorchInit {
		if err := p.SetGateBias(p.BiasIH, GateForget, cfg.ForgetBias); err != nil {
			return nil, err
		}
		if err := p.SetGateBias(p.BiasHH, GateForget, 0); err != nil {
			return nil, err
		}
	}
	return &Cell{Params: *p}, nil
}

// InputSize is the width of x_t.
func (c *Cell) InputSize() int { return c.In }

// HiddenSize is the width of h_t and c_t.
func (c *Cell) HiddenSize() int { return c.Hidden }

// NumStates is 2: the state is [h, c].
func (c *Cell) NumStates() int { return 2 }

// FusedForm is the cell's formula for the fused sequence op.
func (c *Cell) FusedForm() (recurrent.Kind, *recurrent.Params, bool) {
	return recurrent.KindLSTM, &c.Params, true
}

// Step computes h_t and c_t from x_t (B, In) and state [h_{t−1}, c_{t−1}] (B, H each); it returns
// h_t and the new state [h_t, c_t].
func (c *Cell) Step(g *nn.Graph, x *G.Node, state []*G.Node) (*G.Node, []*G.Node, error) {
	if err := c.CheckStep(x, state, 2); err != nil {
		return nil, nil, errors.Wrap(err, "lstm")
	}
	// pre = x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh, all four gates in one product, viewed as
	// (B, 4, H) so that gate k is the slice S(k) whatever H is.
	pre, err := c.Fused(g, x, state[0])
	if err != nil {
		return nil, nil, errors.Wrap(err, "lstm")
	}
	m := &nn.Chain{}
	gate := func(k int, act func(*G.Node) (*G.Node, error)) *G.Node {
		return m.Do(act(m.Do(recurrent.Gate(pre, k))))
	}
	i := gate(GateInput, G.Sigmoid)  // i_t = σ(pre_i)
	f := gate(GateForget, G.Sigmoid) // f_t = σ(pre_f)
	gg := gate(GateCell, G.Tanh)     // g_t = tanh(pre_g)
	o := gate(GateOutput, G.Sigmoid) // o_t = σ(pre_o)
	// c_t = f_t∘c_{t−1} + i_t∘g_t
	cNew := m.Do(G.Add(m.Do(G.HadamardProd(f, state[1])), m.Do(G.HadamardProd(i, gg))))
	// h_t = o_t∘tanh(c_t)
	h := m.Do(G.HadamardProd(o, m.Do(G.Tanh(cNew))))
	if m.Err != nil {
		return nil, nil, errors.Wrapf(m.Err, "lstm: step of %s", c.WeightIH.Name)
	}
	return h, []*G.Node{h, cNew}, nil
}

// Stack is the unrolled, stacked LSTM; see recurrent.Stack for Step and Forward.
type Stack = recurrent.Stack

// New creates a stack of cfg.Layers cells under name with torch.nn.LSTM's parameter names
// (NAME.weight_ih_l0, …, NAME.bias_hh_lL), layer 0 reading in features, every layer hidden wide.
func New(s *nn.Store, name string, in, hidden int, cfg Config) (*Stack, error) {
	cells, err := recurrent.Build(cfg.Layers, in, hidden, func(l, in int) (recurrent.Cell, error) {
		return newCell(s, name, recurrent.LayerSuffix(l), in, hidden, cfg)
	})
	if err != nil {
		return nil, errors.Wrapf(err, "lstm: stack %q", name)
	}
	return recurrent.NewStack(name, cells, cfg.Dropout)
}
