package seq2seq

import (
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/pkg/errors"
)

// MaxBeam is the widest beam TranslateWith takes. BeamSearch of width k decodes k(k+1)/2 rows
// at once (2,080 at 64: the prebuilt model's step graph then holds about 90 MB of attention
// memory).
const MaxBeam = 64

// Translation is one input translated by a model.
type Translation struct {
	// Output is the translated text (without EOS), its symbols joined as the target tokenizer
	// joins them.
	Output string
	// Score is the log-probability of the output under the model: the sum of its tokens'
	// log-probabilities, EOS included (Hypothesis.LogProb).
	Score float64
	// Ended is false when the decoder wrote the most tokens it may without ending with EOS.
	Ended bool
	// Attention holds one row per OutputTokens entry (the decoder's steps) with one weight per
	// InputTokens entry: the decoder's attention over the input, the lecture's heatmap (for the
	// transformer, the last decoder layer's cross-attention averaged over heads). Each row sums to
	// 1. It is nil for a model without attention.
	Attention [][]float64
	// InputTokens are the input's symbols as the model reads them: the labels of the columns.
	InputTokens []string
	// OutputTokens are the symbols the decoder wrote, the labels of the rows: those of Output,
	// then datasets.EOSSymbol when the output Ended.
	OutputTokens []string
}

// A Searcher is a model whose decoding steps a search drives: Model, and the transformer's
// encoder–decoder.
type Searcher interface {
	NewStepper(b datasets.Batch) (Stepper, error)
}

// TranslateWith translates input with the model s: it encodes input with tt.Source, decodes it by
// BeamSearch of width beam (1 is GreedySearch) over s's Stepper, and decodes the best hypothesis
// with tt.Target. maxSrc is the longest input s reads, in symbols. An input symbol outside the
// vocabulary is an error naming it and its position (a *datasets.InputError); an empty or too
// long input and a beam outside [1, MaxBeam] are errors too. Model.Translate and the
// transformer's Translate call it.
func TranslateWith(s Searcher, tt datasets.Tokenizers, maxSrc int, input string, beam int) (Translation, error) {
	if tt.Source == nil || tt.Target == nil || tt.Source.Vocab == nil || tt.Target.Vocab == nil {
		return Translation{}, errors.New("translate: the model has no Tokenizers (set them to the vocabularies of the task it was trained on)")
	}
	if beam < 1 || beam > MaxBeam {
		return Translation{}, errors.Errorf("translate: beam %d: must be in [1, %d]", beam, MaxBeam)
	}
	ids, err := tt.Source.Encode(input)
	if err != nil {
		return Translation{}, errors.Wrap(err, "translate: input")
	}
	if len(ids) == 0 {
		return Translation{}, errors.Errorf("translate: input %q: at least one symbol is needed", input)
	}
	if len(ids) > maxSrc {
		return Translation{}, errors.Errorf("translate: input of %d symbols: the model reads at most %d", len(ids), maxSrc)
	}
	st, err := s.NewStepper(datasets.Batch{N: 1, SrcT: len(ids), Src: ids, SrcLen: []int{len(ids)}})
	if err != nil {
		return Translation{}, errors.Wrap(err, "translate")
	}
	hyps, err := BeamSearch(st, beam)
	if err != nil {
		return Translation{}, errors.Wrap(err, "translate")
	}
	h := hyps[0]
	tr := Translation{Score: h.LogProb, Ended: h.Ended}
	if tr.Output, err = tt.Target.Decode(h.Tokens); err != nil {
		return Translation{}, errors.Wrap(err, "translate: output")
	}
	if tr.InputTokens, err = tt.Source.Labels(ids); err != nil {
		return Translation{}, errors.Wrap(err, "translate: input")
	}
	if tr.OutputTokens, err = tt.Target.Labels(h.Tokens); err != nil {
		return Translation{}, errors.Wrap(err, "translate: output")
	}
	if h.Ended {
		tr.OutputTokens = append(tr.OutputTokens, datasets.EOSSymbol)
	}
	if h.Attention != nil {
		tr.Attention = make([][]float64, len(h.Attention))
		for i, row := range h.Attention {
			tr.Attention[i] = append([]float64(nil), row...)
		}
	}
	return tr, nil
}

// TextTranslator is the string-level Translate of an encoder–decoder: the lock that lets one call
// at a time use the model's decoding graphs. Model.Translate and the transformer's
// Seq2Seq.Translate are its Translate. The zero value is ready.
type TextTranslator struct{ mu sync.Mutex }

// Translate is TranslateWith(s, tt, maxSrc, input, beam), one call at a time.
func (t *TextTranslator) Translate(s Searcher, tt datasets.Tokenizers, maxSrc int, input string, beam int) (Translation, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TranslateWith(s, tt, maxSrc, input, beam)
}

// Translate translates input (a date such as "12 March 1998" for the prebuilt model) by beam
// search of width beam, 1 being greedy: the output, its log-probability and the attention of
// every output step over the input (TranslateWith). The result is the hypothesis Beam returns for
// the encoded input.
//
// The model's Tokenizers encode the input and decode the output: Pretrained sets them; a model
// built from a Config needs them set (datasets.TaskTokenizers of its task's Info).
//
// Translate is safe for concurrent use with other Translate calls on the model: they take turns
// on its inference graphs. The model's other decoding methods (Greedy, Beam, NewStepper,
// Evaluate) share those graphs and must not run at the same time as Translate. For translations
// in parallel, give each goroutine a Clone.
func (m *Model) Translate(input string, beam int) (Translation, error) {
	return m.translate.Translate(m, m.Tokenizers, m.Config.MaxSrc, input, beam)
}

// Clone returns an independent copy of the model: the same configuration, Tokenizers and
// parameter values, none of its graphs, so the two can decode in different goroutines at once (a
// pool of inference copies). The parameters are copied, not shared: compiling a Gorgonia graph
// writes to every tensor it binds, so graphs of two goroutines must not bind the same ones. A
// copy costs the parameters' memory once more (1.5 MB for the prebuilt date model).
func (m *Model) Clone() (*Model, error) {
	c, err := New(m.Config)
	if err != nil {
		return nil, errors.Wrap(err, "seq2seq: clone")
	}
	if err := c.store.CopyFrom(m.store); err != nil {
		return nil, errors.Wrap(err, "seq2seq: clone")
	}
	c.Tokenizers = m.Tokenizers
	return c, nil
}

// DateTokenizers are the tokenizers of the date task (datasets.Dates): characters in, ISO 8601
// characters out. They are those of the prebuilt model.
func DateTokenizers() (datasets.Tokenizers, error) {
	d, err := datasets.Dates(0, 1, datasets.DateOptions{})
	if err != nil {
		return datasets.Tokenizers{}, err
	}
	return datasets.TaskTokenizers(d.Info())
}

// WithTokenizers sets the model's Tokenizers and returns the model, for a model built from a
// Config.
func (m *Model) WithTokenizers(tt datasets.Tokenizers) *Model {
	m.Tokenizers = tt
	return m
}
