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

// addPositionsOp is y[b·T + t, ·] = x[b·T + t, ·] + pos[t, ·] for x (B·T, D) and pos (T, D): the
// table added to every sequence of the batch in one loop (each sequence's T·D values are one row
// of the bias loop), into a buffer of the op's own, where Gorgonia's BroadcastAdd would allocate
// the broadcast copy of the table on every run. The gradient is dy for x and, for the table, the
// sum over the batch of the sequences' gradients, one op.
type addPositionsOp struct {
	id  uint64
	out *tensor.Dense
}

// addPositions applies addPositionsOp; the caller has checked the shapes.
func addPositions(x, pos *G.Node) (*G.Node, error) {
	if x.Dtype() != pos.Dtype() {
		return nil, errors.Errorf("nn: add positions: table of %v for rows of %v", pos.Dtype(), x.Dtype())
	}
	if err := checkFloatDtype("add positions", x.Dtype()); err != nil {
		return nil, err
	}
	return G.ApplyOp(&addPositionsOp{id: opSerial.Add(1)}, x, pos)
}

func (op *addPositionsOp) Arity() int    { return 2 }
func (op *addPositionsOp) Type() hm.Type { return fusedType(2, 2, 2) }
func (op *addPositionsOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 2 {
		return nil, errors.Errorf("nn: add positions takes 2 inputs, got %d", len(ds))
	}
	s, err := shapeOf("add positions input", ds[0])
	if err != nil {
		return nil, err
	}
	return s.Clone(), nil
}
func (op *addPositionsOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *addPositionsOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("add positions", 2, vs)
	if err != nil {
		return nil, err
	}
	x, pos := ds[0], ds[1]
	if x.Shape().Dims() != 2 || pos.Shape().Dims() != 2 || pos.DataSize() == 0 || x.DataSize()%pos.DataSize() != 0 || x.Shape()[1] != pos.Shape()[1] {
		return nil, errors.Errorf("nn: add positions: rows %v are not sequences of the table %v", x.Shape(), pos.Shape())
	}
	y := fusedOut(prealloc, &op.out, x.Dtype(), x.Shape())
	if yd, ok := float32sOf(y); ok {
		copy(yd, f32(x))
		vecmath.AddBias32(yd, f32(pos))
	} else if yd, ok := float64sOf(y); ok {
		copy(yd, f64(x))
		vecmath.AddBias64(yd, f64(pos))
	}
	return y, nil
}
func (op *addPositionsOp) ReturnsPtr() bool      { return false }
func (op *addPositionsOp) CallsExtern() bool     { return false }
func (op *addPositionsOp) OverwritesInput() int  { return -1 }
func (op *addPositionsOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.addpositions", op.id) }
func (op *addPositionsOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *addPositionsOp) String() string        { return fmt.Sprintf("AddPositions#%d", op.id) }

func (op *addPositionsOp) DiffWRT(inputs int) []bool { return []bool{true, true} }
func (op *addPositionsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("nn: add positions gradient: 2 inputs expected, got %d", len(inputs))
	}
	dpos, err := G.ApplyOp(&sumSequencesOp{id: opSerial.Add(1), shape: inputs[1].Shape().Clone()}, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: add positions gradient")
	}
	return G.Nodes{grad, dpos}, nil
}

// sumSequencesOp sums the B sequences of dy (B·T, D) into a (T, D) table, in sequence order.
type sumSequencesOp struct {
	id    uint64
	shape tensor.Shape
	out   *tensor.Dense
}

func (op *sumSequencesOp) Arity() int    { return 1 }
func (op *sumSequencesOp) Type() hm.Type { return fusedType(2, 2) }
func (op *sumSequencesOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: sequence sum takes 1 input, got %d", len(ds))
	}
	return op.shape.Clone(), nil
}
func (op *sumSequencesOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *sumSequencesOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	ds, err := fusedInputs("sequence sum", 1, vs)
	if err != nil {
		return nil, err
	}
	dy := ds[0]
	n := op.shape.TotalSize()
	if n == 0 || dy.DataSize()%n != 0 {
		return nil, errors.Errorf("nn: sequence sum of %v into %v", dy.Shape(), op.shape)
	}
	out := fusedOut(prealloc, &op.out, dy.Dtype(), op.shape)
	if o, ok := float32sOf(out); ok {
		clear(o)
		vecmath.SumRows32(o, f32(dy))
	} else if o, ok := float64sOf(out); ok {
		clear(o)
		vecmath.SumRows64(o, f64(dy))
	}
	return out, nil
}
func (op *sumSequencesOp) ReturnsPtr() bool      { return false }
func (op *sumSequencesOp) CallsExtern() bool     { return false }
func (op *sumSequencesOp) OverwritesInput() int  { return -1 }
func (op *sumSequencesOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.sumsequences", op.id) }
func (op *sumSequencesOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *sumSequencesOp) String() string        { return fmt.Sprintf("SumSequences#%d", op.id) }
