package rnn_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// A token model of two layers of tanh RNN cells, a seqmodel.Model: the stack takes its Layers and
// Dropout from the sequence model's Config. Parameters: embedding 10·4, layer 1 (4·8 + 8·8 + 2·8), layer 2 (8·8 + 8·8 + 2·8), output layer 8·10 + 10.
func ExampleNewModel() {
	seq := seqmodel.Config{Hidden: 8, Layers: 2, Embed: 4, T: 16, Vocab: 10, Classes: 10, Seed: 1}
	m, err := rnn.NewModel(seq, rnn.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Stack().Layers(), "layers,", m.Store().NumParams(), "parameters")
	// Output: 2 layers, 386 parameters
}
