package seqmodel_test

import (
	"fmt"
	"log"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// Scoring a stream with the state carried (Config.EvalCarry), as Zaremba et al. 2014 and
// PyTorch's word_language_model score their validation and test text: the 42 characters are one
// stream, cut into windows of T = 8 (the last of the 41 targets in a partial window, padded), and
// train.Evaluate runs them in order, one row per stream, each window starting from the state the
// previous one ended in. The figure is that of one window over the whole text, and the same on a
// second pass: Evaluate resets the state first.
func Example_evalCarry() {
	text, err := datasets.NewText("t", []byte("abcabdabeabfabgabhabiabjabkablabmabnaboabp"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := seqmodel.Config{Hidden: 16, Embed: 4, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Float64: true, Seed: 3}

	score := func(T int, carry bool) (float64, float64) {
		c := cfg
		c.T, c.EvalCarry = T, carry
		m, err := lstm.NewModel(c, lstm.DefaultConfig())
		if err != nil {
			log.Fatal(err)
		}
		s, err := datasets.Stream(text.Tokens, text.Vocab, 1, T)
		if err != nil {
			log.Fatal(err)
		}
		gs := train.NewGraphs(m)
		defer gs.Close()
		var loss [2]float64
		for pass := range loss {
			met, err := train.Evaluate(gs, s.EvalExamples(), 32)
			if err != nil {
				log.Fatal(err)
			}
			loss[pass] = met["loss"]
		}
		return loss[0], loss[1]
	}
	whole, _ := score(len(text.Tokens)-1, false)
	first, second := score(8, true)
	fmt.Printf("one window of 41:                   %.6f\n", whole)
	fmt.Printf("windows of 8, carried, two passes:  %.6f %.6f\n", first, second)
	// Output:
	// one window of 41:                   2.786704
	// windows of 8, carried, two passes:  2.786704 2.786704
}
