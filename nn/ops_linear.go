package nn

import (
	"fmt"
	"hash"
	"slices"

	"github.com/chewxy/hm"
	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A matrix product through G.Mul allocates its result on every run: the TapeMachine inserts an
// allocation before every op that calls an extern (BLAS), and its Reset clears the register that
// held the last run's result. The ops of this file compute the affine map of Linear and the
// embedding lookup, and their gradients, into buffers they keep across runs, as the other fused
// ops of this package do.

// LinearOp is y = x·W + b as one op, for x of shape (N, In), W (In, Out) and an optional bias b
// of shape (1, Out) or (Out) (nil for none). The product is one Sgemm/Dgemm of G.WhichBLAS; its
// gradients are again single products, dX = dY·Wᵀ and dW = Xᵀ·dY, and db the column sums of dY,
// each one op with a buffer of its own.
func LinearOp(x, w, b *G.Node) (*G.Node, error) {
	if x == nil || w == nil {
		return nil, errors.New("nn: linear op: nil input or weight")
	}
	if x.Dims() != 2 || w.Dims() != 2 || x.Shape()[1] != w.Shape()[0] {
		return nil, errors.Errorf("nn: linear op: input %v and weight %v do not multiply", x.Shape(), w.Shape())
	}
	if x.Dtype() != w.Dtype() {
		return nil, errors.Errorf("nn: linear op: input of %v, weight of %v", x.Dtype(), w.Dtype())
	}
	if err := checkFloatDtype("linear op", x.Dtype()); err != nil {
		return nil, err
	}
	out := w.Shape()[1]
	op := &linearOp{id: opSerial.Add(1), needDX: true, x: x}
	ins := []*G.Node{x, w}
	if b != nil {
		bs := b.Shape()
		if !(bs.Eq(tensor.Shape{1, out}) || bs.Eq(tensor.Shape{out})) {
			return nil, errors.Errorf("nn: linear op: bias of shape %v for %d outputs: want (1, %d) or (%d)", bs, out, out, out)
		}
		if b.Dtype() != x.Dtype() {
			return nil, errors.Errorf("nn: linear op: bias of %v for input of %v", b.Dtype(), x.Dtype())
		}
		op.bDims = bs.Dims()
		ins = append(ins, b)
	}
	y, err := G.ApplyOp(op, ins...)
	return y, errors.Wrap(err, "nn: linear op")
}

// linearOp is y = x·W (+ b). bDims is 0 without a bias, else the bias's number of axes. needDX
// is cleared by Graph.Compile when x is a fed input and not a parameter: the gradient of the
// network's input, a product as large as the weight's, is then neither built nor run.
type linearOp struct {
	id     uint64
	bDims  int
	needDX bool
	x      *G.Node
	out    *tensor.Dense
}

// skipFedInputGradients clears needDX of every linear op of g whose input is a leaf of the graph
// (fed, not computed) other than the nodes in wrt; call it before differentiating for wrt.
func skipFedInputGradients(g *G.ExprGraph, wrt []*G.Node) {
	for _, n := range g.AllNodes() {
		op, ok := n.Op().(*linearOp)
		if !ok || op.x == nil || op.x.Op() != nil {
			continue
		}
		if !slices.Contains(wrt, op.x) {
			op.needDX = false
		}
	}
}

func (op *linearOp) Arity() int {
	if op.bDims > 0 {
		return 3
	}
	return 2
}
func (op *linearOp) Type() hm.Type {
	if op.bDims > 0 {
		return fusedType(2, 2, op.bDims, 2)
	}
	return fusedType(2, 2, 2)
}
func (op *linearOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, errors.Errorf("nn: linear op takes %d inputs, got %d", op.Arity(), len(ds))
	}
	x, err := shapeOf("linear op input", ds[0])
	if err != nil {
		return nil, err
	}
	w, err := shapeOf("linear op weight", ds[1])
	if err != nil {
		return nil, err
	}
	if x.Dims() != 2 || w.Dims() != 2 || x[1] != w[0] {
		return nil, errors.Errorf("nn: linear op: input %v and weight %v do not multiply", x, w)
	}
	return tensor.Shape{x[0], w[1]}, nil
}
func (op *linearOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *linearOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("linear op", op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	x, w := ds[0], ds[1]
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 2 || ws.Dims() != 2 || xs[1] != ws[0] {
		return nil, errors.Errorf("nn: linear op: input %v and weight %v do not multiply", xs, ws)
	}
	n, in, out := xs[0], xs[1], ws[1]
	y := fusedOut(prealloc, &op.out, x.Dtype(), tensor.Shape{n, out})
	if yd, ok := float32sOf(y); ok {
		gemm(false, false, n, out, in, 1, f32(x), in, f32(w), out, 0, yd, out)
		if op.bDims > 0 {
			if ds[2].DataSize() != out {
				return nil, errors.Errorf("nn: linear op: bias %v for %d outputs", ds[2].Shape(), out)
			}
			vecmath.AddBias32(yd, f32(ds[2]))
		}
	} else if yd, ok := float64sOf(y); ok {
		gemm(false, false, n, out, in, 1, f64(x), in, f64(w), out, 0, yd, out)
		if op.bDims > 0 {
			if ds[2].DataSize() != out {
				return nil, errors.Errorf("nn: linear op: bias %v for %d outputs", ds[2].Shape(), out)
			}
			vecmath.AddBias64(yd, f64(ds[2]))
		}
	}
	return y, nil
}
func (op *linearOp) ReturnsPtr() bool      { return false }
func (op *linearOp) CallsExtern() bool     { return false }
func (op *linearOp) OverwritesInput() int  { return -1 }
func (op *linearOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.linear", op.id) }
func (op *linearOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *linearOp) String() string        { return fmt.Sprintf("Linear#%d", op.id) }

func (op *linearOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = true
	}
	d[0] = op.needDX
	return d
}
func (op *linearOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("nn: linear op gradient: %d inputs expected, got %d", op.Arity(), len(inputs))
	}
	x, w := inputs[0], inputs[1]
	var dx *G.Node
	if op.needDX {
		var err error
		if dx, err = G.ApplyOp(&productOp{id: opSerial.Add(1), transB: true}, grad, w); err != nil {
			return nil, errors.Wrap(err, "nn: linear op input gradient")
		}
	}
	dw, err := G.ApplyOp(&productOp{id: opSerial.Add(1), transA: true}, x, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: linear op weight gradient")
	}
	if op.bDims == 0 {
		return G.Nodes{dx, dw}, nil
	}
	db, err := G.ApplyOp(&colSumOp{id: opSerial.Add(1), shape: inputs[2].Shape().Clone()}, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: linear op bias gradient")
	}
	return G.Nodes{dx, dw, db}, nil
}

