package nn

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GELU is the Gaussian error linear unit x·Φ(x) with Φ the standard normal distribution function
// (Hendrycks & Gimpel 2016), computed exactly through erf as torch.nn.GELU() does. Gorgonia has no
// erf, so this is a graph op of its own whose derivative Φ(x) + x·φ(x) is another such op.
func GELU(x *G.Node) (*G.Node, error) {
	y, err := G.ApplyOp(geluOp{}, x)
	return y, errors.Wrap(err, "nn: gelu")
}

// GELUTanh is the tanh approximation of GELU used by BERT and GPT-2, torch.nn.GELU("tanh"):
//
//	0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
//
// composed of Gorgonia's elementwise ops. It differs from GELU by less than 5e-4.
func GELUTanh(x *G.Node) (*G.Node, error) {
	c := &chain{}
	dt := x.Dtype()
	k := func(v float64) *G.Node {
		if dt == tensor.Float32 {
			return G.NewConstant(float32(v))
		}
		return G.NewConstant(v)
	}
	x3 := c.do(G.HadamardProd(x, c.do(G.Square(x))))
	inner := c.do(G.Mul(c.do(G.Add(x, c.do(G.Mul(x3, k(0.044715))))), k(math.Sqrt(2/math.Pi))))
	y := c.do(G.Mul(c.do(G.HadamardProd(x, c.do(G.Add(c.do(G.Tanh(inner)), k(1))))), k(0.5)))
	return y, errors.Wrap(c.err, "nn: gelu (tanh)")
}

// FeedForwardActivation looks up the nonlinearity of a feed-forward block: "gelu" (exact),
// "gelu_tanh", or any name of ActivationByName ("relu", "tanh", …).
func FeedForwardActivation(name string) (Activation, error) {
	switch name {
	case "gelu":
		return GELU, nil
	case "gelu_tanh":
		return GELUTanh, nil
	}
	f, err := ActivationByName(name)
	if err != nil {
		return nil, errors.Errorf("nn: unknown activation %q (valid: gelu, gelu_tanh, identity, relu, sigmoid, tanh)", name)
	}
	return f, nil
}

// geluOp is x·Φ(x), elementwise; geluGradOp is its derivative Φ(x) + x·φ(x).
type geluOp struct{}
type geluGradOp struct{}

func geluF(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func geluD(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
}

// mapFloat applies f to every element of a float32 or float64 value, into a new value.
func mapFloat(name string, v G.Value, f func(float64) float64) (G.Value, error) {
	switch t := v.(type) {
	case *tensor.Dense:
		out := t.Clone().(*tensor.Dense)
		switch d := out.Data().(type) {
		case []float64:
			for i, x := range d {
				d[i] = f(x)
			}
		case []float32:
			for i, x := range d {
				d[i] = float32(f(float64(x)))
			}
		default:
			return nil, errors.Errorf("nn: %s of a %v tensor: only float32 and float64", name, t.Dtype())
		}
		return out, nil
	case *G.F64:
		r := G.F64(f(float64(*t)))
		return &r, nil
	case *G.F32:
		r := G.F32(float32(f(float64(*t))))
		return &r, nil
	}
	return nil, errors.Errorf("nn: %s of a %T value: only float32 and float64", name, v)
}

func unaryType() hm.Type { return hm.NewFnType(hm.TypeVariable('a'), hm.TypeVariable('a')) }

func unaryShape(name string, ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: %s takes 1 input, got %d", name, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("nn: %s: input shape %v is not a tensor.Shape", name, ds[0])
	}
	return s.Clone(), nil
}

func opHash(name string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return h.Sum32()
}

