package nn

import (
	"reflect"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestTypedAccessorsGiveData: the ops' accessors give what Data gives, as that slice type (the
// same memory), and ok false where Data holds another type: float32, float64 and int tensors,
// a view of rows, scalars, and Gorgonia's scalar values.
func TestTypedAccessorsGiveData(t *testing.T) {
	f32t := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	f64t := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{-1, 0.5, 2}))
	intt := tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]int{3, 1, 4, 1}))
	view, err := f32t.Slice(G.S(1))
	if err != nil {
		t.Fatal(err)
	}
	s32 := G.F32(2.5)
	vals := []dataer{f32t, f64t, intt, view.(*tensor.Dense), tensor.New(tensor.FromScalar(float32(7))),
		tensor.New(tensor.FromScalar(float64(7))), &s32}
	for i, v := range vals {
		d := v.Data()
		w32, ok32 := d.([]float32)
		w64, ok64 := d.([]float64)
		wi, oki := d.([]int)
		g32, gok32 := float32sOf(v)
		g64, gok64 := float64sOf(v)
		gi, goki := intsOf(v)
		if gok32 != ok32 || gok64 != ok64 || goki != oki {
			t.Errorf("value %d (%T %v): ok %v %v %v, Data's %v %v %v", i, v, d, gok32, gok64, goki, ok32, ok64, oki)
			continue
		}
		if !reflect.DeepEqual(g32, w32) || !reflect.DeepEqual(g64, w64) || !reflect.DeepEqual(gi, wi) {
			t.Errorf("value %d: %v %v %v, Data gives %v", i, g32, g64, gi, d)
		}
		if ok32 && len(w32) > 0 && (&g32[0] != &w32[0] || cap(g32) != cap(w32) || &floatsOf[float32](v)[0] != &w32[0] || &f32(v)[0] != &w32[0]) {
			t.Errorf("value %d: the float32 accessors do not alias Data's memory", i)
		}
		if ok64 && (&g64[0] != &w64[0] || &floatsOf[float64](v)[0] != &w64[0] || &f64(v)[0] != &w64[0]) {
			t.Errorf("value %d: the float64 accessors do not alias Data's memory", i)
		}
		if oki && &gi[0] != &wi[0] {
			t.Errorf("value %d: intsOf does not alias Data's memory", i)
		}
	}
	// f32 panics where the assertion it stands for would.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("f32 of a float64 tensor did not panic")
			}
		}()
		f32(f64t)
	}()
}

// TestGraphWithoutLoss: a graph that does not train runs with no loss (SetOutputs(nil, out)) and
// gives the output a graph with a loss gives; a training graph without a loss is an error.
func TestGraphWithoutLoss(t *testing.T) {
	s := NewStore(tensor.Float64, 3)
	lin, err := NewLinear(s, "lin", 3, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.5, -1, 2, 1, 0, -0.25}
	outputs := make([][]float64, 2)
	for i, withLoss := range []bool{true, false} {
		g := NewGraph(s, 2, false)
		in := g.Input("x", 2, 3)
		y, err := lin.Forward(g, in.Node)
		if err != nil {
			t.Fatal(err)
		}
		if withLoss {
			head, err := NewCrossEntropy(g, y)
			if err != nil {
				t.Fatal(err)
			}
			if err := head.SetLabels([]int{0, 1}); err != nil {
				t.Fatal(err)
			}
			g.SetOutputs(head.Loss, y)
		} else {
			g.SetOutputs(nil, y)
		}
		if err := in.Set(x); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		outputs[i] = Float64s(g.Output())
		if !withLoss && g.Loss() != 0 {
			t.Errorf("loss of a graph without one: %v", g.Loss())
		}
	}
	if !reflect.DeepEqual(outputs[0], outputs[1]) || len(outputs[0]) != 4 {
		t.Errorf("outputs with and without the loss: %v, %v", outputs[0], outputs[1])
	}
	g := NewGraph(s, 2, true)
	in := g.Input("x", 2, 3)
	y, err := lin.Forward(g, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(nil, y)
	if err := g.Compile(); err == nil {
		t.Error("a training graph without a loss compiled")
	}
}
