package transformer

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/golden"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/internal/npz"
	"github.com/gorgonia-zoo/modelzoo/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randoms returns n N(0, 1) draws of seed.
func randoms(seed uint64, n int) []float64 {
	rng := nn.NewRNG(seed, nn.StreamData, 0)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// randomTokens returns n tokens below vocab drawn from seed.
func randomTokens(seed uint64, n, vocab int) []int {
	rng := nn.NewRNG(seed, nn.StreamData, 1)
	v := make([]int, n)
	for i := range v {
		v[i] = rng.IntN(vocab)
	}
	return v
}

// lmBatch is n windows of T random tokens and targets.
func lmBatch(seed uint64, n, T, vocab int) datasets.Batch {
	return datasets.Batch{N: n, T: T, Tokens: randomTokens(seed, n*T, vocab), Targets: randomTokens(seed+1, n*T, vocab)}
}

// blockGraph builds Sum(Block(x) ⊙ R) on a float64 store: x is an input of batch·T rows.
func blockGraph(t *testing.T, s *nn.Store, b *Block, batch, T int, x, r []float64) (*nn.Graph, *nn.Input, *G.Node, *G.Node) {
	t.Helper()
	d := b.Attn.D
	g := nn.NewGraph(s, batch, false)
	xin := g.Input("x", batch*T, d)
	if x == nil {
		x = randoms(3, batch*T*d)
	}
	if err := xin.Set(x); err != nil {
		t.Fatal(err)
	}
	mask, err := nn.CausalMask(g, T, T)
	if err != nil {
		t.Fatal(err)
	}
	out, w, err := b.Forward(g, xin.Node, batch, mask)
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Shape(); !got.Eq(tensor.Shape{batch * b.Attn.Heads, T, T}) {
		t.Fatalf("attention weights of shape %v, want (%d, %d, %d)", got, batch*b.Attn.Heads, T, T)
	}
	rin := g.Input("loss_weights", batch*T, d)
	if r == nil {
		r = randoms(4, batch*T*d)
	}
	if err := rin.Set(r); err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, rin.Node))))
	return g, xin, out, loss
}

// TestBlockGradient checks the gradient of a whole block (attention, feed-forward, both
// LayerNorms and residuals), pre- and post-LN, with respect to every parameter and the input,
// by central finite differences in float64.
func TestBlockGradient(t *testing.T) {
	for _, post := range []bool{false, true} {
		t.Run(fmt.Sprintf("postLN=%v", post), func(t *testing.T) {
			s := nn.NewStore(tensor.Float64, 1)
			b, err := NewBlock(s, "block", BlockConfig{D: 8, Heads: 2, FF: 16, Activation: "gelu", PostLN: post})
			if err != nil {
				t.Fatal(err)
			}
			// Non-trivial LayerNorm parameters.
			for i, ln := range []*nn.LayerNorm{b.Norm1, b.Norm2} {
				if err := nn.SetFloat64s(ln.Weight.Value, randoms(uint64(10+i), 8)); err != nil {
					t.Fatal(err)
				}
				if err := nn.SetFloat64s(ln.Bias.Value, randoms(uint64(20+i), 8)); err != nil {
					t.Fatal(err)
				}
			}
			g, xin, _, loss := blockGraph(t, s, b, 2, 5, nil, nil)
			wrt := []*G.Node{xin.Node}
			for _, p := range s.Params() {
				wrt = append(wrt, g.Bind(p))
			}
			rs, err := gradcheck.Check(g.G, loss, wrt, gradcheck.Options{Eps: 1e-6, Floor: 1e-3})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.MaxRelErr > 1e-5 {
					t.Errorf("%v", r)
				}
			}
			if len(rs) != 13 {
				t.Errorf("%d nodes checked, want the input and 12 parameters", len(rs))
			}
		})
	}
}

