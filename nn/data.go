package nn

import (
	"unsafe"

	"gorgonia.org/tensor"
)

// The ops read their tensors' numbers through these accessors instead of Data: Data of a
// *tensor.Dense builds its slice through reflect and allocates on every call (a third of the
// allocations of a sampling step), while the typed accessors of the tensor's storage header
// (Float32s, Float64s, Ints) reinterpret the same memory without allocating. Each accessor gives
// what Data would have given as that slice type: the same elements, ok false where Data holds
// something else. A scalar *tensor.Dense (Data gives its value, not a slice) and values that are
// not *tensor.Dense go through Data.

// dataer is a value with numbers: a G.Value or a tensor.Tensor.
type dataer interface{ Data() interface{} }

// denseSlice is v as a *tensor.Dense whose typed accessors give what Data gives: not a scalar.
func denseSlice(v dataer) (*tensor.Dense, bool) {
	d, ok := v.(*tensor.Dense)
	return d, ok && d != nil && !d.IsScalar()
}

// float32sOf is v's numbers as Data().([]float32) gives them.
func float32sOf(v dataer) ([]float32, bool) {
	if d, ok := denseSlice(v); ok {
		if d.Dtype() != tensor.Float32 {
			return nil, false
		}
		return d.Float32s(), true
	}
	s, ok := v.Data().([]float32)
	return s, ok
}

// float64sOf is v's numbers as Data().([]float64) gives them.
func float64sOf(v dataer) ([]float64, bool) {
	if d, ok := denseSlice(v); ok {
		if d.Dtype() != tensor.Float64 {
			return nil, false
		}
		return d.Float64s(), true
	}
	s, ok := v.Data().([]float64)
	return s, ok
}

// intsOf is v's numbers as Data().([]int) gives them.
func intsOf(v dataer) ([]int, bool) {
	if d, ok := denseSlice(v); ok {
		if d.Dtype() != tensor.Int {
			return nil, false
		}
		return d.Ints(), true
	}
	s, ok := v.Data().([]int)
	return s, ok
}

// f32 is Data().([]float32) of a tensor known to hold float32 numbers (the other inputs of an op
// whose first input is float32): it panics as that assertion would when it does not.
func f32(v dataer) []float32 {
	if s, ok := float32sOf(v); ok {
		return s
	}
	return v.Data().([]float32)
}

// f64 is Data().([]float64) of a tensor known to hold float64 numbers (see f32).
func f64(v dataer) []float64 {
	if s, ok := float64sOf(v); ok {
		return s
	}
	return v.Data().([]float64)
}

// floatsOf is Data().([]T) of a tensor known to hold T numbers, for the ops generic over the
// float type (see f32).
func floatsOf[T fnum](v dataer) []T {
	var z T
	switch any(z).(type) {
	case float32:
		if s, ok := float32sOf(v); ok {
			return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
		}
	case float64:
		if s, ok := float64sOf(v); ok {
			return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
		}
	}
	return v.Data().([]T)
}
