package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// EmbeddingLookup returns the rows idx[0], idx[1], … of the table w (Num, Dim) as an (N, Dim)
// matrix, for an integer index vector idx (N). It is G.ByIndices along axis 0 as one op with a
// buffer of its own; its gradient with respect to the table is a scatter-add of the rows of dY
// into a (Num, Dim) buffer, again one op. An index outside [0, Num) is an error of the run.
func EmbeddingLookup(w, idx *G.Node) (*G.Node, error) {
	if w == nil || idx == nil {
		return nil, errors.New("nn: embedding lookup: nil table or indices")
	}
	if w.Dims() != 2 || idx.Dims() != 1 {
		return nil, errors.Errorf("nn: embedding lookup: table %v and indices %v, want (Num, Dim) and (N)", w.Shape(), idx.Shape())
	}
	if idx.Dtype() != tensor.Int {
		return nil, errors.Errorf("nn: embedding lookup: indices of %v, want int", idx.Dtype())
	}
	if err := checkFloatDtype("embedding lookup", w.Dtype()); err != nil {
		return nil, err
	}
	y, err := G.ApplyOp(&embedOp{id: opSerial.Add(1)}, w, idx)
	return y, errors.Wrap(err, "nn: embedding lookup")
}

// indicesOf reads an integer index vector and checks every index against [0, num).
func indicesOf(v G.Value, num int) ([]int, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, errors.Errorf("nn: embedding indices are a %T, want an int tensor", v)
	}
	idx, ok := intsOf(t)
	if !ok {
		return nil, errors.Errorf("nn: embedding indices of %v, want int", t.Dtype())
	}
	for i, k := range idx {
		if k < 0 || k >= num {
			return nil, errors.Errorf("nn: embedding index %d at position %d outside [0, %d)", k, i, num)
		}
	}
	return idx, nil
}

// embedOp is y[n, ·] = w[idx[n], ·].
type embedOp struct {
	id  uint64
	out *tensor.Dense
}

func (op *embedOp) Arity() int { return 2 }
func (op *embedOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: tensor.Int}, G.TensorType{Dims: 2, Of: a})
}
func (op *embedOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: embedding lookup takes 2 inputs, got %d", len(ds))
	}
	w, err := shapeOf("embedding table", ds[0])
	if err != nil {
		return nil, err
	}
	idx, err := shapeOf("embedding indices", ds[1])
	if err != nil {
		return nil, err
	}
	if w.Dims() != 2 || idx.Dims() != 1 {
		return nil, errors.Errorf("nn: embedding lookup: table %v and indices %v", w, idx)
	}
	return tensor.Shape{idx[0], w[1]}, nil
}
func (op *embedOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *embedOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	if len(vs) != 2 {
		return nil, errors.Errorf("nn: embedding lookup takes 2 inputs, got %d", len(vs))
	}
	w, err := fusedDense("embedding table", vs[0])
	if err != nil {
		return nil, err
	}
	ws := w.Shape()
	if ws.Dims() != 2 {
		return nil, errors.Errorf("nn: embedding table of shape %v, want (Num, Dim)", ws)
	}
	num, dim := ws[0], ws[1]
	idx, err := indicesOf(vs[1], num)
	if err != nil {
		return nil, err
	}
	y := fusedOut(prealloc, &op.out, w.Dtype(), tensor.Shape{len(idx), dim})
	if yd, ok := float32sOf(y); ok {
		gatherRows(yd, f32(w), idx, dim)
	} else if yd, ok := float64sOf(y); ok {
		gatherRows(yd, f64(w), idx, dim)
	}
	return y, nil
}
func (op *embedOp) ReturnsPtr() bool      { return false }
func (op *embedOp) CallsExtern() bool     { return false }
func (op *embedOp) OverwritesInput() int  { return -1 }
func (op *embedOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.embed", op.id) }
func (op *embedOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *embedOp) String() string        { return fmt.Sprintf("Embed#%d", op.id) }

func (op *embedOp) DiffWRT(inputs int) []bool { return []bool{true, false} }
func (op *embedOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("nn: embedding lookup gradient: 2 inputs expected, got %d", len(inputs))
	}
	dw, err := G.ApplyOp(&embedGradOp{id: opSerial.Add(1), num: inputs[0].Shape()[0]}, grad, inputs[1])
	if err != nil {
		return nil, errors.Wrap(err, "nn: embedding lookup gradient")
	}
	return G.Nodes{dw, nil}, nil
}

func gatherRows[T fnum](y, w []T, idx []int, dim int) {
	for n, k := range idx {
		copy(y[n*dim:(n+1)*dim], w[k*dim:(k+1)*dim])
	}
}

func scatterAddRows[T fnum](dw, dy []T, idx []int, dim int) {
	clear(dw)
	for n, k := range idx {
		row := dw[k*dim : (k+1)*dim]
		src := dy[n*dim : (n+1)*dim]
		for j := range row {
			row[j] += src[j]
		}
	}
}

// embedGradOp is dW = Σ_n e_{idx[n]}·dY[n, ·]: the rows of dY added into the rows of a zeroed
// (num, Dim) table, in the order of the indices.
type embedGradOp struct {
	id  uint64
	num int
	out *tensor.Dense
}

func (op *embedGradOp) Arity() int { return 2 }
func (op *embedGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: tensor.Int}, G.TensorType{Dims: 2, Of: a})
}
func (op *embedGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: embedding gradient takes 2 inputs, got %d", len(ds))
	}
	dy, err := shapeOf("embedding output gradient", ds[0])
	if err != nil {
		return nil, err
	}
	if dy.Dims() != 2 {
		return nil, errors.Errorf("nn: embedding output gradient of shape %v, want (N, Dim)", dy)
	}
	return tensor.Shape{op.num, dy[1]}, nil
}
func (op *embedGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *embedGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	if len(vs) != 2 {
		return nil, errors.Errorf("nn: embedding gradient takes 2 inputs, got %d", len(vs))
	}
	dy, err := fusedDense("embedding output gradient", vs[0])
	if err != nil {
		return nil, err
	}
	idx, err := indicesOf(vs[1], op.num)
	if err != nil {
		return nil, err
	}
	s := dy.Shape()
	if s.Dims() != 2 || s[0] != len(idx) {
		return nil, errors.Errorf("nn: embedding output gradient of shape %v for %d indices", s, len(idx))
	}
	dim := s[1]
	dw := fusedOut(prealloc, &op.out, dy.Dtype(), tensor.Shape{op.num, dim})
	if d, ok := float32sOf(dw); ok {
		scatterAddRows(d, f32(dy), idx, dim)
	} else if d, ok := float64sOf(dw); ok {
		scatterAddRows(d, f64(dy), idx, dim)
	}
	return dw, nil
}
func (op *embedGradOp) ReturnsPtr() bool      { return false }
func (op *embedGradOp) CallsExtern() bool     { return false }
func (op *embedGradOp) OverwritesInput() int  { return -1 }
func (op *embedGradOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.embedgrad", op.id) }
func (op *embedGradOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *embedGradOp) String() string        { return fmt.Sprintf("EmbedGrad#%d", op.id) }
