package npz

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// ToDense copies a into a new *tensor.Dense: float32 and float64 data keep their type, int64 (or
// int) data becomes a tensor of int. A scalar array (empty shape) becomes a scalar tensor.
func ToDense(a Array) (*tensor.Dense, error) {
	if _, err := validate(a); err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 {
		switch d := a.Data.(type) {
		case []float32:
			return tensor.New(tensor.FromScalar(d[0])), nil
		case []float64:
			return tensor.New(tensor.FromScalar(d[0])), nil
		case []int64:
			return tensor.New(tensor.FromScalar(int(d[0]))), nil
		case []int:
			return tensor.New(tensor.FromScalar(d[0])), nil
		}
	}
	if a.Size() == 0 {
		return nil, errors.Errorf("%s: shape %v has no elements; empty tensors are not supported", label(a.Name), a.Shape)
	}
	var backing any
	switch d := a.Data.(type) {
	case []float32:
		backing = append([]float32(nil), d...)
	case []float64:
		backing = append([]float64(nil), d...)
	case []int64:
		v := make([]int, len(d))
		for i, x := range d {
			v[i] = int(x)
		}
		backing = v
	case []int:
		backing = append([]int(nil), d...)
	}
	shape := append([]int(nil), a.Shape...)
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing)), nil
}

// FromDense copies t (float32, float64 or int; views are materialized first) into an Array named
// name. Int data is stored as int64.
func FromDense(name string, t *tensor.Dense) (Array, error) {
	if t == nil {
		return Array{}, errors.Errorf("%s: nil tensor", label(name))
	}
	if t.IsMaterializable() {
		m, ok := t.Materialize().(*tensor.Dense)
		if !ok {
			return Array{}, errors.Errorf("%s: could not materialize view", label(name))
		}
		t = m
	}
	if t.DataOrder().IsColMajor() {
		return Array{}, errors.Errorf("%s: column-major tensors are not supported", label(name))
	}
	shape := append([]int{}, t.Shape()...)
	a := Array{Name: name, Shape: shape}
	raw := t.Data()
	switch d := raw.(type) {
	case float32:
		a.Data = []float32{d}
	case float64:
		a.Data = []float64{d}
	case int:
		a.Data = []int64{int64(d)}
	case []float32:
		a.Data = append([]float32(nil), d...)
	case []float64:
		a.Data = append([]float64(nil), d...)
	case []int:
		v := make([]int64, len(d))
		for i, x := range d {
			v[i] = int64(x)
		}
		a.Data = v
	default:
		return Array{}, errors.Errorf("%s: unsupported tensor dtype %v (want float32, float64 or int)", label(name), t.Dtype())
	}
	if _, err := validate(a); err != nil {
		return Array{}, err
	}
	return a, nil
}
