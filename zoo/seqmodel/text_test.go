package seqmodel_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/texttest"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// pretrained loads the prebuilt model of a cell.
func pretrained(t *testing.T, cell string) (*seqmodel.Model, *seqmodel.PrebuiltRecord) {
	t.Helper()
	var m *seqmodel.Model
	var rec *seqmodel.PrebuiltRecord
	var err error
	switch cell {
	case "rnn":
		m, rec, err = rnn.Pretrained()
	case "lstm":
		m, rec, err = lstm.Pretrained()
	case "gru":
		m, rec, err = gru.Pretrained()
	}
	if err != nil {
		t.Fatal(err)
	}
	return m, rec
}

// samplerText is what the Sampler path draws: the prime encoded by the Opticks text, Generate
// with the stream of nn.StreamSample, the draws decoded by the text.
func samplerText(t *testing.T, m *seqmodel.Model, prime string, n int, temp float64, seed uint64) string {
	t.Helper()
	text, err := datasets.Opticks()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := text.Encode([]byte(prime))
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewSampler()
	if err != nil {
		t.Fatal(err)
	}
	gen, err := s.Generate(ids, n, temp, nn.NewRNG(seed, nn.StreamSample, 0))
	if err != nil {
		t.Fatal(err)
	}
	out, err := text.Decode(gen)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestSampleEqualsSampler holds Sample of every prebuilt model to the Sampler path, token for
// token, at a positive temperature and at 0, and checks that a seed gives one text.
func TestSampleEqualsSampler(t *testing.T) {
	for _, cell := range []string{"rnn", "lstm", "gru"} {
		m, _ := pretrained(t, cell)
		for _, temp := range []float64{0.8, 0} {
			got, err := m.Sample("The ", 120, temp, 7)
			if err != nil {
				t.Fatal(err)
			}
			if want := samplerText(t, m, "The ", 120, temp, 7); got != want {
				t.Errorf("%s at temperature %v: Sample gave\n%q\nthe Sampler\n%q", cell, temp, got, want)
			}
			if len(got) != 120 {
				t.Errorf("%s: %d bytes, want 120", cell, len(got))
			}
		}
		a, _ := m.Sample("Light ", 80, 1, 3)
		b, _ := m.Sample("Light ", 80, 1, 3)
		c, _ := m.Sample("Light ", 80, 1, 4)
		if a != b {
			t.Errorf("%s: seed 3 gave %q, then %q", cell, a, b)
		}
		if a == c {
			t.Errorf("%s: seeds 3 and 4 both gave %q", cell, a)
		}
	}
}

// TestSampleTokenizerFromTask loads the LSTM as a checkpoint is loaded (the model built from its
// Config, the weights read from an .npz file), takes the Tokenizer from the Opticks task's Info,
// and samples what the prebuilt model samples.
func TestSampleTokenizerFromTask(t *testing.T) {
	pre, rec := pretrained(t, "lstm")
	m, err := lstm.NewModel(rec.ModelConfig.Seq, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Sample("The ", 10, 1, 1); err == nil || !strings.Contains(err.Error(), "Tokenizer") {
		t.Errorf("a model without a Tokenizer sampled (error %v)", err)
	}
	path := filepath.Join(t.TempDir(), "lstm.npz")
	if err := train.SaveWeights(path, pre.Store()); err != nil {
		t.Fatal(err)
	}
	if err := train.LoadWeights(path, m.Store()); err != nil {
		t.Fatal(err)
	}
	text, err := datasets.Opticks()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := datasets.Windows(text.Tokens, text.Vocab, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := datasets.TaskTokenizers(ws.Info())
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.WithTokenizer(tt.Source).Sample("The ", 100, 0.8, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := pre.Sample("The ", 100, 0.8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("from the task's tokenizer %q, prebuilt %q", got, want)
	}
}

// TestSampleWords samples from a word-level model: words in, words out, joined by spaces; a word
// outside the vocabulary reads as <unk> where the corpus has it and is an error naming the word
// where it does not.
func TestSampleWords(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{"a.txt": "the cat sat on the mat\nthe dog saw <unk>\n", "b.txt": "the cat sat\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		file, prime string
		unk         bool
	}{{"a.txt", "the zebra", true}, {"b.txt", "the zebra", false}} {
		corpus, err := datasets.LoadWordCorpus(filepath.Join(dir, c.file), "", "")
		if err != nil {
			t.Fatal(err)
		}
		ws, err := datasets.Windows(corpus.Train, corpus.Vocab, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		tt, err := datasets.TaskTokenizers(ws.Info())
		if err != nil {
			t.Fatal(err)
		}
		if tt.Source.Level != datasets.LevelFields {
			t.Errorf("%s: level %s, want fields", c.file, tt.Source.Level)
		}
		cfg := seqmodel.Config{Hidden: 8, Embed: 4, T: 2, Vocab: corpus.Vocab.Size(), Classes: corpus.Vocab.Size(), Seed: 1}
		m := newModel(t, "lstm", cfg).WithTokenizer(tt.Source)
		out, err := m.Sample(c.prime, 6, 1, 1)
		if !c.unk {
			var ie *datasets.InputError
			if !errors.As(err, &ie) || ie.Symbol != "zebra" || ie.Pos != 1 || ie.Unit != "word" {
				t.Errorf("%s: %q gave %v, want an error naming the word zebra at position 1", c.file, c.prime, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(out)
		if len(words) != 6 || strings.Join(words, " ") != out {
			t.Errorf("%s: %q is not 6 words joined by spaces", c.file, out)
		}
		for _, w := range words {
			if _, ok := corpus.Vocab.ID(w); !ok {
				t.Errorf("%s: %q holds %q, not a word of the corpus", c.file, out, w)
			}
		}
	}
}

// TestSampleErrors checks the arguments: an unknown character is named with its position.
func TestSampleErrors(t *testing.T) {
	m, _ := pretrained(t, "gru")
	texttest.SampleErrors(t, m.Sample)
}

// TestSampleConcurrent runs Sample from several goroutines on one model (calls take turns) and on
// clones (calls run at once); every text must be the serial one; a clone has parameters of its
// own. Run with -race.
func TestSampleConcurrent(t *testing.T) {
	m, _ := pretrained(t, "lstm")
	texttest.Concurrent(t, m, 4, func(m *seqmodel.Model, w int) (string, error) {
		return m.Sample("The ", 40, 0.8, uint64(w))
	})
	c, err := m.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if &c.Store().All()[0].Value.Data().([]float32)[0] == &m.Store().All()[0].Value.Data().([]float32)[0] {
		t.Error("a clone shares the model's parameters")
	}
}

// BenchmarkSample is one Sample of 200 characters after a prime of 4 from the prebuilt LSTM (the
// one-step graph built once, before the timer).
func BenchmarkSample(b *testing.B) {
	m, _, err := lstm.Pretrained()
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

// BenchmarkClone is one Clone of the prebuilt LSTM.
func BenchmarkClone(b *testing.B) {
	m, _, err := lstm.Pretrained()
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := m.Clone(); err != nil {
			b.Fatal(err)
		}
	}
}
