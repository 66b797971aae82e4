package lstm_test

import (
	"fmt"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// One step of a cell on a batch of 2 inputs of width 3, from a zero state.
func ExampleNewCell() {
	store := nn.NewStore(tensor.Float32, 1)
	cell, err := lstm.NewCell(store, "cell", 3, 4, lstm.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	g := nn.NewGraph(store, 2, false)
	x := g.Input("x", 2, 3)
	h0, c0 := g.Input("h0", 2, 4), g.Input("c0", 2, 4)
	h, state, err := cell.Step(g, x.Node, []*G.Node{h0.Node, c0.Node})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("h:", h.Shape(), "c:", state[1].Shape())
	for _, p := range store.Params() {
		fmt.Println(p.Name, p.Value.Shape())
	}
	// Output:
	// h: (2, 4) c: (2, 4)
	// cell.weight_ih (3, 16)
	// cell.weight_hh (4, 16)
	// cell.bias_ih (1, 16)
	// cell.bias_hh (1, 16)
}

// A 2-layer stack unrolled over 5 steps: one output per step, one final [h, c] per layer.
func ExampleNew() {
	store := nn.NewStore(tensor.Float32, 1)
	cfg := lstm.DefaultConfig()
	cfg.Layers = 2
	stack, err := lstm.New(store, "lstm", 3, 8, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := nn.NewGraph(store, 4, false)
	xs := make([]*G.Node, 5)
	for t := range xs {
		xs[t] = g.Input(fmt.Sprintf("x%d", t), 4, 3).Node
	}
	outs, final, err := stack.Forward(g, xs, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(outs), "outputs of", outs[0].Shape())
	fmt.Println(len(final), "layers of", len(final[0]), "state tensors")
	fmt.Println(store.NumParams(), "parameters")
	// Output:
	// 5 outputs of (4, 8)
	// 2 layers of 2 state tensors
	// 992 parameters
}

// BenchmarkLSTM is a forward and backward pass of the character-model shape: E=64, H=256, T=64,
// B=32, float32.
func BenchmarkLSTM(b *testing.B) {
	store := nn.NewStore(tensor.Float32, 1)
	stack, err := lstm.New(store, "lstm", 64, 256, lstm.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	rectest.Bench(b, store, stack, 64, 32)
}
