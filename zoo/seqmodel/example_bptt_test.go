package seqmodel_test

import (
	"fmt"
	"log"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// Truncated BPTT with a carried state: a stream is cut into windows of T = 8 steps, and with
// Config.Carry the training graph starts each window from the state the previous one ended in,
// so gradients flow back at most 8 steps while the state sees the whole stream. Two carried
// windows score exactly what one evaluation window of 16 scores; without Carry the second window
// starts from zeros and scores otherwise. (train.Fit does the same when its data is a
// datasets.Stream: `zoo train lstm --stream`.)
func Example_truncatedBPTT() {
	text, err := datasets.NewText("t", []byte("abcabdabeabfabgabhabiabjabkablabmabnaboabp"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := seqmodel.Config{Hidden: 16, Embed: 4, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Float64: true, Seed: 3}

	// The reference: one window of 16 steps.
	long := cfg
	long.T = 16
	whole, err := lstm.NewModel(long, lstm.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	g16, err := whole.Build(1, false)
	if err != nil {
		log.Fatal(err)
	}
	s16, err := datasets.Stream(text.Tokens, text.Vocab, 1, 16)
	if err != nil {
		log.Fatal(err)
	}
	if err := g16.Feed(s16.Batch(0)); err != nil {
		log.Fatal(err)
	}
	if err := g16.Run(nil); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("one window of 16:         mean loss %.6f\n", g16.Loss())

	// The same 16 steps as two windows of 8 (same seed, same parameters), with and without Carry.
	for _, carry := range []bool{true, false} {
		short := cfg
		short.T, short.Carry = 8, carry
		m, err := lstm.NewModel(short, lstm.DefaultConfig())
		if err != nil {
			log.Fatal(err)
		}
		g, err := m.Build(1, true) // the training graph: the one that carries
		if err != nil {
			log.Fatal(err)
		}
		s8, err := datasets.Stream(text.Tokens, text.Vocab, 1, 8)
		if err != nil {
			log.Fatal(err)
		}
		sum := 0.0
		for k := range 2 {
			if err := g.Feed(s8.Batch(k)); err != nil {
				log.Fatal(err)
			}
			if err := g.Run(nn.NewRNG(1, nn.StreamDropout, uint64(k))); err != nil {
				log.Fatal(err)
			}
			sum += g.Loss()
		}
		fmt.Printf("two windows of 8, carry %-5v mean loss %.6f\n", carry, sum/2)
	}
	// Output:
	// one window of 16:         mean loss 2.805769
	// two windows of 8, carry true  mean loss 2.805769
	// two windows of 8, carry false mean loss 2.809396
}
