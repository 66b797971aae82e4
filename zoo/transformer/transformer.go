// Package transformer is the transformer of Vaswani et al. (2017) built from the shared nn pieces
// (multi-head attention, LayerNorm, feed-forward, positions): a decoder-only character language
// model in the style of GPT, and an encoder–decoder for the sequence-to-sequence tasks.
//
// A block is, with pre-LayerNorm (GPT-2, the default) or post-LayerNorm (the original paper):
//
//	pre-LN:   x = x + drop(Attn(LN1(x)));  x = x + drop(FF(LN2(x)))
//	post-LN:  x = LN1(x + drop(Attn(x)));  x = LN2(x + drop(FF(x)))
//
// The language model embeds each token, adds a learned or sinusoidal position, applies Layers
// blocks of causal self-attention (position t sees positions ≤ t only), a final LayerNorm (pre-LN
// only) and a linear head, optionally tied to the token embedding:
//
//	h_0 = drop(E[token_t] + P[t]);  h_l = block_l(h_{l−1});  logits_t = LN_f(h_L)_t·W_head + b
//
// Parameters carry the names of torch.nn.TransformerEncoderLayer inside a GPT-style module:
// tok.weight, pos.weight, blocks.{l}.self_attn.in_proj_weight, blocks.{l}.self_attn.out_proj.weight,
// blocks.{l}.linear1.weight, blocks.{l}.linear2.weight, blocks.{l}.norm1.weight,
// blocks.{l}.norm2.weight (and their biases), lnf.weight, head.weight, head.bias; checkpoints
// open in PyTorch as that module's state_dict.
//
// LayerNorm and attention run as nn's fused ops (one op per LayerNorm; the attention weights and
// the weighted values one op each, reading every head where it lies in the fused q, k, v
// projection); setting Composed on the nn.LayerNorm and nn.MultiHeadAttention values builds the
// reference form of Gorgonia's ops instead, which the tests compare with. Every axis the graphs
// slice or concatenate stays short (positions are gathered by index), so Gorgonia's slice-hash
// bug cannot reach them; the tests check the gradients by finite differences with a context of
// 260 positions.
package transformer

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Config describes a decoder-only language model.
type Config struct {
	Vocab      int     `json:"vocab"`      // tokens in and out
	Context    int     `json:"context"`    // positions per window (the graph's T)
	D          int     `json:"d_model"`    // model width
	Heads      int     `json:"heads"`      // attention heads; D must be a multiple
	Layers     int     `json:"layers"`     // blocks
	FF         int     `json:"ff"`         // hidden width of the feed-forward blocks
	Activation string  `json:"activation"` // feed-forward nonlinearity: relu, gelu, gelu_tanh
	Dropout    float64 `json:"dropout"`    // on embeddings, attention weights, residual branches and FF hidden units
	PostLN     bool    `json:"post_ln"`    // post-LayerNorm blocks (Vaswani et al.) instead of pre-LN (GPT-2)
	Positions  string  `json:"positions"`  // "learned" or "sinusoidal"
	Tie        bool    `json:"tie"`        // the head's weight is the token embedding's transpose
	// InitStd > 0 initialises every weight matrix and both embeddings N(0, InitStd²) and every bias
	// to 0 (GPT-2; W5 uses 0.02); 0 keeps PyTorch's module defaults.
	InitStd float64 `json:"init_std"`
	Float64 bool    `json:"float64"` // float64 instead of float32
	Seed    uint64  `json:"seed"`    // initialisation
}

// W5 is workload W5 of the reference figures: 2 pre-LN layers, d_model 128, 4 heads, FF 512 ReLU,
// context 64, learned positions, N(0, 0.02) initialisation, no dropout, untied head.
func W5(vocab int, seed uint64) Config {
	return Config{Vocab: vocab, Context: 64, D: 128, Heads: 4, Layers: 2, FF: 512, Activation: "relu",
		Positions: "learned", InitStd: 0.02, Seed: seed}
}