func (geluOp) Arity() int                                        { return 1 }
func (geluOp) Type() hm.Type                                     { return unaryType() }
func (geluOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) { return unaryShape("gelu", ds...) }
func (geluOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: gelu takes 1 input, got %d", len(vs))
	}
	return mapFloat("gelu", vs[0], geluF)
}
func (geluOp) ReturnsPtr() bool          { return false }
func (geluOp) CallsExtern() bool         { return false }
func (geluOp) OverwritesInput() int      { return -1 }
func (geluOp) WriteHash(h hash.Hash)     { _, _ = h.Write([]byte("nn.gelu")) }
func (geluOp) Hashcode() uint32          { return opHash("nn.gelu") }
func (geluOp) String() string            { return "GELU" }
func (geluOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (geluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("nn: gelu gradient: 1 input expected, got %d", len(inputs))
	}
	d, err := G.ApplyOp(geluGradOp{}, inputs[0])
	if err != nil {
		return nil, errors.Wrap(err, "nn: gelu gradient")
	}
	dx, err := G.HadamardProd(grad, d)
	return G.Nodes{dx}, errors.Wrap(err, "nn: gelu gradient")
}

func (geluGradOp) Arity() int    { return 1 }
func (geluGradOp) Type() hm.Type { return unaryType() }
func (geluGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return unaryShape("gelu'", ds...)
}
func (geluGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: gelu' takes 1 input, got %d", len(vs))
	}
	return mapFloat("gelu'", vs[0], geluD)
}
func (geluGradOp) ReturnsPtr() bool      { return false }
func (geluGradOp) CallsExtern() bool     { return false }
func (geluGradOp) OverwritesInput() int  { return -1 }
func (geluGradOp) WriteHash(h hash.Hash) { _, _ = h.Write([]byte("nn.gelu'")) }
func (geluGradOp) Hashcode() uint32      { return opHash("nn.gelu'") }
func (geluGradOp) String() string        { return "GELU'" }

// FeedForward is the position-wise feed-forward block of a transformer layer:
//
//	y = Linear2(dropout(act(Linear1(x)))),   Linear1: D → Hidden, Linear2: Hidden → D,
//
// with the parameter names of torch.nn.TransformerEncoderLayer: NAME.linear1.weight/bias and
// NAME.linear2.weight/bias (NAME "" gives linear1.weight …), both initialised as torch.nn.Linear.
type FeedForward struct {
	D, Hidden        int
	Linear1, Linear2 *Linear
	// Act is the nonlinearity and ActName its name for FeedForwardActivation.
	Act     Activation
	ActName string
	// Dropout is the probability of the dropout after the nonlinearity in training graphs.
	Dropout float64
}

// NewFeedForward creates the block for d features with a hidden layer of hidden units and the
// activation called act (see FeedForwardActivation: "relu", "gelu" (exact), "gelu_tanh", …).
func NewFeedForward(s *Store, name string, d, hidden int, act string, dropout float64) (*FeedForward, error) {
	if d <= 0 || hidden <= 0 {
		return nil, errors.Errorf("nn: feed-forward %q: sizes %d and %d must be positive", name, d, hidden)
	}
	if dropout < 0 || dropout >= 1 {
		return nil, errors.Errorf("nn: feed-forward %q: dropout %v outside [0, 1)", name, dropout)
	}
	f, err := FeedForwardActivation(act)
	if err != nil {
		return nil, errors.Wrapf(err, "nn: feed-forward %q", name)
	}
	prefix := ""
	if name != "" {
		prefix = name + "."
	}
	l1, err := NewLinear(s, prefix+"linear1", d, hidden, true)
	if err != nil {
		return nil, err
	}
	l2, err := NewLinear(s, prefix+"linear2", hidden, d, true)
	if err != nil {
		return nil, err
	}
	return &FeedForward{D: d, Hidden: hidden, Linear1: l1, Linear2: l2, Act: f, ActName: act, Dropout: dropout}, nil
}

// Forward maps x (N, D) to (N, D).
func (f *FeedForward) Forward(g *Graph, x *G.Node) (*G.Node, error) {
	h, err := f.Linear1.Forward(g, x)
	if err != nil {
		return nil, err
	}
	if h, err = f.Act(h); err != nil {
		return nil, errors.Wrapf(err, "nn: feed-forward %s activation %s", f.Linear1.Weight.Name, f.ActName)
	}
	if h, err = Dropout(g, h, f.Dropout); err != nil {
		return nil, err
	}
	return f.Linear2.Forward(g, h)
}

// String describes the block, e.g. "FeedForward(128→512 gelu→128)".
func (f *FeedForward) String() string {
	return fmt.Sprintf("FeedForward(%d→%d %s→%d)", f.D, f.Hidden, f.ActName, f.D)
}
