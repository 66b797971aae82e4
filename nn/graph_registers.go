package nn

import (
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// A TapeMachine's Reset, which every run needs (it rewinds the program), also clears the
// machine's registers. An instruction that finds its register empty allocates its result: the
// Alloc instruction before every matrix product (an op that "calls extern") and every op of
// Gorgonia's own (elementwise Add and Mul, …) whose Do returns a new tensor. A run that finds the
// register holding the previous run's value of the same shape writes into it instead (the
// machine's usePrealloc path: UsePreallocDo, or an Alloc that sees a register of the right shape
// and does nothing), which is what a graph compiled once and run for every batch wants.
//
// Graph.Run therefore keeps the registers' values after a successful run and puts them back
// after Reset, but only for registers every one of whose writers overwrites a preallocated
// result completely: Gorgonia's elementwise binary ops and matrix products (results written
// with WithReuse, products with β = 0), ops that do not take a preallocated result at all, and
// this package's ops listed in overwritesPrealloc. Other ops may read a preallocated result as
// an input: Gorgonia's sliceIncrOp (the gradient of a Slice) adds into it, expecting it to hold
// its first input or zeros, and would add into the previous run's result instead. Every value
// handed out by a run already aliases the machine's memory until the next run, so nothing that
// was valid before becomes invalid.
//
// The registers are the machine's unexported field cpumem and the writers come from its LocMap,
// reached by reflection; where either is missing or of another form (another Gorgonia version)
// tapeRegisters returns nil and the graph runs as before.

// overwritesPrealloc names the op types whose UsePreallocDo writes every element of the result
// without reading it: Gorgonia's elementwise binary ops and matrix products, and the ops of this
// package that are known to (the other fused ops keep their own buffers, so a register they
// write allocates nothing either way).
var overwritesPrealloc = map[string]bool{
	"gorgonia.elemBinOp":   true,
	"gorgonia.linAlgBinOp": true,
	"*nn.linearOp":         true,
	"*nn.productOp":        true,
	"*nn.embedOp":          true,
	"*nn.embedGradOp":      true,
	"*nn.addPositionsOp":   true,
	"*nn.sumSequencesOp":   true,
	"*nn.concatColsOp":     true,
	"*nn.takeColsOp":       true,
}

// tapeRegisters returns a pointer to vm's CPU registers and, for each register, whether its
// value may be kept from one run to the next; or nil, nil.
func tapeRegisters(vm G.VM) (*[]G.Value, []bool) {
	v := reflect.ValueOf(vm)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, nil
	}
	f := v.Elem().FieldByName("cpumem")
	if !f.IsValid() || f.Type() != reflect.TypeOf([]G.Value(nil)) || !f.CanAddr() {
		return nil, nil
	}
	regs := (*[]G.Value)(unsafe.Pointer(f.UnsafeAddr()))
	keep := keepableRegisters(v, len(*regs))
	if keep == nil {
		return nil, nil
	}
	return regs, keep
}

// keepableRegisters reads the machine's LocMap (node → register) and marks the CPU registers
// whose every writer overwrites a preallocated result; nil when the map cannot be read.
func keepableRegisters(vm reflect.Value, n int) []bool {
	m := vm.MethodByName("LocMap")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil
	}
	locs := m.Call(nil)[0]
	if locs.Kind() != reflect.Map || locs.Type().Key() != reflect.TypeOf((*G.Node)(nil)) {
		return nil
	}
	rt := locs.Type().Elem()
	if rt.Kind() != reflect.Struct {
		return nil
	}
	idF, okID := rt.FieldByName("id")
	devF, okDev := rt.FieldByName("device")
	if !okID || !okDev || idF.Type.Kind() != reflect.Int || devF.Type.Kind() != reflect.Int {
		return nil
	}
	written := make([]bool, n)
	unsafeReg := make([]bool, n)
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
		written[id] = true
		node := it.Key().Interface().(*G.Node)
		op := node.Op()
		if op == nil {
			continue // an input: loaded afresh by every run
		}
		if _, ok := op.(G.UsePreallocDoer); !ok {
			continue // never handed a preallocated result
		}
		if !overwritesPrealloc[fmt.Sprintf("%T", op)] {
			unsafeReg[id] = true
		}
	}
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = written[i] && !unsafeReg[i]
	}
	return keep
}
