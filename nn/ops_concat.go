package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConcatCols joins matrices of one row count side by side: for xs of shapes (N, W₀), (N, W₁), …
// it returns (N, ΣWᵢ) with row n = [x₀[n], x₁[n], …]. It is G.Concat along axis 1 as one op
// with a buffer of its own, and the gradient of each input is one op copying its columns of dY
// into a buffer of its own, where Gorgonia's Concat allocates its result and the gradients'
// Slices materialise a copy on every run. Each op hashes under an id of its own, so widths that
// are multiples of 256 are never merged the way Gorgonia's slices are.
//
// Reshaped to (N·K, W), the columns of K inputs of width W are the batch-major rows of K steps:
// row n·K + k is x_k[n].
func ConcatCols(xs ...*G.Node) (*G.Node, error) {
	if len(xs) == 0 {
		return nil, errors.New("nn: concatenate columns: no inputs")
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	for i, x := range xs {
		if x == nil || x.Dims() != 2 {
			return nil, errors.Errorf("nn: concatenate columns: input %d is not a matrix", i)
		}
		if x.Shape()[0] != xs[0].Shape()[0] || x.Dtype() != xs[0].Dtype() {
			return nil, errors.Errorf("nn: concatenate columns: input %d is %v%v, input 0 %v%v", i, x.Dtype(), x.Shape(), xs[0].Dtype(), xs[0].Shape())
		}
	}
	if err := checkFloatDtype("concatenate columns", xs[0].Dtype()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(&concatColsOp{id: opSerial.Add(1), k: len(xs)}, xs...)
	return y, errors.Wrap(err, "nn: concatenate columns")
}

// concatColsOp joins its k matrix inputs along the columns.
type concatColsOp struct {
	id  uint64
	k   int
	out *tensor.Dense
}

func (op *concatColsOp) Arity() int { return op.k }
func (op *concatColsOp) Type() hm.Type {
	dims := make([]int, op.k+1)
	for i := range dims {
		dims[i] = 2
	}
	return fusedType(dims...)
}
func (op *concatColsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.k {
		return nil, errors.Errorf("nn: concatenate columns takes %d inputs, got %d", op.k, len(ds))
	}
	n, w := -1, 0
	for i, d := range ds {
		s, err := shapeOf("concatenated input", d)
		if err != nil {
			return nil, err
		}
		if s.Dims() != 2 || (n >= 0 && s[0] != n) {
			return nil, errors.Errorf("nn: concatenate columns: input %d of shape %v", i, s)
		}
		n, w = s[0], w+s[1]
	}
	return tensor.Shape{n, w}, nil
}
func (op *concatColsOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *concatColsOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("concatenate columns", op.k, vs)
	if err != nil {
		return nil, err
	}
	n, w := ds[0].Shape()[0], 0
	for i, d := range ds {
		if d.Shape().Dims() != 2 || d.Shape()[0] != n {
			return nil, errors.Errorf("nn: concatenate columns: input %d of shape %v for %d rows", i, d.Shape(), n)
		}
		w += d.Shape()[1]
	}
	y := fusedOut(prealloc, &op.out, ds[0].Dtype(), tensor.Shape{n, w})
	off := 0
	for _, d := range ds {
		wi := d.Shape()[1]
		if yd, ok := float32sOf(y); ok {
			copyCols(yd, w, off, f32(d), wi, n, false)
		} else if yd, ok := float64sOf(y); ok {
			copyCols(yd, w, off, f64(d), wi, n, false)
		}
		off += wi
	}
	return y, nil
}
func (op *concatColsOp) ReturnsPtr() bool      { return false }
func (op *concatColsOp) CallsExtern() bool     { return false }
func (op *concatColsOp) OverwritesInput() int  { return -1 }
func (op *concatColsOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.concatcols", op.id) }
func (op *concatColsOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *concatColsOp) String() string        { return fmt.Sprintf("ConcatCols#%d", op.id) }

func (op *concatColsOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = true
	}
	return d
}
func (op *concatColsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.k {
		return nil, errors.Errorf("nn: concatenate columns gradient: %d inputs expected, got %d", op.k, len(inputs))
	}
	grads := make(G.Nodes, op.k)
	off := 0
	for i, x := range inputs {
		w := x.Shape()[1]
		var err error
		if grads[i], err = G.ApplyOp(&takeColsOp{id: opSerial.Add(1), off: off, w: w}, grad); err != nil {
			return nil, errors.Wrapf(err, "nn: concatenate columns gradient of input %d", i)
		}
		off += w
	}
	return grads, nil
}

// copyCols copies between columns [off, off+w) of the n×width matrix m and the n×w matrix x:
// into m, or out of m into x when out is set.
func copyCols[T fnum](m []T, width, off int, x []T, w, n int, out bool) {
	for r := 0; r < n; r++ {
		mr, xr := m[r*width+off:r*width+off+w], x[r*w:(r+1)*w]
		if out {
			copy(xr, mr)
		} else {
			copy(mr, xr)
		}
	}
}

// takeColsOp is columns [off, off+w) of a matrix, copied into a buffer of its own.
type takeColsOp struct {
	id     uint64
	off, w int
	out    *tensor.Dense
}

func (op *takeColsOp) Arity() int    { return 1 }
func (op *takeColsOp) Type() hm.Type { return fusedType(2, 2) }
func (op *takeColsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: take columns takes 1 input, got %d", len(ds))
	}
	s, err := shapeOf("take columns input", ds[0])
	if err != nil {
		return nil, err
	}
	if s.Dims() != 2 || op.off+op.w > s[1] {
		return nil, errors.Errorf("nn: columns [%d, %d) of %v", op.off, op.off+op.w, s)
	}
	return tensor.Shape{s[0], op.w}, nil
}
func (op *takeColsOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *takeColsOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("take columns", 1, vs)
	if err != nil {
		return nil, err
	}
	m := ds[0]
	s := m.Shape()
	if s.Dims() != 2 || op.off+op.w > s[1] {
		return nil, errors.Errorf("nn: columns [%d, %d) of %v", op.off, op.off+op.w, s)
	}
	x := fusedOut(prealloc, &op.out, m.Dtype(), tensor.Shape{s[0], op.w})
	if xd, ok := float32sOf(x); ok {
		copyCols(f32(m), s[1], op.off, xd, op.w, s[0], true)
	} else if xd, ok := float64sOf(x); ok {
		copyCols(f64(m), s[1], op.off, xd, op.w, s[0], true)
	}
	return x, nil
}
func (op *takeColsOp) ReturnsPtr() bool      { return false }
func (op *takeColsOp) CallsExtern() bool     { return false }
func (op *takeColsOp) OverwritesInput() int  { return -1 }
func (op *takeColsOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.takecols", op.id) }
func (op *takeColsOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *takeColsOp) String() string {
	return fmt.Sprintf("TakeCols[%d:%d]#%d", op.off, op.off+op.w, op.id)
}
