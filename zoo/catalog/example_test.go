package catalog_test

import (
	"encoding/json"
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// The table: every model with whether it ships prebuilt weights.
func Example() {
	for _, m := range catalog.Models {
		fmt.Printf("%-20s prebuilt %v\n", m.Name, m.Prebuilt != nil)
	}
	// Output:
	// mlp                  prebuilt false
	// rnn                  prebuilt true
	// lstm                 prebuilt true
	// gru                  prebuilt true
	// seq2seq              prebuilt true
	// transformer          prebuilt true
	// transformer-seq2seq  prebuilt true
}

// A character model of GRU cells by the cell's name, with the candidate of Cho et al. (the cell
// configuration is gru.Config as JSON), and its parameter count without building it.
func ExampleCell() {
	cell, err := catalog.FindCell("gru")
	if err != nil {
		fmt.Println(err)
		return
	}
	seq := seqmodel.Config{Hidden: 32, Embed: 16, T: 8, Vocab: 93, Classes: 93, Seed: 1}
	m, err := cell.NewModel(seq, json.RawMessage(`{"ResetBefore": true}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cell.Gates, "gates,", cell.Params(seq), "parameters counted,", m.Store().NumParams(), "built")
	// Output: 3 gates, 9357 parameters counted, 9357 built
}

// A model rebuilt from the configuration its checkpoint records: embedding 10·4, LSTM
// 4·(4·8 + 8·8 + 2·8), output layer 8·10 + 10.
func ExampleModel_New() {
	m, err := catalog.Find("lstm")
	if err != nil {
		fmt.Println(err)
		return
	}
	raw := json.RawMessage(`{"seq": {"hidden": 8, "embed": 4, "bptt": 16, "vocab": 10, "classes": 10, "seed": 1},
		"cell": {"ForgetBias": 1}}`)
	mdl, err := m.New(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mdl.Store().NumParams(), "parameters")
	// Output: 578 parameters
}
