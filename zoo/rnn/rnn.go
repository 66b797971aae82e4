// Package rnn is the lecture's simple (Elman) recurrent network,
//
//	h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh),
//
// or with ReLU in place of tanh, as torch.nn.RNN: the same parameter names, layouts and
// initialisation, so a checkpoint loads into torch.nn.RNN(nonlinearity=…).
package rnn

import (
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Config selects a stack's shape and nonlinearity. The zero value is one tanh layer.
type Config struct {
	// Layers is the number of stacked cells (0 means 1).
	Layers int
	// Dropout is the probability of dropping an element between layers in training.
	Dropout float64
	// Activation is "tanh" (the default when empty) or "relu", as torch.nn.RNN's nonlinearity.
	Activation string
}

// Cell is one step of the simple recurrent network.
type Cell struct {
	recurrent.Params
	// Activation is "tanh" or "relu".
	Activation string
	act        nn.Activation
}

// NewCell creates a single cell's parameters in s under name with torch.nn.RNNCell's names
// (NAME.weight_ih, NAME.weight_hh, NAME.bias_ih, NAME.bias_hh), initialised U(−1/√H, 1/√H).
func NewCell(s *nn.Store, name string, in, hidden int, activation string) (*Cell, error) {
	c, err := newCell(s, name, "", in, hidden, activation)
	if err != nil {
		return nil, errors.Wrapf(err, "rnn: cell %q", name)
	}
	return c, nil
}

// checkActivation accepts "" (tanh), "tanh" and "relu".
func checkActivation(activation string) error {
	if activation != "" && activation != "tanh" && activation != "relu" {
		return errors.Errorf("activation %q, want tanh or relu", activation)
	}
	return nil
}

// newCell is NewCell for layer suffix of a stack; its errors are for NewCell or New to prefix.
func newCell(s *nn.Store, name, suffix string, in, hidden int, activation string) (*Cell, error) {
	if err := checkActivation(activation); err != nil {
		return nil, err
	}
	if activation == "" {
		activation = "tanh"
	}
	p, err := recurrent.NewParams(s, name, suffix, in, hidden, 1)
	if err != nil {
		return nil, err
	}
	act, _ := nn.ActivationByName(activation)
	return &Cell{Params: *p, Activation: activation, act: act}, nil
}

// InputSize is the width of x_t.
func (c *Cell) InputSize() int { return c.In }

// HiddenSize is the width of h_t.
func (c *Cell) HiddenSize() int { return c.Hidden }

// NumStates is 1: the state is [h].
func (c *Cell) NumStates() int { return 1 }

// FusedForm is the cell's formula for the fused sequence op.
func (c *Cell) FusedForm() (recurrent.Kind, *recurrent.Params, bool) {
	if c.Activation == "relu" {
		return recurrent.KindReLU, &c.Params, true
	}
	return recurrent.KindTanh, &c.Params, true
}

// Step computes h_t from x_t (B, In) and state [h_{t−1}] (B, H); the new state is [h_t].
func (c *Cell) Step(g *nn.Graph, x *G.Node, state []*G.Node) (*G.Node, []*G.Node, error) {
	if err := c.CheckStep(x, state, 1); err != nil {
		return nil, nil, errors.Wrap(err, "rnn")
	}
	// h_t = act(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh): one gate, so no reshape or slice.
	pre, err := c.Fused(g, x, state[0])
	if err != nil {
		return nil, nil, errors.Wrap(err, "rnn")
	}
	h, err := c.act(pre)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "rnn: %s of %s", c.Activation, c.WeightIH.Name)
	}
	return h, []*G.Node{h}, nil
}

// Stack is the unrolled, stacked network; see recurrent.Stack for Step and Forward.
type Stack = recurrent.Stack

// New creates a stack of cfg.Layers cells under name with torch.nn.RNN's parameter names
// (NAME.weight_ih_l0, …, NAME.bias_hh_lL), layer 0 reading in features, every layer hidden wide.
func New(s *nn.Store, name string, in, hidden int, cfg Config) (*Stack, error) {
	// The configuration first: its error is the stack's, not one layer's.
	if err := checkActivation(cfg.Activation); err != nil {
		return nil, errors.Wrap(err, "rnn")
	}
	cells, err := recurrent.Build(cfg.Layers, in, hidden, func(l, in int) (recurrent.Cell, error) {
		return newCell(s, name, recurrent.LayerSuffix(l), in, hidden, cfg.Activation)
	})
	if err != nil {
		return nil, errors.Wrapf(err, "rnn: stack %q", name)
	}
	return recurrent.NewStack(name, cells, cfg.Dropout)
}
