package seqmodel_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// A model built from a Config samples once it is given the vocabulary of its task; untrained, it
// draws from nearly uniform probabilities, but the same seed still gives the same text.
func ExampleModel_Sample() {
	cfg := seqmodel.Config{Hidden: 16, Embed: 8, T: 8, Vocab: 93, Classes: 93, Seed: 1}
	m, _ := gru.NewModel(cfg, gru.Config{})
	a, _ := m.WithTokenizer(datasets.OpticksTokenizer()).Sample("The ", 20, 1, 7)
	b, _ := m.Sample("The ", 20, 1, 7)
	fmt.Println(len(a), a == b)
	// Output:
	// 20 true
}

// Clone gives each goroutine its own copy of a model: the same weights, graphs of its own.
func ExampleModel_Clone() {
	m, _, _ := gru.Pretrained()
	c, _ := m.Clone()
	a, _ := m.Sample("Light ", 30, 0.5, 2)
	b, _ := c.Sample("Light ", 30, 0.5, 2)
	fmt.Println(a == b)
	// Output:
	// true
}
