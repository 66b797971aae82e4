package recurrent

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Range returns the elements [off, off+size(shape)) of x, in row-major order, as a new node of
// the given 2-D shape: rows r0…r1 of a (R, C) matrix are Range(x, r0·C, (r1−r0, C)). Unlike
// Gorgonia's Slice, whose hash keeps only the low byte of each bound, the op's hash holds the full
// offset and shapes, so no two different ranges are ever merged. Its gradient scatters into zeros
// of x's shape.
func Range(x *G.Node, off int, shape tensor.Shape) (*G.Node, error) {
	if x == nil || x.Dims() != 2 || len(shape) != 2 {
		return nil, errors.Errorf("recurrent: range of shape %v from a 2-D node", shape)
	}
	if off < 0 || off+shape.TotalSize() > x.Shape().TotalSize() {
		return nil, errors.Errorf("recurrent: range [%d, %d) outside %v", off, off+shape.TotalSize(), x.Shape())
	}
	n, err := G.ApplyOp(&rangeOp{off: off, in: x.Shape().Clone(), out: shape.Clone()}, x)
	return n, errors.Wrapf(err, "recurrent: range [%d, %d) of %v", off, off+shape.TotalSize(), x.Shape())
}

// Rows returns rows [r0, r1) of a 2-D node x.
func Rows(x *G.Node, r0, r1 int) (*G.Node, error) {
	if x == nil || x.Dims() != 2 {
		return nil, errors.New("recurrent: rows of a node that is not 2-D")
	}
	c := x.Shape()[1]
	return Range(x, r0*c, tensor.Shape{r1 - r0, c})
}

// rangeOp copies a contiguous range of its input into a buffer it owns (one op instance per node;
// the buffer is reused by every run).
type rangeOp struct {
	off     int
	in, out tensor.Shape
	buf     *tensor.Dense
}

func (op *rangeOp) Arity() int    { return 1 }
func (op *rangeOp) Type() hm.Type { return fnType(1) }
func (op *rangeOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(ds))
	}
	if s, ok := ds[0].(tensor.Shape); !ok || !s.Eq(op.in) {
		return nil, errors.Errorf("recurrent: %v: input shape %v, want %v", op, ds[0], op.in)
	}
	return op.out.Clone(), nil
}
func (op *rangeOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(vs))
	}
	d, ok := vs[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("recurrent: %v of a %T", op, vs[0])
	}
	if op.buf == nil || op.buf.Dtype() != d.Dtype() {
		op.buf = tensor.New(tensor.Of(d.Dtype()), tensor.WithShape(op.out...))
	}
	n := op.out.TotalSize()
	switch d.Dtype() {
	case tensor.Float64:
		src, err := values[float64](d, op.in.TotalSize(), op.String)
		if err != nil {
			return nil, err
		}
		copy(op.buf.Float64s(), src[op.off:op.off+n])
	case tensor.Float32:
		src, err := values[float32](d, op.in.TotalSize(), op.String)
		if err != nil {
			return nil, err
		}
		copy(op.buf.Float32s(), src[op.off:op.off+n])
	default:
		return nil, errors.Errorf("recurrent: %v of a %v tensor", op, d.Dtype())
	}
	return op.buf, nil
}

// UsePreallocDo ignores prealloc and writes into the op's own buffer.
func (op *rangeOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return op.Do(vs...)
}
func (op *rangeOp) ReturnsPtr() bool     { return false }
func (op *rangeOp) CallsExtern() bool    { return false }
func (op *rangeOp) OverwritesInput() int { return -1 }
func (op *rangeOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "recurrent.range %d %v %v", op.off, op.in, op.out)
}
func (op *rangeOp) Hashcode() uint32 { return hashOf(op) }
func (op *rangeOp) String() string {
	return fmt.Sprintf("Range[%d:%d]%v→%v", op.off, op.off+op.out.TotalSize(), op.in, op.out)
}
func (op *rangeOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op *rangeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	n, err := G.ApplyOp(&scatterOp{off: op.off, in: op.in, out: op.out}, grad)
	if err != nil {
		return nil, errors.Wrapf(err, "recurrent: gradient of %v", op)
	}
	return G.Nodes{n}, nil
}

// scatterOp is rangeOp's gradient: zeros of the range's source shape with its input at the range.
type scatterOp struct {
	off     int
	in, out tensor.Shape
	buf     *tensor.Dense
}

func (op *scatterOp) Arity() int    { return 1 }
func (op *scatterOp) Type() hm.Type { return fnType(1) }
func (op *scatterOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(ds))
	}
	return op.in.Clone(), nil
}
func (op *scatterOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(vs))
	}
	d, ok := vs[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("recurrent: %v of a %T", op, vs[0])
	}
	if op.buf == nil || op.buf.Dtype() != d.Dtype() {
		op.buf = tensor.New(tensor.Of(d.Dtype()), tensor.WithShape(op.in...))
	}
	n := op.out.TotalSize()
	switch d.Dtype() {
	case tensor.Float64:
		return op.buf, scatter(op.buf.Float64s(), d, op.off, n, op.String)
	case tensor.Float32:
		return op.buf, scatter(op.buf.Float32s(), d, op.off, n, op.String)
	}
	return nil, errors.Errorf("recurrent: %v of a %v tensor", op, d.Dtype())
}

