package rnn_test

import (
	"fmt"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// One step of a tanh cell on a batch of 2 inputs of width 3.
func ExampleNewCell() {
	store := nn.NewStore(tensor.Float32, 1)
	cell, err := rnn.NewCell(store, "cell", 3, 4, "tanh")
	if err != nil {
		fmt.Println(err)
		return
	}
	g := nn.NewGraph(store, 2, false)
	x, h0 := g.Input("x", 2, 3), g.Input("h0", 2, 4)
	h, _, err := cell.Step(g, x.Node, []*G.Node{h0.Node})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("h:", h.Shape(), "parameters:", store.NumParams())
	// Output:
	// h: (2, 4) parameters: 36
}

// BenchmarkRNN is a forward and backward pass of a tanh network of the character-model shape:
// E=64, H=256, T=64, B=32, float32.
func BenchmarkRNN(b *testing.B) {
	store := nn.NewStore(tensor.Float32, 1)
	stack, err := rnn.New(store, "rnn", 64, 256, rnn.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rectest.Bench(b, store, stack, 64, 32)
}