// Check validates the configuration. A bad value is a *nn.FieldError naming the field
// ("transformer.Config.D 0: must be positive").
func (c Config) Check() error {
	switch {
	case c.Vocab <= 0:
		return errors.Errorf("transformer: vocabulary of %d tokens, must be positive", c.Vocab)
	case c.Context <= 0:
		return nn.BadField("transformer.Config.Context", c.Context, "the context must be positive")
	case c.D <= 0:
		return nn.BadField("transformer.Config.D", c.D, "must be positive")
	case c.Heads <= 0 || c.D%c.Heads != 0:
		return nn.BadField("transformer.Config.Heads", c.Heads, "must be positive and divide transformer.Config.D %d", c.D)
	case c.Layers <= 0:
		return nn.BadField("transformer.Config.Layers", c.Layers, "must be positive")
	case c.FF <= 0:
		return nn.BadField("transformer.Config.FF", c.FF, "must be positive")
	case c.Dropout < 0 || c.Dropout >= 1 || math.IsNaN(c.Dropout):
		return nn.BadField("transformer.Config.Dropout", c.Dropout, "outside [0, 1)")
	case c.Positions != "learned" && c.Positions != "sinusoidal":
		return nn.BadField("transformer.Config.Positions", c.Positions, "want learned or sinusoidal")
	case c.InitStd < 0 || math.IsNaN(c.InitStd) || math.IsInf(c.InitStd, 0):
		return nn.BadField("transformer.Config.InitStd", c.InitStd, "must be a finite number ≥ 0")
	}
	if _, err := nn.FeedForwardActivation(c.Activation); err != nil {
		return nn.WrapField(err, "transformer.Config.Activation", c.Activation)
	}
	return nil
}

