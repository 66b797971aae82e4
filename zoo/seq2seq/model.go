// Package seq2seq is the encoder–decoder of the lecture's section 4 (Sutskever et al. 2014, Cho et
// al. 2014) with optional attention (Bahdanau et al. 2015, Luong et al. 2015):
//
//	encoder:  h_j = [→h_j; ←h_j]   a stacked, optionally bidirectional GRU or LSTM over x_1…x_S
//	context:  z = [→h_S; ←h_1]      the final states of the top layer (the "thought" vector)
//	init:     s_0 = tanh(W_init·z + b)  for every decoder layer
//	step t:   c_t = Σ_j a_tj·h_j,  a_t = softmax_j(score(s_{t−1}, h_j))   (attention)
//	          c_t = z                                                   (no attention)
//	          s_t = cell([E(y_{t−1}); c_t], s_{t−1})
//	          p(y_t | y_<t, x) = softmax(W_out·[s_t; c_t] + b_out)
//
// with the scores of nn.AdditiveAttention (v·tanh(W·s + U·h)) or nn.MultiplicativeAttention (s·h,
// s·(W·h + b)). This is the W6 model of the reference workloads with its defaults (GRU, 128 per
// direction, bidirectional, additive attention of 128, embeddings of 32).
//
// Sources are padded to a fixed length Config.MaxSrc and targets to Config.MaxTgt, so one graph
// serves every batch of a task. Padding changes nothing: an encoder step past a sequence's end
// keeps the state it had (h_t = h_{t−1} + m_t∘(h̃_t − h_{t−1}) with m_t ∈ {0, 1}), so the forward
// direction ends at the last real token and the backward one starts there from zeros; attention
// gives padded positions a weight of exactly 0; the loss averages only over real target tokens.
//
// Training uses teacher forcing: the decoder reads the true previous token. With
// Config.TeacherForcing < 1 (scheduled sampling, Bengio et al. 2015), each input token is instead,
// with probability 1 − ratio, the model's own greedy prediction at that point, drawn with the
// training step's seeded generator; no gradient flows through that choice.
//
// Decoding (Model.Greedy, Model.Beam; Model.NewStepper for GreedySearch and BeamSearch) runs the
// encoder once and the decoder one step at a time: greedy, or beam search of width K. Evaluate
// scores exact match, token accuracy, accuracy by input length and corpus BLEU. Pretrained
// returns the shipped date normaliser.
//
// The golden equality of additive attention with PyTorch on fixed weights is nn's
// TestSeq2seqAttentionGolden; this package checks the attentions inside the whole model by finite
// differences.
package seq2seq

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Attention kinds of Config.Attention.
const (
	AttnNone       = "none"
	AttnAdditive   = "additive"
	AttnDot        = "dot"
	AttnGeneral    = "general"
	maxPaddedSteps = recurrent.MaxAxis
)

// Config describes a model and the shape of its task.
type Config struct {
	// Task shape: vocabulary sizes, special ids and the fixed padded lengths. MaxTgt counts the
	// EOS (the longest target plus one).
	SrcVocab int `json:"src_vocab"` // source tokens (rows of the source embedding)
	TgtVocab int `json:"tgt_vocab"` // target tokens (rows of the target embedding, classes of the output layer)
	SrcPAD   int `json:"src_pad"`   // padding id of the sources
	BOS      int `json:"bos"`       // target id the decoder reads first
	EOS      int `json:"eos"`       // target id that ends a decoded sequence
	MaxSrc   int `json:"max_src"`   // sources are padded to this many tokens
	MaxTgt   int `json:"max_tgt"`   // targets are padded to this many tokens, EOS included

	Cell          string `json:"cell"`          // "gru" or "lstm"
	Embed         int    `json:"embed"`         // width of both embeddings
	Hidden        int    `json:"hidden"`        // encoder width per direction
	Layers        int    `json:"layers"`        // stacked layers of the encoder and of the decoder (0 means 1)
	Bidirectional bool   `json:"bidirectional"` // a backward encoder beside the forward one
	// DecHidden is the decoder's width; 0 means Hidden, or the encoder output's width for dot
	// attention (which needs them equal).
	DecHidden int    `json:"dec_hidden"`
	Attention string `json:"attention"` // none, additive, dot, general
	AttnDim   int    `json:"attn_dim"`  // width of additive attention's hidden layer; 0 means DecHidden
	// TeacherForcing is the probability that the decoder reads the true previous token in
	// training; the rest of the time it reads its own greedy prediction. 0 is taken as 1.
	TeacherForcing float64 `json:"teacher_forcing"`
	Float64        bool    `json:"float64"` // float64 instead of float32
	Seed           uint64  `json:"seed"`    // initialisation
	// Impl is how the encoder and decoder cells run: "fused" (or "", as in records written
	// before the field existed), the fused recurrent op — one node per encoder layer and
	// direction with padding masks, one per decoder step and layer — or "graph", the per-step
	// formulas. Parameters are the same either way.
	Impl string `json:"impl,omitempty"`
}