// tinyLM is a small float64 language model.
func tinyLM(t testing.TB, mod func(*Config)) *LM {
	t.Helper()
	cfg := Config{Vocab: 7, Context: 6, D: 8, Heads: 2, Layers: 2, FF: 16, Activation: "relu", Positions: "learned",
		InitStd: 0.3, Float64: true, Seed: 2}
	if mod != nil {
		mod(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Non-trivial biases and LayerNorm parameters: N(0, 0.3²) everywhere.
	for i, p := range m.Store().Params() {
		if strings.HasSuffix(p.Name, "bias") || strings.Contains(p.Name, "norm") || strings.HasPrefix(p.Name, "lnf") {
			v := randoms(uint64(100+i), p.Value.Shape().TotalSize())
			for j := range v {
				v[j] *= 0.3
				if strings.HasSuffix(p.Name, "weight") {
					v[j] += 1
				}
			}
			if err := nn.SetFloat64s(p.Value, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m
}

// lmGradCheck checks the gradient of the training loss of m on a batch of n windows with respect
// to every parameter, sampling entries per parameter (0: all). The loss is a mean over n·T
// positions, so its gradients are small: errors are measured against a floor of 1e-4.
func lmGradCheck(t *testing.T, m *LM, n, samples int) {
	t.Helper()
	g, err := m.Build(n, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Feed(lmBatch(5, n, m.Config.Context, m.Config.Vocab)); err != nil {
		t.Fatal(err)
	}
	before := func() error { return g.Prepare(nn.NewRNG(9, nn.StreamDropout, 0)) }
	rs, err := gradcheck.Check(g.G, g.LossNode(), g.Nodes(), gradcheck.Options{Eps: 1e-6, Samples: samples, Seed: 3, Floor: 1e-4, Before: before})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(m.Store().Params()) {
		t.Errorf("%d parameters checked, the model has %d", len(rs), len(m.Store().Params()))
	}
	for _, r := range rs {
		if r.MaxRelErr > 1e-4 {
			t.Errorf("%v", r)
		}
	}
}

// TestLMGradient checks the whole language-model step (embedding, positions, blocks, final
// LayerNorm, head, cross-entropy) by finite differences: 12 sampled entries of every parameter at a
// small size, and at a context of 260 positions (520 rows, attention over 260 keys), past the
// 256 where Gorgonia merges slices, sampled entries.
func TestLMGradient(t *testing.T) {
	t.Run("small", func(t *testing.T) { lmGradCheck(t, tinyLM(t, nil), 2, 12) })
	t.Run("post-LN,sinusoidal,tied,gelu,dropout", func(t *testing.T) {
		m := tinyLM(t, func(c *Config) {
			c.PostLN, c.Positions, c.Tie, c.Activation, c.Dropout = true, "sinusoidal", true, "gelu_tanh", 0.2
		})
		lmGradCheck(t, m, 2, 12)
	})
	t.Run("context 260", func(t *testing.T) {
		lmGradCheck(t, tinyLM(t, func(c *Config) { c.Context, c.Layers = 260, 1 }), 2, 4)
	})
}

// params returns the golden file's parameters (param/NAME) renamed prefix+NAME.
func params(m *golden.File, prefix string) []npz.Array {
	var out []npz.Array
	for k, a := range m.Arrays {
		if name, ok := strings.CutPrefix(k, "param/"); ok {
			a.Name = prefix + name
			out = append(out, a)
		}
	}
	return out
}

// closeTo fails when got and want differ anywhere by more than tol (absolute, relative to
// max(1, |want|)).
func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(got[i]-want[i]) / math.Max(1, math.Abs(want[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol || math.IsNaN(worst) {
		t.Errorf("%s: differs by %.3g at [%d]: %v, want %v", what, worst, at, got[at], want[at])
	}
}

// gradOf returns the gradient of a node after a run, in PyTorch's layout for store tensors kept
// transposed.
func gradOf(t *testing.T, n *G.Node, p *nn.Tensor) []float64 {
	t.Helper()
	gv, err := n.Grad()
	if err != nil {
		t.Fatalf("%s: %v", n.Name(), err)
	}
	v := nn.Float64s(gv.(tensor.Tensor))
	if p != nil && p.Transposed {
		s := p.Value.Shape()
		v = transposed(v, s[0], s[1])
	}
	return v
}

// TestBlockGolden compares a pre-LN (ReLU) and a post-LN (GELU) block with
// torch.nn.TransformerEncoderLayer on the same weights and input under a causal mask: the output,
// the input's gradient and every parameter's gradient, to 1e-5 (they agree to ~1e-15).
func TestBlockGolden(t *testing.T) {
	for _, c := range []struct {
		file string
		post bool
		act  string
	}{{"block_pre", false, "relu"}, {"block_post", true, "gelu"}} {
		t.Run(c.file, func(t *testing.T) {
			m := golden.Load(t, c.file)
			s := nn.NewStore(tensor.Float64, 1)
			b, err := NewBlock(s, "b", BlockConfig{D: 16, Heads: 4, FF: 32, Activation: c.act, PostLN: c.post})
			if err != nil {
				t.Fatal(err)
			}
			loadArrays(t, params(m, "b."), s, c.file)
			g, xin, out, loss := blockGraph(t, s, b, 2, 5, m.F64("x"), m.F64("wout"))
			var outV G.Value
			G.Read(out, &outV)
			wrt := []*G.Node{xin.Node}
			for _, p := range s.Params() {
				wrt = append(wrt, g.Bind(p))
			}
			if _, err := G.Grad(loss, wrt...); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g.G, G.BindDualValues(wrt...))
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			closeTo(t, "output", nn.Float64s(outV.(tensor.Tensor)), m.F64("out"), 1e-5)
			closeTo(t, "grad x", gradOf(t, xin.Node, nil), m.F64("grad_x"), 1e-5)
			for i, p := range s.Params() {
				closeTo(t, "grad "+p.Name, gradOf(t, wrt[i+1], p), m.F64("grad/"+strings.TrimPrefix(p.Name, "b.")), 1e-5)
			}
		})
	}
}

// TestLMGolden compares the whole W5 architecture (at vocabulary 11, context 6, D 16) with the
// PyTorch GPT module of the W5 script built from torch.nn.TransformerEncoderLayer: the logits,
// the loss and every parameter's gradient, to 1e-5. The checkpoint names are that module's
// state_dict names.
func TestLMGolden(t *testing.T) {
	m := golden.Load(t, "lm")
	cfg := W5(11, 1)
	cfg.Context, cfg.D, cfg.FF, cfg.Float64 = 6, 16, 32, true
	lm, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loadArrays(t, params(m, ""), lm.Store(), "lm.npz")
	g, err := lm.Build(2, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Feed(datasets.Batch{N: 2, T: 6, Tokens: m.Ints("tokens"), Targets: m.Ints("targets")}); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	closeTo(t, "loss", []float64{g.Loss()}, m.F64("loss"), 1e-5)
	closeTo(t, "logits", nn.Float64s(g.Output()), m.F64("logits"), 1e-5)
	for i, p := range g.Params() {
		closeTo(t, "grad "+p.Name, gradOf(t, g.Nodes()[i], p), m.F64("grad/"+p.Name), 1e-5)
	}
	if len(g.Params()) != len(lm.Store().Params()) {
		t.Errorf("the graph trains %d of %d parameters", len(g.Params()), len(lm.Store().Params()))
	}
}

// TestCausality changes the last token of one window: no earlier position's logits (nor any
// position of the other window) may change, bit for bit, while the last position's do.
func TestCausality(t *testing.T) {
	for _, mod := range []func(*Config){nil, func(c *Config) { c.PostLN, c.Positions, c.Tie = true, "sinusoidal", true }} {
		m := tinyLM(t, func(c *Config) {
			c.Float64, c.Context, c.Vocab = false, 16, 20
			if mod != nil {
				mod(c)
			}
		})
		g, err := m.Build(2, false)
		if err != nil {
			t.Fatal(err)
		}
		b := lmBatch(1, 2, 16, 20)
		run := func() []float64 {
			if err := g.Feed(b); err != nil {
				t.Fatal(err)
			}
			if err := g.Run(nil); err != nil {
				t.Fatal(err)
			}
			return nn.Float64s(g.Output())
		}
		before := run()
		b.Tokens[15] = (b.Tokens[15] + 1) % 20
		after := run()
		V := 20
		for i := 0; i < 2*16; i++ {
			same := true
			for j := 0; j < V; j++ {
				same = same && math.Float64bits(before[i*V+j]) == math.Float64bits(after[i*V+j])
			}
			if i == 15 && same {
				t.Errorf("postLN=%v: the changed position's logits did not change", m.Config.PostLN)
			}
			if i != 15 && !same {
				t.Errorf("postLN=%v: row %d (window %d, position %d) changed", m.Config.PostLN, i, i/16, i%16)
			}
		}
	}
}
