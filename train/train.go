// Package train is the one training loop every model of the zoo uses: batching, solvers by name,
// gradient clipping, learning-rate schedules, the train/evaluation switch, metrics, evaluation on
// the validation split with early stopping, progress, a JSONL log and checkpoints that resume
// bit-identically.
//
// The loop knows a model only through the small Model interface: a store of parameters and a way
// to build the graph of one batch shape in one mode. Graphs are built once per shape and reused.
package train

import (
	"math"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Model is what the loop trains.
type Model interface {
	// Store holds the model's parameters and buffers.
	Store() *nn.Store
	// Build builds the graph for batches of n examples: a training graph (batch statistics,
	// dropout) when train is true, an evaluation graph otherwise. The graph feeds itself from a
	// datasets.Batch (nn.Graph.OnFeed) and names its loss and output (nn.Graph.SetOutputs).
	Build(n int, train bool) (*nn.Graph, error)
}

// Metrics are named figures of one evaluation: "loss" always; "accuracy" for classification,
// "mse" for regression, "bpc" (bits per token) and "ppl" (perplexity) for sequence tasks.
type Metrics map[string]float64

// Graphs caches a model's graphs by batch size and mode, so each shape is built and compiled once.
type Graphs struct {
	model Model
	cache map[graphKey]*nn.Graph
}

type graphKey struct {
	n     int
	train bool
}

// NewGraphs starts an empty cache for m.
func NewGraphs(m Model) *Graphs { return &Graphs{model: m, cache: map[graphKey]*nn.Graph{}} }

// Get returns the graph for batches of n examples in the given mode, building it on first use.
func (gs *Graphs) Get(n int, train bool) (*nn.Graph, error) {
	k := graphKey{n, train}
	if g, ok := gs.cache[k]; ok {
		return g, nil
	}
	g, err := gs.model.Build(n, train)
	if err != nil {
		return nil, errors.Wrapf(err, "building the graph for batch %d (train=%v)", n, train)
	}
	if err := g.Compile(); err != nil {
		return nil, err
	}
	gs.cache[k] = g
	return g, nil
}

// Close releases every cached graph.
func (gs *Graphs) Close() error {
	var first error
	for k, g := range gs.cache {
		if err := g.Close(); err != nil && first == nil {
			first = err
		}
		delete(gs.cache, k)
	}
	return first
}

// StateResetter is a model whose evaluation graphs carry a state from one batch into the next
// (a recurrent model scoring the consecutive batches of a stream, seqmodel.Config.EvalCarry).
// ResetState puts the carried state of g, a graph the model built, back to zeros.
type StateResetter interface {
	ResetState(g *nn.Graph) error
}

// Evaluate runs the model in evaluation mode over every example of ds, in order, in batches of
// at most batch examples (the last batch may be smaller and gets a graph of its own), and returns
// the example-weighted mean loss with the task's metrics. A datasets.StreamSet is run in batches
// of exactly its Streams() examples whatever batch says, so that its rows continue each other;
// a StateResetter's state is reset before a pass first runs a graph, so every pass scores alike.
// For sequences the mean is over the steps scored (datasets.Batch.Scored).
func Evaluate(gs *Graphs, ds datasets.Dataset, batch int) (Metrics, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, errors.New("evaluate: empty dataset")
	}
	if batch <= 0 {
		return nil, errors.Errorf("evaluate: batch size %d must be positive", batch)
	}
	if s, ok := ds.(datasets.StreamSet); ok {
		batch = s.Streams()
	}
	resetter, _ := gs.model.(StateResetter)
	reset := map[*nn.Graph]bool{}
	var acc accumulator
	for _, idx := range datasets.Epoch(ds.Len(), batch, nil, false) {
		b := ds.Batch(idx)
		g, err := gs.Get(b.N, false)
		if err != nil {
			return nil, err
		}
		if resetter != nil && !reset[g] {
			if err := resetter.ResetState(g); err != nil {
				return nil, errors.Wrap(err, "evaluate")
			}
			reset[g] = true
		}
		if err := g.Feed(b); err != nil {
			return nil, errors.Wrap(err, "evaluate")
		}
		if err := g.Run(nil); err != nil {
			return nil, errors.Wrap(err, "evaluate")
		}
		acc.add(ds.Info().Kind, b, g.Loss(), g.Output())
	}
	return acc.metrics(ds.Info().Kind), nil
}

// accumulator sums a metric over batches of different sizes.
type accumulator struct {
	n, tokens     int
	loss, correct float64
	sq            float64
	sqN           int
}

func (a *accumulator) add(kind datasets.Kind, b datasets.Batch, loss float64, out tensor.Tensor) {
	weight := b.N
	if kind == datasets.Sequence && b.T > 0 {
		weight = b.N * b.T
		if b.Scored > 0 && b.Scored < b.T {
			weight = b.N * b.Scored
		}
	}
	a.n += b.N
	a.tokens += weight
	a.loss += loss * float64(weight)
	if out == nil {
		return
	}
	switch kind {
	case datasets.Classification:
		a.correct += float64(countCorrect(nn.Float64s(out), b.Labels))
	case datasets.Regression:
		p := nn.Float64s(out)
		for i := range b.Y {
			if i < len(p) {
				d := p[i] - b.Y[i]
				a.sq += d * d
				a.sqN++
			}
		}
	}
}

func (a *accumulator) metrics(kind datasets.Kind) Metrics {
	m := Metrics{"loss": a.loss / float64(a.tokens)}
	switch kind {
	case datasets.Classification:
		m["accuracy"] = a.correct / float64(a.n)
	case datasets.Regression:
		if a.sqN > 0 {
			m["mse"] = a.sq / float64(a.sqN)
		}
	case datasets.Sequence:
		m["bpc"] = m["loss"] / math.Ln2
		m["ppl"] = math.Exp(m["loss"])
	}
	return m
}

// countCorrect counts the rows of logits (row-major, len(labels) rows) whose argmax is the label.
func countCorrect(logits []float64, labels []int) int {
	if len(labels) == 0 {
		return 0
	}
	k := len(logits) / len(labels)
	c := 0
	for n, y := range labels {
		if nn.Argmax(logits[n*k:(n+1)*k]) == y {
			c++
		}
	}
	return c
}

// Accuracy is the fraction of rows of logits whose argmax equals the label.
func Accuracy(logits []float64, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	return float64(countCorrect(logits, labels)) / float64(len(labels))
}

// stepRNG is the generator of one training step's randomness (dropout masks): derived from the
// seed and the step, so a resumed run draws exactly what an uninterrupted one would.
func stepRNG(seed uint64, step int) *rand.Rand {
	return nn.NewRNG(seed, nn.StreamDropout, uint64(step))
}

// epochRNG is the generator of one epoch's data order.
func epochRNG(seed uint64, epoch int) *rand.Rand {
	return nn.NewRNG(seed, nn.StreamShuffle, uint64(epoch))
}
