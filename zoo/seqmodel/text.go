package seqmodel

import (
	"encoding/json"
	"math"
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// MaxSampleLength is the most symbols one Sample call generates (Sample's n): a million, about a
// minute of a character model on one core.
const MaxSampleLength = 1 << 20

// textState is what Sample keeps between calls: its one-step graph, and the lock that lets one
// call at a time run it.
type textState struct {
	mu      sync.Mutex
	sampler *Sampler
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
	tok := m.Tokenizer
	switch {
	case tok == nil || tok.Vocab == nil:
		return "", errors.New("sample: the model has no Tokenizer (set it to the vocabulary of the task it was trained on)")
	case tok.Vocab.Size() != m.Config.Vocab || tok.Vocab.Size() != m.Config.Classes:
		return "", errors.Errorf("sample: the Tokenizer's %d symbols do not match the model's %d inputs and %d outputs",
			tok.Vocab.Size(), m.Config.Vocab, m.Config.Classes)
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
	m.text.mu.Lock()
	defer m.text.mu.Unlock()
	if m.text.sampler == nil {
		s, err := m.NewSampler()
		if err != nil {
			return "", errors.Wrap(err, "sample")
		}
		m.text.sampler = s
	}
	gen, err := m.text.sampler.Generate(ids, n, temperature, nn.NewRNG(seed, nn.StreamSample, 0))
	if err != nil {
		return "", errors.Wrap(err, "sample")
	}
	return tok.Decode(gen)
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