// DefaultConfig is the W6 model for a task: GRU, bidirectional, hidden 128, additive attention of
// 128, embeddings of 32, full teacher forcing. maxSrc and maxTgt are the task's longest source
// and target (with EOS).
func DefaultConfig(info datasets.Info, maxSrc, maxTgt int) Config {
	c := Config{Cell: "gru", Embed: 32, Hidden: 128, Layers: 1, Bidirectional: true, Attention: AttnAdditive,
		AttnDim: 128, TeacherForcing: 1, Seed: 1}
	return c.FromInfo(info, maxSrc, maxTgt)
}

// FromInfo fills the task-shape fields from a Seq2Seq dataset's Info and the padded lengths.
func (c Config) FromInfo(info datasets.Info, maxSrc, maxTgt int) Config {
	if info.Vocab != nil {
		c.SrcVocab, c.SrcPAD = info.Vocab.Size(), max(info.Vocab.PAD, 0)
	}
	if info.TgtVocab != nil {
		c.TgtVocab, c.BOS, c.EOS = info.TgtVocab.Size(), info.TgtVocab.BOS, info.TgtVocab.EOS
	}
	c.MaxSrc, c.MaxTgt = maxSrc, maxTgt
	return c
}

// dirs is the number of encoder directions.
func (c Config) dirs() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// MemoryWidth is the width of the encoder's output h_j (and of the context vector).
func (c Config) MemoryWidth() int { return c.Hidden * c.dirs() }

// decHidden resolves DecHidden's default.
func (c Config) decHidden() int {
	switch {
	case c.DecHidden > 0:
		return c.DecHidden
	case c.Attention == AttnDot:
		return c.MemoryWidth()
	}
	return c.Hidden
}

// Check validates the configuration. A bad value is a *nn.FieldError naming the field
// ("seq2seq.Config.Hidden 0: must be positive").
func (c Config) Check() error {
	switch {
	case c.SrcVocab <= 0 || c.TgtVocab <= 0:
		return errors.Errorf("seq2seq: vocabularies of %d source and %d target symbols", c.SrcVocab, c.TgtVocab)
	case c.BOS < 0 || c.BOS >= c.TgtVocab || c.EOS < 0 || c.EOS >= c.TgtVocab:
		return errors.Errorf("seq2seq: BOS %d and EOS %d must be target ids below %d", c.BOS, c.EOS, c.TgtVocab)
	case c.SrcPAD < 0 || c.SrcPAD >= c.SrcVocab:
		return errors.Errorf("seq2seq: source PAD %d outside [0, %d)", c.SrcPAD, c.SrcVocab)
	case c.MaxSrc < 1 || c.MaxSrc > maxPaddedSteps:
		return errors.Errorf("seq2seq: longest source %d outside [1, %d]", c.MaxSrc, maxPaddedSteps)
	case c.MaxTgt < 1 || c.MaxTgt > maxPaddedSteps:
		return errors.Errorf("seq2seq: longest target %d outside [1, %d]", c.MaxTgt, maxPaddedSteps)
	case c.Cell != "gru" && c.Cell != "lstm":
		return nn.BadField("seq2seq.Config.Cell", c.Cell, "want gru or lstm")
	case c.Embed <= 0:
		return nn.BadField("seq2seq.Config.Embed", c.Embed, "must be positive")
	case c.Hidden <= 0:
		return nn.BadField("seq2seq.Config.Hidden", c.Hidden, "must be positive")
	case c.Layers < 0:
		return nn.BadField("seq2seq.Config.Layers", c.Layers, "must not be negative")
	case c.DecHidden < 0 || c.AttnDim < 0:
		return errors.Errorf("seq2seq.Config.DecHidden %d and seq2seq.Config.AttnDim %d must not be negative", c.DecHidden, c.AttnDim)
	case c.TeacherForcing < 0 || c.TeacherForcing > 1:
		return nn.BadField("seq2seq.Config.TeacherForcing", c.TeacherForcing, "outside [0, 1]")
	}
	if err := recurrent.CheckImpl(c.Impl); err != nil {
		return nn.WrapField(err, "seq2seq.Config.Impl", c.Impl)
	}
	switch c.Attention {
	case AttnNone, AttnAdditive, AttnGeneral:
	case AttnDot:
		if c.decHidden() != c.MemoryWidth() {
			return errors.Errorf("seq2seq.Config.Attention dot: the decoder width %d must equal the encoder output's %d", c.decHidden(), c.MemoryWidth())
		}
	default:
		return nn.BadField("seq2seq.Config.Attention", c.Attention, "want none, additive, dot or general")
	}
	return nil
}

