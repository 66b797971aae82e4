// Package seqmodel is the recurrent sequence model, whatever its cell: an input layer (an
// embedding of tokens, or the real-valued features of each step), a stack of recurrent cells
// unrolled over T steps (backpropagation through time), and a head — a softmax over classes at
// every step (language models, the copy task) or a regression from the last step (the adding
// problem).
//
//	x_t = E[token_t]  or  the features of step t
//	h_t = cell(x_t, h_{t−1})                         (L layers, dropout between them)
//	ŷ_t = h_t·W_out + b_out                           (every step, or the last one only)
//
// The graph is unrolled once for T steps and reused for every batch; the evaluation graph of the
// same shape shares the parameters. With Carry, a training graph copies its final state into its
// initial state after every run (values, not graph edges), so consecutive batches of a stream
// continue each other: truncated BPTT. With EvalCarry the evaluation graphs carry their state
// the same way, so that a stream is scored with the state carried through the whole of it, as
// Zaremba et al. 2014 and PyTorch's word_language_model score; train.Evaluate resets it before
// every pass (ResetState).
//
// The cells come from the cell packages: rnn.NewModel, lstm.NewModel and gru.NewModel build a
// Model of their cells from a Config and the cell's own configuration, and catalog.Cells does the
// same by the cell's name. A Model is a train.Model, which train.Fit trains; NewSampler draws
// tokens from a language model.
package seqmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config describes a recurrent sequence model and the task shape it is built for.
type Config struct {
	Hidden     int     `json:"hidden"`     // width of every recurrent layer
	Layers     int     `json:"layers"`     // stacked cells (0 means 1)
	Embed      int     `json:"embed"`      // embedding width of token inputs
	Dropout    float64 `json:"dropout"`    // on the embeddings, between layers and below the head
	T          int     `json:"bptt"`       // steps the graph is unrolled for
	Vocab      int     `json:"vocab"`      // input tokens; 0 for real-valued inputs
	Dim        int     `json:"dim"`        // features per step of real-valued inputs
	Classes    int     `json:"classes"`    // outputs per step (per-step classification)
	Regression bool    `json:"regression"` // regress YDim targets from the last step instead
	YDim       int     `json:"ydim"`       // targets of the regression head
	Carry      bool    `json:"carry"`      // truncated BPTT: carry the state between training batches
	Float64    bool    `json:"float64"`    // float64 instead of float32
	Seed       uint64  `json:"seed"`       // initialisation
	// InitUniform, when positive, redraws every parameter from U(−InitUniform, InitUniform) once
	// the layers are built (Zaremba et al. 2014 use 0.1 for every weight and bias alike); 0 keeps
	// the layers' own initialisation.
	InitUniform float64 `json:"init_uniform,omitempty"`
	// Impl is how the recurrent layers run: "fused" (or "", as in records written before the
	// field existed), one node per layer over the whole sequence, or "graph", the per-formula
	// steps of the cells. Parameters are the same either way.
	Impl string `json:"impl,omitempty"`
	// EvalCarry makes the evaluation graphs carry their state from one batch into the next too,
	// for scoring the consecutive batches of a stream (datasets.BPTTStream.EvalExamples) with
	// the state carried through it; their loss leaves out the padded steps of a stream's last
	// batch (datasets.Batch.Scored). train.Evaluate zeroes the state before each pass
	// (ResetState).
	EvalCarry bool `json:"eval_carry,omitempty"`
}

// FromInfo fills the task-shape fields of c from a dataset's Info.
func (c Config) FromInfo(info datasets.Info) Config {
	c.T = info.T
	c.Vocab, c.Dim, c.Classes, c.Regression, c.YDim = 0, 0, 0, false, 0
	if info.Vocab != nil {
		c.Vocab = info.Vocab.Size()
	} else {
		c.Dim = info.Dim
	}
	if info.Kind == datasets.Regression {
		c.Regression, c.YDim = true, max(info.YDim, 1)
	} else {
		c.Classes = info.Classes
	}
	return c
}

// StackFunc creates the recurrent stack of a model in s: in features per step, hidden wide.
type StackFunc func(s *nn.Store, name string, in, hidden int) (*recurrent.Stack, error)

