package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AddBias adds the bias b to every row of x: y[n, j] = x[n, j] + b[j], for x of shape (N, D) and b
// of shape (1, D) or (D). It is the b of Linear's x·W + b as one op: the forward pass is one loop
// over rows (no broadcasting iterator), and its gradient is dy for x and the column sums Σ_n dy[n, ·]
// for b, again one op.
func AddBias(x, b *G.Node) (*G.Node, error) {
	if x.Dims() != 2 {
		return nil, errors.Errorf("nn: bias add expects (N, D) input, got %v", x.Shape())
	}
	d := x.Shape()[1]
	bs := b.Shape()
	if !(bs.Eq(tensor.Shape{1, d}) || bs.Eq(tensor.Shape{d})) {
		return nil, errors.Errorf("nn: bias of shape %v for input %v: want (1, %d) or (%d)", bs, x.Shape(), d, d)
	}
	if x.Dtype() != b.Dtype() {
		return nil, errors.Errorf("nn: bias of %v for input of %v", b.Dtype(), x.Dtype())
	}
	if err := checkFloatDtype("bias add", x.Dtype()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(&biasAddOp{id: opSerial.Add(1), bDims: bs.Dims()}, x, b)
	return y, errors.Wrap(err, "nn: bias add")
}

// biasAddOp is y = x + b with b added to every row of x.
type biasAddOp struct {
	id    uint64
	bDims int
	out   *tensor.Dense
}

func (op *biasAddOp) Arity() int { return 2 }
func (op *biasAddOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: op.bDims, Of: a}, G.TensorType{Dims: 2, Of: a})
}
func (op *biasAddOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: bias add takes 2 inputs, got %d", len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, errors.Errorf("nn: bias add: input shape %v is not (N, D)", ds[0])
	}
	return s.Clone(), nil
}
func (op *biasAddOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 2 {
		return nil, errors.Errorf("nn: bias add takes 2 inputs, got %d", len(vs))
	}
	x, err := denseOf("bias add input", vs[0])
	if err != nil {
		return nil, err
	}
	b, err := denseOf("bias", vs[1])
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	if s.Dims() != 2 || b.DataSize() != s[1] || b.Dtype() != x.Dtype() {
		return nil, errors.Errorf("nn: bias add: bias %v%v for input %v%v", b.Dtype(), b.Shape(), x.Dtype(), s)
	}
	y := ownBuffer(&op.out, x.Dtype(), s[0], s[1])
	if xd, ok := float32sOf(x); ok {
		yd := f32(y)
		copy(yd, xd)
		vecmath.AddBias32(yd, f32(b))
	} else if xd, ok := float64sOf(x); ok {
		yd := f64(y)
		copy(yd, xd)
		vecmath.AddBias64(yd, f64(b))
	} else {
		return nil, errors.Errorf("nn: bias add of %v: only float32 and float64", x.Dtype())
	}
	return y, nil
}
func (op *biasAddOp) ReturnsPtr() bool      { return false }
func (op *biasAddOp) CallsExtern() bool     { return false }
func (op *biasAddOp) OverwritesInput() int  { return -1 }
func (op *biasAddOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.biasadd", op.id) }
func (op *biasAddOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *biasAddOp) String() string        { return fmt.Sprintf("AddBias#%d", op.id) }

func (op *biasAddOp) DiffWRT(inputs int) []bool { return []bool{true, true} }
func (op *biasAddOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("nn: bias add gradient: 2 inputs expected, got %d", len(inputs))
	}
	db, err := G.ApplyOp(&colSumOp{id: opSerial.Add(1), shape: inputs[1].Shape().Clone()}, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: bias add gradient")
	}
	return G.Nodes{grad, db}, nil
}

// colSumOp sums a matrix (N, D) over its rows into a tensor of D elements of the given shape
// ((1, D) or (D)): the gradient of a bias added to every row.
type colSumOp struct {
	id    uint64
	shape tensor.Shape
	out   *tensor.Dense
}

func (op *colSumOp) Arity() int { return 1 }
func (op *colSumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: op.shape.Dims(), Of: a})
}
func (op *colSumOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: column sum takes 1 input, got %d", len(ds))
	}
	return op.shape.Clone(), nil
}
func (op *colSumOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: column sum takes 1 input, got %d", len(vs))
	}
	dy, err := denseOf("bias gradient", vs[0])
	if err != nil {
		return nil, err
	}
	s := dy.Shape()
	if s.Dims() != 2 || s[1] != op.shape.TotalSize() {
		return nil, errors.Errorf("nn: column sum of %v into %v", s, op.shape)
	}
	out := ownBuffer(&op.out, dy.Dtype(), op.shape...)
	if d, ok := float32sOf(dy); ok {
		o := f32(out)
		clear(o)
		vecmath.SumRows32(o, d)
	} else if d, ok := float64sOf(dy); ok {
		o := f64(out)
		clear(o)
		vecmath.SumRows64(o, d)
	} else {
		return nil, errors.Errorf("nn: column sum of %v: only float32 and float64", dy.Dtype())
	}
	return out, nil
}
func (op *colSumOp) ReturnsPtr() bool      { return false }
func (op *colSumOp) CallsExtern() bool     { return false }
func (op *colSumOp) OverwritesInput() int  { return -1 }
func (op *colSumOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.colsum", op.id) }
func (op *colSumOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *colSumOp) String() string        { return fmt.Sprintf("ColSum#%d", op.id) }
