package seq2seq_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// The prebuilt date normaliser translates a date written by hand into ISO 8601, greedily and
// with a beam of 3; its output steps attend over the input's characters.
func ExamplePretrained() {
	m, err := seq2seq.Pretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range []int{1, 3} {
		t, err := m.Translate("saturday, november 28, 2026", k)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("beam %d: %s, attention over %d characters for %d outputs\n", k, t.Output, len(t.Attention[0]), len(t.Attention))
	}
	// Output:
	// beam 1: 2026-11-28, attention over 27 characters for 11 outputs
	// beam 3: 2026-11-28, attention over 27 characters for 11 outputs
}

// Translate a date with a beam of 3: the output, its log-probability, and the attention matrix
// (output steps × input characters) with the labels of its rows.
func ExampleModel_Translate() {
	s, _ := seq2seq.Pretrained()
	t, _ := s.Translate("12 March 1998", 3)
	fmt.Printf("%s %.4f\n", t.Output, t.Score)
	fmt.Println(len(t.Attention), "×", len(t.Attention[0]), t.OutputTokens)
	// Output:
	// 1998-03-12 -0.0126
	// 11 × 13 [1 9 9 8 - 0 3 - 1 2 <eos>]
}

// Corpus BLEU of two hypotheses against their references (ids of any vocabulary).
func ExampleBLEU() {
	hyps := [][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 9}}
	refs := [][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 0}}
	fmt.Printf("BLEU %.4f\n", seq2seq.BLEU(hyps, refs))
	// Output:
	// BLEU 0.7984
}

// Score a model on a dataset with the one scorer both encoder–decoders share: the prebuilt date
// normaliser on 50 generated dates, decoded greedily 25 at a time. The transformer's Seq2Seq is
// a Searcher too and is scored by the same call.
func ExampleEvaluate() {
	m, err := seq2seq.Pretrained()
	if err != nil {
		fmt.Println(err)
		return
	}
	dates, err := datasets.Dates(50, 7, datasets.DateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	sc, dec, err := seq2seq.Evaluate(m, dates, 25, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d dates: exact match %.2f, token accuracy %.2f, BLEU %.2f\n", sc.N, sc.Exact, sc.TokenAcc, sc.BLEU)
	fmt.Printf("%d source lengths, from %d to %d characters\n", len(sc.ByLength), sc.ByLength[0].Len, sc.ByLength[len(sc.ByLength)-1].Len)
	fmt.Printf("first: %d characters in, %d out\n", len(dec[0].Src), len(dec[0].Out.Tokens))
	// Output:
	// 50 dates: exact match 1.00, token accuracy 1.00, BLEU 1.00
	// 15 source lengths, from 8 to 26 characters
	// first: 20 characters in, 10 out
}