// attender is the common face of nn's two seq2seq attentions.
type attender interface {
	Prepare(g *nn.Graph, memory *G.Node, batch int) (*nn.AttentionMemory, error)
	Attend(g *nn.Graph, query *G.Node, mem *nn.AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error)
}

// Model is an encoder–decoder's parameters (a train.Model). Graphs of any batch size share them.
type Model struct {
	Config Config // what it was built from

	store          *nn.Store
	srcEmb, tgtEmb *nn.Embedding
	fwd, bwd       []recurrent.Cell // encoder layers, forward and backward
	init           []*nn.Linear     // decoder layer l's initial state from the context vector
	dec            *recurrent.Stack
	attn           attender
	out            *nn.Linear

	// Inference graphs by rows: the encoder alone and one decoder step.
	encGraphs  map[int]*encGraph
	stepGraphs map[int]*stepGraph

	// Tokenizers encode the input of Translate and decode its output: the vocabularies of the
	// task the model was trained on (translate.go).
	Tokenizers datasets.Tokenizers
	translate  TextTranslator
}

// New creates a model's parameters from cfg.Seed, in a fixed order: embeddings, encoder,
// initial-state layers, decoder, attention, output layer.
func New(cfg Config) (*Model, error) {
	if cfg.Layers == 0 {
		cfg.Layers = 1
	}
	if cfg.TeacherForcing == 0 {
		cfg.TeacherForcing = 1
	}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	m := &Model{Config: cfg, store: nn.NewStore(dt, cfg.Seed), encGraphs: map[int]*encGraph{}, stepGraphs: map[int]*stepGraph{}}
	s := m.store
	var err error
	if m.srcEmb, err = nn.NewEmbedding(s, "src_embedding", cfg.SrcVocab, cfg.Embed); err != nil {
		return nil, err
	}
	if m.tgtEmb, err = nn.NewEmbedding(s, "tgt_embedding", cfg.TgtVocab, cfg.Embed); err != nil {
		return nil, err
	}
	newCell := func(name string, in, hidden int) (recurrent.Cell, error) {
		if cfg.Cell == "lstm" {
			return lstm.NewCell(s, name, in, hidden, lstm.DefaultConfig())
		}
		return gru.NewCell(s, name, in, hidden, gru.Config{})
	}
	in := cfg.Embed
	for l := 0; l < cfg.Layers; l++ {
		c, err := newCell(fmt.Sprintf("encoder.l%d", l), in, cfg.Hidden)
		if err != nil {
			return nil, err
		}
		m.fwd = append(m.fwd, c)
		if cfg.Bidirectional {
			if c, err = newCell(fmt.Sprintf("encoder.l%d_reverse", l), in, cfg.Hidden); err != nil {
				return nil, err
			}
			m.bwd = append(m.bwd, c)
		}
		in = cfg.MemoryWidth()
	}
	dh, mw := cfg.decHidden(), cfg.MemoryWidth()
	for l := 0; l < cfg.Layers; l++ {
		lin, err := nn.NewLinear(s, fmt.Sprintf("init.l%d", l), mw, dh, true)
		if err != nil {
			return nil, err
		}
		m.init = append(m.init, lin)
	}
	cells := make([]recurrent.Cell, cfg.Layers)
	in = cfg.Embed + mw
	for l := range cells {
		if cells[l], err = newCell(fmt.Sprintf("decoder.l%d", l), in, dh); err != nil {
			return nil, err
		}
		in = dh
	}
	if m.dec, err = recurrent.NewStack("decoder", cells, 0); err != nil {
		return nil, err
	}
	m.dec.Impl, m.dec.FusedSteps = cfg.Impl, true
	switch cfg.Attention {
	case AttnAdditive:
		ad := cfg.AttnDim
		if ad == 0 {
			ad = dh
		}
		m.attn, err = nn.NewAdditiveAttention(s, "attention", dh, mw, ad)
	case AttnDot, AttnGeneral:
		m.attn, err = nn.NewMultiplicativeAttention(s, "attention", cfg.Attention, dh, mw)
	}
	if err != nil {
		return nil, err
	}
	if m.out, err = nn.NewLinear(s, "out", dh+mw, cfg.TgtVocab, true); err != nil {
		return nil, err
	}
	return m, nil
}

