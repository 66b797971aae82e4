package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
)

// ReLU is the rectifier max(x, 0) of a float32 or float64 tensor as one op, with the convention of
// Gorgonia's Rectify (x·[x ≥ 0]): the gradient is dy·[x ≥ 0], so dy passes at x = +0 (at −0 it
// does not: the sign bit decides), and a NaN stays NaN. Gorgonia's form is a comparison and a product whose results are allocated on every
// run; this one is one loop forward and one backward over buffers of its own. Scalars and other
// dtypes go to G.Rectify.
func ReLU(x *G.Node) (*G.Node, error) {
	if x.IsScalar() || (x.Dtype() != tensor.Float32 && x.Dtype() != tensor.Float64) {
		return G.Rectify(x)
	}
	y, err := G.ApplyOp(&reluOp{id: opSerial.Add(1)}, x)
	return y, errors.Wrap(err, "nn: relu")
}

// reluOp is y = x where x ≥ 0 (and where x is NaN), 0 elsewhere.
type reluOp struct {
	id  uint64
	out *tensor.Dense
}

func reluShape(d G.DimSizer) (tensor.Shape, error) {
	s, ok := d.(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("nn: relu: input shape %v is not a tensor.Shape", d)
	}
	return s.Clone(), nil
}

func (op *reluOp) Arity() int { return 1 }
func (op *reluOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (op *reluOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: relu takes 1 input, got %d", len(ds))
	}
	return reluShape(ds[0])
}
func (op *reluOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: relu takes 1 input, got %d", len(vs))
	}
	x, err := denseOf("relu input", vs[0])
	if err != nil {
		return nil, err
	}
	y := ownBuffer(&op.out, x.Dtype(), x.Shape()...)
	if xd, ok := float32sOf(x); ok {
		vecmath.Relu32(f32(y), xd)
	} else if xd, ok := float64sOf(x); ok {
		relu(f64(y), xd)
	} else {
		return nil, errors.Errorf("nn: relu of %v: only float32 and float64", x.Dtype())
	}
	return y, nil
}

// relu is branch-free (the builtin max; vecmath.Relu32 is the same in vector form for float32): after a normalisation half the signs are random, and a
// branch per element mispredicts.
func relu[T float](y, x []T) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = max(v, 0)
	}
}

func (op *reluOp) ReturnsPtr() bool          { return false }
func (op *reluOp) CallsExtern() bool         { return false }
func (op *reluOp) OverwritesInput() int      { return -1 }
func (op *reluOp) WriteHash(h hash.Hash)     { writeStateHash(h, "nn.relu", op.id) }
func (op *reluOp) Hashcode() uint32          { return stateHash(op.id) }
func (op *reluOp) String() string            { return fmt.Sprintf("ReLU#%d", op.id) }
func (op *reluOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op *reluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("nn: relu gradient: 1 input expected, got %d", len(inputs))
	}
	dx, err := G.ApplyOp(&reluGradOp{id: opSerial.Add(1)}, inputs[0], grad)
	return G.Nodes{dx}, errors.Wrap(err, "nn: relu gradient")
}

// reluGradOp is (x, dy) → dy·[x ≥ 0], with x ≥ 0 read off the sign bit.
type reluGradOp struct {
	id  uint64
	out *tensor.Dense
}

func (op *reluGradOp) Arity() int { return 2 }
func (op *reluGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a)
}
func (op *reluGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: relu gradient takes 2 inputs, got %d", len(ds))
	}
	return reluShape(ds[0])
}
func (op *reluGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 2 {
		return nil, errors.Errorf("nn: relu gradient takes 2 inputs, got %d", len(vs))
	}
	x, err := denseOf("relu input", vs[0])
	if err != nil {
		return nil, err
	}
	dy, err := denseOf("relu incoming gradient", vs[1])
	if err != nil {
		return nil, err
	}
	if dy.DataSize() != x.DataSize() || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("nn: relu gradient %v %v for input %v %v", dy.Dtype(), dy.Shape(), x.Dtype(), x.Shape())
	}
	dx := ownBuffer(&op.out, x.Dtype(), x.Shape()...)
	if xd, ok := float32sOf(x); ok {
		reluGrad32(f32(dx), xd, f32(dy))
	} else if xd, ok := float64sOf(x); ok {
		reluGrad64(f64(dx), xd, f64(dy))
	} else {
		return nil, errors.Errorf("nn: relu gradient of %v: only float32 and float64", x.Dtype())
	}
	return dx, nil
}

// reluGrad32 sets dx = dy where x's sign bit is clear and 0 where it is set, without a branch:
// the mask is the sign bit spread over the word. This is dy·[x ≥ 0] except at x = −0 (and NaN,
// which goes by its sign bit).
func reluGrad32(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		neg := uint32(int32(math.Float32bits(v)) >> 31)
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) &^ neg)
	}
}

// reluGrad64 is reluGrad32 for float64.
func reluGrad64(dx, x, dy []float64) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		neg := uint64(int64(math.Float64bits(v)) >> 63)
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) &^ neg)
	}
}

func (op *reluGradOp) ReturnsPtr() bool      { return false }
func (op *reluGradOp) CallsExtern() bool     { return false }
func (op *reluGradOp) OverwritesInput() int  { return -1 }
func (op *reluGradOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.relu'", op.id) }
func (op *reluGradOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *reluGradOp) String() string        { return fmt.Sprintf("ReLU'#%d", op.id) }
