package transformer

import (
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/texttest"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// TestSampleEqualsGenerate holds Sample of the prebuilt model to the Generate path (the prime
// encoded by the Opticks text, the stream of nn.StreamSample), token for token, past the context
// of 64, and checks the arguments.
func TestSampleEqualsGenerate(t *testing.T) {
	m, err := Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	text, err := datasets.Opticks()
	if err != nil {
		t.Fatal(err)
	}
	for _, temp := range []float64{0.8, 0} {
		got, err := m.Sample("The ", 80, temp, 5)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := text.Encode([]byte("The "))
		if err != nil {
			t.Fatal(err)
		}
		gen, err := m.Generate(ids, 80, temp, nn.NewRNG(5, nn.StreamSample, 0))
		if err != nil {
			t.Fatal(err)
		}
		want, err := text.Decode(gen)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("temperature %v: Sample %q, Generate %q", temp, got, want)
		}
	}
	texttest.SampleErrors(t, m.Sample)
	bare, err := New(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Sample("The", 1, 1, 1); err == nil || !strings.Contains(err.Error(), "Tokenizer") {
		t.Errorf("a model without a Tokenizer sampled (error %v)", err)
	}
}

// TestSampleConcurrentLM samples from several goroutines on the prebuilt model (calls take turns)
// and on clones (calls run at once); every text must be the serial one. Run with -race.
func TestSampleConcurrentLM(t *testing.T) {
	m, err := Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	texttest.Concurrent(t, m, 3, func(m *LM, w int) (string, error) {
		return m.Sample("Light ", 20, 0.8, uint64(w))
	})
}

// datesSeq2Seq is an encoder–decoder trained for a few steps on the date task, with its
// Tokenizers, and the task's test dates as text and ids.
func datesSeq2Seq(t *testing.T, steps int) (*Seq2Seq, []string, [][]int) {
	t.Helper()
	test, err := datasets.Dates(1000, seq2seq.PretrainedDataSeed+100, datasets.DateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := datasets.Dates(64*steps, 2, datasets.DateOptions{Exclude: test})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Seq2SeqFor(tr.Info(), 29, 11, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewSeq2Seq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc := train.DefaultConfig()
	tc.Epochs, tc.Steps, tc.Batch, tc.EvalEvery, tc.Sequential = 0, steps, 64, 0, true
	if _, err := train.Fit(m, train.Data{Train: tr}, tc); err != nil {
		t.Fatal(err)
	}
	tt, err := seq2seq.DateTokenizers()
	if err != nil {
		t.Fatal(err)
	}
	m.WithTokenizers(tt)
	v := test.Info().Vocab
	var texts []string
	var ids [][]int
	for i := 0; i < 8; i++ {
		b := test.Batch([]int{i})
		src := b.Src[:b.SrcLen[0]]
		s := ""
		for _, id := range src {
			s += v.Symbol(id)
		}
		texts, ids = append(texts, s), append(ids, src)
	}
	return m, texts, ids
}

// TestTranslateEqualsBeam holds Translate to Beam (greedy at width 1) on dates: output, score and
// every attention weight, with the labels' sizes; then checks the errors and concurrent use.
func TestTranslateEqualsBeam(t *testing.T) {
	m, texts, ids := datesSeq2Seq(t, 20)
	texttest.TranslateEqualsBeam(t, m, m.Tokenizers.Target.Vocab, texts, ids)
	texttest.TranslateErrors(t, m.Translate, m.Config.MaxSrc)
	texttest.Concurrent(t, m, 3, func(m *Seq2Seq, i int) (seq2seq.Translation, error) {
		return m.Translate(texts[i], 2)
	})
}