// productOp is C = op(A)·op(B) for matrices, op the transpose where transA or transB is set, into
// a buffer of its own: the gradients of linearOp.
type productOp struct {
	id             uint64
	transA, transB bool
	out            *tensor.Dense
}

// dims returns m, n, k of op(A) (m×k) · op(B) (k×n), or an error when they do not multiply.
func (op *productOp) dims(a, b tensor.Shape) (m, n, k int, err error) {
	if a.Dims() != 2 || b.Dims() != 2 {
		return 0, 0, 0, errors.Errorf("nn: product of %v and %v: want matrices", a, b)
	}
	m, k = a[0], a[1]
	if op.transA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if op.transB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, errors.Errorf("nn: product of %v and %v (transposed %t, %t) does not multiply", a, b, op.transA, op.transB)
	}
	return m, n, k, nil
}

func (op *productOp) Arity() int    { return 2 }
func (op *productOp) Type() hm.Type { return fusedType(2, 2, 2) }
func (op *productOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: product takes 2 inputs, got %d", len(ds))
	}
	a, err := shapeOf("product input", ds[0])
	if err != nil {
		return nil, err
	}
	b, err := shapeOf("product input", ds[1])
	if err != nil {
		return nil, err
	}
	m, n, _, err := op.dims(a, b)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{m, n}, nil
}
func (op *productOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *productOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("product", 2, vs)
	if err != nil {
		return nil, err
	}
	a, b := ds[0], ds[1]
	m, n, k, err := op.dims(a.Shape(), b.Shape())
	if err != nil {
		return nil, err
	}
	lda, ldb := a.Shape()[1], b.Shape()[1]
	c := fusedOut(prealloc, &op.out, a.Dtype(), tensor.Shape{m, n})
	if cd, ok := float32sOf(c); ok {
		gemm(op.transA, op.transB, m, n, k, 1, f32(a), lda, f32(b), ldb, 0, cd, n)
	} else if cd, ok := float64sOf(c); ok {
		gemm(op.transA, op.transB, m, n, k, 1, f64(a), lda, f64(b), ldb, 0, cd, n)
	}
	return c, nil
}
func (op *productOp) ReturnsPtr() bool      { return false }
func (op *productOp) CallsExtern() bool     { return false }
func (op *productOp) OverwritesInput() int  { return -1 }
func (op *productOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.product", op.id) }
func (op *productOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *productOp) String() string {
	return fmt.Sprintf("Product(%t,%t)#%d", op.transA, op.transB, op.id)
}
