package gru_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// A token model of two layers of GRU cells, a seqmodel.Model: the stack takes its Layers and
// Dropout from the sequence model's Config. Parameters: embedding 10·4, layer 1 3·(4·8 + 8·8 + 2·8), layer 2 3·(8·8 + 8·8 + 2·8), output layer 8·10 + 10.
func ExampleNewModel() {
	seq := seqmodel.Config{Hidden: 8, Layers: 2, Embed: 4, T: 16, Vocab: 10, Classes: 10, Seed: 1}
	m, err := gru.NewModel(seq, gru.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Stack().Layers(), "layers,", m.Store().NumParams(), "parameters")
	// Output: 2 layers, 898 parameters
}
