package seq2seq_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/texttest"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// testDates returns the first n held-out test dates of the prebuilt model as text, with their
// source ids.
func testDates(t *testing.T, n int) ([]string, [][]int) {
	t.Helper()
	ds, err := datasets.Dates(seq2seq.DateTest, seq2seq.PretrainedDataSeed+100, datasets.DateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := ds.Info().Vocab
	var texts []string
	var ids [][]int
	for i := 0; i < n; i++ {
		b := ds.Batch([]int{i})
		src := b.Src[:b.SrcLen[0]]
		var s strings.Builder
		for _, id := range src {
			s.WriteString(v.Symbol(id))
		}
		texts = append(texts, s.String())
		ids = append(ids, src)
	}
	return texts, ids
}

// TestTranslateEqualsBeam holds Translate to Beam (greedy at width 1) on held-out dates: the
// output, the score and every attention weight, and checks the labels' sizes.
func TestTranslateEqualsBeam(t *testing.T) {
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	texts, ids := testDates(t, 12)
	texttest.TranslateEqualsBeam(t, m, m.Tokenizers.Target.Vocab, texts, ids)
	tr, err := m.Translate("12 March 1998", 3)
	if err != nil || tr.Output != "1998-03-12" {
		t.Errorf("12 March 1998: %q, %v", tr.Output, err)
	}
}

// TestTranslateErrors checks the arguments: an unknown character is named with its position.
func TestTranslateErrors(t *testing.T) {
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	texttest.TranslateErrors(t, m.Translate, m.Config.MaxSrc)
	bare, err := seq2seq.New(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Translate("12 March 1998", 1); err == nil || !strings.Contains(err.Error(), "Tokenizers") {
		t.Errorf("a model without tokenizers translated (error %v)", err)
	}
}

// TestTranslateConcurrent translates from several goroutines on one model (calls take turns) and
// on clones (calls run at once); every result must be the serial one. Run
// with -race.
func TestTranslateConcurrent(t *testing.T) {
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := testDates(t, 4)
	texttest.Concurrent(t, m, len(texts), func(m *seq2seq.Model, i int) (seq2seq.Translation, error) {
		return m.Translate(texts[i], 2)
	})
}

// TestTranslateTokenizersFromTask loads the date model as a checkpoint is loaded (built from its
// Config, the weights read from an .npz file), takes the Tokenizers from the date task's Info,
// and translates as the prebuilt model does.
func TestTranslateTokenizersFromTask(t *testing.T) {
	pre, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dates.npz")
	if err := train.SaveWeights(path, pre.Store()); err != nil {
		t.Fatal(err)
	}
	m, err := seq2seq.New(pre.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.LoadWeights(path, m.Store()); err != nil {
		t.Fatal(err)
	}
	data, err := seq2seq.DateSplits(10, seq2seq.PretrainedDataSeed)
	if err != nil {
		t.Fatal(err)
	}
	if m.Tokenizers, err = datasets.TaskTokenizers(data.Train.Info()); err != nil {
		t.Fatal(err)
	}
	got, err := m.Translate("Nov 28, 2026", 2)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pre.Translate("Nov 28, 2026", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || got.Output != "2026-11-28" {
		t.Errorf("from the task's tokenizers %q (%v), prebuilt %q (%v)", got.Output, got.Score, want.Output, want.Score)
	}
}

// BenchmarkTranslate is one Translate of a date by the prebuilt model, greedy and with a beam of
// 4 (the graphs of each row count built before the timer).
func BenchmarkTranslate(b *testing.B) {
	m, err := seq2seq.Pretrained()
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
