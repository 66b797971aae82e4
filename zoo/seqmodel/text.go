package seqmodel

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// MaxSampleLength is the most symbols one Sample call generates (Sample's n): a million, about a
// minute of a character model on one core.
const MaxSampleLength = 1 << 20

// A Generator reads prime and then draws n symbols, each from softmax(logits/temperature) with
// rng (temperature 0 takes the most likely): a Model's Sampler, and the transformer's Generator.
type Generator interface {
	Generate(prime []int, n int, temperature float64, rng *rand.Rand) ([]int, error)
}

// TextSampler is the string-level Sample of a language model and what it keeps between calls:
// the model's Generator, built on the first call, and the lock that lets one call at a time use
// it. Model.Sample and the transformer's LM.Sample are its Sample. The zero value is ready.
type TextSampler struct {
	mu  sync.Mutex
	gen Generator
}

// Sample checks the arguments of a model's Sample, encodes prime with tok, draws n symbols with
// the model's Generator (newGen builds it on the first call) from nn.NewRNG(seed,
// nn.StreamSample, 0) and decodes them with tok. inputs and outputs are the model's numbers of
// input and output symbols, which tok's vocabulary must match. Model.Sample documents the
// errors.
func (s *TextSampler) Sample(tok *datasets.Tokenizer, inputs, outputs int, newGen func() (Generator, error),
	prime string, n int, temperature float64, seed uint64) (string, error) {
	switch {
	case tok == nil || tok.Vocab == nil:
		return "", errors.New("sample: the model has no Tokenizer (set it to the vocabulary of the task it was trained on)")
	case tok.Vocab.Size() != inputs || tok.Vocab.Size() != outputs:
		return "", errors.Errorf("sample: the Tokenizer's %d symbols do not match the model's %d inputs and %d outputs",
			tok.Vocab.Size(), inputs, outputs)
	case n < 0 || n > MaxSampleLength:
		return "", errors.Errorf("sample: length %d: must be in [0, %d]", n, MaxSampleLength)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == nil {
		g, err := newGen()
		if err != nil {
			return "", errors.Wrap(err, "sample")
		}
		s.gen = g
	}
	gen, err := s.gen.Generate(ids, n, temperature, nn.NewRNG(seed, nn.StreamSample, 0))
	if err != nil {
		return "", errors.Wrap(err, "sample")
	}
	return tok.Decode(gen)
}

// Sample reads prime and then generates n symbols of text (for the character models: n bytes),
// each drawn from softmax(logits/temperature) by the generator nn.NewRNG(seed, nn.StreamSample,
// 0); temperature 0 takes the most likely symbol. It returns the generated text alone, without
// the prime. The same arguments give the same text, token for token what a Sampler's Generate
// draws with that generator. A byte-level model may end its text inside a UTF-8 sequence.
//
// The model's Tokenizer encodes prime and decodes the draws: Pretrained models carry theirs; a
// model built from a Config needs it set (datasets.TaskTokenizers of the task it was trained on,
// or datasets.OpticksTokenizer). A character of prime outside the vocabulary is an error naming
// it and its position (a *datasets.InputError); an empty prime, n outside [0, MaxSampleLength]
// and a negative or non-finite temperature are errors too.
//
// Sample is safe for concurrent use with other Sample calls: calls on one model take turns on
// its one-step graph, which the model builds on the first call and keeps. The model's other
// methods (NewSampler, Build, training) must not run at the same time as Sample. For samples in
// parallel, give each goroutine a Clone.
func (m *Model) Sample(prime string, n int, temperature float64, seed uint64) (string, error) {
	newGen := func() (Generator, error) { return m.NewSampler() }
	return m.text.Sample(m.Tokenizer, m.Config.Vocab, m.Config.Classes, newGen, prime, n, temperature, seed)
}

// Clone returns an independent copy of the model: the same configuration, Tokenizer and
// parameter values, none of its graphs, so the two can run Sample in different goroutines at once
// (a pool of inference copies). The parameters are copied, not shared: compiling a Gorgonia graph
// writes to every tensor it binds, so graphs of two goroutines must not bind the same ones. A
// copy costs the parameters' memory once more (1.4 MB for the prebuilt LSTM).
func (m *Model) Clone() (*Model, error) {
	c, err := New(m.Config, m.newStack)
	if err != nil {
		return nil, errors.Wrap(err, "seqmodel: clone")
	}
	if err := c.store.CopyFrom(m.store); err != nil {
		return nil, errors.Wrap(err, "seqmodel: clone")
	}
	c.Tokenizer = m.Tokenizer
	return c, nil
}

// WithTokenizer sets the model's Tokenizer and returns the model, for a model built from a Config.
func (m *Model) WithTokenizer(t *datasets.Tokenizer) *Model {
	m.Tokenizer = t
	return m
}

// recordTokenizer is the tokenizer of the task a prebuilt record names ({"task": "opticks", …}):
// the Opticks' own, which needs no file. Other tasks give none.
func recordTokenizer(task []byte) (*datasets.Tokenizer, error) {
	var t struct {
		Name string `json:"task"`
	}
	if len(task) > 0 {
		if err := json.Unmarshal(task, &t); err != nil {
			return nil, errors.Wrap(err, "prebuilt model record: task")
		}
	}
	if t.Name == "opticks" {
		return datasets.OpticksTokenizer(), nil
	}
	return nil, nil
}
