package transformer

import (
	"math"
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
)

// textState is what Sample keeps between calls: its one-window generator, and the lock that lets
// one call at a time run it.
type textState struct {
	mu  sync.Mutex
	gen *Generator
}

// Sample reads prime and then generates n symbols of text (for the character model: n bytes),
// each drawn from softmax(logits/temperature) by the generator nn.NewRNG(seed, nn.StreamSample,
// 0); temperature 0 takes the most likely symbol. It returns the generated text alone, without
// the prime. The same arguments give the same text, token for token what Generate draws with that
// generator. The model reads the last Config.Context symbols; a byte-level model may end its text
// inside a UTF-8 sequence.
//
// The model's Tokenizer encodes prime and decodes the draws: Pretrained sets it; a model built
// from a Config needs it set (datasets.TaskTokenizers of its task, or datasets.OpticksTokenizer).
// A character of prime outside the vocabulary is an error naming it and its position (a
// *datasets.InputError); an empty prime, n outside [0, seqmodel.MaxSampleLength] and a negative
// or non-finite temperature are errors too.
//
// Sample is safe for concurrent use with other Sample calls: they take turns on a generator the
// model keeps for them. The model's other methods (Generate, NewGenerator, Attention, Build,
// training) must not run at the same time as Sample. For samples in parallel, give each goroutine
// a Clone.
func (m *LM) Sample(prime string, n int, temperature float64, seed uint64) (string, error) {
	tok := m.Tokenizer
	switch {
	case tok == nil || tok.Vocab == nil:
		return "", errors.New("sample: the model has no Tokenizer (set it to the vocabulary of the task it was trained on)")
	case tok.Vocab.Size() != m.Config.Vocab:
		return "", errors.Errorf("sample: the Tokenizer's %d symbols do not match the model's vocabulary of %d", tok.Vocab.Size(), m.Config.Vocab)
	case n < 0 || n > seqmodel.MaxSampleLength:
		return "", errors.Errorf("sample: length %d: must be in [0, %d]", n, seqmodel.MaxSampleLength)
	case !(temperature >= 0) || math.IsInf(temperature, 0):
		return "", errors.Errorf("sample: temperature %v: must be a finite number ≥ 0", temperature)
	}
	ids, err := tok.Encode(prime)
	if err != nil {
		return "", errors.Wrap(err, "sample: prime")
	}
	if len(ids) == 0 {
		return "", errors.Errorf("sample: prime %q: at least one symbol is needed", prime)
	}
	m.text.mu.Lock()
	defer m.text.mu.Unlock()
	if m.text.gen == nil {
		gen, err := m.NewGenerator()
		if err != nil {
			return "", errors.Wrap(err, "sample")
		}
		m.text.gen = gen
	}
	gen, err := m.text.gen.Generate(ids, n, temperature, nn.NewRNG(seed, nn.StreamSample, 0))
	if err != nil {
		return "", errors.Wrap(err, "sample")
	}
	return tok.Decode(gen)
}

// Clone returns an independent copy of the model: the same configuration, Tokenizer and
// parameter values, none of its graphs, so the two can run Sample in different goroutines at once
// (a pool of inference copies). The parameters are copied, not shared: compiling a Gorgonia graph
// writes to every tensor it binds, so graphs of two goroutines must not bind the same ones.
func (m *LM) Clone() (*LM, error) {
	c, err := New(m.Config)
	if err != nil {
		return nil, errors.Wrap(err, "transformer: clone")
	}
	if err := c.store.CopyFrom(m.store); err != nil {
		return nil, errors.Wrap(err, "transformer: clone")
	}
	c.Tokenizer = m.Tokenizer
	return c, nil
}

// WithTokenizer sets the model's Tokenizer and returns the model, for a model built from a
// Config.
func (m *LM) WithTokenizer(t *datasets.Tokenizer) *LM {
	m.Tokenizer = t
	return m
}

// translateLock lets one Translate at a time use a model's decoding graphs.
type translateLock struct{ sync.Mutex }

// Translate translates input by beam search of width beam, 1 being greedy: the output, its
// log-probability and, for every output step, the last decoder layer's cross-attention over the
// input averaged over heads (seq2seq.TranslateWith). The result is the hypothesis Beam returns for
// the encoded input.
//
// The model's Tokenizers encode the input and decode the output; a model built from a
// Seq2SeqConfig or loaded from a checkpoint needs them set (datasets.TaskTokenizers of its task's
// Info, or seq2seq.DateTokenizers for the date task). An input symbol outside the vocabulary is
// an error naming it and its position (a *datasets.InputError); so are an empty input, one longer
// than MaxSrc symbols and a beam outside [1, seq2seq.MaxBeam].
//
// Translate is safe for concurrent use with other Translate calls on the model: they take turns
// on its decoding graphs. Greedy, Beam, NewStepper and ExactMatch share those graphs and must not
// run at the same time as Translate. For translations in parallel, give each goroutine a Clone.
func (m *Seq2Seq) Translate(input string, beam int) (seq2seq.Translation, error) {
	m.translate.Lock()
	defer m.translate.Unlock()
	return seq2seq.TranslateWith(m, m.Tokenizers, m.Config.MaxSrc, input, beam)
}

// Clone returns an independent copy of the model: the same configuration, Tokenizers and
// parameter values, none of its graphs, so the two can decode in different goroutines at once.
// The parameters are copied, not shared (see LM.Clone).
func (m *Seq2Seq) Clone() (*Seq2Seq, error) {
	c, err := NewSeq2Seq(m.Config)
	if err != nil {
		return nil, errors.Wrap(err, "transformer: clone")
	}
	if err := c.store.CopyFrom(m.store); err != nil {
		return nil, errors.Wrap(err, "transformer: clone")
	}
	c.Tokenizers = m.Tokenizers
	return c, nil
}

// WithTokenizers sets the model's Tokenizers and returns the model, for a model built from a
// Seq2SeqConfig.
func (m *Seq2Seq) WithTokenizers(tt datasets.Tokenizers) *Seq2Seq {
	m.Tokenizers = tt
	return m
}
