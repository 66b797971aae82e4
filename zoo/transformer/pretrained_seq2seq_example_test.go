package transformer_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// Translate a date with the prebuilt encoder–decoder and a beam of 4: the output, its
// log-probability, and the cross-attention (output steps × input characters).
func ExamplePretrainedSeq2Seq() {
	m, _ := transformer.PretrainedSeq2Seq()
	t, _ := m.Translate("Nov 28, 2026", 4)
	fmt.Printf("%s %.4f\n", t.Output, t.Score)
	fmt.Println(len(t.Attention), "×", len(t.Attention[0]), t.OutputTokens)
	// Output:
	// 2026-11-28 -0.0111
	// 11 × 12 [2 0 2 6 - 1 1 - 2 8 <eos>]
}
