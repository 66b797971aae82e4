package nn

import (
	"math/rand/v2"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Linear is the affine map y = x·W + b of the lecture's neuron, for a batch of rows x (N, In).
// W is kept as (In, Out), the transpose of torch.nn.Linear's weight; checkpoints write PyTorch's
// (Out, In) layout under the same names ("NAME.weight", "NAME.bias").
type Linear struct {
	In, Out int     // input and output widths
	Weight  *Tensor // W, (In, Out), Transposed (PyTorch's (Out, In) in checkpoints)
	Bias    *Tensor // nil without bias
}

// NewLinear creates a Linear layer's parameters in s under name, initialised as torch.nn.Linear:
// U(−1/√In, 1/√In) for weight and bias.
func NewLinear(s *Store, name string, in, out int, bias bool) (*Linear, error) {
	w, err := s.Add(name+".weight", []int{in, out}, true, FanIn(in))
	if err != nil {
		return nil, err
	}
	w.Transposed = true
	l := &Linear{In: in, Out: out, Weight: w}
	if bias {
		if l.Bias, err = s.Add(name+".bias", []int{1, out}, true, FanIn(in)); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Forward computes x·W + b for x of shape (N, In).
func (l *Linear) Forward(g *Graph, x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || x.Shape()[1] != l.In {
		return nil, errors.Errorf("nn: linear %s expects (N, %d) input, got %v", l.Weight.Name, l.In, x.Shape())
	}
	w := g.Bind(l.Weight) // the weight is bound first: Params lists it before the bias
	var b *G.Node
	if l.Bias != nil {
		b = g.Bind(l.Bias)
	}
	y, err := LinearOp(x, w, b)
	return y, errors.Wrapf(err, "nn: linear %s", l.Weight.Name)
}

// ForwardComposed computes x·W + b as G.Mul followed by AddBias, the reference form of Forward's
// single op.
func (l *Linear) ForwardComposed(g *Graph, x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || x.Shape()[1] != l.In {
		return nil, errors.Errorf("nn: linear %s expects (N, %d) input, got %v", l.Weight.Name, l.In, x.Shape())
	}
	y, err := G.Mul(x, g.Bind(l.Weight))
	if err != nil || l.Bias == nil {
		return y, errors.Wrapf(err, "nn: linear %s", l.Weight.Name)
	}
	y, err = AddBias(y, g.Bind(l.Bias))
	return y, errors.Wrapf(err, "nn: linear %s", l.Bias.Name)
}

// Activation is an elementwise nonlinearity.
type Activation func(*G.Node) (*G.Node, error)

// Activations lists the nonlinearities by the names the command line uses.
var Activations = map[string]Activation{
	"relu":     ReLU,
	"tanh":     G.Tanh,
	"sigmoid":  G.Sigmoid,
	"identity": func(x *G.Node) (*G.Node, error) { return x, nil },
}

// ActivationByName looks up a nonlinearity, naming the valid ones when name is unknown.
func ActivationByName(name string) (Activation, error) {
	if f, ok := Activations[name]; ok {
		return f, nil
	}
	return nil, errors.Errorf("nn: unknown activation %q (valid: identity, relu, sigmoid, tanh)", name)
}

// BatchNorm normalises each feature over the batch (Ioffe & Szegedy 2015), as torch.nn.BatchNorm1d:
//
//	training:   y = γ·(x − μ_B)/√(σ²_B + ε) + β, with μ_B, σ²_B the batch mean and (biased) variance,
//	            and afterwards running ← (1−m)·running + m·batch (unbiased variance for the running one);
//	evaluation: y = γ·(x − running_mean)/√(running_var + ε) + β.
//
// Forward builds it as one op whose gradient is the analytic one,
//
//	dx = (1/N)·γ/σ·(N·dy − Σ_n dy − x̂·Σ_n dy·x̂),   dγ = Σ_n dy·x̂,   dβ = Σ_n dy,
//
// and ForwardComposed as the reference form, composed of elementwise graph ops differentiated by
// Gorgonia; the tests hold the two equal. The running statistics are store buffers, updated after
// every training run and saved with the parameters.
type BatchNorm struct {
	C               int     // features
	Momentum, Eps   float64 // running ← (1−Momentum)·running + Momentum·batch; ε added to the variance
	Weight, Bias    *Tensor // γ, β: (1, C)
	RunMean, RunVar *Tensor // (1, C) buffers
}

// NewBatchNorm creates γ = 1, β = 0, running mean 0 and running variance 1 for C features, with
// PyTorch's defaults momentum 0.1 and ε 1e-5.
func NewBatchNorm(s *Store, name string, c int) (*BatchNorm, error) {
	bn := &BatchNorm{C: c, Momentum: 0.1, Eps: 1e-5}
	var err error
	add := func(suffix string, trainable bool, v float64) *Tensor {
		if err != nil {
			return nil
		}
		var t *Tensor
		t, err = s.Add(name+"."+suffix, []int{1, c}, trainable, Const(v))
		return t
	}
	bn.Weight = add("weight", true, 1)
	bn.Bias = add("bias", true, 0)
	bn.RunMean = add("running_mean", false, 0)
	bn.RunVar = add("running_var", false, 1)
	return bn, err
}

// Forward normalises x of shape (N, C) with batch statistics in a training graph and running
// statistics in an evaluation graph, as one op.
func (bn *BatchNorm) Forward(g *Graph, x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || x.Shape()[1] != bn.C {
		return nil, errors.Errorf("nn: batchnorm %s expects (N, %d) input, got %v", bn.Weight.Name, bn.C, x.Shape())
	}
	n := x.Shape()[0]
	if !g.Train {
		y, _, err := batchNorm(x, g.Bind(bn.Weight), g.Bind(bn.Bias), g.Bind(bn.RunMean), g.Bind(bn.RunVar), bn.Eps)
		return y, errors.Wrapf(err, "nn: batchnorm %s", bn.Weight.Name)
	}
	if n < 2 {
		return nil, errors.Errorf("nn: batchnorm %s needs at least 2 examples per batch in training, got %d", bn.Weight.Name, n)
	}
	y, op, err := batchNorm(x, g.Bind(bn.Weight), g.Bind(bn.Bias), nil, nil, bn.Eps)
	if err != nil {
		return nil, errors.Wrapf(err, "nn: batchnorm %s", bn.Weight.Name)
	}
	g.AfterRun(func() error {
		if !op.ranOnce || len(op.mean) != bn.C {
			return errors.Errorf("nn: batchnorm %s: batch statistics were not computed", bn.Weight.Name)
		}
		return bn.update(op.mean, op.vari, n)
	})
	return y, nil
}

// ForwardComposed is Forward composed of Gorgonia's elementwise ops (mean, variance, division,
// scale and shift), the reference form of the fused op, with the same running statistics.
func (bn *BatchNorm) ForwardComposed(g *Graph, x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 || x.Shape()[1] != bn.C {
		return nil, errors.Errorf("nn: batchnorm %s expects (N, %d) input, got %v", bn.Weight.Name, bn.C, x.Shape())
	}
	n := x.Shape()[0]
	var mean, variance *G.Node
	c := &Chain{}
	if g.Train {
		if n < 2 {
			return nil, errors.Errorf("nn: batchnorm %s needs at least 2 examples per batch in training, got %d", bn.Weight.Name, n)
		}
		mean = c.Do(G.Reshape(c.Do(G.Mean(x, 0)), []int{1, bn.C}))
		xc := c.Do(G.BroadcastSub(x, mean, nil, []byte{0}))
		variance = c.Do(G.Reshape(c.Do(G.Mean(c.Do(G.Square(xc)), 0)), []int{1, bn.C}))
		if c.Err != nil {
			return nil, errors.Wrapf(c.Err, "nn: batchnorm %s", bn.Weight.Name)
		}
		var mv, vv G.Value
		G.Read(mean, &mv)
		G.Read(variance, &vv)
		g.AfterRun(func() error {
			if mv == nil || vv == nil {
				return errors.Errorf("nn: batchnorm %s: batch statistics were not computed", bn.Weight.Name)
			}
			return bn.update(Float64s(mv.(tensorLike)), Float64s(vv.(tensorLike)), n)
		})
		return bn.affine(g, xc, variance)
	}
	mean, variance = g.Bind(bn.RunMean), g.Bind(bn.RunVar)
	xc := c.Do(G.BroadcastSub(x, mean, nil, []byte{0}))
	if c.Err != nil {
		return nil, errors.Wrapf(c.Err, "nn: batchnorm %s", bn.Weight.Name)
	}
	return bn.affine(g, xc, variance)
}

// affine finishes γ·xc/√(var+ε) + β.
func (bn *BatchNorm) affine(g *Graph, xc, variance *G.Node) (*G.Node, error) {
	c := &Chain{}
	// ε first: Gorgonia may run an elementwise op in place on its first operand, and the variance
	// (a reshaped view) is also read for the running statistics.
	std := c.Do(G.Sqrt(c.Do(G.Add(g.Scalar(bn.Eps), variance))))
	y := c.Do(G.BroadcastHadamardDiv(xc, std, nil, []byte{0}))
	y = c.Do(G.BroadcastHadamardProd(y, g.Bind(bn.Weight), nil, []byte{0}))
	y = c.Do(G.BroadcastAdd(y, g.Bind(bn.Bias), nil, []byte{0}))
	return y, errors.Wrapf(c.Err, "nn: batchnorm %s", bn.Weight.Name)
}

// update moves the running statistics towards the last batch's mean bm and biased variance bv
// of n rows (the running variance takes the unbiased one, as torch).
func (bn *BatchNorm) update(bm, bv []float64, n int) error {
	rm, rv := Float64s(bn.RunMean.Value), Float64s(bn.RunVar.Value)
	m := bn.Momentum
	unbias := float64(n) / float64(n-1)
	for i := range rm {
		rm[i] = (1-m)*rm[i] + m*bm[i]
		rv[i] = (1-m)*rv[i] + m*bv[i]*unbias
	}
	if err := SetFloat64s(bn.RunMean.Value, rm); err != nil {
		return err
	}
	return SetFloat64s(bn.RunVar.Value, rv)
}

// Dropout zeroes each element with probability P in a training graph and scales the survivors by
// 1/(1−P) (inverted dropout), so evaluation is the identity. The mask is an input drawn before
// every run from the run's generator: seeded, and with the right gradient (mask/(1−P)).
func Dropout(g *Graph, x *G.Node, p float64) (*G.Node, error) {
	if p < 0 || p >= 1 {
		return nil, errors.Errorf("nn: dropout probability %v outside [0, 1)", p)
	}
	if !g.Train || p == 0 {
		return x, nil
	}
	mask := g.Input("dropout_mask", x.Shape().Clone()...)
	buf := make([]float64, x.Shape().TotalSize())
	keep := 1 / (1 - p)
	g.BeforeRun(func(rng *rand.Rand) error {
		if rng == nil {
			return errors.New("nn: a graph with dropout needs a generator for its masks")
		}
		for i := range buf {
			if rng.Float64() >= p {
				buf[i] = keep
			} else {
				buf[i] = 0
			}
		}
		return mask.Set(buf)
	})
	y, err := G.HadamardProd(x, mask.Node)
	return y, errors.Wrap(err, "nn: dropout")
}

// Residual returns x + f(x): the skip connection that lets gradients reach early layers of a deep
// network unchanged (He et al. 2016). f must keep x's shape.
func Residual(x *G.Node, f func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	fx, err := f(x)
	if err != nil {
		return nil, err
	}
	if !fx.Shape().Eq(x.Shape()) {
		return nil, errors.Errorf("nn: residual branch changes shape %v to %v", x.Shape(), fx.Shape())
	}
	y, err := G.Add(x, fx)
	return y, errors.Wrap(err, "nn: residual")
}