// Model is a recurrent sequence model's parameters; it builds graphs for any batch size
// (train.Model).
type Model struct {
	Config Config // what it was built from
	store  *nn.Store
	emb    *nn.Embedding
	stack  *recurrent.Stack
	out    *nn.Linear
	// newStack rebuilds the stack for replicas.
	newStack StackFunc

	// Tokenizer encodes the text of Sample and decodes what it draws: the vocabulary the model
	// was trained with (text.go).
	Tokenizer *datasets.Tokenizer
	text      TextSampler

	// carried holds the state of every carrying evaluation graph Build made (EvalCarry), for
	// ResetState.
	carriedMu sync.Mutex
	carried   map[*nn.Graph]*recurrent.State
}

// New creates the model's parameters: the embedding (token inputs), the stack newStack builds,
// and the output layer, initialised from cfg.Seed in that order.
func New(cfg Config, newStack StackFunc) (*Model, error) {
	switch {
	case cfg.Hidden <= 0:
		return nil, nn.BadField("seqmodel.Config.Hidden", cfg.Hidden, "must be positive")
	case cfg.T <= 0:
		return nil, nn.BadField("seqmodel.Config.T", cfg.T, "must be positive")
	case cfg.T > 255*256:
		return nil, nn.BadField("seqmodel.Config.T", cfg.T, "at most %d steps", 255*256)
	case cfg.Dropout < 0 || cfg.Dropout >= 1:
		return nil, nn.BadField("seqmodel.Config.Dropout", cfg.Dropout, "outside [0, 1)")
	case cfg.Vocab <= 0 && cfg.Dim <= 0:
		return nil, errors.New("seqmodel: the task has neither tokens nor features")
	case cfg.Vocab > 0 && cfg.Embed <= 0:
		return nil, nn.BadField("seqmodel.Config.Embed", cfg.Embed, "must be positive")
	case !cfg.Regression && cfg.Classes <= 0:
		return nil, errors.New("seqmodel: the task has no classes")
	case !(cfg.InitUniform >= 0) || math.IsInf(cfg.InitUniform, 0):
		return nil, nn.BadField("seqmodel.Config.InitUniform", cfg.InitUniform, "must be a finite number ≥ 0")
	}
	if err := recurrent.CheckImpl(cfg.Impl); err != nil {
		return nil, nn.WrapField(err, "seqmodel.Config.Impl", cfg.Impl)
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	m := &Model{Config: cfg, store: nn.NewStore(dt, cfg.Seed), newStack: newStack}
	in := cfg.Dim
	var err error
	if cfg.Vocab > 0 {
		if m.emb, err = nn.NewEmbedding(m.store, "encoder", cfg.Vocab, cfg.Embed); err != nil {
			return nil, err
		}
		in = cfg.Embed
	}
	if m.stack, err = newStack(m.store, "rnn", in, cfg.Hidden); err != nil {
		return nil, err
	}
	m.stack.Impl = cfg.Impl
	outs := cfg.Classes
	if cfg.Regression {
		outs = cfg.YDim
	}
	if m.out, err = nn.NewLinear(m.store, "decoder", cfg.Hidden, outs, true); err != nil {
		return nil, err
	}
	if cfg.InitUniform > 0 {
		initUniform(m.store, cfg.InitUniform, cfg.Seed)
	}
	return m, nil
}

// Replica returns a new model of the same configuration, for data-parallel training
// (train.Replicable).
func (m *Model) Replica() (train.Model, error) { return New(m.Config, m.newStack) }

// Store holds the parameters.
func (m *Model) Store() *nn.Store { return m.store }

// Stack is the model's recurrent stack.
func (m *Model) Stack() *recurrent.Stack { return m.stack }

// Build builds the graph of a batch of n sequences of Config.T steps (train.Model). The output
// node holds the logits of every step, time-major: row t·n+b is step t of sequence b.
// With Config.EvalCarry an evaluation graph carries its state between runs, from zeros until
// ResetState.
func (m *Model) Build(n int, train bool) (*nn.Graph, error) {
	evalCarry := m.Config.EvalCarry && !train
	g, u, err := m.build(n, m.Config.T, train, m.Config.Carry && train || evalCarry, evalCarry, false)
	if err != nil || !evalCarry {
		return g, err
	}
	m.carriedMu.Lock()
	defer m.carriedMu.Unlock()
	if m.carried == nil {
		m.carried = map[*nn.Graph]*recurrent.State{}
	}
	m.carried[g] = u.state
	return g, nil
}

// ResetState zeroes the state a carrying evaluation graph g of the model (Config.EvalCarry)
// carries, so that its next run starts a stream afresh (train.StateResetter); graphs that carry
// nothing are left as they are.
func (m *Model) ResetState(g *nn.Graph) error {
	m.carriedMu.Lock()
	st := m.carried[g]
	m.carriedMu.Unlock()
	if st == nil {
		return nil
	}
	return st.Zero()
}

// unrolled is a built graph's handles: per-step inputs (graph implementation) or one input of
// every step, time-major (fused).
type unrolled struct {
	tokens []*nn.TokenInput
	feats  []*nn.Input
	fused  bool
	state  *recurrent.State
	logits *G.Node
}

// build unrolls the graph of n sequences of T steps; carry copies the final state into the
// initial one after every run, and padded lets a batch leave its last steps unscored
// (datasets.Batch.Scored) through a masked cross-entropy. logitsOnly builds a token model's
// logits without the loss and its labels (the Sampler's one-step graph, which reads the logits
// alone).
func (m *Model) build(n, T int, train, carry, padded, logitsOnly bool) (*nn.Graph, *unrolled, error) {
	cfg := m.Config
	g := nn.NewGraph(m.store, n, train)
	u := &unrolled{fused: m.stack.Fused()}
	u.state = m.stack.NewState(g, n)
	// last is the top output of the last step (regression), all those of every step, time-major.
	var last, all *G.Node
	var final [][]*G.Node
	if u.fused {
		// One lookup (or one input) of all T·n steps, one node per layer.
		var x *G.Node
		var err error
		if m.emb != nil {
			var tok *nn.TokenInput
			if tok, x, err = m.emb.Lookup(g, "tokens", T*n); err == nil {
				u.tokens = []*nn.TokenInput{tok}
				x, err = nn.Dropout(g, x, cfg.Dropout)
			}
		} else {
			in := g.Input("x", T*n, cfg.Dim)
			u.feats = []*nn.Input{in}
			x = in.Node
		}
		if err != nil {
			return nil, nil, err
		}
		if all, final, err = m.stack.ForwardSeq(g, x, T, u.state.Nodes()); err != nil {
			return nil, nil, err
		}
		if cfg.Regression {
			if last, err = recurrent.Rows(all, (T-1)*n, T*n); err != nil {
				return nil, nil, err
			}
		}
	} else {
		xs := make([]*G.Node, T)
		for t := range xs {
			var err error
			if m.emb != nil {
				var tok *nn.TokenInput
				tok, xs[t], err = m.emb.Lookup(g, fmt.Sprintf("tokens_%d", t), n)
				u.tokens = append(u.tokens, tok)
				if err == nil {
					xs[t], err = nn.Dropout(g, xs[t], cfg.Dropout)
				}
			} else {
				in := g.Input(fmt.Sprintf("x_%d", t), n, cfg.Dim)
				u.feats = append(u.feats, in)
				xs[t] = in.Node
			}
			if err != nil {
				return nil, nil, err
			}
		}
		outs, fin, err := m.stack.Forward(g, xs, u.state.Nodes())
		if err != nil {
			return nil, nil, err
		}
		final = fin
		if cfg.Regression {
			last = outs[T-1]
		} else if all, err = recurrent.ConcatSteps(outs); err != nil {
			return nil, nil, err
		}
	}
	if carry {
		if err := u.state.Watch(final); err != nil {
			return nil, nil, err
		}
		g.AfterRun(u.state.Carry)
	}
	feed := m.feedInputs(u, n, T)
	if cfg.Regression {
		last, err := nn.Dropout(g, last, cfg.Dropout)
		if err != nil {
			return nil, nil, err
		}
		pred, err := m.out.Forward(g, last)
		if err != nil {
			return nil, nil, err
		}
		head, err := nn.NewMSE(g, pred)
		if err != nil {
			return nil, nil, err
		}
		g.SetOutputs(head.Loss, pred)
		u.logits = pred
		g.OnFeed(func(b datasets.Batch) error {
			if err := feed(b); err != nil {
				return err
			}
			return head.SetTargets(b.Y)
		})
		return g, u, nil
	}
	h, err := nn.Dropout(g, all, cfg.Dropout)
	if err != nil {
		return nil, nil, err
	}
	logits, err := m.out.Forward(g, h)
	if err != nil {
		return nil, nil, err
	}
	if logitsOnly {
		g.SetOutputs(nil, logits)
		u.logits = logits
		g.OnFeed(feed)
		return g, u, nil
	}
	newHead := nn.NewCrossEntropy
	if padded {
		newHead = nn.NewMaskedCrossEntropy
	}
	head, err := newHead(g, logits)
	if err != nil {
		return nil, nil, err
	}
	g.SetOutputs(head.Loss, logits)
	u.logits = logits
	labels := make([]int, n*T)
	var weights []float64
	if padded {
		weights = make([]float64, n*T)
	}
	g.OnFeed(func(b datasets.Batch) error {
		if err := feed(b); err != nil {
			return err
		}
		if len(b.Targets) != n*T {
			return errors.Errorf("seqmodel: batch has %d targets, the graph expects %d sequences of %d", len(b.Targets), n, T)
		}
		for s := 0; s < n; s++ {
			for t := 0; t < T; t++ {
				labels[t*n+s] = b.Targets[s*T+t]
			}
		}
		scored := T
		if b.Scored > 0 && b.Scored < T {
			scored = b.Scored
		}
		if !padded {
			if scored < T {
				return errors.Errorf("seqmodel: batch scores %d of its %d steps; only evaluation graphs of seqmodel.Config.EvalCarry leave steps out", scored, T)
			}
			return head.SetLabels(labels)
		}
		for i := range weights {
			weights[i] = 0
			if i/n < scored {
				weights[i] = 1
			}
		}
		return head.SetMasked(labels, weights)
	})
	return g, u, nil
}

// feedInputs returns the function that puts a batch's inputs (tokens or features) into the
// per-step inputs.
func (m *Model) feedInputs(u *unrolled, n, T int) func(datasets.Batch) error {
	ids := make([]int, n)
	dim := m.Config.Dim
	feats := make([]float64, n*dim)
	if u.fused {
		ids = make([]int, n*T)
		feats = make([]float64, n*T*dim)
	}
	return func(b datasets.Batch) error {
		if b.T != T {
			return errors.Errorf("seqmodel: batch of %d steps, the graph is unrolled for %d (seqmodel.Config.T)", b.T, T)
		}
		if u.tokens != nil && len(b.Tokens) != n*T {
			return errors.Errorf("seqmodel: batch has %d tokens, want %d", len(b.Tokens), n*T)
		}
		if u.tokens == nil && (b.Dim != dim || len(b.X) != n*T*dim) {
			return errors.Errorf("seqmodel: batch has %d features per step, the model reads %d", b.Dim, dim)
		}
		if u.fused {
			// Row t·n+s is step t of sequence s.
			for t := 0; t < T; t++ {
				for s := 0; s < n; s++ {
					if u.tokens != nil {
						ids[t*n+s] = b.Tokens[s*T+t]
					} else {
						copy(feats[(t*n+s)*dim:(t*n+s+1)*dim], b.X[(s*T+t)*dim:(s*T+t+1)*dim])
					}
				}
			}
			if u.tokens != nil {
				return u.tokens[0].Set(ids)
			}
			return u.feats[0].Set(feats)
		}
		for t := 0; t < T; t++ {
			if u.tokens != nil {
				for s := 0; s < n; s++ {
					ids[s] = b.Tokens[s*T+t]
				}
				if err := u.tokens[t].Set(ids); err != nil {
					return errors.Wrapf(err, "step %d", t)
				}
				continue
			}
			for s := 0; s < n; s++ {
				copy(feats[s*dim:(s+1)*dim], b.X[(s*T+t)*dim:(s*T+t+1)*dim])
			}
			if err := u.feats[t].Set(feats); err != nil {
				return errors.Wrapf(err, "step %d", t)
			}
		}
		return nil
	}
}

// Sampler generates tokens one at a time from a token model, carrying its state.
type Sampler struct {
	m *Model
	g *nn.Graph
	u *unrolled
}

// NewSampler builds the one-step graph of a token model.
func (m *Model) NewSampler() (*Sampler, error) {
	if m.emb == nil || m.Config.Regression {
		return nil, errors.New("seqmodel: sampling needs a model of tokens with a per-step softmax")
	}
	g, u, err := m.build(1, 1, false, true, false, true)
	if err != nil {
		return nil, err
	}
	if err := g.Compile(); err != nil {
		return nil, err
	}
	return &Sampler{m: m, g: g, u: u}, nil
}

// Generate feeds prime (at least one token) and then draws n tokens, each from
// softmax(logits/temperature) with rng; temperature 0 takes the most likely token.
func (s *Sampler) Generate(prime []int, n int, temperature float64, rng *rand.Rand) ([]int, error) {
	if len(prime) == 0 {
		return nil, nn.BadField("seqmodel.Sampler.Generate(prime)", nil, "at least one character is needed")
	}
	if temperature < 0 || math.IsNaN(temperature) {
		return nil, nn.BadField("seqmodel.Sampler.Generate(temperature)", temperature, "must not be negative")
	}
	if err := s.u.state.Zero(); err != nil {
		return nil, err
	}
	dummy := datasets.Batch{N: 1, T: 1, Tokens: []int{0}, Targets: []int{0}}
	step := func(tok int) ([]float64, error) {
		dummy.Tokens[0] = tok
		if err := s.g.Feed(dummy); err != nil {
			return nil, err
		}
		if err := s.g.Run(nil); err != nil {
			return nil, err
		}
		return nn.Float64s(s.g.Output()), nil
	}
	var logits []float64
	var err error
	for _, tok := range prime {
		if logits, err = step(tok); err != nil {
			return nil, nn.WrapField(err, "seqmodel.Sampler.Generate(prime)", nil)
		}
	}
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		tok := Draw(logits, temperature, rng)
		out = append(out, tok)
		if i+1 < n {
			if logits, err = step(tok); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Draw picks an index from softmax(logits/temperature); temperature 0 is the argmax.
func Draw(logits []float64, temperature float64, rng *rand.Rand) int {
	best := nn.Argmax(logits)
	if temperature == 0 {
		return best
	}
	p := make([]float64, len(logits))
	sum := 0.0
	for i, v := range logits {
		p[i] = math.Exp((v - logits[best]) / temperature)
		sum += p[i]
	}
	r := rng.Float64() * sum
	for i, v := range p {
		if r < v {
			return i
		}
		r -= v
	}
	return best
}

// Prebuilt describes shipped weights: the record the command wrote beside them and the numbers.
type Prebuilt struct {
	// Record is the JSON of the run that trained the weights: {"model", "task", "model_config":
	// {"seq": Config, "cell": …}, "command", "val_bpc"}.
	Record []byte
	// Weights is the .npz of the parameters.
	Weights []byte
}

// ModelConfig is what a checkpoint of a recurrent sequence model records as its configuration:
// the sequence model's Config and its cell's configuration (the cell package's Config as JSON).
type ModelConfig struct {
	Seq  Config          `json:"seq"`  // the sequence model
	Cell json.RawMessage `json:"cell"` // the cell package's Config
}

// PrebuiltRecord is the JSON a prebuilt model ships with.
type PrebuiltRecord struct {
	Model       string          `json:"model"`        // the model's name: rnn, lstm or gru
	Task        json.RawMessage `json:"task"`         // the task's arguments as the command records them
	ModelConfig ModelConfig     `json:"model_config"` // how to build the model the weights fit
	Command     string          `json:"command"`      // the command that trained the weights
	ValBPC      float64         `json:"val_bpc"`      // validation bits per character, as zoo eval reports it
	Steps       int             `json:"steps"`        // training steps
}

// LoadPrebuilt decodes the record, including the cell configuration of type C, builds the model
// with newModel (a cell package's NewModel) and loads the weights into it.
func LoadPrebuilt[C any](p Prebuilt, newModel func(seq Config, cell C) (*Model, error)) (*Model, *PrebuiltRecord, error) {
	var rec PrebuiltRecord
	if err := json.Unmarshal(p.Record, &rec); err != nil {
		return nil, nil, errors.Wrap(err, "prebuilt model record")
	}
	var cell C
	if err := json.Unmarshal(rec.ModelConfig.Cell, &cell); err != nil {
		return nil, nil, errors.Wrap(err, "prebuilt cell config")
	}
	m, err := newModel(rec.ModelConfig.Seq, cell)
	if err != nil {
		return nil, nil, err
	}
	if err := train.LoadWeightsFrom(bytes.NewReader(p.Weights), int64(len(p.Weights)), "prebuilt "+rec.Model+" weights", m.Store()); err != nil {
		return nil, nil, err
	}
	if m.Tokenizer, err = recordTokenizer(rec.Task); err != nil {
		return nil, nil, err
	}
	return m, &rec, nil
}
