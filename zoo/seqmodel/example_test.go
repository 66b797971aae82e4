package seqmodel_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// A character language model of LSTM cells: 93 characters embedded in 16, one layer of 32
// unrolled over 8 steps, a softmax over the 93 characters at every step. Its graph for a batch of
// 4 sequences outputs the logits of all 8·4 steps, time-major; a sampler continues a prime
// greedily.
func Example() {
	cfg := seqmodel.Config{Hidden: 32, Embed: 16, T: 8, Vocab: 93, Classes: 93, Seed: 1}
	m, err := lstm.NewModel(cfg, lstm.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	// embedding 93·16 + LSTM 4·(16·32 + 32·32 + 2·32) + output layer 32·93 + 93
	fmt.Println(m.Store().NumParams(), "parameters")
	g, err := m.Build(4, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := datasets.Batch{N: 4, T: 8, Tokens: make([]int, 32), Targets: make([]int, 32)}
	for i := range b.Tokens {
		b.Tokens[i], b.Targets[i] = i%93, (i+1)%93
	}
	if err := g.Feed(b); err != nil {
		fmt.Println(err)
		return
	}
	if err := g.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logits", g.Output().Shape())
	s, err := m.NewSampler()
	if err != nil {
		fmt.Println(err)
		return
	}
	tokens, err := s.Generate([]int{5, 6, 7}, 10, 0, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(tokens), "tokens drawn")
	// Output:
	// 10957 parameters
	// logits (32, 93)
	// 10 tokens drawn
}
