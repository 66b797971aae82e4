package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// GELU is the Gaussian error linear unit x·Φ(x) with Φ the standard normal distribution function
// (Hendrycks & Gimpel 2016), computed exactly through erf as torch.nn.GELU() does. Gorgonia has no
// erf, so this is a graph op of its own, writing into a buffer it keeps across runs, whose
// gradient dy·(Φ(x) + x·φ(x)) is another such op.
func GELU(x *G.Node) (*G.Node, error) {
	y, err := G.ApplyOp(&geluOp{id: fusedID()}, x)
	return y, errors.Wrap(err, "nn: gelu")
}

// GELUTanh is the tanh approximation of GELU used by BERT and GPT-2, torch.nn.GELU("tanh"):
//
//	0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
//
// composed of Gorgonia's elementwise ops. It differs from GELU by less than 5e-4.
func GELUTanh(x *G.Node) (*G.Node, error) {
	c := &Chain{}
	dt := x.Dtype()
	k := func(v float64) *G.Node {
		if dt == tensor.Float32 {
			return G.NewConstant(float32(v))
		}
		return G.NewConstant(v)
	}
	x3 := c.Do(G.HadamardProd(x, c.Do(G.Square(x))))
	inner := c.Do(G.Mul(c.Do(G.Add(x, c.Do(G.Mul(x3, k(0.044715))))), k(math.Sqrt(2/math.Pi))))
	y := c.Do(G.Mul(c.Do(G.HadamardProd(x, c.Do(G.Add(c.Do(G.Tanh(inner)), k(1))))), k(0.5)))
	return y, errors.Wrap(c.Err, "nn: gelu (tanh)")
}

// FeedForwardActivation looks up the nonlinearity of a feed-forward block: "gelu" (exact),
// "gelu_tanh", or any name of ActivationByName ("relu", "tanh", …).
func FeedForwardActivation(name string) (Activation, error) {
	f, err := feedForwardActivation(name)
	return f, errors.Wrap(err, "nn")
}

// feedForwardActivation is FeedForwardActivation, its error left for the caller to prefix.
func feedForwardActivation(name string) (Activation, error) {
	switch name {
	case "gelu":
		return GELU, nil
	case "gelu_tanh":
		return GELUTanh, nil
	}
	f, err := ActivationByName(name)
	if err != nil {
		return nil, errors.Errorf("unknown activation %q (valid: gelu, gelu_tanh, identity, relu, sigmoid, tanh)", name)
	}
	return f, nil
}

// geluOp is x·Φ(x), elementwise, into a buffer of its own; its gradient is one geluGradOp,
// dy·(Φ(x) + x·φ(x)), from x and dy.
type geluOp struct {
	id  uint64
	out *tensor.Dense
}

func geluF(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func geluD(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-0.5*x*x)/math.Sqrt(2*math.Pi)
}

func geluLoop[T fnum](x, y []T) {
	for i, v := range x {
		y[i] = T(geluF(float64(v)))
	}
}

func geluGradLoop[T fnum](x, dy, dx []T) {
	for i, v := range x {
		dx[i] = dy[i] * T(geluD(float64(v)))
	}
}

// geluScalar applies f to a scalar value; the ops are elementwise and accept scalars too.
func geluScalar(v G.Value, f func(float64) float64) (G.Value, bool) {
	switch t := v.(type) {
	case *G.F64:
		r := G.F64(f(float64(*t)))
		return &r, true
	case *G.F32:
		r := G.F32(float32(f(float64(*t))))
		return &r, true
	}
	return nil, false
}

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