// Store holds the parameters.
func (m *Model) Store() *nn.Store { return m.store }

// cat joins 2-D nodes (N, w_i) along their second axis with nn.ConcatCols, one op whose gradient
// copies columns back: Gorgonia's own Concat differentiates through slices whose hash keeps only
// the low byte of each bound, and would merge pieces whose bounds agree modulo 256.
func cat(xs ...*G.Node) (*G.Node, error) {
	y, err := nn.ConcatCols(xs...)
	return y, errors.Wrap(err, "seq2seq: concatenation")
}

// encoded is what the encoder leaves in a graph.
type encoded struct {
	src     []*nn.TokenInput // per step; one of all T·n steps, time-major, when fused
	steps   []*nn.Input      // per-step masks (n, Hidden): 1 before the sequence's end
	mask    *nn.Input        // fused: the (T·n, 1) mask of every step, time-major
	pad     *nn.PaddingMask  // (n, 1, MaxSrc)
	memory  *G.Node          // (n·MaxSrc, MemoryWidth), batch-major
	summary *G.Node          // (n, MemoryWidth)
	mem     *nn.AttentionMemory
	init    [][]*G.Node // the decoder's initial state
	stepBuf []float64
	srcBuf  []int
}

// encode builds the encoder of a batch of n sources, the attention memory and the decoder's
// initial state.
func (m *Model) encode(g *nn.Graph, n int) (*encoded, error) {
	cfg := m.Config
	T, H := cfg.MaxSrc, cfg.Hidden
	e := &encoded{stepBuf: make([]float64, n*H), srcBuf: make([]int, n)}
	var finals [][]*G.Node
	var err error
	if m.fusedEncoder() {
		e.memory, finals, err = m.encodeFused(g, n, e)
	} else {
		e.memory, finals, err = m.encodeSteps(g, n, e)
	}
	if err != nil {
		return nil, err
	}
	hs := make([]*G.Node, len(finals))
	for i, f := range finals {
		hs[i] = f[0]
	}
	if e.summary, err = cat(hs...); err != nil {
		return nil, err
	}
	if m.attn != nil {
		if e.mem, err = m.attn.Prepare(g, e.memory, n); err != nil {
			return nil, err
		}
		if e.pad, err = nn.NewPaddingMask(g, n, 1, T); err != nil {
			return nil, err
		}
	}
	dh := cfg.decHidden()
	for l, lin := range m.init {
		h, err := lin.Forward(g, e.summary)
		if err == nil {
			h, err = G.Tanh(h)
		}
		if err != nil {
			return nil, errors.Wrapf(err, "decoder initial state %d", l)
		}
		st := []*G.Node{h}
		if m.dec.Cells[l].NumStates() == 2 {
			c := g.Input(fmt.Sprintf("zero_cell_%d", l), n, dh)
			st = append(st, c.Node)
		}
		e.init = append(e.init, st)
	}
	return e, nil
}

// fusedEncoder reports whether the encoder runs on the fused recurrent op.
func (m *Model) fusedEncoder() bool {
	if m.Config.Impl == recurrent.ImplGraph {
		return false
	}
	for _, c := range append(append([]recurrent.Cell(nil), m.fwd...), m.bwd...) {
		if !recurrent.Fusable(c) {
			return false
		}
	}
	return true
}

