package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/golden"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ---- helpers shared by the attention, layernorm, feed-forward and positional tests ----

// attnRandom returns n draws of N(0, 1) from stream seed.
func attnRandom(seed uint64, n int) []float64 {
	rng := NewRNG(seed, 77, 0)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// attnInput adds a float input of the given shape holding vals (N(0, 1) from seed when nil).
func attnInput(t *testing.T, g *Graph, name string, seed uint64, vals []float64, shape ...int) *Input {
	t.Helper()
	in := g.Input(name, shape...)
	if vals == nil {
		vals = attnRandom(seed, in.Value.Shape().TotalSize())
	}
	if err := in.Set(vals); err != nil {
		t.Fatal(err)
	}
	return in
}

// attnLoss is Sum(out ⊙ R), R fixed (N(0, 1) from seed, or w when given): every element of out
// reaches the loss with its own weight.
func attnLoss(t *testing.T, g *Graph, out *G.Node, seed uint64, w []float64) *G.Node {
	t.Helper()
	r := attnInput(t, g, "loss_weights", seed, w, out.Shape().Clone()...)
	return G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
}

// attnCheck runs gradcheck and fails on any node whose relative error exceeds tol.
func attnCheck(t *testing.T, g *Graph, loss *G.Node, wrt []*G.Node, samples int, tol float64) {
	t.Helper()
	// Gradients here are O(1); the floor keeps the rounding noise of the differences (~1e-10)
	// on gradients that are exactly 0 (the key bias) from counting as relative error.
	rs, err := gradcheck.Check(g.G, loss, wrt, gradcheck.Options{Eps: 1e-5, Samples: samples, Seed: 11, Floor: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.MaxRelErr > tol || r.Entries == 0 {
			t.Errorf("%v (tolerance %g)", r, tol)
		}
	}
}

// attnRun differentiates loss with respect to wrt, runs the graph once and returns the values of
// reads (copied) and the gradients of wrt.
func attnRun(t *testing.T, g *Graph, loss *G.Node, wrt []*G.Node, reads ...*G.Node) (vals, grads [][]float64) {
	t.Helper()
	rv := make([]G.Value, len(reads))
	for i, n := range reads {
		G.Read(n, &rv[i])
	}
	if len(wrt) > 0 {
		if _, err := G.Grad(loss, wrt...); err != nil {
			t.Fatal(err)
		}
	}
	vm := G.NewTapeMachine(g.G, G.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for _, v := range rv {
		vals = append(vals, valueF64(v))
	}
	for _, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		grads = append(grads, Float64s(gv.(tensor.Tensor)))
	}
	return vals, grads
}

// valueF64 copies a graph value (tensor or scalar) as float64s.
func valueF64(v G.Value) []float64 {
	switch d := v.Data().(type) {
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	return Float64s(v.(tensor.Tensor))
}

// attnClose fails when got and want differ anywhere by more than tol (absolute, scaled up for
// values above 1).
func attnClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	worst, at := 0.0, -1
	for i := range got {
		d := math.Abs(got[i]-want[i]) / math.Max(1, math.Abs(want[i]))
		if !(d <= worst) {
			worst, at = d, i
		}
	}
	if worst > tol {
		t.Errorf("%s: differs by %.3g at [%d] (got %.10g, want %.10g)", what, worst, at, got[at], want[at])
	}
}

// transposeF64 returns the (c, r) transpose of a row-major (r, c) matrix.
func transposeF64(a []float64, r, c int) []float64 {
	out := make([]float64, len(a))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j*r+i] = a[i*c+j]
		}
	}
	return out
}

// setTorch overwrites a store tensor with values in PyTorch's layout.
func setTorch(t *testing.T, p *Tensor, vals []float64) {
	t.Helper()
	if p.Transposed {
		s := p.Value.Shape()
		vals = transposeF64(vals, s[1], s[0])
	}
	if err := SetFloat64s(p.Value, vals); err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
}

// torchLayout returns a gradient of store tensor p in PyTorch's layout.
func torchLayout(p *Tensor, vals []float64) []float64 {
	if p.Transposed {
		s := p.Value.Shape()
		return transposeF64(vals, s[0], s[1])
	}
	return vals
}

// ---- scaled dot-product attention ----

func TestCausalMaskValues(t *testing.T) {
	g := NewGraph(NewStore(tensor.Float64, 1), 1, false)
	m, err := CausalMask(g, 2, 4) // the last 2 of 4 positions
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 0, 0, MaskValue, 0, 0, 0, 0}
	attnClose(t, "causal mask", Float64s(m.Value().(tensor.Tensor)), want, 0)
	if !m.Shape().Eq(tensor.Shape{1, 2, 4}) {
		t.Errorf("shape %v, want (1, 2, 4)", m.Shape())
	}
	if _, err := CausalMask(g, 3, 2); err == nil {
		t.Error("more queries than keys accepted")
	}
}

