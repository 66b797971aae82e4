package gru_test

import (
	"fmt"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// One step of a cell on a batch of 2 inputs of width 3.
func ExampleNewCell() {
	store := nn.NewStore(tensor.Float32, 1)
	cell, err := gru.NewCell(store, "cell", 3, 4, gru.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := nn.NewGraph(store, 2, false)
	x, h0 := g.Input("x", 2, 3), g.Input("h0", 2, 4)
	h, state, err := cell.Step(g, x.Node, []*G.Node{h0.Node})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("h:", h.Shape(), "state tensors:", len(state))
	fmt.Println(store.Get("cell.weight_hh").Value.Shape(), "kept as the transpose of PyTorch's (12, 4)")
	// Output:
	// h: (2, 4) state tensors: 1
	// (4, 12) kept as the transpose of PyTorch's (12, 4)
}

// BenchmarkGRU is a forward and backward pass of the character-model shape: E=64, H=256, T=64,
// B=32, float32.
func BenchmarkGRU(b *testing.B) {
	store := nn.NewStore(tensor.Float32, 1)
	stack, err := gru.New(store, "gru", 64, 256, gru.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rectest.Bench(b, store, stack, 64, 32)
}
