// Package mlp is the lecture's multilayer perceptron: layers of neurons y = f(x·W + b) trained by
// backpropagation, with the section's remedies for deep networks as switches: BatchNorm after each
// hidden linear map, dropout, and residual connections between hidden layers of equal width.
//
//	h₀ = x
//	hₗ = dropout(f(BN(hₗ₋₁·Wₗ + bₗ)))          (+ hₗ₋₁ with residual connections)
//	ŷ  = h_L·W_out + b_out                      (logits for softmax cross-entropy, values for MSE)
package mlp

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config describes an MLP.
type Config struct {
	Inputs     int     `json:"inputs"`     // features per example
	Hidden     []int   `json:"hidden"`     // widths of the hidden layers
	Outputs    int     `json:"outputs"`    // classes (classification) or targets (regression)
	Activation string  `json:"activation"` // relu, tanh, sigmoid or identity
	BatchNorm  bool    `json:"batchnorm"`  // BatchNorm after each hidden linear map
	Dropout    float64 `json:"dropout"`    // dropout probability after each hidden layer
	Residual   bool    `json:"residual"`   // hₗ = hₗ₋₁ + f(...) where widths agree
	Regression bool    `json:"regression"` // MSE head instead of softmax cross-entropy
	Float64    bool    `json:"float64"`    // float64 instead of float32 (gradient checks)
	Seed       uint64  `json:"seed"`       // initialisation
}

// DefaultConfig is the MLP `zoo mlp` trains on a task: two hidden layers of 64 ReLU units.
func DefaultConfig(info datasets.Info) Config {
	c := Config{Inputs: info.Dim, Hidden: []int{64, 64}, Outputs: info.Classes, Activation: "relu", Seed: 1}
	if info.Kind == datasets.Regression {
		c.Outputs, c.Regression = max(info.YDim, 1), true
	}
	return c
}

// Model is an MLP's parameters; it builds graphs for any batch size (train.Model).
type Model struct {
	Config Config // what it was built from
	store  *nn.Store
	hidden []*nn.Linear
	norms  []*nn.BatchNorm
	out    *nn.Linear
	act    nn.Activation
}

// New creates an MLP with parameters initialised from cfg.Seed.
func New(cfg Config) (*Model, error) {
	if cfg.Inputs <= 0 || cfg.Outputs <= 0 {
		return nil, errors.Errorf("mlp: inputs %d and outputs %d must be positive", cfg.Inputs, cfg.Outputs)
	}
	if cfg.Dropout < 0 || cfg.Dropout >= 1 {
		return nil, errors.Errorf("mlp: dropout %v outside [0, 1)", cfg.Dropout)
	}
	if cfg.Activation == "" {
		cfg.Activation = "relu"
	}
	act, err := nn.ActivationByName(cfg.Activation)
	if err != nil {
		return nil, errors.Wrap(err, "mlp")
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	m := &Model{Config: cfg, store: nn.NewStore(dt, cfg.Seed), act: act}
	in := cfg.Inputs
	for i, w := range cfg.Hidden {
		if w <= 0 {
			return nil, errors.Errorf("mlp: hidden layer %d has width %d", i, w)
		}
		l, err := nn.NewLinear(m.store, prefix("hidden", i), in, w, true)
		if err != nil {
			return nil, err
		}
		m.hidden = append(m.hidden, l)
		if cfg.BatchNorm {
			bn, err := nn.NewBatchNorm(m.store, prefix("bn", i), w)
			if err != nil {
				return nil, err
			}
			m.norms = append(m.norms, bn)
		}
		in = w
	}
	if m.out, err = nn.NewLinear(m.store, "out", in, cfg.Outputs, true); err != nil {
		return nil, err
	}
	return m, nil
}

func prefix(name string, i int) string { return fmt.Sprintf("%s.%d", name, i) }

// Replica returns a new MLP of the same configuration, for data-parallel training
// (train.Replicable).
func (m *Model) Replica() (train.Model, error) { return New(m.Config) }

// Store holds the parameters and BatchNorm statistics.
func (m *Model) Store() *nn.Store { return m.store }

// Forward builds the network on x (N, Inputs) and returns the output layer's values (N, Outputs).
func (m *Model) Forward(g *nn.Graph, x *G.Node) (*G.Node, error) {
	h := x
	for i, l := range m.hidden {
		layer := func(h *G.Node) (*G.Node, error) {
			z, err := l.Forward(g, h)
			if err != nil {
				return nil, err
			}
			if m.Config.BatchNorm {
				if z, err = m.norms[i].Forward(g, z); err != nil {
					return nil, err
				}
			}
			if z, err = m.act(z); err != nil {
				return nil, errors.Wrapf(err, "mlp: activation of layer %d", i)
			}
			return nn.Dropout(g, z, m.Config.Dropout)
		}
		var err error
		if m.Config.Residual && l.In == l.Out {
			h, err = nn.Residual(h, layer)
		} else {
			h, err = layer(h)
		}
		if err != nil {
			return nil, err
		}
	}
	return m.out.Forward(g, h)
}

// Build builds the graph of a batch of n examples with its loss head (train.Model).
func (m *Model) Build(n int, train bool) (*nn.Graph, error) {
	g := nn.NewGraph(m.store, n, train)
	x := g.Input("x", n, m.Config.Inputs)
	out, err := m.Forward(g, x.Node)
	if err != nil {
		return nil, err
	}
	if m.Config.Regression {
		head, err := nn.NewMSE(g, out)
		if err != nil {
			return nil, err
		}
		g.SetOutputs(head.Loss, out)
		g.OnFeed(func(b datasets.Batch) error {
			if b.Dim != m.Config.Inputs || len(b.Y) != n*m.Config.Outputs {
				return errors.Errorf("mlp: batch has %d features and %d targets, model expects %d and %d per example", b.Dim, len(b.Y)/max(n, 1), m.Config.Inputs, m.Config.Outputs)
			}
			if err := x.Set(b.X); err != nil {
				return err
			}
			return head.SetTargets(b.Y)
		})
		return g, nil
	}
	head, err := nn.NewCrossEntropy(g, out)
	if err != nil {
		return nil, err
	}
	g.SetOutputs(head.Loss, out)
	g.OnFeed(func(b datasets.Batch) error {
		if b.Dim != m.Config.Inputs {
			return errors.Errorf("mlp: batch has %d features, model expects %d", b.Dim, m.Config.Inputs)
		}
		if err := x.Set(b.X); err != nil {
			return err
		}
		return head.SetLabels(b.Labels)
	})
	return g, nil
}