func TestPaddingMaskValues(t *testing.T) {
	g := NewGraph(NewStore(tensor.Float64, 1), 2, false)
	m, err := NewPaddingMask(g, 2, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetLengths([]int{3, 1}); err != nil {
		t.Fatal(err)
	}
	M := MaskValue
	want := []float64{0, 0, 0, 0, 0, 0, 0, M, M, 0, M, M} // rows b·Heads+h
	attnClose(t, "padding mask", Float64s(m.Node.Value().(tensor.Tensor)), want, 0)
	if err := m.SetLengths([]int{3, 4}); err == nil {
		t.Error("length 4 > 3 accepted")
	}
	if err := m.SetLengths([]int{3}); err == nil {
		t.Error("1 length for 2 sequences accepted")
	}
}

// sdpaGraph builds attention over random q, k, v of n problems with the given masks.
func sdpaGraph(t *testing.T, n, tq, tk, d int, causal bool, lens []int, heads int) (*Graph, []*Input, *G.Node, *G.Node) {
	g := NewGraph(NewStore(tensor.Float64, 1), n, true)
	q := attnInput(t, g, "q", 1, nil, n, tq, d)
	k := attnInput(t, g, "k", 2, nil, n, tk, d)
	v := attnInput(t, g, "v", 3, nil, n, tk, d+1)
	var masks []*G.Node
	if causal {
		m, err := CausalMask(g, tq, tk)
		if err != nil {
			t.Fatal(err)
		}
		masks = append(masks, m)
	}
	if lens != nil {
		m, err := NewPaddingMask(g, len(lens), heads, tk)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetLengths(lens); err != nil {
			t.Fatal(err)
		}
		masks = append(masks, m.Node)
	}
	out, w, err := ScaledDotProductAttention(g, q.Node, k.Node, v.Node, masks...)
	if err != nil {
		t.Fatal(err)
	}
	return g, []*Input{q, k, v}, out, w
}

func TestScaledDotProductAttentionGradient(t *testing.T) {
	lensOf := func(b, tk int) []int {
		l := make([]int, b)
		for i := range l {
			l[i] = tk - (i*3)%tk
		}
		return l
	}
	for _, c := range []struct {
		name         string
		n, tq, tk, d int
		causal, pad  bool
		samples      int
		heads        int
	}{
		{name: "causal small", n: 2, tq: 4, tk: 4, d: 3, causal: true},
		{name: "padding small", n: 4, tq: 3, tk: 5, d: 3, pad: true, heads: 2},
		{name: "causal+padding T·N=288", n: 6, tq: 48, tk: 48, d: 4, causal: true, pad: true, heads: 3, samples: 24},
	} {
		t.Run(c.name, func(t *testing.T) {
			var lens []int
			if c.pad {
				lens = lensOf(c.n/c.heads, c.tk)
			}
			g, in, out, _ := sdpaGraph(t, c.n, c.tq, c.tk, c.d, c.causal, lens, c.heads)
			loss := attnLoss(t, g, out, 5, nil)
			attnCheck(t, g, loss, []*G.Node{in[0].Node, in[1].Node, in[2].Node}, c.samples, 1e-5)
		})
	}
}

func TestScaledDotProductAttentionWeights(t *testing.T) {
	// Hand-computed: one query [1, 0] over keys [1, 0], [0, 1], [0, 0], d = 2: scores
	// 1/√2, 0, 0; the third key is padding.
	g := NewGraph(NewStore(tensor.Float64, 1), 1, false)
	q := attnInput(t, g, "q", 0, []float64{1, 0}, 1, 1, 2)
	k := attnInput(t, g, "k", 0, []float64{1, 0, 0, 1, 0, 0}, 1, 3, 2)
	v := attnInput(t, g, "v", 0, []float64{10, 20, 1e6}, 1, 3, 1)
	pm, err := NewPaddingMask(g, 1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := pm.SetLengths([]int{2}); err != nil {
		t.Fatal(err)
	}
	out, w, err := ScaledDotProductAttention(g, q.Node, k.Node, v.Node, pm.Node)
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := attnRun(t, g, G.Must(G.Sum(out)), nil, out, w)
	e := math.Exp(1 / math.Sqrt2)
	w0, w1 := e/(e+1), 1/(e+1)
	attnClose(t, "weights", vals[1], []float64{w0, w1, 0}, 1e-15)
	attnClose(t, "output", vals[0], []float64{10*w0 + 20*w1}, 1e-14)

	if _, _, err := ScaledDotProductAttention(g, q.Node, v.Node, v.Node); err == nil {
		t.Error("q (1,1,2) with k (1,3,1) accepted")
	}
	bad := attnInput(t, g, "bad_mask", 0, nil, 1, 2, 3)
	if _, _, err := ScaledDotProductAttention(g, q.Node, k.Node, v.Node, bad.Node); err == nil {
		t.Error("mask (1,2,3) for scores (1,1,3) accepted")
	}
}

// ---- multi-head attention ----

// mhaGraph builds multi-head attention over random inputs: self-attention when tk == 0.
func mhaGraph(t *testing.T, s *Store, m *MultiHeadAttention, train bool, b, tq, tk int, causal bool, lens []int) (*Graph, []*Input, *G.Node, *G.Node) {
	t.Helper()
	g := NewGraph(s, b, train)
	q := attnInput(t, g, "query", 1, nil, b*tq, m.D)
	ins := []*Input{q}
	key, value := q.Node, q.Node
	if tk == 0 {
		tk = tq
	} else {
		k := attnInput(t, g, "key", 2, nil, b*tk, m.D)
		v := attnInput(t, g, "value", 3, nil, b*tk, m.D)
		ins = append(ins, k, v)
		key, value = k.Node, v.Node
	}
	var masks []*G.Node
	if causal {
		cm, err := CausalMask(g, tq, tk)
		if err != nil {
			t.Fatal(err)
		}
		masks = append(masks, cm)
	}
	if lens != nil {
		pm, err := NewPaddingMask(g, b, m.Heads, tk)
		if err != nil {
			t.Fatal(err)
		}
		if err := pm.SetLengths(lens); err != nil {
			t.Fatal(err)
		}
		masks = append(masks, pm.Node)
	}
	out, w, err := m.Forward(g, q.Node, key, value, b, masks...)
	if err != nil {
		t.Fatal(err)
	}
	return g, ins, out, w
}

// randomizeBiases makes biases non-zero so that their gradients are exercised.
func randomizeBiases(t *testing.T, m *MultiHeadAttention, seed uint64) {
	t.Helper()
	for i, p := range []*Tensor{m.InProjBias, m.OutProj.Bias} {
		if err := SetFloat64s(p.Value, attnRandom(seed+uint64(i), p.Value.Shape().TotalSize())); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMultiHeadAttentionGradient(t *testing.T) {
	for _, c := range []struct {
		name            string
		d, heads, b, tq int
		tk              int
		causal          bool
		lens            []int
		samples         int
	}{
		{name: "self causal+padding D=8", d: 8, heads: 2, b: 2, tq: 4, causal: true, lens: []int{4, 2}},
		{name: "cross padding D=6", d: 6, heads: 3, b: 2, tq: 3, tk: 5, lens: []int{5, 3}},
		{name: "self causal+padding D=304", d: 304, heads: 4, b: 2, tq: 3, causal: true, lens: []int{3, 2}, samples: 6},
		{name: "cross padding B·T=260", d: 8, heads: 2, b: 2, tq: 130, tk: 7, lens: []int{7, 4}, samples: 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewStore(tensor.Float64, 3)
			m, err := NewMultiHeadAttention(s, "attn", c.d, c.heads, 0)
			if err != nil {
				t.Fatal(err)
			}
			randomizeBiases(t, m, 9)
			g, ins, out, _ := mhaGraph(t, s, m, true, c.b, c.tq, c.tk, c.causal, c.lens)
			loss := attnLoss(t, g, out, 5, nil)
			wrt := []*G.Node{g.Bind(m.InProjWeight), g.Bind(m.InProjBias), g.Bind(m.OutProj.Weight), g.Bind(m.OutProj.Bias)}
			for _, in := range ins {
				wrt = append(wrt, in.Node)
			}
			attnCheck(t, g, loss, wrt, c.samples, 1e-5)
		})
	}
}

// TestMultiHeadAttentionGolden compares outputs, head-averaged weights and the gradients of
// inputs and parameters with torch.nn.MultiheadAttention (make_golden.py).
func TestMultiHeadAttentionGolden(t *testing.T) {
	for _, name := range []string{"mha_self", "mha_cross", "mha_large"} {
		t.Run(name, func(t *testing.T) {
			gold := golden.Load(t, name)
			large := name == "mha_large"
			self := name != "mha_cross"
			lens := gold.Ints("lens")
			heads := gold.Ints("heads")[0]
			causal := gold.Ints("causal")[0] == 1
			var b, tq, tk, d int
			if large {
				b, tq, tk, d = 2, 130, 130, 320
			} else {
				qs := gold.Shape("query")
				b, tq, d = qs[0], qs[1], qs[2]
				tk = gold.Shape("key")[1]
			}
			s := NewStore(tensor.Float64, 1)
			m, err := NewMultiHeadAttention(s, "mha", d, heads, 0.5) // dropout is off in evaluation
			if err != nil {
				t.Fatal(err)
			}
			params := []*Tensor{m.InProjWeight, m.InProjBias, m.OutProj.Weight, m.OutProj.Bias}
			torchNames := []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
			for k, p := range params {
				if large {
					setTorch(t, p, golden.Formula(k, p.Value.Shape().TotalSize(), 1/math.Sqrt(float64(d))))
				} else {
					setTorch(t, p, gold.F64(torchNames[k]))
				}
			}
			g := NewGraph(s, b, false)
			input := func(name string, k int, n int) *Input {
				if large {
					return attnInput(t, g, name, 0, golden.Formula(k, n*d, 1), n, d)
				}
				return attnInput(t, g, name, 0, gold.F64(name), n, d)
			}
			q := input("query", 10, b*tq)
			inputs := []*G.Node{q.Node}
			key, value := q.Node, q.Node
			if !self {
				key, value = input("key", 11, b*tk).Node, input("value", 12, b*tk).Node
				inputs = append(inputs, key, value)
			}
			var masks []*G.Node
			if causal {
				cm, err := CausalMask(g, tq, tk)
				if err != nil {
					t.Fatal(err)
				}
				masks = append(masks, cm)
			}
			pm, err := NewPaddingMask(g, b, heads, tk)
			if err != nil {
				t.Fatal(err)
			}
			if err := pm.SetLengths(lens); err != nil {
				t.Fatal(err)
			}
			masks = append(masks, pm.Node)
			out, w, err := m.Forward(g, q.Node, key, value, b, masks...)
			if err != nil {
				t.Fatal(err)
			}
			var wout []float64
			if large {
				wout = golden.Formula(13, b*tq*d, 1)
			} else {
				wout = gold.F64("wout")
			}
			loss := attnLoss(t, g, out, 0, wout)
			wrt := append(append([]*G.Node{}, inputs...), g.Bind(m.InProjWeight), g.Bind(m.InProjBias), g.Bind(m.OutProj.Weight), g.Bind(m.OutProj.Bias))
			vals, grads := attnRun(t, g, loss, wrt, out, w, loss)
			for k, p := range params {
				grads[len(inputs)+k] = torchLayout(p, grads[len(inputs)+k])
			}
			gradNames := []string{"grad_query"}
			if !self {
				gradNames = append(gradNames, "grad_key", "grad_value")
			}
			for _, n := range torchNames {
				gradNames = append(gradNames, "grad_"+n)
			}
			const tol = 1e-5
			if large {
				attnClose(t, "loss", vals[2], gold.F64("loss"), tol)
				sampled := func(what string, got []float64) {
					idx := gold.Ints(what + "_idx")
					sub := make([]float64, len(idx))
					for i, j := range idx {
						sub[i] = got[j]
					}
					attnClose(t, what, sub, gold.F64(what+"_val"), tol)
				}
				sampled("out", vals[0])
				for i, n := range gradNames {
					sampled(n, grads[i])
				}
				return
			}
			attnClose(t, "out", vals[0], gold.F64("out"), tol)
			// torch averages the weights over heads.
			avg := make([]float64, b*tq*tk)
			for bi := 0; bi < b; bi++ {
				for h := 0; h < heads; h++ {
					for i := 0; i < tq*tk; i++ {
						avg[bi*tq*tk+i] += vals[1][(bi*heads+h)*tq*tk+i] / float64(heads)
					}
				}
			}
			attnClose(t, "attention weights", avg, gold.F64("attn"), tol)
			for i, n := range gradNames {
				attnClose(t, n, grads[i], gold.F64(n), tol)
			}
		})
	}
}

// forwardRunner prepares a forward-only graph to read the given nodes and returns a function that
// runs it once and returns copies of their values.
func forwardRunner(t *testing.T, g *Graph, reads ...*G.Node) func() [][]float64 {
	t.Helper()
	vals := make([]G.Value, len(reads))
	for i, n := range reads {
		G.Read(n, &vals[i])
	}
	g.SetOutputs(G.Must(G.Sum(reads[0])), nil)
	return func() [][]float64 {
		t.Helper()
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		out := make([][]float64, len(vals))
		for i, v := range vals {
			out[i] = valueF64(v)
		}
		return out
	}
}

func TestMultiHeadAttentionCausality(t *testing.T) {
	const b, tq, d, heads = 2, 6, 8, 2
	s := NewStore(tensor.Float64, 5)
	m, err := NewMultiHeadAttention(s, "attn", d, heads, 0)
	if err != nil {
		t.Fatal(err)
	}
	randomizeBiases(t, m, 3)
	g, ins, out, w := mhaGraph(t, s, m, false, b, tq, 0, true, nil)
	run := forwardRunner(t, g, out, w)
	x0 := Float64s(ins[0].Value)
	before := run()
	attnClose(t, "input after the run", Float64s(ins[0].Value), x0, 0)
	// The weights above the diagonal are exactly 0.
	for n := 0; n < b*heads; n++ {
		for i := 0; i < tq; i++ {
			for j := i + 1; j < tq; j++ {
				if v := before[1][(n*tq+i)*tq+j]; v != 0 {
					t.Fatalf("weight of query %d on later key %d (problem %d) is %g", i, j, n, v)
				}
			}
		}
	}
	// Change the last position of every sequence.
	x := Float64s(ins[0].Value)
	for bi := 0; bi < b; bi++ {
		for j := 0; j < d; j++ {
			x[(bi*tq+tq-1)*d+j] += 3 + float64(j)
		}
	}
	if err := ins[0].Set(x); err != nil {
		t.Fatal(err)
	}
	after := run()
	for bi := 0; bi < b; bi++ {
		for i := 0; i < tq; i++ {
			changed := false
			for j := 0; j < d; j++ {
				k := (bi*tq+i)*d + j
				if math.Float64bits(before[0][k]) != math.Float64bits(after[0][k]) {
					changed = true
				}
			}
			if i < tq-1 && changed {
				t.Errorf("sequence %d position %d changed when only position %d did", bi, i, tq-1)
			}
			if i == tq-1 && !changed {
				t.Errorf("sequence %d: the changed last position's output did not change", bi)
			}
		}
	}
}

func TestMultiHeadAttentionPadding(t *testing.T) {
	const b, tq, tk, d, heads = 2, 3, 5, 6, 3
	lens := []int{5, 2}
	s := NewStore(tensor.Float64, 6)
	m, err := NewMultiHeadAttention(s, "attn", d, heads, 0)
	if err != nil {
		t.Fatal(err)
	}
	randomizeBiases(t, m, 4)
	g, ins, out, w := mhaGraph(t, s, m, false, b, tq, tk, false, lens)
	run := forwardRunner(t, g, out, w)
	before := run()
	for n := 0; n < b*heads; n++ {
		for i := 0; i < tq; i++ {
			sum := 0.0
			for j := 0; j < tk; j++ {
				v := before[1][(n*tq+i)*tk+j]
				sum += v
				if j >= lens[n/heads] && v != 0 {
					t.Errorf("problem %d query %d: padded key %d has weight %g", n, i, j, v)
				}
				if j < lens[n/heads] && !(v > 0) {
					t.Errorf("problem %d query %d: real key %d has weight %g", n, i, j, v)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("problem %d query %d: weights sum to %v", n, i, sum)
			}
		}
	}
	// Overwrite the padded keys and values of sequence 1 with large numbers.
	for _, in := range ins[1:] {
		x := Float64s(in.Value)
		for j := lens[1]; j < tk; j++ {
			for c := 0; c < d; c++ {
				x[(tk+j)*d+c] = 1e3 * float64(j+c+1)
			}
		}
		if err := in.Set(x); err != nil {
			t.Fatal(err)
		}
	}
	after := run()
	for i := range before[0] {
		if math.Float64bits(before[0][i]) != math.Float64bits(after[0][i]) {
			t.Fatalf("output %d changed from %v to %v when only padded keys changed", i, before[0][i], after[0][i])
		}
	}
}

func TestMultiHeadAttentionErrors(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	if _, err := NewMultiHeadAttention(s, "a", 10, 3, 0); err == nil {
		t.Error("10 features in 3 heads accepted")
	}
	if _, err := NewMultiHeadAttention(s, "a", 8, 2, 1); err == nil {
		t.Error("dropout 1 accepted")
	}
	m, err := NewMultiHeadAttention(s, "a", 8, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewMultiHeadAttention(s, "a", 8, 2, 0); err == nil {
		t.Error("a second module of the same name accepted")
	}
	g := NewGraph(s, 2, false)
	x := attnInput(t, g, "x", 1, nil, 6, 8)
	if _, _, err := m.Forward(g, x.Node, x.Node, x.Node, 4); err == nil {
		t.Error("6 rows as 4 sequences accepted")
	}
	y := attnInput(t, g, "y", 1, nil, 6, 7)
	if _, _, err := m.Forward(g, x.Node, y.Node, y.Node, 2); err == nil {
		t.Error("keys of 7 features accepted")
	}
}

func TestMultiHeadAttentionExport(t *testing.T) {
	s := NewStore(tensor.Float32, 1)
	m, err := NewMultiHeadAttention(s, "enc.self_attn", 8, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"enc.self_attn.in_proj_weight":  {8, 24},
		"enc.self_attn.in_proj_bias":    {1, 24},
		"enc.self_attn.out_proj.weight": {8, 8},
		"enc.self_attn.out_proj.bias":   {1, 8},
	}
	for _, p := range s.All() {
		sh, ok := want[p.Name]
		if !ok || !p.Value.Shape().Eq(tensor.Shape(sh)) {
			t.Errorf("%s: shape %v, want %v", p.Name, p.Value.Shape(), sh)
		}
		if p.Transposed != (p.Value.Shape()[0] != 1) {
			t.Errorf("%s: Transposed = %v", p.Name, p.Transposed)
		}
	}
	// Xavier-uniform bound √(6/(D+3D)) and zero biases.
	bound := math.Sqrt(6.0 / 32)
	for _, v := range Float64s(m.InProjWeight.Value) {
		if math.Abs(v) > bound {
			t.Fatalf("in_proj_weight entry %v outside ±%v", v, bound)
		}
	}
	for _, v := range append(Float64s(m.InProjBias.Value), Float64s(m.OutProj.Bias.Value)...) {
		if v != 0 {
			t.Fatalf("bias entry %v, want 0", v)
		}
	}
}

// ExampleMultiHeadAttention runs causal self-attention over two sequences of three steps and
// prints how strongly each query of the first sequence attends to each key (head 0).
func ExampleMultiHeadAttention() {
	const batch, steps, dim, heads = 2, 3, 4, 2
	s := NewStore(tensor.Float64, 42)
	mha, err := NewMultiHeadAttention(s, "self_attn", dim, heads, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := NewGraph(s, batch, false)
	x := g.Input("x", batch*steps, dim) // rows b·steps + t
	vals := make([]float64, batch*steps*dim)
	for i := range vals {
		vals[i] = math.Sin(float64(i))
	}
	if err := x.Set(vals); err != nil {
		fmt.Println(err)
		return
	}
	causal, err := CausalMask(g, steps, steps)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, weights, err := mha.Forward(g, x.Node, x.Node, x.Node, batch, causal)
	if err != nil {
		fmt.Println(err)
		return
	}
	var w G.Value
	G.Read(weights, &w)
	loss, _ := G.Sum(out)
	g.SetOutputs(loss, out)
	if err := g.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("output", g.Output().Shape(), "weights", w.Shape())
	ws := Float64s(w.(tensor.Tensor))
	for i := 0; i < steps; i++ {
		fmt.Printf("query %d: %.3f\n", i, ws[i*steps:(i+1)*steps])
	}
	// Output:
	// output (6, 4) weights (4, 3, 3)
	// query 0: [1.000 0.000 0.000]
	// query 1: [0.490 0.510 0.000]
	// query 2: [0.362 0.364 0.274]
}

// ---- seq2seq attention (Bahdanau, Luong) ----

// seq2seqAttention is what AdditiveAttention and MultiplicativeAttention have in common.
type seq2seqAttention interface {
	Prepare(g *Graph, memory *G.Node, batch int) (*AttentionMemory, error)
	Attend(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error)
}

// newSeq2seq creates "additive", "dot" or "general" attention.
func newSeq2seq(t *testing.T, s *Store, kind string, hq, hk, a int) (seq2seqAttention, []*Tensor) {
	t.Helper()
	if kind == "additive" {
		m, err := NewAdditiveAttention(s, "attention", hq, hk, a)
		if err != nil {
			t.Fatal(err)
		}
		return m, []*Tensor{m.Wa.Weight, m.Wa.Bias, m.Ua.Weight, m.Ua.Bias, m.Va.Weight, m.Va.Bias}
	}
	m, err := NewMultiplicativeAttention(s, "attention", kind, hq, hk)
	if err != nil {
		t.Fatal(err)
	}
	if m.W == nil {
		return m, nil
	}
	return m, []*Tensor{m.W.Weight, m.W.Bias}
}

// seq2seqGraph attends from `steps` random queries (as a decoder would, one per step) over a
// random padded memory and returns the contexts and weights of every step.
func seq2seqGraph(t *testing.T, s *Store, att seq2seqAttention, train bool, b, tk, hq, hk, steps int, lens []int) (*Graph, []*Input, []*G.Node, []*G.Node) {
	t.Helper()
	g := NewGraph(s, b, train)
	memory := attnInput(t, g, "memory", 1, nil, b*tk, hk)
	ins := []*Input{memory}
	mem, err := att.Prepare(g, memory.Node, b)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := NewPaddingMask(g, b, 1, tk)
	if err != nil {
		t.Fatal(err)
	}
	if err := pm.SetLengths(lens); err != nil {
		t.Fatal(err)
	}
	var ctxs, ws []*G.Node
	for i := 0; i < steps; i++ {
		q := attnInput(t, g, "query", uint64(2+i), nil, b, hq)
		ins = append(ins, q)
		c, w, err := att.Attend(g, q.Node, mem, pm.Node)
		if err != nil {
			t.Fatal(err)
		}
		ctxs, ws = append(ctxs, c), append(ws, w)
	}
	return g, ins, ctxs, ws
}

func TestSeq2seqAttentionGradient(t *testing.T) {
	for _, c := range []struct {
		kind             string
		b, tk, hq, hk, a int
		samples          int
	}{
		{"additive", 3, 4, 5, 6, 7, 0},
		{"dot", 3, 4, 6, 6, 0, 0},
		{"general", 3, 4, 5, 6, 0, 0},
		{"additive", 3, 90, 4, 5, 6, 16}, // B·Tk = 270 memory rows
		{"general", 2, 5, 310, 3, 0, 16},
	} {
		t.Run(fmt.Sprintf("%s_B%d_T%d_H%d", c.kind, c.b, c.tk, c.hq), func(t *testing.T) {
			s := NewStore(tensor.Float64, 4)
			att, params := newSeq2seq(t, s, c.kind, c.hq, c.hk, c.a)
			lens := make([]int, c.b)
			for i := range lens {
				lens[i] = c.tk - (2*i)%c.tk
			}
			g, ins, ctxs, _ := seq2seqGraph(t, s, att, true, c.b, c.tk, c.hq, c.hk, 2, lens)
			loss := G.Must(G.Add(attnLoss(t, g, ctxs[0], 5, nil), attnLoss(t, g, ctxs[1], 6, nil)))
			var wrt []*G.Node
			for _, in := range ins {
				wrt = append(wrt, in.Node)
			}
			for _, p := range params {
				wrt = append(wrt, g.Bind(p))
			}
			attnCheck(t, g, loss, wrt, c.samples, 1e-5)
		})
	}
}

func TestSeq2seqAttentionGolden(t *testing.T) {
	for _, c := range []struct{ file, kind string }{{"bahdanau", "additive"}, {"luong_general", "general"}} {
		t.Run(c.file, func(t *testing.T) {
			gold := golden.Load(t, c.file)
			ms := gold.Shape("memory")
			b, tk, hk := ms[0], ms[1], ms[2]
			hq := gold.Shape("query")[1]
			s := NewStore(tensor.Float64, 1)
			a := 0
			if c.kind == "additive" {
				a = gold.Shape("Wa.weight")[0]
			}
			att, params := newSeq2seq(t, s, c.kind, hq, hk, a)
			for _, p := range params {
				setTorch(t, p, gold.F64(p.Name[len("attention."):]))
			}
			g := NewGraph(s, b, true)
			memory := attnInput(t, g, "memory", 0, gold.F64("memory"), b*tk, hk)
			query := attnInput(t, g, "query", 0, gold.F64("query"), b, hq)
			mem, err := att.Prepare(g, memory.Node, b)
			if err != nil {
				t.Fatal(err)
			}
			pm, err := NewPaddingMask(g, b, 1, tk)
			if err != nil {
				t.Fatal(err)
			}
			if err := pm.SetLengths(gold.Ints("lens")); err != nil {
				t.Fatal(err)
			}
			ctx, w, err := att.Attend(g, query.Node, mem, pm.Node)
			if err != nil {
				t.Fatal(err)
			}
			loss := attnLoss(t, g, ctx, 0, gold.F64("wctx"))
			wrt := []*G.Node{query.Node, memory.Node}
			for _, p := range params {
				wrt = append(wrt, g.Bind(p))
			}
			vals, grads := attnRun(t, g, loss, wrt, ctx, w)
			attnClose(t, "context", vals[0], gold.F64("context"), 1e-5)
			attnClose(t, "weights", vals[1], gold.F64("weights"), 1e-5)
			attnClose(t, "grad_query", grads[0], gold.F64("grad_query"), 1e-5)
			attnClose(t, "grad_memory", grads[1], gold.F64("grad_memory"), 1e-5)
			for i, p := range params {
				n := p.Name[len("attention."):]
				attnClose(t, "grad_"+n, torchLayout(p, grads[2+i]), gold.F64("grad_"+n), 1e-5)
			}
		})
	}
}

func TestSeq2seqAttentionPadding(t *testing.T) {
	// Padded memory rows get zero weight and cannot change the context; the memory is not
	// written to by the run (it is shared by every step).
	for _, kind := range []string{"additive", "dot", "general"} {
		t.Run(kind, func(t *testing.T) {
			const b, tk, h = 2, 5, 4
			lens := []int{5, 2}
			s := NewStore(tensor.Float64, 8)
			att, _ := newSeq2seq(t, s, kind, h, h, 3)
			g, ins, ctxs, ws := seq2seqGraph(t, s, att, false, b, tk, h, h, 2, lens)
			run := forwardRunner(t, g, ctxs[0], ctxs[1], ws[0], ws[1])
			m0 := Float64s(ins[0].Value)
			before := run()
			attnClose(t, "memory after the run", Float64s(ins[0].Value), m0, 0)
			for _, w := range before[2:] {
				for bi := 0; bi < b; bi++ {
					sum := 0.0
					for j := 0; j < tk; j++ {
						v := w[bi*tk+j]
						sum += v
						if (j >= lens[bi]) != (v == 0) {
							t.Errorf("sequence %d key %d (length %d): weight %g", bi, j, lens[bi], v)
						}
					}
					if math.Abs(sum-1) > 1e-12 {
						t.Errorf("sequence %d: weights sum to %v", bi, sum)
					}
				}
			}
			m := Float64s(ins[0].Value)
			for j := lens[1]; j < tk; j++ {
				for c := 0; c < h; c++ {
					m[(tk+j)*h+c] = 100 * float64(j-c)
				}
			}
			if err := ins[0].Set(m); err != nil {
				t.Fatal(err)
			}
			after := run()
			for k := 0; k < 2; k++ {
				for i := range before[k] {
					if math.Float64bits(before[k][i]) != math.Float64bits(after[k][i]) {
						t.Fatalf("step %d context %d changed from %v to %v when only padding changed", k, i, before[k][i], after[k][i])
					}
				}
			}
		})
	}
}

func TestSeq2seqAttentionErrors(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	if _, err := NewMultiplicativeAttention(s, "a", "dot", 3, 4); err == nil {
		t.Error("dot attention of sizes 3 and 4 accepted")
	}
	if _, err := NewMultiplicativeAttention(s, "a", "concat", 3, 3); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := NewAdditiveAttention(s, "a", 3, 0, 2); err == nil {
		t.Error("key size 0 accepted")
	}
	a, err := NewAdditiveAttention(s, "b", 3, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 2, false)
	mem := attnInput(t, g, "m", 1, nil, 6, 4)
	if _, err := a.Prepare(g, mem.Node, 4); err == nil {
		t.Error("6 memory rows as 4 sequences accepted")
	}
	pm, err := a.Prepare(g, mem.Node, 2)
	if err != nil {
		t.Fatal(err)
	}
	q := attnInput(t, g, "q", 1, nil, 2, 4)
	if _, _, err := a.Attend(g, q.Node, pm); err == nil {
		t.Error("query of 4 features for a query size 3 accepted")
	}
}

func TestMultiHeadAttentionFloat32AndDropout(t *testing.T) {
	const b, tq, d, heads = 2, 4, 8, 2
	build := func(dt tensor.Dtype, train bool, dropout float64) (*Graph, *G.Node, *G.Node) {
		s := NewStore(dt, 7)
		m, err := NewMultiHeadAttention(s, "attn", d, heads, dropout)
		if err != nil {
			t.Fatal(err)
		}
		randomizeBiases(t, m, 2)
		g, _, out, w := mhaGraph(t, s, m, train, b, tq, 0, true, []int{4, 3})
		return g, out, w
	}
	run := func(g *Graph, out, w *G.Node, seed uint64) [][]float64 {
		var ov, wv G.Value
		G.Read(out, &ov)
		G.Read(w, &wv)
		g.SetOutputs(G.Must(G.Sum(out)), nil)
		if err := g.Run(NewRNG(seed, StreamDropout, 0)); err != nil {
			t.Fatal(err)
		}
		return [][]float64{valueF64(ov), valueF64(wv)}
	}
	g0, out0, w0 := build(tensor.Float64, false, 0.5)
	ref := run(g0, out0, w0, 1)
	g1, out1, w1 := build(tensor.Float32, true, 0)
	f32 := run(g1, out1, w1, 1)
	attnClose(t, "float32 output", f32[0], ref[0], 1e-5)
	attnClose(t, "float32 weights", f32[1], ref[1], 1e-5)

	// Dropout acts on the weights in training graphs only: the returned weights are those before
	// dropout, the output differs from evaluation's, and one seed gives one result.
	g, out, w := build(tensor.Float64, true, 0.5)
	d1 := run(g, out, w, 3)
	g2, out2, w2 := build(tensor.Float64, true, 0.5)
	d2 := run(g2, out2, w2, 3)
	attnClose(t, "weights before dropout", d1[1], ref[1], 0)
	attnClose(t, "same seed", d2[0], d1[0], 0)
	same := true
	for i := range d1[0] {
		if d1[0][i] != ref[0][i] {
			same = false
		}
	}
	if same {
		t.Error("dropout 0.5 on the attention weights left the output unchanged")
	}
}
