// Package nn holds the pieces several models share: the parameter store, the per-shape graph that
// binds it, and the layers of the lecture's first section (Linear, BatchNorm, Dropout, activations,
// the residual block) with their loss heads.
//
// Parameters live once, graphs are many: a Store owns every parameter and buffer as a named tensor;
// a Graph is built for one batch shape and one mode (training or evaluation) and binds those very
// tensors, so a solver step taken through the training graph is seen by every evaluation graph.
package nn

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Random streams derived from a run's seed. Each source of randomness has its own stream, so adding
// a draw to one never shifts another.
const (
	StreamInit    uint64 = 1 // parameter initialisation
	StreamShuffle uint64 = 2 // data order, one sub-stream per epoch
	StreamDropout uint64 = 3 // dropout masks, one sub-stream per step
	StreamData    uint64 = 4 // synthetic data generation
	StreamSample  uint64 = 5 // sampling from a trained model
)

// NewRNG returns the generator of a stream and counter under seed: the same three numbers always
// give the same sequence of draws.
func NewRNG(seed, stream, counter uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream<<40^counter))
}

// Tensor is one named entry of a Store.
type Tensor struct {
	// Name is the entry's PyTorch-style name, e.g. "layers.0.weight" or "bn1.running_mean".
	Name string
	// Value holds the numbers; graphs bind this very tensor.
	Value *tensor.Dense
	// Trainable entries are parameters the solver updates; the others are buffers such as
	// BatchNorm's running statistics.
	Trainable bool
	// Transposed marks a matrix kept as the transpose of PyTorch's layout (Linear keeps (in, out)
	// where torch.nn.Linear keeps (out, in)); checkpoints write PyTorch's layout.
	Transposed bool
}

// Store owns a model's parameters and buffers, by name, in the order they were created.
type Store struct {
	dtype tensor.Dtype
	rng   *rand.Rand
	list  []*Tensor
	index map[string]*Tensor
}

// NewStore returns an empty store whose tensors have the given dtype (tensor.Float32 or
// tensor.Float64) and are initialised from the stream StreamInit of seed.
func NewStore(dtype tensor.Dtype, seed uint64) *Store {
	if dtype != tensor.Float32 && dtype != tensor.Float64 {
		dtype = tensor.Float32
	}
	return &Store{dtype: dtype, rng: NewRNG(seed, StreamInit, 0), index: map[string]*Tensor{}}
}

// Dtype is the element type of every tensor in the store.
func (s *Store) Dtype() tensor.Dtype { return s.dtype }

// Init fills a freshly created tensor of the given shape from the store's generator.
type Init func(rng *rand.Rand, shape []int, data []float64)

// Zeros initialises every element to 0.
func Zeros(_ *rand.Rand, _ []int, data []float64) {
	for i := range data {
		data[i] = 0
	}
}

// Const initialises every element to v.
func Const(v float64) Init {
	return func(_ *rand.Rand, _ []int, data []float64) {
		for i := range data {
			data[i] = v
		}
	}
}

// Uniform initialises every element from U(−a, a).
func Uniform(a float64) Init {
	return func(rng *rand.Rand, _ []int, data []float64) {
		for i := range data {
			data[i] = (2*rng.Float64() - 1) * a
		}
	}
}

// Normal initialises every element from N(0, std²).
func Normal(std float64) Init {
	return func(rng *rand.Rand, _ []int, data []float64) {
		for i := range data {
			data[i] = rng.NormFloat64() * std
		}
	}
}

// FanIn is the default of torch.nn.Linear and the recurrent modules: U(−1/√fanIn, 1/√fanIn).
func FanIn(fanIn int) Init { return Uniform(1 / math.Sqrt(float64(fanIn))) }

// Add creates a tensor, initialises it and records it under name. Names are unique within a store.
func (s *Store) Add(name string, shape []int, trainable bool, init Init) (*Tensor, error) {
	if _, dup := s.index[name]; dup {
		return nil, errors.Errorf("nn: store already holds a tensor named %q", name)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return nil, errors.Errorf("nn: tensor %q: shape %v has a dimension ≤ 0", name, shape)
		}
		n *= d
	}
	vals := make([]float64, n)
	if init != nil {
		init(s.rng, shape, vals)
	}
	t := &Tensor{Name: name, Value: NewDense(s.dtype, shape, vals), Trainable: trainable}
	s.list = append(s.list, t)
	s.index[name] = t
	return t, nil
}

