package nn

import (
	"encoding/binary"
	"hash"
	"sync/atomic"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused ops of this package (bias add, softmax cross-entropy, BatchNorm) keep their outputs
// and the intermediates their gradients reuse in buffers of their own, allocated on the first run
// and overwritten by every later one: a TapeMachine clears its registers on Reset, so an op that
// allocated its result in Do would allocate it again on every step. The values they return alias
// those buffers until the next run, as every value a TapeMachine hands out aliases its memory.
//
// Ops that hold state are pointers, and each instance hashes under an id of its own: Gorgonia
// merges nodes whose ops hash alike over the same inputs, and two instances must never share the
// buffers of one.

// opSerial numbers the stateful op instances.
var opSerial atomic.Uint64

// stateHash is the hash of a stateful op. Instance ids are unique across every kind, so the id
// alone, offset from the small numbers, keeps any two instances apart, where a hash of kind and
// id could collide.
func stateHash(id uint64) uint32 { return uint32(id) ^ 0x9e3779b9 }

func writeStateHash(h hash.Hash, kind string, id uint64) {
	_, _ = h.Write([]byte(kind))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], id)
	_, _ = h.Write(b[:])
}

// float is the element type of the fused ops' loops.
type float interface{ ~float32 | ~float64 }

// denseOf returns v as a *tensor.Dense whose backing array is laid out row-major without strides
// (materialising a view, which allocates).
func denseOf(what string, v G.Value) (*tensor.Dense, error) {
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
	return d, nil
}

// ownBuffer returns *buf, (re)allocating it when it is missing, of another dtype or size; its shape
// is set to shape.
func ownBuffer(buf **tensor.Dense, dt tensor.Dtype, shape ...int) *tensor.Dense {
	size := 1
	for _, s := range shape {
		size *= s
	}
	b := *buf
	if b == nil || b.Dtype() != dt || b.DataSize() != size {
		b = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
		*buf = b
		return b
	}
	if !b.Shape().Eq(tensor.Shape(shape)) {
		if err := b.Reshape(shape...); err != nil {
			b = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
			*buf = b
		}
	}
	return b
}

// scalarValue wraps v as a Gorgonia scalar of dtype dt.
func scalarValue(dt tensor.Dtype, v float64) G.Value {
	if dt == tensor.Float64 {
		r := G.F64(v)
		return &r
	}
	r := G.F32(float32(v))
	return &r
}

// scalarOf reads a float32 or float64 scalar value (or a one-element tensor).
func scalarOf(what string, v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s), nil
	case *G.F32:
		return float64(*s), nil
	case tensor.Tensor:
		if s.Shape().TotalSize() == 1 {
			switch d := s.Data().(type) {
			case []float64:
				return d[0], nil
			case []float32:
				return float64(d[0]), nil
			case float64:
				return d, nil
			case float32:
				return float64(d), nil
			}
		}
	}
	return 0, errors.Errorf("nn: %s is a %T, want a float scalar", what, v)
}

// checkFloatDtype refuses dtypes other than float32 and float64.
func checkFloatDtype(what string, dt tensor.Dtype) error {
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return errors.Errorf("nn: %s of %v: only float32 and float64", what, dt)
	}
	return nil
}
