package nn

import (
	"reflect"
	"unsafe"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A training graph keeps the gradients of its trainable tensors itself instead of letting the
// TapeMachine add them in. With BindDualValues, the machine adds the value of every gradient
// node into the parameter's dual value as the node is computed: a pass over every gradient (read
// two, write one) on every run, although a solver step has just set those gradients to zero.
//
// The graph binds each parameter's dual value to a gradient tensor of its own (its d), and builds
// the machine so that it adds into none of them. Before a run, a gradient that is all zeros (bit
// for bit: the solver's step cleared it) is handed to the register of its gradient node, whose
// op writes the gradient straight into it; a gradient that is not zero (two runs without a step
// in between) gets a spare tensor there instead, and after the run the gradient node's value is
// added into d, as the machine did. Only registers written by the gradient node alone, by an op
// that overwrites every element of a preallocated result (overwritesPrealloc), take d; the
// gradients of the others are added in after the run, as before. Either way d holds what the
// machine's addition gave, the one exception being a gradient element of −0 written directly,
// which the addition of 0 + (−0) would have made +0 (a product's −0 needs an underflow).

// gradSlot is one trainable tensor's gradient as the graph keeps it.
type gradSlot struct {
	param, grad *G.Node
	d           *tensor.Dense // the parameter's gradient, its dual value's derivative
	reg         int           // the register of grad where d may be written directly; −1 where not
	spare       *tensor.Dense // that register's value for a run that adds into a d that is not zero
	direct      bool          // this run hands d to grad's register
}

// newGradSlots sets up the gradients of a training graph whose machine g.vm adds into no dual
// value; it returns false, changing nothing, where the machine's registers cannot be read.
func (g *Graph) newGradSlots() ([]gradSlot, bool) {
	if g.regs == nil || len(g.keep) != len(*g.regs) {
		return nil, false
	}
	regOf, writers := nodeRegisters(g.vm, len(*g.regs))
	if regOf == nil {
		return nil, false
	}
	slots := make([]gradSlot, len(g.learn))
	for i, p := range g.learn {
		gn := p.Deriv()
		if gn == nil || !gn.Shape().Eq(p.Shape()) {
			return nil, false
		}
		slots[i] = gradSlot{param: p, grad: gn, d: NewDense(g.store.dtype, p.Shape().Clone(), nil), reg: -1}
		if r, ok := regOf[gn]; ok && writers[r] == 1 && g.keep[r] && gn.Op() != nil && len(gn.DerivOf()) == 1 {
			slots[i].reg = r
		}
	}
	for i := range slots {
		G.WithGrad(slots[i].d)(slots[i].param)
	}
	return slots, true
}

// prepareGrads binds the dual values again where something rebound a parameter, and puts into
// each direct register d (all zeros) or the spare tensor.
func (g *Graph) prepareGrads() {
	for i := range g.grads {
		s := &g.grads[i]
		if v, err := s.param.Grad(); err != nil || v != G.Value(s.d) {
			G.WithGrad(s.d)(s.param)
		}
		s.direct = false
		if s.reg < 0 {
			continue
		}
		if zeroBits(s.d) {
			(*g.regs)[s.reg] = s.d
			s.direct = true
			continue
		}
		if s.spare == nil {
			s.spare = NewDense(g.store.dtype, s.d.Shape().Clone(), nil)
		}
		(*g.regs)[s.reg] = s.spare
	}
}

// finishGrads adds the run's gradients into d where the op did not write them there.
func (g *Graph) finishGrads() error {
	for i := range g.grads {
		s := &g.grads[i]
		v, ok := s.grad.Value().(*tensor.Dense)
		if !ok {
			return errors.Errorf("nn: gradient of %s is a %T", s.param.Name(), s.grad.Value())
		}
		if s.direct && v == s.d {
			continue
		}
		if err := addInto(s.d, v); err != nil {
			return errors.Wrapf(err, "nn: gradient of %s", s.param.Name())
		}
	}
	return nil
}

// addInto sets d[i] += v[i], the machine's addition of a gradient into a dual value.
func addInto(d, v *tensor.Dense) error {
	if dd, ok := float32sOf(d); ok {
		vv, ok := float32sOf(v)
		if !ok || len(vv) != len(dd) {
			return errors.Errorf("%v %v added into %v %v", v.Dtype(), v.Shape(), d.Dtype(), d.Shape())
		}
		for i, x := range vv {
			dd[i] += x
		}
		return nil
	}
	dd, ok := float64sOf(d)
	vv, ok2 := float64sOf(v)
	if !ok || !ok2 || len(vv) != len(dd) {
		return errors.Errorf("%v %v added into %v %v", v.Dtype(), v.Shape(), d.Dtype(), d.Shape())
	}
	for i, x := range vv {
		dd[i] += x
	}
	return nil
}

// zeroBits reports whether every element of t is +0, reading eight bytes at a time, eight
// words a block.
func zeroBits(t *tensor.Dense) bool {
	var b []byte
	if d, ok := float32sOf(t); ok {
		if len(d) == 0 {
			return true
		}
		b = unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), 4*len(d))
	} else if d, ok := float64sOf(t); ok {
		if len(d) == 0 {
			return true
		}
		b = unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), 8*len(d))
	} else {
		return false
	}
	i := 0
	for ; i+64 <= len(b); i += 64 {
		w := (*[8]uint64)(unsafe.Pointer(&b[i]))
		if w[0]|w[1]|w[2]|w[3]|w[4]|w[5]|w[6]|w[7] != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return false
		}
	}
	return true
}

// nodeRegisters reads the machine's LocMap: each node's CPU register and how many nodes each
// register holds; nil where the map cannot be read.
func nodeRegisters(vm G.VM, n int) (map[*G.Node]int, []int) {
	v := reflect.ValueOf(vm)
	m := v.MethodByName("LocMap")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil, nil
	}
	locs := m.Call(nil)[0]
	if locs.Kind() != reflect.Map || locs.Type().Key() != reflect.TypeOf((*G.Node)(nil)) {
		return nil, nil
	}
	rt := locs.Type().Elem()
	if rt.Kind() != reflect.Struct {
		return nil, nil
	}
	idF, okID := rt.FieldByName("id")
	devF, okDev := rt.FieldByName("device")
	if !okID || !okDev || idF.Type.Kind() != reflect.Int || devF.Type.Kind() != reflect.Int {
		return nil, nil
	}
	regOf := make(map[*G.Node]int, locs.Len())
	writers := make([]int, n)
	it := locs.MapRange()
	for it.Next() {
		reg := it.Value()
		if G.Device(reg.FieldByIndex(devF.Index).Int()) != G.CPU {
			continue
		}
		id := int(reg.FieldByIndex(idF.Index).Int())
		if id < 0 || id >= n {
			continue
		}
		regOf[it.Key().Interface().(*G.Node)] = id
		writers[id]++
	}
	return regOf, writers
}
