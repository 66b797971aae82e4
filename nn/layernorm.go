package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
	D            int     // features per row
	Eps          float64 // ε added to the variance, 1e-5
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
		return nil, err // the store's error names the tensor
	}
	b, err := s.Add(name+".bias", []int{1, d}, true, Zeros)
	if err != nil {
		return nil, err
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
	c := &Chain{}
	gamma, beta := g.Bind(ln.Weight), g.Bind(ln.Bias)
	if k != 2 {
		gamma = c.Do(G.Reshape(gamma, row))
		beta = c.Do(G.Reshape(beta, row))
	}
	mean := c.Do(G.Reshape(c.Do(G.Mean(x, last)), col))
	xc := c.Do(G.BroadcastSub(x, mean, nil, []byte{byte(last)}))
	variance := c.Do(G.Mean(c.Do(G.Square(xc)), last))
	std := c.Do(G.Reshape(c.Do(G.Sqrt(c.Do(G.Add(variance, g.Scalar(ln.Eps))))), col))
	y := c.Do(G.BroadcastHadamardDiv(xc, std, nil, []byte{byte(last)}))
	y = c.Do(G.BroadcastHadamardProd(y, gamma, nil, lead))
	y = c.Do(G.BroadcastAdd(y, beta, nil, lead))
	return y, errors.Wrapf(c.Err, "nn: layernorm %s on input %v", ln.Weight.Name, s)
}