// encodeSteps is the encoder of per-step Gorgonia operations: it returns the batch-major memory
// (n·MaxSrc, MemoryWidth) and the final states of the top layer's directions.
func (m *Model) encodeSteps(g *nn.Graph, n int, e *encoded) (*G.Node, [][]*G.Node, error) {
	cfg := m.Config
	T, H := cfg.MaxSrc, cfg.Hidden
	xs := make([]*G.Node, T)
	for t := range xs {
		tok, x, err := m.srcEmb.Lookup(g, fmt.Sprintf("src_%d", t), n)
		if err != nil {
			return nil, nil, err
		}
		e.src = append(e.src, tok)
		e.steps = append(e.steps, g.Input(fmt.Sprintf("src_mask_%d", t), n, H))
		xs[t] = x
	}
	zero := g.Input("zero_state", n, H)
	run := func(c recurrent.Cell, xs []*G.Node, backward bool) (outs []*G.Node, final []*G.Node, err error) {
		state := make([]*G.Node, c.NumStates())
		for k := range state {
			state[k] = zero.Node
		}
		outs = make([]*G.Node, T)
		for i := 0; i < T; i++ {
			t := i
			if backward {
				t = T - 1 - i
			}
			_, next, err := c.Step(g, xs[t], state)
			if err != nil {
				return nil, nil, errors.Wrapf(err, "encoder step %d", t)
			}
			mm := &nn.Chain{}
			for k := range state {
				// s ← s + m∘(s̃ − s): past the end (m = 0) the state is kept exactly.
				// The fresh node is always the first operand: Gorgonia may compute an elementwise
				// op in place on its first operand, and the masks and the zero state are shared.
				d := mm.Do(G.Sub(next[k], state[k]))
				state[k] = mm.Do(G.Add(mm.Do(G.HadamardProd(d, e.steps[t].Node)), state[k]))
			}
			if mm.Err != nil {
				return nil, nil, errors.Wrapf(mm.Err, "encoder step %d", t)
			}
			outs[t] = state[0]
		}
		return outs, state, nil
	}
	var finals [][]*G.Node
	for l := range m.fwd {
		fo, ff, err := run(m.fwd[l], xs, false)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "encoder layer %d", l)
		}
		finals = [][]*G.Node{ff}
		if !cfg.Bidirectional {
			xs = fo
			continue
		}
		bo, bf, err := run(m.bwd[l], xs, true)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "encoder layer %d (backward)", l)
		}
		finals = append(finals, bf)
		for t := range xs {
			if xs[t], err = cat(fo[t], bo[t]); err != nil {
				return nil, nil, err
			}
		}
	}
	// Batch-major memory: step t of sequence b is row b·T + t.
	mw := cfg.MemoryWidth()
	mm := &nn.Chain{}
	all := mm.Do(nn.ConcatCols(xs...))
	memory := mm.Do(G.Reshape(all, tensor.Shape{n * T, mw}))
	if mm.Err != nil {
		return nil, nil, errors.Wrap(mm.Err, "seq2seq: encoder memory")
	}
	return memory, finals, nil
}

// encodeFused is the encoder of fused layers: one embedding lookup of all MaxSrc·n source tokens
// (time-major), and per layer and direction one fused node over every step with the padding mask
// (the backward direction runs reversed). It returns what encodeSteps returns.
func (m *Model) encodeFused(g *nn.Graph, n int, e *encoded) (*G.Node, [][]*G.Node, error) {
	cfg := m.Config
	T, H := cfg.MaxSrc, cfg.Hidden
	tok, x, err := m.srcEmb.Lookup(g, "src", T*n)
	if err != nil {
		return nil, nil, err
	}
	e.src = []*nn.TokenInput{tok}
	e.mask = g.Input("src_mask", T*n, 1)
	e.stepBuf = make([]float64, T*n)
	e.srcBuf = make([]int, T*n)
	zero := g.Input("zero_state", n, H)
	run := func(c recurrent.Cell, x *G.Node, reverse bool) (*G.Node, []*G.Node, error) {
		state := make([]*G.Node, c.NumStates())
		for k := range state {
			state[k] = zero.Node
		}
		return recurrent.Sequence(g, c, x, T, state, recurrent.SeqOptions{Mask: e.mask.Node, Reverse: reverse})
	}
	var finals [][]*G.Node
	for l := range m.fwd {
		fo, ff, err := run(m.fwd[l], x, false)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "encoder layer %d", l)
		}
		finals = [][]*G.Node{ff}
		if !cfg.Bidirectional {
			x = fo
			continue
		}
		bo, bf, err := run(m.bwd[l], x, true)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "encoder layer %d (backward)", l)
		}
		finals = append(finals, bf)
		if x, err = cat(fo, bo); err != nil {
			return nil, nil, err
		}
	}
	// Batch-major memory: step t of sequence b is row b·T + t.
	memory, err := recurrent.SwapRows(x, T, n)
	return memory, finals, err
}