// linear creates a Linear layer: N(0, std²) weights and zero bias when std > 0, torch.nn.Linear's
// default otherwise.
func linear(s *nn.Store, name string, in, out int, bias bool, std float64) (*nn.Linear, error) {
	if std == 0 {
		return nn.NewLinear(s, name, in, out, bias)
	}
	w, err := s.Add(name+".weight", []int{in, out}, true, nn.Normal(std))
	if err != nil {
		return nil, err
	}
	w.Transposed = true
	l := &nn.Linear{In: in, Out: out, Weight: w}
	if bias {
		if l.Bias, err = s.Add(name+".bias", []int{1, out}, true, nn.Zeros); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Block is one transformer layer: self- (or cross-) attention and a feed-forward block, each with
// a residual connection and a LayerNorm, before (pre-LN) or after (post-LN) the branch.
type Block struct {
	Attn         *nn.MultiHeadAttention // self_attn
	FF           *nn.FeedForward        // linear1, linear2
	Norm1, Norm2 *nn.LayerNorm          // of the attention branch and of the feed-forward branch
	PostLN       bool                   // LayerNorm after each residual addition instead of before the branch
	// Dropout is applied to each residual branch's output in training graphs.
	Dropout float64
}

// BlockConfig is the shape of a block.
type BlockConfig struct {
	D, Heads, FF int     // model width, attention heads (dividing D), feed-forward hidden width
	Activation   string  // feed-forward nonlinearity: relu, gelu, gelu_tanh, tanh, sigmoid, identity
	Dropout      float64 // on attention weights, the branch outputs and FF hidden units in training graphs; in [0, 1)
	PostLN       bool    // LayerNorm after each residual addition (Vaswani et al.) instead of before the branch (pre-LN)
	InitStd      float64 // > 0: N(0, InitStd²) weights and zero biases; 0: PyTorch's defaults
}

// NewBlock creates a block's parameters in s under name (NAME.self_attn.*, NAME.linear1.*,
// NAME.linear2.*, NAME.norm1.*, NAME.norm2.*, as torch.nn.TransformerEncoderLayer).
func NewBlock(s *nn.Store, name string, c BlockConfig) (*Block, error) {
	if c.D <= 0 || c.Heads <= 0 || c.D%c.Heads != 0 || c.FF <= 0 {
		return nil, errors.Errorf("transformer: block %s: d_model %d, %d heads, FF %d: need positive sizes and heads dividing d_model", name, c.D, c.Heads, c.FF)
	}
	if c.Dropout < 0 || c.Dropout >= 1 {
		return nil, errors.Errorf("transformer: block %s: dropout %v outside [0, 1)", name, c.Dropout)
	}
	act, err := nn.FeedForwardActivation(c.Activation)
	if err != nil {
		return nil, errors.Wrapf(err, "transformer: block %s", name)
	}
	b := &Block{PostLN: c.PostLN, Dropout: c.Dropout}
	if b.Attn, err = newAttention(s, name+".self_attn", c.D, c.Heads, c.Dropout, c.InitStd); err != nil {
		return nil, err
	}
	l1, err := linear(s, name+".linear1", c.D, c.FF, true, c.InitStd)
	if err != nil {
		return nil, err
	}
	l2, err := linear(s, name+".linear2", c.FF, c.D, true, c.InitStd)
	if err != nil {
		return nil, err
	}
	b.FF = &nn.FeedForward{D: c.D, Hidden: c.FF, Linear1: l1, Linear2: l2, Act: act, ActName: c.Activation, Dropout: c.Dropout}
	if b.Norm1, err = nn.NewLayerNorm(s, name+".norm1", c.D); err != nil {
		return nil, err
	}
	if b.Norm2, err = nn.NewLayerNorm(s, name+".norm2", c.D); err != nil {
		return nil, err
	}
	return b, nil
}

// newAttention creates multi-head attention, N(0, std²) weights and zero biases when std > 0.
func newAttention(s *nn.Store, name string, d, heads int, dropout, std float64) (*nn.MultiHeadAttention, error) {
	if std == 0 {
		return nn.NewMultiHeadAttention(s, name, d, heads, dropout)
	}
	w, err := s.Add(name+".in_proj_weight", []int{d, 3 * d}, true, nn.Normal(std))
	if err != nil {
		return nil, err
	}
	w.Transposed = true
	bias, err := s.Add(name+".in_proj_bias", []int{1, 3 * d}, true, nn.Zeros)
	if err != nil {
		return nil, err
	}
	out, err := linear(s, name+".out_proj", d, d, true, std)
	if err != nil {
		return nil, err
	}
	return &nn.MultiHeadAttention{D: d, Heads: heads, InProjWeight: w, InProjBias: bias, OutProj: out, Dropout: dropout}, nil
}

// Forward applies the block to x, the (B·T, D) rows of batch sequences laid out batch-major (row
// b·T + t), attending over the same rows with the given additive masks (nn.CausalMask,
// nn.PaddingMask). It returns the new rows and the attention weights (B·Heads, T, T).
func (b *Block) Forward(g *nn.Graph, x *G.Node, batch int, masks ...*G.Node) (y, weights *G.Node, err error) {
	return b.forward(g, x, nil, batch, masks)
}

// forward is Forward attending over memory (B·Tk, D) instead of x when memory is not nil.
func (b *Block) forward(g *nn.Graph, x, memory *G.Node, batch int, masks []*G.Node) (y, weights *G.Node, err error) {
	attn := func(h *G.Node) (*G.Node, error) {
		kv := h
		if memory != nil {
			kv = memory
		}
		o, w, err := b.Attn.Forward(g, h, kv, kv, batch, masks...)
		weights = w
		if err != nil {
			return nil, err
		}
		return nn.Dropout(g, o, b.Dropout)
	}
	ff := func(h *G.Node) (*G.Node, error) {
		o, err := b.FF.Forward(g, h)
		if err != nil {
			return nil, err
		}
		return nn.Dropout(g, o, b.Dropout)
	}
	if y, err = b.sublayer(g, x, b.Norm1, attn); err != nil {
		return nil, nil, err
	}
	y, err = b.sublayer(g, y, b.Norm2, ff)
	return y, weights, err
}

// sublayer is x + f(LN(x)) (pre-LN) or LN(x + f(x)) (post-LN).
func (b *Block) sublayer(g *nn.Graph, x *G.Node, ln *nn.LayerNorm, f func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	if b.PostLN {
		y, err := nn.Residual(x, f)
		if err != nil {
			return nil, err
		}
		return ln.Forward(g, y)
	}
	return nn.Residual(x, func(h *G.Node) (*G.Node, error) {
		n, err := ln.Forward(g, h)
		if err != nil {
			return nil, err
		}
		return f(n)
	})
}

// LM is the decoder-only character language model; it is a train.Model for windows of
// Config.Context tokens.
type LM struct {
	Config Config // what it was built from
	store  *nn.Store
	Tok    *nn.Embedding        // token embedding (tok)
	Pos    *nn.LearnedPositions // nil with sinusoidal positions
	Blocks []*Block             // the layers, input first (blocks.{l})
	NormF  *nn.LayerNorm        // nil with post-LN blocks
	Head   *nn.Linear           // with Tie, its Weight is nil and the token embedding is used
	gen    *Generator

	// Tokenizer encodes the text of Sample and decodes what it draws: the vocabulary the model
	// was trained with (text.go).
	Tokenizer *datasets.Tokenizer
	text      seqmodel.TextSampler
}

// New creates a language model's parameters, initialised from cfg.Seed in the order tok, pos,
// blocks, lnf, head.
func New(cfg Config) (*LM, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	s := nn.NewStore(dt, cfg.Seed)
	m := &LM{Config: cfg, store: s}
	var err error
	if m.Tok, err = embedding(s, "tok", cfg.Vocab, cfg.D, cfg.InitStd); err != nil {
		return nil, err
	}
	if cfg.Positions == "learned" {
		std := cfg.InitStd
		if std == 0 {
			std = 1 // torch.nn.Embedding's default
		}
		if m.Pos, err = nn.NewLearnedPositions(s, "pos", cfg.Context, cfg.D, std); err != nil {
			return nil, err
		}
	}
	bc := BlockConfig{D: cfg.D, Heads: cfg.Heads, FF: cfg.FF, Activation: cfg.Activation, Dropout: cfg.Dropout, PostLN: cfg.PostLN, InitStd: cfg.InitStd}
	for l := 0; l < cfg.Layers; l++ {
		b, err := NewBlock(s, fmt.Sprintf("blocks.%d", l), bc)
		if err != nil {
			return nil, err
		}
		m.Blocks = append(m.Blocks, b)
	}
	if !cfg.PostLN {
		if m.NormF, err = nn.NewLayerNorm(s, "lnf", cfg.D); err != nil {
			return nil, err
		}
	}
	if cfg.Tie {
		bias, err := s.Add("head.bias", []int{1, cfg.Vocab}, true, nn.Zeros)
		if err != nil {
			return nil, err
		}
		m.Head = &nn.Linear{In: cfg.D, Out: cfg.Vocab, Bias: bias}
	} else if m.Head, err = linear(s, "head", cfg.D, cfg.Vocab, true, cfg.InitStd); err != nil {
		return nil, err
	}
	return m, nil
}

// embedding creates a (num, dim) token table, N(0, std²), or N(0, 1) as torch when std is 0.
func embedding(s *nn.Store, name string, num, dim int, std float64) (*nn.Embedding, error) {
	if std == 0 {
		return nn.NewEmbedding(s, name, num, dim)
	}
	w, err := s.Add(name+".weight", []int{num, dim}, true, nn.Normal(std))
	if err != nil {
		return nil, err
	}
	return &nn.Embedding{Num: num, Dim: dim, Weight: w}, nil
}

// Store holds the parameters.
func (m *LM) Store() *nn.Store { return m.store }

// lmGraph is a built graph's handles.
type lmGraph struct {
	tokens  *nn.TokenInput
	logits  *G.Node
	weights []*G.Node // per layer, (n·Heads, T, T)
	wvals   []G.Value // read after every run when the graph was built to keep them
}

// Build builds the graph of a batch of n windows of Config.Context tokens (train.Model). It is fed
// a datasets.Batch's Tokens and Targets (n×T, example-major). The output node holds the logits
// (n·T, Vocab), example-major as the batch: row b·T + t is the prediction after token t of
// window b.
func (m *LM) Build(n int, train bool) (*nn.Graph, error) {
	g, _, err := m.build(n, train, false)
	return g, err
}

// build builds the graph of n windows; generator builds the Generator's instead: it keeps the
// attention weights and computes the logits without the loss and its labels (it is never fed a
// Batch).
func (m *LM) build(n int, train, generator bool) (*nn.Graph, *lmGraph, error) {
	cfg := m.Config
	if n <= 0 {
		return nil, nil, errors.Errorf("transformer: batch of %d windows", n)
	}
	T := cfg.Context
	g := nn.NewGraph(m.store, n, train)
	h := &lmGraph{}
	tok, x, err := m.Tok.Lookup(g, "tokens", n*T)
	if err != nil {
		return nil, nil, err
	}
	h.tokens = tok
	if x, err = m.addPositions(g, x, n); err != nil {
		return nil, nil, err
	}
	if x, err = nn.Dropout(g, x, cfg.Dropout); err != nil {
		return nil, nil, err
	}
	mask, err := nn.CausalMask(g, T, T)
	if err != nil {
		return nil, nil, err
	}
	for l, b := range m.Blocks {
		var w *G.Node
		if x, w, err = b.Forward(g, x, n, mask); err != nil {
			return nil, nil, errors.Wrapf(err, "transformer: block %d", l)
		}
		h.weights = append(h.weights, w)
	}
	if m.NormF != nil {
		if x, err = m.NormF.Forward(g, x); err != nil {
			return nil, nil, err
		}
	}
	if h.logits, err = m.head(g, x); err != nil {
		return nil, nil, err
	}
	if generator {
		h.wvals = make([]G.Value, len(h.weights))
		for i, w := range h.weights {
			G.Read(w, &h.wvals[i])
		}
		g.SetOutputs(nil, h.logits)
		return g, h, nil
	}
	ce, err := nn.NewCrossEntropy(g, h.logits)
	if err != nil {
		return nil, nil, err
	}
	g.SetOutputs(ce.Loss, h.logits)
	g.OnFeed(func(b datasets.Batch) error {
		if b.T != T || len(b.Tokens) != n*T || len(b.Targets) != n*T {
			return errors.Errorf("transformer: batch of %d windows of %d steps (%d tokens, %d targets); the model reads windows of %d (transformer.Config.Context)",
				b.N, b.T, len(b.Tokens), len(b.Targets), T)
		}
		if err := h.tokens.Set(b.Tokens); err != nil {
			return err
		}
		return ce.SetLabels(b.Targets)
	})
	return g, h, nil
}

// addPositions adds positions 0..T−1 to the (n·T, D) embeddings.
func (m *LM) addPositions(g *nn.Graph, x *G.Node, n int) (*G.Node, error) {
	T, D := m.Config.Context, m.Config.D
	var pos *G.Node
	var err error
	if m.Pos != nil {
		pos, err = m.Pos.Table(g, T)
	} else {
		pos, err = nn.SinusoidalPositions(g, T, D)
	}
	if err != nil {
		return nil, err
	}
	if n == 1 {
		// The embeddings are the first operand: an in-place add may write into them, never into
		// the table, which is a parameter or a constant input.
		y, err := G.Add(x, pos)
		return y, errors.Wrap(err, "transformer: positions")
	}
	return nn.AddPositions(x, pos, n)
}

// head maps the final rows (N, D) to logits (N, Vocab).
func (m *LM) head(g *nn.Graph, x *G.Node) (*G.Node, error) {
	if !m.Config.Tie {
		return m.Head.Forward(g, x)
	}
	et, err := G.Transpose(g.Bind(m.Tok.Weight))
	if err != nil {
		return nil, errors.Wrap(err, "transformer: tied head")
	}
	y, err := G.Mul(x, et)
	if err == nil {
		y, err = nn.AddBias(y, g.Bind(m.Head.Bias))
	}
	return y, errors.Wrap(err, "transformer: tied head")
}

// Generator runs the model on one window at a time to generate text: the last Context tokens
// are read (fewer at the start, padded after them, which causal attention never sees).
type Generator struct {
	m   *LM
	g   *nn.Graph
	h   *lmGraph
	buf []int
}

// NewGenerator builds the one-window evaluation graph.
func (m *LM) NewGenerator() (*Generator, error) {
	g, h, err := m.build(1, false, true)
	if err != nil {
		return nil, err
	}
	if err := g.Compile(); err != nil {
		return nil, err
	}
	return &Generator{m: m, g: g, h: h, buf: make([]int, m.Config.Context)}, nil
}

// run feeds the last Context tokens of seq (all of them when shorter) and returns the logits of
// the last one.
func (gen *Generator) run(seq []int) ([]float64, error) {
	T := gen.m.Config.Context
	if len(seq) > T {
		seq = seq[len(seq)-T:]
	}
	for i := range gen.buf {
		gen.buf[i] = 0
	}
	copy(gen.buf, seq)
	if err := gen.h.tokens.Set(gen.buf); err != nil {
		return nil, err
	}
	if err := gen.g.Run(nil); err != nil {
		return nil, err
	}
	v := gen.m.Config.Vocab
	all := nn.Float64s(gen.g.Output())
	last := len(seq) - 1
	return all[last*v : (last+1)*v], nil
}

// Generate reads prime (at least one token) and then draws n tokens, each from
// softmax(logits/temperature) with rng; temperature 0 takes the most likely token.
func (gen *Generator) Generate(prime []int, n int, temperature float64, rng *rand.Rand) ([]int, error) {
	if len(prime) == 0 {
		return nil, nn.BadField("transformer.Generator.Generate(prime)", nil, "at least one character is needed")
	}
	if temperature < 0 || math.IsNaN(temperature) {
		return nil, nn.BadField("transformer.Generator.Generate(temperature)", temperature, "must not be negative")
	}
	if n < 0 {
		return nil, nn.BadField("transformer.Generator.Generate(n)", n, "must not be negative")
	}
	if temperature > 0 && rng == nil {
		return nil, errors.New("transformer: sampling at a positive temperature needs a generator")
	}
	seq := append([]int(nil), prime...)
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		logits, err := gen.run(seq)
		if err != nil {
			return nil, err
		}
		tok := seqmodel.Draw(logits, temperature, rng)
		out = append(out, tok)
		seq = append(seq, tok)
	}
	return out, nil
}

// Generate is NewGenerator's Generate on a generator the model keeps for later calls.
func (m *LM) Generate(prime []int, n int, temperature float64, rng *rand.Rand) ([]int, error) {
	if m.gen == nil {
		gen, err := m.NewGenerator()
		if err != nil {
			return nil, err
		}
		m.gen = gen
	}
	return m.gen.Generate(prime, n, temperature, rng)
}

// Attention runs the model on tokens (1 to Context of them) and returns the attention weights of
// every layer and head: w[l][h][i*len(tokens)+j] is how much position i attends to position j in
// head h of layer l (each row sums to 1; entries j > i are 0).
func (m *LM) Attention(tokens []int) ([][][]float64, error) {
	L, T := len(tokens), m.Config.Context
	if L == 0 || L > T {
		return nil, errors.Errorf("transformer: attention of %d tokens: need 1 to %d (the context)", L, T)
	}
	gen, err := m.NewGenerator()
	if err != nil {
		return nil, err
	}
	defer gen.g.Close()
	if _, err := gen.run(tokens); err != nil {
		return nil, err
	}
	H := m.Config.Heads
	out := make([][][]float64, len(m.Blocks))
	for l, v := range gen.h.wvals {
		all := nn.Float64s(v.(tensor.Tensor)) // (H, T, T)
		out[l] = make([][]float64, H)
		for h := 0; h < H; h++ {
			w := make([]float64, L*L)
			for i := 0; i < L; i++ {
				copy(w[i*L:(i+1)*L], all[(h*T+i)*T:(h*T+i)*T+L])
			}
			out[l][h] = w
		}
	}
	return out, nil
}