func scatter[F float](dst []F, v *tensor.Dense, off, n int, what func() string) error {
	src, err := values[F](v, n, what)
	if err != nil {
		return err
	}
	clear(dst[:off])
	copy(dst[off:off+n], src)
	clear(dst[off+n:])
	return nil
}

// UsePreallocDo ignores prealloc and writes into the op's own buffer.
func (op *scatterOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return op.Do(vs...)
}
func (op *scatterOp) ReturnsPtr() bool     { return false }
func (op *scatterOp) CallsExtern() bool    { return false }
func (op *scatterOp) OverwritesInput() int { return -1 }
func (op *scatterOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "recurrent.scatter %d %v %v", op.off, op.in, op.out)
}
func (op *scatterOp) Hashcode() uint32 { return hashOf(op) }
func (op *scatterOp) String() string {
	return fmt.Sprintf("Scatter[%d:%d]%v→%v", op.off, op.off+op.out.TotalSize(), op.out, op.in)
}

// SwapRows reorders the rows of x (A·B, C), taken as an A×B grid of rows (row i·B+j), into the
// B×A grid: row j·A+i of the result is row i·B+j of x. It turns time-major rows (t·B+b) into
// batch-major ones (b·T+t) with A = T; its gradient is SwapRows of the gradient with A and B
// exchanged.
func SwapRows(x *G.Node, a, b int) (*G.Node, error) {
	if x == nil || x.Dims() != 2 || a <= 0 || b <= 0 || x.Shape()[0] != a*b {
		return nil, errors.Errorf("recurrent: swapping a %d×%d grid of rows", a, b)
	}
	n, err := G.ApplyOp(&swapRowsOp{a: a, b: b, c: x.Shape()[1]}, x)
	return n, errors.Wrap(err, "recurrent: swapping rows")
}

// swapRowsOp is SwapRows, writing into a buffer it owns.
type swapRowsOp struct {
	a, b, c int
	buf     *tensor.Dense
}

func (op *swapRowsOp) Arity() int    { return 1 }
func (op *swapRowsOp) Type() hm.Type { return fnType(1) }
func (op *swapRowsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	want := tensor.Shape{op.a * op.b, op.c}
	if len(ds) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(ds))
	}
	if s, ok := ds[0].(tensor.Shape); !ok || !s.Eq(want) {
		return nil, errors.Errorf("recurrent: %v: input shape %v, want %v", op, ds[0], want)
	}
	return want, nil
}
func (op *swapRowsOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("recurrent: %v takes 1 input, got %d", op, len(vs))
	}
	d, ok := vs[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("recurrent: %v of a %T", op, vs[0])
	}
	if op.buf == nil || op.buf.Dtype() != d.Dtype() {
		op.buf = tensor.New(tensor.Of(d.Dtype()), tensor.WithShape(op.a*op.b, op.c))
	}
	switch d.Dtype() {
	case tensor.Float64:
		return op.buf, swapRows(op.buf.Float64s(), d, op.a, op.b, op.c, op.String)
	case tensor.Float32:
		return op.buf, swapRows(op.buf.Float32s(), d, op.a, op.b, op.c, op.String)
	}
	return nil, errors.Errorf("recurrent: %v of a %v tensor", op, d.Dtype())
}

func swapRows[F float](dst []F, v *tensor.Dense, a, b, c int, what func() string) error {
	src, err := values[F](v, a*b*c, what)
	if err != nil {
		return err
	}
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			copy(dst[(j*a+i)*c:(j*a+i+1)*c], src[(i*b+j)*c:(i*b+j+1)*c])
		}
	}
	return nil
}

// UsePreallocDo ignores prealloc and writes into the op's own buffer.
func (op *swapRowsOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return op.Do(vs...)
}
func (op *swapRowsOp) ReturnsPtr() bool     { return false }
func (op *swapRowsOp) CallsExtern() bool    { return false }
func (op *swapRowsOp) OverwritesInput() int { return -1 }
func (op *swapRowsOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "recurrent.swaprows %d %d %d", op.a, op.b, op.c)
}
func (op *swapRowsOp) Hashcode() uint32          { return hashOf(op) }
func (op *swapRowsOp) String() string            { return fmt.Sprintf("SwapRows(%d×%d, %d)", op.a, op.b, op.c) }
func (op *swapRowsOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op *swapRowsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	n, err := SwapRows(grad, op.b, op.a)
	if err != nil {
		return nil, err
	}
	return G.Nodes{n}, nil
}