// Get returns the tensor called name, or nil.
func (s *Store) Get(name string) *Tensor { return s.index[name] }

// All returns every tensor in creation order.
func (s *Store) All() []*Tensor { return s.list }

// Params returns the trainable tensors in creation order.
func (s *Store) Params() []*Tensor {
	var ps []*Tensor
	for _, t := range s.list {
		if t.Trainable {
			ps = append(ps, t)
		}
	}
	return ps
}

// NumParams counts the trainable scalars.
func (s *Store) NumParams() int {
	n := 0
	for _, t := range s.Params() {
		n += t.Value.Shape().TotalSize()
	}
	return n
}

// CopyFrom overwrites every tensor's numbers with those of the same name in src.
func (s *Store) CopyFrom(src *Store) error {
	for _, t := range s.list {
		o := src.Get(t.Name)
		if o == nil {
			return errors.Errorf("nn: source store has no tensor %q", t.Name)
		}
		if !o.Value.Shape().Eq(t.Value.Shape()) {
			return errors.Errorf("nn: tensor %q: shape %v, source has %v", t.Name, t.Value.Shape(), o.Value.Shape())
		}
		if err := CopyValues(t.Value, o.Value); err != nil {
			return errors.Wrapf(err, "nn: tensor %q", t.Name)
		}
	}
	return nil
}

// NewDense makes a tensor of dtype and shape holding vals (converted), or zeros when vals is nil.
func NewDense(dtype tensor.Dtype, shape []int, vals []float64) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if dtype == tensor.Float64 {
		b := make([]float64, n)
		copy(b, vals)
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b))
	}
	b := make([]float32, n)
	for i := range vals {
		b[i] = float32(vals[i])
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b))
}

// Float64s returns a copy of a float32 or float64 tensor's numbers as float64.
func Float64s(t tensor.Tensor) []float64 {
	if d, ok := float64sOf(t); ok {
		return append([]float64(nil), d...)
	}
	if d, ok := float32sOf(t); ok {
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	}
	switch d := t.Data().(type) { // a scalar
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	return nil
}

// SetFloat64s overwrites a float32 or float64 tensor's numbers with vals (same length).
func SetFloat64s(t *tensor.Dense, vals []float64) error {
	if d, ok := float64sOf(t); ok {
		if len(d) != len(vals) {
			return errors.Errorf("nn: %d values for a tensor of %d", len(vals), len(d))
		}
		copy(d, vals)
	} else if d, ok := float32sOf(t); ok {
		if len(d) != len(vals) {
			return errors.Errorf("nn: %d values for a tensor of %d", len(vals), len(d))
		}
		toFloat32s(d, vals)
	} else {
		return errors.Errorf("nn: tensor of %v is not float32 or float64", t.Dtype())
	}
	return nil
}

// toFloat32s rounds each of src to float32 into dst (of src's length), eight at a time: one
// bounds check per block instead of one per value, which is most of the loop's cost for the
// inputs fed into every training step.
func toFloat32s(dst []float32, src []float64) {
	dst = dst[:len(src)]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		s, d := src[i:i+8:i+8], dst[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = float32(s[0]), float32(s[1]), float32(s[2]), float32(s[3])
		d[4], d[5], d[6], d[7] = float32(s[4]), float32(s[5]), float32(s[6]), float32(s[7])
	}
	for ; i < len(src); i++ {
		dst[i] = float32(src[i])
	}
}

// CopyValues copies src's numbers into dst; both have the same dtype and size.
func CopyValues(dst, src *tensor.Dense) error {
	if d, ok := float64sOf(dst); ok {
		s, ok := float64sOf(src)
		if !ok || len(s) != len(d) {
			return errors.Errorf("nn: cannot copy %v%v into %v%v", src.Dtype(), src.Shape(), dst.Dtype(), dst.Shape())
		}
		copy(d, s)
	} else if d, ok := float32sOf(dst); ok {
		s, ok := float32sOf(src)
		if !ok || len(s) != len(d) {
			return errors.Errorf("nn: cannot copy %v%v into %v%v", src.Dtype(), src.Shape(), dst.Dtype(), dst.Shape())
		}
		copy(d, s)
	} else {
		return errors.Errorf("nn: tensor of %v is not float32 or float64", dst.Dtype())
	}
	return nil
}
