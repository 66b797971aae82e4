package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// chain threads the first error through a sequence of graph operations:
// c.do(G.Add(a, b)) returns the node, or nil once an error happened.
type chain struct{ err error }

// do returns n, recording err if it is the first one.
func (c *chain) do(n *G.Node, err error) *G.Node {
	if c.err == nil && err != nil {
		c.err = err
	}
	if c.err != nil {
		return nil
	}
	return n
}

// LayerNorm normalises every row over its last axis (Ba et al. 2016), as torch.nn.LayerNorm(D):
//
//	y = γ·(x − μ)/√(σ² + ε) + β,
//
// with μ and σ² the mean and biased variance of the row's D features, ε = 1e-5. γ (initially 1)
// and β (initially 0) are named NAME.weight and NAME.bias and kept as (1, D) rows, which
// checkpoints write as PyTorch's (D,) vectors. Unlike BatchNorm it needs no running statistics:
// training and evaluation compute the same thing.
//
// Forward runs it as one fused op (see layerNormFused) whose gradient ops reuse the forward pass's
// row statistics. The composed form of Mean, Sub, Square, Sqrt and Div, with Gorgonia's symbolic
// gradients (InverseSqrt is avoided: its gradient is wrong in Gorgonia v0.9.18), is kept as the
// reference the fused op is tested against.
type LayerNorm struct {
	D            int
	Eps          float64
	Weight, Bias *Tensor // γ, β: (1, D)
	// Composed builds the reference form of Gorgonia's ops instead of the fused op; both give the
	// same values and gradients up to rounding.
	Composed bool
}

// NewLayerNorm creates γ = 1 and β = 0 for rows of d features.
func NewLayerNorm(s *Store, name string, d int) (*LayerNorm, error) {
	if d <= 0 {
		return nil, errors.Errorf("nn: layernorm %s: %d features, must be positive", name, d)
	}
	w, err := s.Add(name+".weight", []int{1, d}, true, Const(1))
	if err != nil {
		return nil, errors.Wrapf(err, "nn: layernorm %s", name)
	}
	b, err := s.Add(name+".bias", []int{1, d}, true, Zeros)
	if err != nil {
		return nil, errors.Wrapf(err, "nn: layernorm %s", name)
	}
	return &LayerNorm{D: d, Eps: 1e-5, Weight: w, Bias: b}, nil
}

// Forward normalises x over its last axis, which must have D elements. x is (N, D) or any shape
// (…, D) (for example (B, T, D)); the result has x's shape.
func (ln *LayerNorm) Forward(g *Graph, x *G.Node) (*G.Node, error) {
	s := x.Shape()
	k := x.Dims()
	if k < 2 || s[k-1] != ln.D {
		return nil, errors.Errorf("nn: layernorm %s expects (N, %d) input, got %v", ln.Weight.Name, ln.D, s)
	}
	if ln.Composed {
		return ln.forwardComposed(g, x)
	}
	y, err := layerNormFused(x, g.Bind(ln.Weight), g.Bind(ln.Bias), ln.Eps)
	return y, errors.Wrapf(err, "nn: layernorm %s on input %v", ln.Weight.Name, s)
}

// forwardComposed is Forward composed of Gorgonia's ops, the reference of the fused op.
//
// x is never reshaped: in Gorgonia v0.9.18 a Reshape shares its input's memory, and an in-place
// binary op on the reshaped node would write through it into x.
func (ln *LayerNorm) forwardComposed(g *Graph, x *G.Node) (*G.Node, error) {
	s := x.Shape()
	k := x.Dims()
	if k < 2 || s[k-1] != ln.D {
		return nil, errors.Errorf("nn: layernorm %s expects (N, %d) input, got %v", ln.Weight.Name, ln.D, s)
	}
	last := k - 1
	col := s.Clone() // (…, 1): one statistic per row
	col[last] = 1
	row := make(tensor.Shape, k) // (1, …, 1, D): γ and β
	lead := make([]byte, 0, k-1)
	for i := range row {
		row[i] = 1
		if i < last {
			lead = append(lead, byte(i))
		}
	}
	row[last] = ln.D
	c := &chain{}
	gamma, beta := g.Bind(ln.Weight), g.Bind(ln.Bias)
	if k != 2 {
		gamma = c.do(G.Reshape(gamma, row))
		beta = c.do(G.Reshape(beta, row))
	}
	mean := c.do(G.Reshape(c.do(G.Mean(x, last)), col))
	xc := c.do(G.BroadcastSub(x, mean, nil, []byte{byte(last)}))
	variance := c.do(G.Mean(c.do(G.Square(xc)), last))
	std := c.do(G.Reshape(c.do(G.Sqrt(c.do(G.Add(variance, g.Scalar(ln.Eps))))), col))
	y := c.do(G.BroadcastHadamardDiv(xc, std, nil, []byte{byte(last)}))
	y = c.do(G.BroadcastHadamardProd(y, gamma, nil, lead))
	y = c.do(G.BroadcastAdd(y, beta, nil, lead))
	return y, errors.Wrapf(c.err, "nn: layernorm %s on input %v", ln.Weight.Name, s)
}
