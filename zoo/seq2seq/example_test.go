package seq2seq_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// The prebuilt date normaliser translates a date written by hand into ISO 8601, greedily and
// with a beam of 3.
func ExamplePretrained() {
	m, err := seq2seq.Pretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	info := datasets.Info{}
	if d, err := datasets.Dates(1, 1, datasets.DateOptions{}); err == nil {
		info = d.Info()
	}
	var src []int
	for _, r := range "saturday, november 28, 2026" {
		id, _ := info.Vocab.ID(string(r))
		src = append(src, id)
	}
	b := datasets.Batch{N: 1, SrcT: len(src), Src: src, SrcLen: []int{len(src)}}
	for _, k := range []int{1, 3} {
		hyps, err := m.Beam(b, k)
		if err != nil {
			fmt.Println(err)
			return
		}
		out := ""
		for _, id := range hyps[0].Tokens {
			out += info.TgtVocab.Symbol(id)
		}
		fmt.Printf("beam %d: %s, attention over %d characters for %d outputs\n", k, out, len(hyps[0].Attention[0]), len(hyps[0].Attention))
	}
	// Output:
	// beam 1: 2026-11-28, attention over 27 characters for 11 outputs
	// beam 3: 2026-11-28, attention over 27 characters for 11 outputs
}

// Corpus BLEU of two hypotheses against their references (ids of any vocabulary).
func ExampleBLEU() {
	hyps := [][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 9}}
	refs := [][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 0}}
	fmt.Printf("BLEU %.4f\n", seq2seq.BLEU(hyps, refs))
	// Output:
	// BLEU 0.7984
}
