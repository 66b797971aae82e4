// Package gru is the gated recurrent unit (Cho et al. 2014). By default it computes exactly what
// torch.nn.GRU does, the reset gate applied after the hidden product:
//
//	r_t = σ(x_t·W_ir + b_ir + h_{t−1}·W_hr + b_hr)          reset gate
//	z_t = σ(x_t·W_iz + b_iz + h_{t−1}·W_hz + b_hz)          update gate
//	n_t = tanh(x_t·W_in + b_in + r_t∘(h_{t−1}·W_hn + b_hn))  candidate
//	h_t = (1 − z_t)∘n_t + z_t∘h_{t−1}
//
// With Config.ResetBefore the candidate is the lecture's (Cho et al.) form, the reset gate applied
// to h before the product:
//
//	n_t = tanh(x_t·W_in + b_in + (r_t∘h_{t−1})·W_hn + b_hn)
//
// Parameters carry PyTorch's names, gate order (r, z, n) and initialisation either way, so a
// checkpoint loads into torch.nn.GRU (which computes the default form).
package gru

import (
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gate blocks along the 3H axis of the parameters, in PyTorch's order.
const (
	GateReset  = 0 // r
	GateUpdate = 1 // z
	GateNew    = 2 // n
)

// Config selects a stack's shape and candidate form. The zero value is one layer of
// torch.nn.GRU.
type Config struct {
	// Layers is the number of stacked cells (0 means 1).
	Layers int
	// Dropout is the probability of dropping an element between layers in training.
	Dropout float64
	// ResetBefore selects the candidate n_t = tanh(x_t·W_in + b_in + (r_t∘h_{t−1})·W_hn + b_hn)
	// of Cho et al. 2014 instead of PyTorch's tanh(x_t·W_in + b_in + r_t∘(h_{t−1}·W_hn + b_hn)).
	ResetBefore bool
}

// Cell is one GRU step. Its state is [h].
type Cell struct {
	recurrent.Params
	// ResetBefore selects the Cho et al. candidate; see Config.
	ResetBefore bool
}

// NewCell creates a single cell's parameters in s under name with torch.nn.GRUCell's names
// (NAME.weight_ih (In, 3H), NAME.weight_hh (H, 3H), NAME.bias_ih, NAME.bias_hh (1, 3H)),
// initialised U(−1/√H, 1/√H); only cfg.ResetBefore matters.
func NewCell(s *nn.Store, name string, in, hidden int, cfg Config) (*Cell, error) {
	c, err := newCell(s, name, "", in, hidden, cfg)
	if err != nil {
		return nil, errors.Wrapf(err, "gru: cell %q", name)
	}
	return c, nil
}

// newCell is NewCell for layer suffix of a stack; its errors are for NewCell or New to prefix.
func newCell(s *nn.Store, name, suffix string, in, hidden int, cfg Config) (*Cell, error) {
	p, err := recurrent.NewParams(s, name, suffix, in, hidden, 3)
	if err != nil {
		return nil, err
	}
	return &Cell{Params: *p, ResetBefore: cfg.ResetBefore}, nil
}

// InputSize is the width of x_t.
func (c *Cell) InputSize() int { return c.In }

// HiddenSize is the width of h_t.
func (c *Cell) HiddenSize() int { return c.Hidden }

// NumStates is 1: the state is [h].
func (c *Cell) NumStates() int { return 1 }

// FusedForm is the cell's formula for the fused sequence op; the ResetBefore candidate has none
// (it runs step by step).
func (c *Cell) FusedForm() (recurrent.Kind, *recurrent.Params, bool) {
	return recurrent.KindGRU, &c.Params, !c.ResetBefore
}

// Step computes h_t from x_t (B, In) and state [h_{t−1}] (B, H); the new state is [h_t].
func (c *Cell) Step(g *nn.Graph, x *G.Node, state []*G.Node) (*G.Node, []*G.Node, error) {
	if err := c.CheckStep(x, state, 1); err != nil {
		return nil, nil, errors.Wrap(err, "gru")
	}
	h := state[0]
	// x_t·W_ih + b_ih and h_{t−1}·W_hh + b_hh, each (B, 3, H): gate k is the slice S(k).
	xi, hh, err := c.Projections(g, x, h)
	if err != nil {
		return nil, nil, errors.Wrap(err, "gru")
	}
	m := &nn.Chain{}
	gate := func(pre *G.Node, k int) *G.Node { return m.Do(recurrent.Gate(pre, k)) }
	// r_t = σ(x_t·W_ir + b_ir + h_{t−1}·W_hr + b_hr)
	r := m.Do(G.Sigmoid(m.Do(G.Add(gate(xi, GateReset), gate(hh, GateReset)))))
	// z_t = σ(x_t·W_iz + b_iz + h_{t−1}·W_hz + b_hz)
	z := m.Do(G.Sigmoid(m.Do(G.Add(gate(xi, GateUpdate), gate(hh, GateUpdate)))))
	var hn *G.Node
	if c.ResetBefore {
		// (r_t∘h_{t−1})·W_hn + b_hn, W_hn being block n of W_hh viewed as (H, 3, H). The n block
		// of h_{t−1}·W_hh computed above is not used in this form.
		whn := m.Do(G.Slice(m.Do(G.Reshape(g.Bind(c.WeightHH), tensor.Shape{c.Hidden, 3, c.Hidden})), nil, G.S(GateNew)))
		bhn := m.Do(G.Slice(m.Do(G.Reshape(g.Bind(c.BiasHH), tensor.Shape{1, 3, c.Hidden})), nil, G.S(GateNew)))
		hn = m.Do(nn.AddBias(m.Do(G.Mul(m.Do(G.HadamardProd(r, h)), whn)), bhn))
	} else {
		// r_t∘(h_{t−1}·W_hn + b_hn)
		hn = m.Do(G.HadamardProd(r, gate(hh, GateNew)))
	}
	// n_t = tanh(x_t·W_in + b_in + hn)
	n := m.Do(G.Tanh(m.Do(G.Add(gate(xi, GateNew), hn))))
	// h_t = (1 − z_t)∘n_t + z_t∘h_{t−1} = n_t + z_t∘(h_{t−1} − n_t)
	hNew := m.Do(G.Add(n, m.Do(G.HadamardProd(z, m.Do(G.Sub(h, n))))))
	if m.Err != nil {
		return nil, nil, errors.Wrapf(m.Err, "gru: step of %s", c.WeightIH.Name)
	}
	return hNew, []*G.Node{hNew}, nil
}

// Stack is the unrolled, stacked GRU; see recurrent.Stack for Step and Forward.
type Stack = recurrent.Stack

// New creates a stack of cfg.Layers cells under name with torch.nn.GRU's parameter names
// (NAME.weight_ih_l0, …, NAME.bias_hh_lL), layer 0 reading in features, every layer hidden wide.
func New(s *nn.Store, name string, in, hidden int, cfg Config) (*Stack, error) {
	cells, err := recurrent.Build(cfg.Layers, in, hidden, func(l, in int) (recurrent.Cell, error) {
		return newCell(s, name, recurrent.LayerSuffix(l), in, hidden, cfg)
	})
	if err != nil {
		return nil, errors.Wrapf(err, "gru: stack %q", name)
	}
	return recurrent.NewStack(name, cells, cfg.Dropout)
}