// feed puts a batch's sources into the encoder's inputs.
func (e *encoded) feed(m *Model, b datasets.Batch, n int) error {
	cfg := m.Config
	T, H := cfg.MaxSrc, cfg.Hidden
	if b.N != n || len(b.SrcLen) != n || len(b.Src) != n*b.SrcT {
		return errors.Errorf("seq2seq: batch of %d sources for a graph of %d", b.N, n)
	}
	for i, l := range b.SrcLen {
		if l < 1 || l > T || l > b.SrcT {
			return errors.Errorf("seq2seq: source %d has %d tokens; the model takes 1 to %d", i, l, T)
		}
	}
	if e.mask != nil {
		// Fused: row t·n+i is step t of source i.
		for t := 0; t < T; t++ {
			for i := 0; i < n; i++ {
				e.srcBuf[t*n+i], e.stepBuf[t*n+i] = cfg.SrcPAD, 0
				if t < b.SrcLen[i] {
					e.srcBuf[t*n+i], e.stepBuf[t*n+i] = b.Src[i*b.SrcT+t], 1
				}
			}
		}
		if err := e.src[0].Set(e.srcBuf); err != nil {
			return errors.Wrap(err, "source")
		}
		if err := e.mask.Set(e.stepBuf); err != nil {
			return err
		}
		if e.pad != nil {
			return e.pad.SetLengths(b.SrcLen)
		}
		return nil
	}
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			e.srcBuf[i] = cfg.SrcPAD
			v := 0.0
			if t < b.SrcLen[i] {
				e.srcBuf[i], v = b.Src[i*b.SrcT+t], 1
			}
			for k := 0; k < H; k++ {
				e.stepBuf[i*H+k] = v
			}
		}
		if err := e.src[t].Set(e.srcBuf); err != nil {
			return errors.Wrapf(err, "source step %d", t)
		}
		if err := e.steps[t].Set(e.stepBuf); err != nil {
			return err
		}
	}
	if e.pad != nil {
		return e.pad.SetLengths(b.SrcLen)
	}
	return nil
}

