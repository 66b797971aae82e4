package nn

import (
	"encoding/binary"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused LayerNorm, attention and GELU ops keep their results in buffers of their own,
// allocated on the first run and overwritten by every later one (a TapeMachine clears its
// registers on Reset, so a result allocated in Do would be allocated again on every step). The
// values they return alias those buffers until the next run, as every value a TapeMachine hands
// out aliases its memory. Each op instance is a pointer and hashes under an id of its own, so
// Gorgonia never merges two instances (and their buffers) into one node.

// fusedSerial numbers the fused op instances.
var fusedSerial atomic.Uint64

func fusedID() uint64 { return fusedSerial.Add(1) }

// fusedHash is the hash of a fused op: its kind and its instance id.
func fusedHash(kind string, id uint64) uint32 {
	h := fnv.New32a()
	fusedWriteHash(h, kind, id)
	return h.Sum32()
}

func fusedWriteHash(h hash.Hash, kind string, id uint64) {
	_, _ = h.Write([]byte(kind))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], id)
	_, _ = h.Write(b[:])
}

// fnum is the element type of the fused ops' loops.
type fnum interface{ ~float32 | ~float64 }

// fusedType is the type of an op from tensors of the given numbers of axes (the last one is the
// result's), all of one dtype.
func fusedType(dims ...int) hm.Type {
	a := hm.TypeVariable('a')
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = G.TensorType{Dims: d, Of: a}
	}
	return hm.NewFnType(ts...)
}

// fusedDense returns v as a row-major *tensor.Dense without strides (materialising a view, which
// allocates) of dtype float32 or float64.
func fusedDense(what string, v G.Value) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("nn: %s is a %T, want a dense tensor", what, v)
	}
	if d.RequiresIterator() {
		m, ok := d.Materialize().(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("nn: %s cannot be materialised", what)
		}
		d = m
	}
	if dt := d.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("nn: %s of %v: only float32 and float64", what, dt)
	}
	return d, nil
}

// fusedInputs checks the number of inputs and returns them as dense tensors of one dtype.
func fusedInputs(what string, n int, vs []G.Value) ([]*tensor.Dense, error) {
	if len(vs) != n {
		return nil, errors.Errorf("nn: %s takes %d inputs, got %d", what, n, len(vs))
	}
	ds := make([]*tensor.Dense, n)
	for i, v := range vs {
		d, err := fusedDense(what, v)
		if err != nil {
			return nil, errors.Wrapf(err, "input %d", i)
		}
		if i > 0 && d.Dtype() != ds[0].Dtype() {
			return nil, errors.Errorf("nn: %s: input %d is %v, input 0 %v", what, i, d.Dtype(), ds[0].Dtype())
		}
		ds[i] = d
	}
	return ds, nil
}

// fusedBuffer returns *buf, (re)allocating it when it is missing, of another dtype or size, with
// the given shape.
func fusedBuffer(buf **tensor.Dense, dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	b := *buf
	if b == nil || b.Dtype() != dt || b.DataSize() != shape.TotalSize() {
		b = tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
		*buf = b
		return b
	}
	if !b.Shape().Eq(shape) {
		if err := b.Reshape(shape.Clone()...); err != nil {
			b = tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
			*buf = b
		}
	}
	return b
}

// fusedOut returns prealloc when it is a plain dense tensor of dtype dt and the given shape, and
// the op's own buffer otherwise.
func fusedOut(prealloc G.Value, buf **tensor.Dense, dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	if p, ok := prealloc.(*tensor.Dense); ok && p.Dtype() == dt && p.Shape().Eq(shape) && !p.RequiresIterator() {
		return p
	}
	return fusedBuffer(buf, dt, shape)
}

// gemm is C = alpha·op(A)·op(B) + beta·C through Gorgonia's BLAS (G.WhichBLAS), row-major, with
// C m×n and op(A) m×k.
func gemm[T fnum](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	switch cc := any(c).(type) {
	case []float32:
		G.WhichBLAS().Sgemm(ta, tb, m, n, k, float32(alpha), any(a).([]float32), lda, any(b).([]float32), ldb, float32(beta), cc, ldc)
	case []float64:
		G.WhichBLAS().Dgemm(ta, tb, m, n, k, float64(alpha), any(a).([]float64), lda, any(b).([]float64), ldb, float64(beta), cc, ldc)
	}
}

// shapeOf is the shape a DimSizer describes.
func shapeOf(what string, d G.DimSizer) (tensor.Shape, error) {
	s, ok := d.(tensor.Shape)
	if !ok {
		return nil, errors.Errorf("nn: %s: shape %v is not a tensor.Shape", what, d)
	}
	return s.Clone(), nil
}

// scalarF64 reads a float scalar value.
func scalarF64(what string, v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s), nil
	case *G.F32:
		return float64(*s), nil
	}
	return 0, errors.Errorf("nn: %s is a %T, want a float scalar", what, v)
}
