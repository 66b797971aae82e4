package transformer

import (
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
)

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
	newGen := func() (seqmodel.Generator, error) { return m.NewGenerator() }
	return m.text.Sample(m.Tokenizer, m.Config.Vocab, m.Config.Vocab, newGen, prime, n, temperature, seed)
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
	return m.translate.Translate(m, m.Tokenizers, m.Config.MaxSrc, input, beam)
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