// step is one decoder step: from the previous token's embedding and state to the logits, the
// next state and the attention weights (nil without attention).
func (m *Model) step(g *nn.Graph, yemb *G.Node, state [][]*G.Node, e *encoded) (logits *G.Node, next [][]*G.Node, weights *G.Node, err error) {
	ctx := e.summary
	if m.attn != nil {
		query := state[len(state)-1][0]
		var masks []*G.Node
		if e.pad != nil {
			masks = append(masks, e.pad.Node)
		}
		if ctx, weights, err = m.attn.Attend(g, query, e.mem, masks...); err != nil {
			return nil, nil, nil, err
		}
	}
	x, err := cat(yemb, ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	h, next, err := m.dec.Step(g, x, state)
	if err != nil {
		return nil, nil, nil, err
	}
	o, err := cat(h, ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	logits, err = m.out.Forward(g, o)
	return logits, next, weights, err
}

// Build builds the teacher-forced graph of a batch of n examples (train.Model): its loss is the
// mean cross-entropy over the real target tokens (EOS included, padding excluded) and its output
// the logits, time-major (row t·n + b is step t of example b). In a training graph with
// Config.TeacherForcing < 1 some decoder inputs are replaced, before each run, by the model's
// own greedy predictions.
func (m *Model) Build(n int, train bool) (*nn.Graph, error) {
	if n <= 0 {
		return nil, errors.Errorf("seq2seq: batch of %d", n)
	}
	cfg := m.Config
	g := nn.NewGraph(m.store, n, train)
	e, err := m.encode(g, n)
	if err != nil {
		return nil, err
	}
	T := cfg.MaxTgt
	yin := make([]*nn.TokenInput, T)
	logits := make([]*G.Node, T)
	state := e.init
	for t := 0; t < T; t++ {
		var yemb *G.Node
		if yin[t], yemb, err = m.tgtEmb.Lookup(g, fmt.Sprintf("tgt_in_%d", t), n); err != nil {
			return nil, err
		}
		if logits[t], state, _, err = m.step(g, yemb, state, e); err != nil {
			return nil, errors.Wrapf(err, "decoder step %d", t)
		}
	}
	all, err := recurrent.ConcatSteps(logits)
	if err != nil {
		return nil, err
	}
	head, err := nn.NewMaskedCrossEntropy(g, all)
	if err != nil {
		return nil, errors.Wrap(err, "seq2seq: loss")
	}
	g.SetOutputs(head.Loss, all)
	labels, wbuf := make([]int, T*n), make([]float64, T*n)
	inputs := make([][]int, T)
	for t := range inputs {
		inputs[t] = make([]int, n)
	}
	var last datasets.Batch
	g.OnFeed(func(b datasets.Batch) error {
		if err := e.feed(m, b, n); err != nil {
			return err
		}
		if err := m.targets(b, n, inputs, labels, wbuf); err != nil {
			return err
		}
		last = b
		for t := 0; t < T; t++ {
			if err := yin[t].Set(inputs[t]); err != nil {
				return errors.Wrapf(err, "target step %d", t)
			}
		}
		return head.SetMasked(labels, wbuf)
	})
	if train && cfg.TeacherForcing < 1 {
		g.BeforeRun(func(rng *rand.Rand) error {
			if rng == nil {
				return errors.New("seq2seq: scheduled sampling needs the step's generator")
			}
			mixed, err := m.sampledInputs(last, rng)
			if err != nil {
				return errors.Wrap(err, "seq2seq: scheduled sampling")
			}
			for t := 0; t < T; t++ {
				if err := yin[t].Set(mixed[t]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g, nil
}

// targets lays out a batch's teacher-forced inputs (inputs[t][b]) and, per row t·n + b of the
// logits, the target token and the loss weight: 1 at real positions, 0 at padding.
func (m *Model) targets(b datasets.Batch, n int, inputs [][]int, labels []int, wbuf []float64) error {
	cfg := m.Config
	T, V := cfg.MaxTgt, cfg.TgtVocab
	if len(b.TgtLen) != n || len(b.Tgt) != n*b.TgtT || len(b.TgtIn) != n*b.TgtT {
		return errors.Errorf("seq2seq: batch of %d targets for a graph of %d", len(b.TgtLen), n)
	}
	for i, l := range b.TgtLen {
		if l < 1 || l > T || l > b.TgtT {
			return errors.Errorf("seq2seq: target %d has %d tokens with EOS; the model takes 1 to %d", i, l, T)
		}
	}
	for i := range wbuf {
		wbuf[i], labels[i] = 0, 0
	}
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			inputs[t][i] = cfg.BOS // padding reads BOS: any valid id, its outputs are not scored
			if t < b.TgtLen[i] {
				inputs[t][i] = b.TgtIn[i*b.TgtT+t]
				y := b.Tgt[i*b.TgtT+t]
				if y < 0 || y >= V {
					return errors.Errorf("seq2seq: target token %d of example %d outside [0, %d)", y, i, V)
				}
				labels[t*n+i], wbuf[t*n+i] = y, 1
			}
		}
	}
	return nil
}

// sampledInputs draws, for every example and step after the first, whether the decoder reads the
// true previous token (probability TeacherForcing) or its own greedy prediction, and decodes
// with those choices to find the predictions.
func (m *Model) sampledInputs(b datasets.Batch, rng *rand.Rand) ([][]int, error) {
	cfg := m.Config
	n, T := b.N, cfg.MaxTgt
	own := make([][]bool, T)
	for t := range own {
		own[t] = make([]bool, n)
		for i := range own[t] {
			own[t][i] = t > 0 && rng.Float64() >= cfg.TeacherForcing
		}
	}
	return m.mixed(b, own)
}
