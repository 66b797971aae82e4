package nn

import (
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// A TapeMachine's Reset, which every run needs (it rewinds the program), also clears the
// machine's registers. An instruction that finds its register empty allocates its result: the
// Alloc instruction before every matrix product (an op that "calls extern"), and every op of
// Gorgonia's own (elementwise Add and Mul, Concat, …) whose Do returns a new tensor. A run that
// finds each register holding the previous run's value of the same shape instead writes into it
// (the machine's usePrealloc path: UsePreallocDo, or an Alloc that sees a register of the right
// shape and does nothing), which is what a graph compiled once and run for every batch wants.
//
// Graph.Run therefore keeps the registers' values after a successful run and puts them back
// after Reset. Every value handed out by a run already aliases the machine's memory until the
// next run, so nothing that was valid before becomes invalid. The registers are the machine's
// unexported field cpumem, reached by reflection; where the field is missing or of another type
// (another Gorgonia version) tapeRegisters returns nil and the graph runs as before.

// tapeRegisters returns a pointer to vm's CPU registers, or nil.
func tapeRegisters(vm G.VM) *[]G.Value {
	v := reflect.ValueOf(vm)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("cpumem")
	if !f.IsValid() || f.Type() != reflect.TypeOf([]G.Value(nil)) || !f.CanAddr() {
		return nil
	}
	return (*[]G.Value)(unsafe.Pointer(f.UnsafeAddr()))
}
