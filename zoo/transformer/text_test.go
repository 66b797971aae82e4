package transformer

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
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
	_, err = m.Sample("na\u00efve", 10, 1, 1)
	var ie *datasets.InputError
	if !errors.As(err, &ie) || ie.Symbol != "\u00ef" || ie.Pos != 2 {
		t.Errorf("prime with \u00ef: error %v, want one naming \u00ef at position 2", err)
	}
	for _, c := range []struct {
		prime string
		n     int
		temp  float64
		want  string
	}{
		{"", 10, 1, "prime"},
		{"The", -2, 1, "length -2"},
		{"The", 10, -1, "temperature -1"},
	} {
		if _, err := m.Sample(c.prime, c.n, c.temp, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Sample(%q, %d, %v): error %v, want one naming %q", c.prime, c.n, c.temp, err, c.want)
		}
	}
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
	const workers = 3
	want := make([]string, workers)
	models := []*LM{m}
	for w := range want {
		if want[w], err = m.Sample("Light ", 20, 0.8, uint64(w)); err != nil {
			t.Fatal(err)
		}
		if w > 0 {
			c, err := m.Clone()
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, c)
		}
	}
	for _, shared := range []bool{true, false} {
		got, errs := make([]string, workers), make([]error, workers)
		var wg sync.WaitGroup
		for w := range got {
			mm := models[w]
			if shared {
				mm = m
			}
			wg.Go(func() { got[w], errs[w] = mm.Sample("Light ", 20, 0.8, uint64(w)) })
		}
		wg.Wait()
		for w := range got {
			if errs[w] != nil || got[w] != want[w] {
				t.Errorf("one model shared: %v; goroutine %d: %q (%v), want %q", shared, w, got[w], errs[w], want[w])
			}
		}
	}
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
	tgt := m.Tokenizers.Target.Vocab
	for i, text := range texts {
		for _, k := range []int{1, 3} {
			tr, err := m.Translate(text, k)
			if err != nil {
				t.Fatal(err)
			}
			hyps, err := m.Beam(datasets.Batch{N: 1, SrcT: len(ids[i]), Src: ids[i], SrcLen: []int{len(ids[i])}}, k)
			if err != nil {
				t.Fatal(err)
			}
			h := hyps[0]
			want := ""
			for _, id := range h.Tokens {
				want += tgt.Symbol(id)
			}
			if tr.Output != want || tr.Score != h.LogProb || !reflect.DeepEqual(tr.Attention, h.Attention) {
				t.Errorf("%q beam %d: Translate %q (%v), Beam %q (%v)", text, k, tr.Output, tr.Score, want, h.LogProb)
			}
			if len(tr.Attention) != len(tr.OutputTokens) || len(tr.Attention[0]) != len(tr.InputTokens) || len(tr.InputTokens) != len(ids[i]) {
				t.Errorf("%q: attention %d×%d for %d output and %d input tokens", text, len(tr.Attention), len(tr.Attention[0]), len(tr.OutputTokens), len(tr.InputTokens))
			}
		}
	}
	_, err := m.Translate("3 d\u00e9c 2001", 2)
	var ie *datasets.InputError
	if !errors.As(err, &ie) || ie.Symbol != "\u00e9" || ie.Pos != 3 {
		t.Errorf("3 d\u00e9c 2001: error %v, want one naming \u00e9 at position 3", err)
	}
	if _, err := m.Translate(texts[0], 0); err == nil || !strings.Contains(err.Error(), "beam 0") {
		t.Errorf("beam 0: error %v", err)
	}
	if _, err := m.Translate(strings.Repeat("9", 30), 1); err == nil || !strings.Contains(err.Error(), "30 symbols") {
		t.Errorf("30 symbols: error %v", err)
	}

	// Concurrent use: the model shared (calls take turns), then one clone per goroutine.
	want := make([]seq2seq.Translation, 3)
	models := []*Seq2Seq{m}
	for i := range want {
		if want[i], err = m.Translate(texts[i], 2); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			c, err := m.Clone()
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, c)
		}
	}
	for _, shared := range []bool{true, false} {
		got, errs := make([]seq2seq.Translation, len(want)), make([]error, len(want))
		var wg sync.WaitGroup
		for i := range got {
			mm := models[i]
			if shared {
				mm = m
			}
			wg.Go(func() { got[i], errs[i] = mm.Translate(texts[i], 2) })
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("one model shared: %v; %q: %q (%v), want %q", shared, texts[i], got[i].Output, errs[i], want[i].Output)
			}
		}
	}
}
