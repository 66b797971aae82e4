package optim

import (
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkAdamStep times one Adam step over 2²⁰ float32 parameters held by
// a real Gorgonia node; it should report 0 allocs/op.
func BenchmarkAdamStep(b *testing.B) {
	const n = 1 << 20
	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(n), gorgonia.WithName("w"), gorgonia.WithInit(gorgonia.Ones()))
	loss := gorgonia.Must(gorgonia.Sum(w))
	if _, err := gorgonia.Grad(loss, w); err != nil {
		b.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		b.Fatal(err)
	}
	vgs := gorgonia.NodesToValueGrads(gorgonia.Nodes{w})
	s := mustNew(b, "adam", Options{})
	if err := s.Step(vgs); err != nil { // allocates the state
		b.Fatal(err)
	}
	b.SetBytes(n * 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Step(vgs); err != nil {
			b.Fatal(err)
		}
	}
}
