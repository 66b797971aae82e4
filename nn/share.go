package nn

import "github.com/pkg/errors"

// ShareFrom makes every tensor of s the very tensor of the same name in src (not a copy), so two
// models of one configuration hold one set of parameters: graphs built afterwards on s bind src's
// numbers, and a solver step through either store is seen by both. Evaluation graphs only read
// their parameters, so graphs of the two stores may run in different goroutines at once. Call it
// before building any graph on s (graphs built earlier keep the old tensors). The stores must hold
// the same names, shapes and dtype; s is left unchanged otherwise.
func (s *Store) ShareFrom(src *Store) error {
	if s.dtype != src.dtype {
		return errors.Errorf("nn: sharing a store of %v with one of %v", src.dtype, s.dtype)
	}
	if len(s.list) != len(src.list) {
		return errors.Errorf("nn: sharing a store of %d tensors with one of %d", len(src.list), len(s.list))
	}
	for _, t := range s.list {
		o := src.Get(t.Name)
		if o == nil {
			return errors.Errorf("nn: source store has no tensor %q", t.Name)
		}
		if !o.Value.Shape().Eq(t.Value.Shape()) || o.Transposed != t.Transposed {
			return errors.Errorf("nn: tensor %q: shape %v, source has %v", t.Name, t.Value.Shape(), o.Value.Shape())
		}
	}
	for _, t := range s.list {
		t.Value = src.Get(t.Name).Value
	}
	return nil
}
