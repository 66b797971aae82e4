package transformer_test

import (
	"fmt"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// BenchmarkSample is one Sample of 200 characters after a prime of 4 from the prebuilt character
// model (its generator built before the timer).
func BenchmarkSample(b *testing.B) {
	m, err := transformer.Pretrained()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Sample("The ", 1, 0.8, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Sample("The ", 200, 0.8, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTranslate is one Translate of a date by the prebuilt encoder–decoder, greedy and with
// a beam of 4 (the graphs of each row count built before the timer).
func BenchmarkTranslate(b *testing.B) {
	m, err := transformer.PretrainedSeq2Seq()
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []int{1, 4} {
		b.Run(fmt.Sprintf("beam%d", k), func(b *testing.B) {
			if _, err := m.Translate("saturday, november 28, 2026", k); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Translate("saturday, november 28, 2026", k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