func (op *geluOp) Arity() int { return 1 }
func (op *geluOp) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('a'), hm.TypeVariable('a'))
}
func (op *geluOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return unaryShape("gelu", ds...)
}
func (op *geluOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *geluOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: gelu takes 1 input, got %d", len(vs))
	}
	if r, ok := geluScalar(vs[0], geluF); ok {
		return r, nil
	}
	x, err := fusedDense("gelu input", vs[0])
	if err != nil {
		return nil, err
	}
	y := fusedOut(prealloc, &op.out, x.Dtype(), x.Shape())
	if xd, ok := float32sOf(x); ok {
		geluLoop(xd, f32(y))
	} else if xd, ok := float64sOf(x); ok {
		geluLoop(xd, f64(y))
	}
	return y, nil
}
func (op *geluOp) ReturnsPtr() bool          { return false }
func (op *geluOp) CallsExtern() bool         { return false }
func (op *geluOp) OverwritesInput() int      { return -1 }
func (op *geluOp) WriteHash(h hash.Hash)     { fusedWriteHash(h, "nn.gelu", op.id) }
func (op *geluOp) Hashcode() uint32          { return fusedHash("nn.gelu", op.id) }
func (op *geluOp) String() string            { return fmt.Sprintf("GELU#%d", op.id) }
func (op *geluOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op *geluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("nn: gelu gradient: 1 input expected, got %d", len(inputs))
	}
	dx, err := G.ApplyOp(&geluGradOp{id: fusedID()}, inputs[0], grad)
	return G.Nodes{dx}, errors.Wrap(err, "nn: gelu gradient")
}

// geluGradOp is dy·(Φ(x) + x·φ(x)) from x and dy.
type geluGradOp struct {
	id  uint64
	out *tensor.Dense
}

func (op *geluGradOp) Arity() int { return 2 }
func (op *geluGradOp) Type() hm.Type {
	return hm.NewFnType(hm.TypeVariable('a'), hm.TypeVariable('a'), hm.TypeVariable('a'))
}
func (op *geluGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: gelu' takes 2 inputs, got %d", len(ds))
	}
	return unaryShape("gelu'", ds[0])
}
func (op *geluGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *geluGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	if len(vs) != 2 {
		return nil, errors.Errorf("nn: gelu' takes 2 inputs, got %d", len(vs))
	}
	if d, ok := geluScalar(vs[0], geluD); ok {
		g, err := scalarF64("gelu' gradient", vs[1])
		if err != nil {
			return nil, err
		}
		r, _ := geluScalar(d, func(v float64) float64 { return v * g })
		return r, nil
	}
	in, err := fusedInputs("gelu'", 2, vs)
	if err != nil {
		return nil, err
	}
	x, dy := in[0], in[1]
	if dy.DataSize() != x.DataSize() {
		return nil, errors.Errorf("nn: gelu': input %v, gradient %v", x.Shape(), dy.Shape())
	}
	dx := fusedOut(prealloc, &op.out, x.Dtype(), x.Shape())
	if xd, ok := float32sOf(x); ok {
		geluGradLoop(xd, f32(dy), f32(dx))
	} else if xd, ok := float64sOf(x); ok {
		geluGradLoop(xd, f64(dy), f64(dx))
	}
	return dx, nil
}
func (op *geluGradOp) ReturnsPtr() bool      { return false }
func (op *geluGradOp) CallsExtern() bool     { return false }
func (op *geluGradOp) OverwritesInput() int  { return -1 }
func (op *geluGradOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.gelu'", op.id) }
func (op *geluGradOp) Hashcode() uint32      { return fusedHash("nn.gelu'", op.id) }
func (op *geluGradOp) String() string        { return fmt.Sprintf("GELU'#%d", op.id) }

// FeedForward is the position-wise feed-forward block of a transformer layer:
//
//	y = Linear2(dropout(act(Linear1(x)))),   Linear1: D → Hidden, Linear2: Hidden → D,
//
// with the parameter names of torch.nn.TransformerEncoderLayer: NAME.linear1.weight/bias and
// NAME.linear2.weight/bias (NAME "" gives linear1.weight …), both initialised as torch.nn.Linear.
type FeedForward struct {
	D, Hidden        int     // model width, and the hidden width between the two layers
	Linear1, Linear2 *Linear // D → Hidden (NAME.linear1), Hidden → D (NAME.linear2)
	// Act is the nonlinearity and ActName its name for FeedForwardActivation.
	Act     Activation
	ActName string // gelu, gelu_tanh, relu, …
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
	f, err := feedForwardActivation(act)
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
