package recurrent_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ExampleStack_ForwardSeq runs a two-layer LSTM over 5 steps of 3 sequences as two fused nodes
// (one per layer) and again as the per-step graph: both compute the same outputs.
func ExampleStack_ForwardSeq() {
	const T, B = 5, 3
	run := func(impl string) []float64 {
		store := nn.NewStore(tensor.Float64, 1)
		stack, err := lstm.New(store, "lstm", 4, 8, lstm.Config{Layers: 2, ForgetBias: 1})
		if err != nil {
			panic(err)
		}
		stack.Impl = impl
		g := nn.NewGraph(store, B, false)
		x := g.Input("x", T*B, 4) // row t·B+b: step t of sequence b
		vals := make([]float64, T*B*4)
		for i := range vals {
			vals[i] = float64(i%7) / 7
		}
		if err := x.Set(vals); err != nil {
			panic(err)
		}
		y, final, err := stack.ForwardSeq(g, x.Node, T, nil)
		if err != nil {
			panic(err)
		}
		var out G.Value
		G.Read(y, &out)
		vm := G.NewTapeMachine(g.G)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			panic(err)
		}
		fmt.Printf("%s: outputs %v, %d layers of %d final states\n", impl, y.Shape(), len(final), len(final[0]))
		return nn.Float64s(out.(tensor.Tensor))
	}
	fused, graph := run(recurrent.ImplFused), run(recurrent.ImplGraph)
	worst := 0.0
	for i := range fused {
		worst = max(worst, fused[i]-graph[i], graph[i]-fused[i])
	}
	fmt.Println("max difference below 1e-12:", worst < 1e-12)
	// Output:
	// fused: outputs (15, 8), 2 layers of 2 final states
	// graph: outputs (15, 8), 2 layers of 2 final states
	// max difference below 1e-12: true
}
