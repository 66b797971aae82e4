// Package texttest holds the checks that every model of the string-level API passes, for the
// tests of seqmodel, seq2seq and transformer: the arguments of Sample and Translate, Translate
// against Beam, and concurrent use of one model and of its clones; and, for the tests that serve
// models, a checkpoint of a date model as zoo train writes it.
package texttest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// SampleErrors checks the arguments of a language model's Sample, the model reading the Opticks
// vocabulary: a character outside it is a *datasets.InputError naming the prime, the character
// and its position; an empty prime, a length outside [0, seqmodel.MaxSampleLength] and a
// negative or non-finite temperature are errors naming them; a length of 0 gives "".
func SampleErrors(t *testing.T, sample func(prime string, n int, temperature float64, seed uint64) (string, error)) {
	t.Helper()
	_, err := sample("Café au lait", 10, 1, 1)
	var ie *datasets.InputError
	if !errors.As(err, &ie) || ie.Symbol != "é" || ie.Pos != 3 {
		t.Fatalf("prime with é: error %v, want an InputError naming é at position 3", err)
	}
	if !strings.Contains(err.Error(), `"é" at position 3`) || !strings.Contains(err.Error(), "prime") {
		t.Errorf("error %q does not name the prime, the character and its position", err)
	}
	for _, c := range []struct {
		prime string
		n     int
		temp  float64
		want  string
	}{
		{"", 10, 1, "prime"},
		{"The", -1, 1, "length -1"},
		{"The", seqmodel.MaxSampleLength + 1, 1, "length 1048577"},
		{"The", 10, -0.5, "temperature -0.5"},
		{"The", 10, math.NaN(), "temperature NaN"},
		{"The", 10, math.Inf(1), "temperature +Inf"},
	} {
		if _, err := sample(c.prime, c.n, c.temp, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Sample(%q, %d, %v): error %v, want one naming %q", c.prime, c.n, c.temp, err, c.want)
		}
	}
	if s, err := sample("The", 0, 1, 1); err != nil || s != "" {
		t.Errorf("n = 0: %q, %v", s, err)
	}
}

// TranslateErrors checks the arguments of a date model's Translate (the date task's
// tokenizers), maxSrc being the longest input it reads: a character outside the vocabulary is a
// *datasets.InputError naming the input, the character and its position; a beam outside [1,
// seq2seq.MaxBeam], an empty input and one of maxSrc+1 symbols are errors naming them.
func TranslateErrors(t *testing.T, translate func(input string, beam int) (seq2seq.Translation, error), maxSrc int) {
	t.Helper()
	_, err := translate("12 März 1998", 1)
	var ie *datasets.InputError
	if !errors.As(err, &ie) || ie.Symbol != "ä" || ie.Pos != 4 || !strings.Contains(err.Error(), `input: character "ä" at position 4`) {
		t.Errorf("12 März 1998: error %v, want one naming ä at position 4", err)
	}
	for _, c := range []struct {
		input string
		beam  int
		want  string
	}{
		{"12 March 1998", 0, "beam 0"},
		{"12 March 1998", seq2seq.MaxBeam + 1, fmt.Sprintf("beam %d", seq2seq.MaxBeam+1)},
		{"", 1, "at least one symbol"},
		{strings.Repeat("1", maxSrc+1), 1, fmt.Sprintf("%d symbols", maxSrc+1)},
	} {
		if _, err := translate(c.input, c.beam); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Translate(%q, %d): error %v, want one naming %q", c.input, c.beam, err, c.want)
		}
	}
}

// An EncoderDecoder translates strings and searches batches of ids: seq2seq.Model and the
// transformer's Seq2Seq.
type EncoderDecoder interface {
	Translate(input string, beam int) (seq2seq.Translation, error)
	Beam(b datasets.Batch, k int) ([]seq2seq.Hypothesis, error)
}

// TranslateEqualsBeam holds m.Translate(texts[i], k) to m.Beam of the ids ids[i], for k = 1
// (greedy) and 3: the output (the target symbols of tgt), the score, whether it ended and every
// attention weight; the input tokens are the text's, the output tokens the output's with EOS
// when it ended, one attention row each with a weight per input token.
func TranslateEqualsBeam(t *testing.T, m EncoderDecoder, tgt *datasets.Vocabulary, texts []string, ids [][]int) {
	t.Helper()
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
			if tr.Output != want || tr.Score != h.LogProb || tr.Ended != h.Ended || !reflect.DeepEqual(tr.Attention, h.Attention) {
				t.Errorf("%q beam %d: Translate %q (%v), Beam %q (%v)", text, k, tr.Output, tr.Score, want, h.LogProb)
			}
			if len(tr.InputTokens) != len(ids[i]) || strings.Join(tr.InputTokens, "") != text {
				t.Errorf("%q: input tokens %q", text, tr.InputTokens)
			}
			out := tr.OutputTokens
			if tr.Ended {
				if len(out) == 0 || out[len(out)-1] != datasets.EOSSymbol {
					t.Errorf("%q: output tokens %q of an ended output, want EOS last", text, out)
					continue
				}
				out = out[:len(out)-1]
			}
			if len(tr.OutputTokens) != len(tr.Attention) || strings.Join(out, "") != tr.Output {
				t.Errorf("%q: output tokens %q for %d attention rows", text, tr.OutputTokens, len(tr.Attention))
			}
			for _, row := range tr.Attention {
				if len(row) != len(tr.InputTokens) {
					t.Fatalf("%q: an attention row of %d weights for %d input tokens", text, len(row), len(tr.InputTokens))
				}
			}
		}
	}
}

// Concurrent runs call(·, i) for every i < n from n goroutines, twice each: first all on m (the
// calls take turns), then each on a clone of m of its own (they run at once). Every result must
// be the serial one, call(m, i) run before. Run with -race.
func Concurrent[M interface{ Clone() (M, error) }, R any](t *testing.T, m M, n int, call func(m M, i int) (R, error)) {
	t.Helper()
	want := make([]R, n)
	models := []M{m}
	for i := range want {
		var err error
		if want[i], err = call(m, i); err != nil {
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
		got, errs := make([]R, n), make([]error, n)
		var wg sync.WaitGroup
		for i := range got {
			mm := models[i]
			if shared {
				mm = m
			}
			wg.Go(func() {
				for r := 0; r < 2; r++ {
					got[i], errs[i] = call(mm, i)
				}
			})
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("one model shared: %v; call %d: %v (%v), want %v", shared, i, got[i], errs[i], want[i])
			}
		}
	}
}
