package transformer

import (
	"fmt"
	"math"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Seq2SeqConfig describes the encoder–decoder transformer of Vaswani et al. (2017) with pre-LN
// blocks and sinusoidal positions, for sources of at most MaxSrc tokens and targets (EOS
// included) of at most MaxTgt.
type Seq2SeqConfig struct {
	SrcVocab   int     `json:"src_vocab"`  // source tokens (rows of the source embedding)
	TgtVocab   int     `json:"tgt_vocab"`  // target tokens (rows of the target embedding, classes of the head)
	SrcPAD     int     `json:"src_pad"`    // padding id of the sources
	BOS        int     `json:"bos"`        // target id the decoder reads first
	EOS        int     `json:"eos"`        // target id that ends a decoded sequence
	MaxSrc     int     `json:"max_src"`    // sources are padded to this many tokens (1…255)
	MaxTgt     int     `json:"max_tgt"`    // targets are padded to this many tokens, EOS included (1…255)
	D          int     `json:"d_model"`    // model width: embeddings, attention and the residual stream
	Heads      int     `json:"heads"`      // heads of every self- and cross-attention; D must be a multiple
	Layers     int     `json:"layers"`     // encoder layers, and as many decoder layers
	FF         int     `json:"ff"`         // hidden width of the feed-forward blocks
	Activation string  `json:"activation"` // feed-forward nonlinearity: relu, gelu, gelu_tanh
	Dropout    float64 `json:"dropout"`    // on embeddings, attention weights, residual branches and FF hidden units
	InitStd    float64 `json:"init_std"`   // > 0: N(0, InitStd²) weights, zero biases; 0: PyTorch's defaults
	Float64    bool    `json:"float64"`    // float64 instead of float32
	Seed       uint64  `json:"seed"`       // initialisation
}

// Seq2SeqFor returns a small configuration (D 64, 4 heads, 2+2 layers, FF 256) shaped for a
// seq2seq dataset: its vocabularies and special ids, and the given maximum lengths.
func Seq2SeqFor(info datasets.Info, maxSrc, maxTgt int, seed uint64) (Seq2SeqConfig, error) {
	if info.Kind != datasets.Seq2Seq || info.Vocab == nil || info.TgtVocab == nil {
		return Seq2SeqConfig{}, errors.Errorf("transformer: task %q is not a sequence-to-sequence task", info.Name)
	}
	return Seq2SeqConfig{SrcVocab: info.Vocab.Size(), TgtVocab: info.TgtVocab.Size(), SrcPAD: info.Vocab.PAD,
		BOS: info.TgtVocab.BOS, EOS: info.TgtVocab.EOS, MaxSrc: maxSrc, MaxTgt: maxTgt,
		D: 64, Heads: 4, Layers: 2, FF: 256, Activation: "relu", InitStd: 0.02, Seed: seed}, nil
}

// DecoderBlock is a pre-LN decoder layer, named as torch.nn.TransformerDecoderLayer:
//
//	y = y + drop(SelfAttn(LN1(y), causal));  y = y + drop(CrossAttn(LN2(y), memory));
//	y = y + drop(FF(LN3(y)))
type DecoderBlock struct {
	Self, Cross         *nn.MultiHeadAttention // causal self-attention (self_attn); attention over the encoder's memory (multihead_attn)
	FF                  *nn.FeedForward        // linear1, linear2
	Norm1, Norm2, Norm3 *nn.LayerNorm          // before the self-attention, the cross-attention and the feed-forward branch
	Dropout             float64                // on each branch's output in training graphs
}

// NewDecoderBlock creates NAME.self_attn, NAME.multihead_attn, NAME.linear1/2 and
// NAME.norm1/2/3.
func NewDecoderBlock(s *nn.Store, name string, c BlockConfig) (*DecoderBlock, error) {
	b, err := NewBlock(s, name, c) // self_attn, linear1, linear2, norm1, norm2
	if err != nil {
		return nil, err
	}
	d := &DecoderBlock{Self: b.Attn, FF: b.FF, Norm1: b.Norm1, Norm2: b.Norm2, Dropout: c.Dropout}
	if d.Cross, err = newAttention(s, name+".multihead_attn", c.D, c.Heads, c.Dropout, c.InitStd); err != nil {
		return nil, err
	}
	if d.Norm3, err = nn.NewLayerNorm(s, name+".norm3", c.D); err != nil {
		return nil, err
	}
	return d, nil
}

// Forward applies the block to y (B·Tq, D) attending causally to itself (selfMask) and to memory
// (B·Tk, D) under memMask. It returns the new rows and the cross-attention weights
// (B·Heads, Tq, Tk).
func (d *DecoderBlock) Forward(g *nn.Graph, y, memory *G.Node, batch int, selfMask, memMask *G.Node) (*G.Node, *G.Node, error) {
	var cross *G.Node
	branch := func(ln *nn.LayerNorm, f func(*G.Node) (*G.Node, error)) func(*G.Node) (*G.Node, error) {
		return func(h *G.Node) (*G.Node, error) {
			n, err := ln.Forward(g, h)
			if err != nil {
				return nil, err
			}
			o, err := f(n)
			if err != nil {
				return nil, err
			}
			return nn.Dropout(g, o, d.Dropout)
		}
	}
	y, err := nn.Residual(y, branch(d.Norm1, func(h *G.Node) (*G.Node, error) {
		o, _, err := d.Self.Forward(g, h, h, h, batch, selfMask)
		return o, err
	}))
	if err == nil {
		y, err = nn.Residual(y, branch(d.Norm2, func(h *G.Node) (*G.Node, error) {
			o, w, err := d.Cross.Forward(g, h, memory, memory, batch, memMask)
			cross = w
			return o, err
		}))
	}
	if err == nil {
		y, err = nn.Residual(y, branch(d.Norm3, func(h *G.Node) (*G.Node, error) { return d.FF.Forward(g, h) }))
	}
	return y, cross, err
}

// Seq2Seq is the encoder–decoder transformer; it is a train.Model for seq2seq datasets, every
// batch padded to MaxSrc and MaxTgt.
type Seq2Seq struct {
	Config   Seq2SeqConfig // what it was built from
	store    *nn.Store
	Src, Tgt *nn.Embedding     // source and target token embeddings (src, tgt)
	Enc      []*Block          // encoder layers, input first (encoder.{l})
	Dec      []*DecoderBlock   // decoder layers, input first (decoder.{l})
	EncNorm  *nn.LayerNorm     // after the last encoder layer: the memory (encoder_norm)
	DecNorm  *nn.LayerNorm     // after the last decoder layer (decoder_norm)
	Head     *nn.Linear        // decoder states to target logits (head)
	decode   map[int]*s2sGraph // evaluation graphs by rows, for decoding

	// Tokenizers encode the input of Translate and decode its output: the vocabularies of the
	// task the model was trained on (text.go).
	Tokenizers datasets.Tokenizers
	translate  seq2seq.TextTranslator
}

// NewSeq2Seq creates the parameters: src, tgt, encoder.{l}, decoder.{l}, encoder_norm,
// decoder_norm, head.
func NewSeq2Seq(cfg Seq2SeqConfig) (*Seq2Seq, error) {
	switch {
	case cfg.SrcVocab <= 0 || cfg.TgtVocab <= 0:
		return nil, errors.Errorf("transformer: vocabularies of %d and %d tokens", cfg.SrcVocab, cfg.TgtVocab)
	case cfg.MaxSrc <= 0 || cfg.MaxTgt <= 0 || cfg.MaxSrc > 255 || cfg.MaxTgt > 255:
		return nil, errors.Errorf("transformer.Seq2SeqConfig.MaxSrc/MaxTgt: source and target lengths %d and %d must lie in 1…255", cfg.MaxSrc, cfg.MaxTgt)
	case cfg.Layers <= 0:
		return nil, nn.BadField("transformer.Seq2SeqConfig.Layers", cfg.Layers, "must be positive")
	case cfg.BOS < 0 || cfg.BOS >= cfg.TgtVocab || cfg.EOS < 0 || cfg.EOS >= cfg.TgtVocab:
		return nil, errors.Errorf("transformer: BOS %d / EOS %d outside the target vocabulary of %d", cfg.BOS, cfg.EOS, cfg.TgtVocab)
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	s := nn.NewStore(dt, cfg.Seed)
	m := &Seq2Seq{Config: cfg, store: s, decode: map[int]*s2sGraph{}}
	var err error
	if m.Src, err = embedding(s, "src", cfg.SrcVocab, cfg.D, cfg.InitStd); err != nil {
		return nil, err
	}
	if m.Tgt, err = embedding(s, "tgt", cfg.TgtVocab, cfg.D, cfg.InitStd); err != nil {
		return nil, err
	}
	bc := BlockConfig{D: cfg.D, Heads: cfg.Heads, FF: cfg.FF, Activation: cfg.Activation, Dropout: cfg.Dropout, InitStd: cfg.InitStd}
	for l := 0; l < cfg.Layers; l++ {
		b, err := NewBlock(s, fmt.Sprintf("encoder.%d", l), bc)
		if err != nil {
			return nil, err
		}
		m.Enc = append(m.Enc, b)
	}
	for l := 0; l < cfg.Layers; l++ {
		b, err := NewDecoderBlock(s, fmt.Sprintf("decoder.%d", l), bc)
		if err != nil {
			return nil, err
		}
		m.Dec = append(m.Dec, b)
	}
	if m.EncNorm, err = nn.NewLayerNorm(s, "encoder_norm", cfg.D); err != nil {
		return nil, err
	}
	if m.DecNorm, err = nn.NewLayerNorm(s, "decoder_norm", cfg.D); err != nil {
		return nil, err
	}
	if m.Head, err = linear(s, "head", cfg.D, cfg.TgtVocab, true, cfg.InitStd); err != nil {
		return nil, err
	}
	return m, nil
}

// Store holds the parameters.
func (m *Seq2Seq) Store() *nn.Store { return m.store }

// s2sGraph is a built graph's handles.
type s2sGraph struct {
	g          *nn.Graph
	src, tgtIn *nn.TokenInput
	pad        *nn.PaddingMask
	head       *nn.CrossEntropy // masked: weight 1 at scored rows, 0 at padding
	cross      []*G.Node
	crossVals  []G.Value
	n          int
}

// Build builds the graph for batches of n examples (train.Model). It is fed the Seq2Seq fields of
// a datasets.Batch, padded here to MaxSrc and MaxTgt; the loss is the mean cross-entropy over the
// scored target positions (t < TgtLen). The output holds the logits (n·MaxTgt, TgtVocab),
// example-major.
func (m *Seq2Seq) Build(n int, train bool) (*nn.Graph, error) {
	h, err := m.build(n, train, false)
	if err != nil {
		return nil, err
	}
	return h.g, nil
}

// build builds the graph of n examples; decoding builds the Stepper's instead: the logits and
// the cross-attention weights without the loss and its labels (the Stepper feeds the sources and
// the decoder's inputs itself, never a Batch).
func (m *Seq2Seq) build(n int, train, decoding bool) (*s2sGraph, error) {
	cfg := m.Config
	if n <= 0 {
		return nil, errors.Errorf("transformer: batch of %d examples", n)
	}
	S, T := cfg.MaxSrc, cfg.MaxTgt
	g := nn.NewGraph(m.store, n, train)
	h := &s2sGraph{g: g, n: n}
	embed := func(e *nn.Embedding, name string, t int) (*nn.TokenInput, *G.Node, error) {
		in, x, err := e.Lookup(g, name, n*t)
		if err != nil {
			return nil, nil, err
		}
		// √D scaling of the embeddings, as Vaswani et al., keeps them on the positions' scale.
		x, err = G.Mul(x, g.Scalar(math.Sqrt(float64(cfg.D))))
		if err != nil {
			return nil, nil, errors.Wrap(err, "transformer: embedding scale")
		}
		pos, err := nn.SinusoidalPositions(g, t, cfg.D)
		if err != nil {
			return nil, nil, err
		}
		if n == 1 {
			x, err = G.Add(x, pos)
		} else {
			x, err = nn.AddPositions(x, pos, n)
		}
		if err != nil {
			return nil, nil, errors.Wrap(err, "transformer: positions")
		}
		x, err = nn.Dropout(g, x, cfg.Dropout)
		return in, x, err
	}
	var x, y *G.Node
	var err error
	if h.src, x, err = embed(m.Src, "src", S); err != nil {
		return nil, err
	}
	if h.pad, err = nn.NewPaddingMask(g, n, cfg.Heads, S); err != nil {
		return nil, err
	}
	for l, b := range m.Enc {
		if x, _, err = b.Forward(g, x, n, h.pad.Node); err != nil {
			return nil, errors.Wrapf(err, "transformer: encoder layer %d", l)
		}
	}
	if x, err = m.EncNorm.Forward(g, x); err != nil {
		return nil, err
	}
	if h.tgtIn, y, err = embed(m.Tgt, "tgt_in", T); err != nil {
		return nil, err
	}
	causal, err := nn.CausalMask(g, T, T)
	if err != nil {
		return nil, err
	}
	for l, b := range m.Dec {
		var w *G.Node
		if y, w, err = b.Forward(g, y, x, n, causal, h.pad.Node); err != nil {
			return nil, errors.Wrapf(err, "transformer: decoder layer %d", l)
		}
		h.cross = append(h.cross, w)
	}
	if y, err = m.DecNorm.Forward(g, y); err != nil {
		return nil, err
	}
	logits, err := m.Head.Forward(g, y)
	if err != nil {
		return nil, err
	}
	if decoding {
		g.SetOutputs(nil, logits)
	} else {
		if h.head, err = nn.NewMaskedCrossEntropy(g, logits); err != nil {
			return nil, errors.Wrap(err, "transformer: seq2seq loss")
		}
		g.SetOutputs(h.head.Loss, logits)
	}
	h.crossVals = make([]G.Value, len(h.cross))
	for i, w := range h.cross {
		G.Read(w, &h.crossVals[i])
	}
	if decoding {
		return h, nil
	}
	src, tgtIn := make([]int, n*S), make([]int, n*T)
	labels, wbuf := make([]int, n*T), make([]float64, n*T)
	g.OnFeed(func(b datasets.Batch) error {
		if err := h.feedSources(m, b, src); err != nil {
			return err
		}
		for i := range wbuf {
			wbuf[i], labels[i] = 0, 0
		}
		for e := 0; e < n; e++ {
			for t := 0; t < T; t++ {
				tgtIn[e*T+t] = cfg.BOS
				if t < b.TgtT {
					tgtIn[e*T+t] = b.TgtIn[e*b.TgtT+t]
				}
				if t < b.TgtLen[e] {
					labels[e*T+t], wbuf[e*T+t] = b.Tgt[e*b.TgtT+t], 1
				}
			}
		}
		if err := h.tgtIn.Set(tgtIn); err != nil {
			return err
		}
		return h.head.SetMasked(labels, wbuf)
	})
	return h, nil
}

// feedSources checks a batch against the graph's lengths and feeds its padded sources and their
// padding mask.
func (h *s2sGraph) feedSources(m *Seq2Seq, b datasets.Batch, src []int) error {
	cfg, n := m.Config, h.n
	S := cfg.MaxSrc
	if b.N != n || len(b.SrcLen) != n || len(b.Src) != n*b.SrcT || len(b.TgtLen) != n || len(b.TgtIn) != n*b.TgtT || len(b.Tgt) != n*b.TgtT {
		return errors.Errorf("transformer: batch of %d examples is not a seq2seq batch for a graph of %d", b.N, n)
	}
	if b.SrcT > S {
		return errors.Errorf("transformer: source of %d tokens, the model reads at most %d", b.SrcT, S)
	}
	if b.TgtT > cfg.MaxTgt {
		return errors.Errorf("transformer: target of %d tokens, the model writes at most %d", b.TgtT, cfg.MaxTgt)
	}
	for e := 0; e < n; e++ {
		for j := 0; j < S; j++ {
			src[e*S+j] = cfg.SrcPAD
			if j < b.SrcT {
				src[e*S+j] = b.Src[e*b.SrcT+j]
			}
		}
	}
	if err := h.src.Set(src); err != nil {
		return err
	}
	return h.pad.SetLengths(b.SrcLen)
}

// s2sStepper is the seq2seq.Stepper of a Seq2Seq over one batch's sources. Each step re-runs
// the evaluation graph (encoder and decoder over all MaxTgt positions) on the rows' prefixes and
// reads the position after them; the causal mask keeps later positions from mattering.
type s2sStepper struct {
	m     *Seq2Seq
	b     datasets.Batch // the sources
	h     *s2sGraph
	src   []int // source of each row
	tgtIn []int // rows × MaxTgt: BOS, then each row's prefix
	t     int   // length of the rows' prefixes: the position scored
}

// NewStepper returns the seq2seq.Stepper that decodes the sources of b (only its source fields
// are read), for seq2seq.GreedySearch and seq2seq.BeamSearch: hypotheses of at most MaxTgt
// tokens, EOS included, with the last decoder layer's cross-attention averaged over heads.
func (m *Seq2Seq) NewStepper(b datasets.Batch) (seq2seq.Stepper, error) {
	if b.N <= 0 || len(b.SrcLen) != b.N || len(b.Src) != b.N*b.SrcT {
		return nil, errors.Errorf("transformer: a batch of %d sources with %d lengths and %d tokens", b.N, len(b.SrcLen), len(b.Src))
	}
	if b.SrcT > m.Config.MaxSrc {
		return nil, errors.Errorf("transformer: source of %d tokens, the model reads at most %d", b.SrcT, m.Config.MaxSrc)
	}
	for e, l := range b.SrcLen {
		if l <= 0 || l > b.SrcT {
			return nil, errors.Errorf("transformer: source %d has length %d, want 1…%d", e, l, b.SrcT)
		}
	}
	src := datasets.Batch{N: b.N, SrcT: b.SrcT, Src: b.Src, SrcLen: b.SrcLen}
	return &s2sStepper{m: m, b: src}, nil
}

// Sources is the number of sources of the batch.
func (s *s2sStepper) Sources() int { return s.b.N }

// EOS is the configuration's EOS.
func (s *s2sStepper) EOS() int { return s.m.Config.EOS }

// MaxLen is MaxTgt.
func (s *s2sStepper) MaxLen() int { return s.m.Config.MaxTgt }

// Start feeds len(src) rows, row r holding source src[r], and scores the first position.
func (s *s2sStepper) Start(src []int) (seq2seq.StepScores, error) {
	m, cfg := s.m, s.m.Config
	rows := len(src)
	if rows == 0 {
		return seq2seq.StepScores{}, errors.New("transformer: Start with no rows")
	}
	h := m.decode[rows]
	if h == nil {
		var err error
		if h, err = m.build(rows, false, true); err != nil {
			return seq2seq.StepScores{}, err
		}
		if err := h.g.Compile(); err != nil {
			return seq2seq.StepScores{}, err
		}
		m.decode[rows] = h
	}
	b, ST := s.b, s.b.SrcT
	rb := datasets.Batch{N: rows, SrcT: ST, Src: make([]int, rows*ST), SrcLen: make([]int, rows), TgtLen: make([]int, rows)}
	for r, e := range src {
		if e < 0 || e >= b.N {
			return seq2seq.StepScores{}, errors.Errorf("transformer: Start row %d decodes source %d of %d", r, e, b.N)
		}
		copy(rb.Src[r*ST:(r+1)*ST], b.Src[e*ST:(e+1)*ST])
		rb.SrcLen[r] = b.SrcLen[e]
	}
	if err := h.feedSources(m, rb, make([]int, rows*cfg.MaxSrc)); err != nil {
		return seq2seq.StepScores{}, err
	}
	s.h, s.src, s.t = h, append([]int(nil), src...), 0
	s.tgtIn = make([]int, rows*cfg.MaxTgt)
	for i := range s.tgtIn {
		s.tgtIn[i] = cfg.BOS
	}
	return s.score()
}

// Step writes each row's prefix (its from row's, then its token) and scores the next position.
func (s *s2sStepper) Step(from, tok []int) (seq2seq.StepScores, error) {
	cfg := s.m.Config
	T, rows := cfg.MaxTgt, len(s.src)
	if s.h == nil {
		return seq2seq.StepScores{}, errors.New("transformer: Step before Start")
	}
	if len(from) != rows || len(tok) != rows {
		return seq2seq.StepScores{}, errors.Errorf("transformer: Step of %d rows given %d sources and %d tokens", rows, len(from), len(tok))
	}
	if s.t+1 >= T {
		return seq2seq.StepScores{}, errors.Errorf("transformer: Step past the %d target positions", T)
	}
	prev := append([]int(nil), s.tgtIn...)
	for r, f := range from {
		if f < 0 {
			continue
		}
		if f >= rows || s.src[f] != s.src[r] {
			return seq2seq.StepScores{}, errors.Errorf("transformer: Step row %d continues row %d, not a row of its source", r, f)
		}
		if tok[r] < 0 || tok[r] >= cfg.TgtVocab {
			return seq2seq.StepScores{}, errors.Errorf("transformer: Step row %d given token %d outside the vocabulary of %d", r, tok[r], cfg.TgtVocab)
		}
		copy(s.tgtIn[r*T:r*T+s.t+1], prev[f*T:f*T+s.t+1])
		s.tgtIn[r*T+s.t+1] = tok[r]
	}
	s.t++
	return s.score()
}

// score runs the graph and reads every row's log-probabilities at position t and the last
// layer's cross-attention there, averaged over heads.
func (s *s2sStepper) score() (seq2seq.StepScores, error) {
	cfg, h := s.m.Config, s.h
	S, T, V, H, t := cfg.MaxSrc, cfg.MaxTgt, cfg.TgtVocab, cfg.Heads, s.t
	if err := h.tgtIn.Set(s.tgtIn); err != nil {
		return seq2seq.StepScores{}, err
	}
	if err := h.g.Run(nil); err != nil {
		return seq2seq.StepScores{}, err
	}
	logits := nn.Float64s(h.g.Output())
	cross := nn.Float64s(h.crossVals[len(h.crossVals)-1].(tensor.Tensor)) // (rows·H, T, S)
	rows := len(s.src)
	sc := seq2seq.StepScores{LogProb: make([][]float64, rows), Attention: make([][]float64, rows)}
	for r := 0; r < rows; r++ {
		sc.LogProb[r] = nn.LogSoftmax(logits[(r*T+t)*V : (r*T+t+1)*V])
		w := make([]float64, s.b.SrcLen[s.src[r]])
		for hd := 0; hd < H; hd++ {
			base := ((r*H+hd)*T + t) * S
			for j := range w {
				w[j] += cross[base+j] / float64(H)
			}
		}
		sc.Attention[r] = w
	}
	return sc, nil
}

// Greedy decodes the sources of b (only its source fields are read) with seq2seq.GreedySearch
// over NewStepper: the decoder reads BOS and then its own most likely tokens until every output
// has ended with EOS or MaxTgt tokens are written. It returns each output without EOS and the
// cross-attention weights of the last layer, averaged over heads: att[e][t] holds the weights of
// output t over the SrcLen[e] source positions.
func (m *Seq2Seq) Greedy(b datasets.Batch) (out [][]int, att [][][]float64, err error) {
	s, err := m.NewStepper(b)
	if err != nil {
		return nil, nil, err
	}
	hyps, err := seq2seq.GreedySearch(s)
	if err != nil {
		return nil, nil, err
	}
	out, att = make([][]int, len(hyps)), make([][][]float64, len(hyps))
	for e, h := range hyps {
		out[e], att[e] = h.Tokens, h.Attention
	}
	return out, att, nil
}

// Beam decodes the sources of b (only its source fields are read) with seq2seq.BeamSearch of
// width k over NewStepper: one hypothesis per source, the best of the searches of widths 1…k, so
// a wider beam never scores lower; k = 1 is Greedy.
func (m *Seq2Seq) Beam(b datasets.Batch, k int) ([]seq2seq.Hypothesis, error) {
	if k < 1 {
		return nil, nn.BadField("transformer.Seq2Seq.Beam(k)", k, "must be at least 1")
	}
	s, err := m.NewStepper(b)
	if err != nil {
		return nil, err
	}
	return seq2seq.BeamSearch(s, k)
}
