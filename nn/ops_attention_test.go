package nn

import (
	"fmt"
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sdpaCase is an attention problem: n problems of tq queries over tk keys, masks optional.
type sdpaCase struct {
	n, tq, tk, d int
	causal       bool
	lens         []int // padding: keys per sequence, n/len(lens) heads each
	same         bool  // q, k and v are one node (self-attention of the inputs themselves)
}

func (c sdpaCase) build(t *testing.T, g *Graph, fused bool) (*G.Node, []*G.Node, []*G.Node) {
	t.Helper()
	q := attnInput(t, g, "q", 1, nil, c.n, c.tq, c.d)
	k, v := q, q
	if !c.same {
		k = attnInput(t, g, "k", 2, nil, c.n, c.tk, c.d)
		v = attnInput(t, g, "v", 3, nil, c.n, c.tk, c.d+1)
	}
	var masks []*G.Node
	if c.causal {
		m, err := CausalMask(g, c.tq, c.tk)
		if err != nil {
			t.Fatal(err)
		}
		masks = append(masks, m)
	}
	if c.lens != nil {
		m, err := NewPaddingMask(g, len(c.lens), c.n/len(c.lens), c.tk)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetLengths(c.lens); err != nil {
			t.Fatal(err)
		}
		masks = append(masks, m.Node)
	}
	f := ScaledDotProductAttention
	if !fused {
		f = func(g *Graph, q, k, v *G.Node, masks ...*G.Node) (*G.Node, *G.Node, error) {
			return attend(g, q, k, v, 0, masks)
		}
	}
	out, w, err := f(g, q.Node, k.Node, v.Node, masks...)
	if err != nil {
		t.Fatal(err)
	}
	// The loss reads the weights too, so that a gradient through them alone is checked.
	loss := G.Must(G.Add(attnLoss(t, g, out, 5, nil), attnLoss(t, g, w, 6, nil)))
	wrt := []*G.Node{q.Node}
	if !c.same {
		wrt = append(wrt, k.Node, v.Node)
	}
	return loss, []*G.Node{out, w}, wrt
}

func TestScaledDotProductAttentionFusedEqualsComposed(t *testing.T) {
	for name, c := range map[string]sdpaCase{
		"plain":                 {n: 3, tq: 5, tk: 7, d: 4},
		"causal T=260":          {n: 2, tq: 260, tk: 260, d: 3, causal: true},
		"causal+padding T=260":  {n: 2, tq: 260, tk: 260, d: 3, causal: true, lens: []int{200}},
		"padding, tq<tk":        {n: 4, tq: 3, tk: 6, d: 2, lens: []int{6, 2}},
		"causal, tq<tk, self":   {n: 2, tq: 5, tk: 5, d: 5, causal: true, same: true},
		"padding all masked":    {n: 2, tq: 3, tk: 4, d: 2, lens: []int{0, 4}},
		"causal decode, tq<tk":  {n: 2, tq: 3, tk: 8, d: 3, causal: true},
		"padding, 300 problems": {n: 300, tq: 2, tk: 3, d: 2, lens: []int{3, 1, 2}},
	} {
		t.Run(name, func(t *testing.T) {
			fusedVsComposed(t, NewStore(tensor.Float64, 1), c.n, 1e-6, func(g *Graph, fused bool) (*G.Node, []*G.Node, []*G.Node) {
				return c.build(t, g, fused)
			})
		})
	}
}

func TestScaledDotProductAttentionFusedFiniteDifferences(t *testing.T) {
	// T = 260 keys and queries (≥ 256), causal and padding masks, sampled entries.
	c := sdpaCase{n: 2, tq: 260, tk: 260, d: 3, causal: true, lens: []int{230, 260}}
	c.n = 2 // two sequences of one head
	g := NewGraph(NewStore(tensor.Float64, 1), c.n, true)
	loss, _, wrt := c.build(t, g, true)
	attnCheck(t, g, loss, wrt, 24, 1e-5)
}

func TestMultiHeadAttentionFusedEqualsComposed(t *testing.T) {
	for _, c := range []struct {
		name            string
		b, tq, tk, d, h int
		causal          bool
		lens            []int
		train           bool
	}{
		{name: "self causal T=260", b: 1, tq: 260, d: 8, h: 2, causal: true},
		{name: "self causal+padding", b: 3, tq: 7, d: 12, h: 3, causal: true, lens: []int{7, 4, 1}},
		{name: "cross padding", b: 2, tq: 3, tk: 5, d: 8, h: 4, lens: []int{5, 2}},
		{name: "cross D=264", b: 2, tq: 2, tk: 3, d: 264, h: 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewStore(tensor.Float64, 1)
			m, err := NewMultiHeadAttention(s, "mha", c.d, c.h, 0)
			if err != nil {
				t.Fatal(err)
			}
			randomizeBiases(t, m, 7)
			fusedVsComposed(t, s, c.b, 1e-6, func(g *Graph, fused bool) (*G.Node, []*G.Node, []*G.Node) {
				q := attnInput(t, g, "query", 1, nil, c.b*c.tq, c.d)
				key, value := q.Node, q.Node
				wrt := []*G.Node{q.Node}
				tk := c.tq
				if c.tk > 0 {
					tk = c.tk
					k := attnInput(t, g, "key", 2, nil, c.b*tk, c.d)
					v := attnInput(t, g, "value", 3, nil, c.b*tk, c.d)
					key, value = k.Node, v.Node
					wrt = append(wrt, key, value)
				}
				var masks []*G.Node
				if c.causal {
					masks = append(masks, G.Must(CausalMask(g, c.tq, tk)))
				}
				if c.lens != nil {
					pm, err := NewPaddingMask(g, c.b, c.h, tk)
					if err != nil {
						t.Fatal(err)
					}
					if err := pm.SetLengths(c.lens); err != nil {
						t.Fatal(err)
					}
					masks = append(masks, pm.Node)
				}
				f := m.Forward
				if !fused {
					f = m.forwardComposed
				}
				out, w, err := f(g, q.Node, key, value, c.b, masks...)
				if err != nil {
					t.Fatal(err)
				}
				loss := G.Must(G.Add(attnLoss(t, g, out, 5, nil), attnLoss(t, g, w, 6, nil)))
				for _, p := range []*Tensor{m.InProjWeight, m.InProjBias, m.OutProj.Weight, m.OutProj.Bias} {
					wrt = append(wrt, g.Bind(p))
				}
				return loss, []*G.Node{out, w}, wrt
			})
		})
	}
}

func TestMultiHeadAttentionFusedDropout(t *testing.T) {
	// With attention dropout the fused and composed forms draw the same masks from the run's
	// generator, so they agree in a training graph too.
	s := NewStore(tensor.Float64, 1)
	m, err := NewMultiHeadAttention(s, "mha", 8, 2, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	var vals [2][][]float64
	for i, f := range []func(*Graph, *G.Node, *G.Node, *G.Node, int, ...*G.Node) (*G.Node, *G.Node, error){m.Forward, m.forwardComposed} {
		g := NewGraph(s, 2, true)
		x := attnInput(t, g, "x", 1, nil, 2*5, 8)
		out, w, err := f(g, x.Node, x.Node, x.Node, 2, G.Must(CausalMask(g, 5, 5)))
		if err != nil {
			t.Fatal(err)
		}
		rv := make([]G.Value, 2)
		G.Read(out, &rv[0])
		G.Read(w, &rv[1])
		g.SetOutputs(G.Must(G.Sum(out)), nil)
		if err := g.Run(NewRNG(3, 0, 0)); err != nil {
			t.Fatal(err)
		}
		vals[i] = [][]float64{valueF64(rv[0]), valueF64(rv[1])}
	}
	for k := range vals[0] {
		attnClose(t, fmt.Sprint("read ", k), vals[0][k], vals[1][k], 1e-12)
	}
}

// composedSeq2seq attends through the composed form of an additive or multiplicative attention.
type composedSeq2seq struct{ seq2seqAttention }

func (c composedSeq2seq) Attend(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (*G.Node, *G.Node, error) {
	switch a := c.seq2seqAttention.(type) {
	case *AdditiveAttention:
		return a.attendComposed(g, query, mem, masks...)
	case *MultiplicativeAttention:
		return a.attendComposed(g, query, mem, masks...)
	}
	return nil, nil, fmt.Errorf("no composed form of %T", c.seq2seqAttention)
}

func TestSeq2seqAttentionFusedEqualsComposed(t *testing.T) {
	for _, c := range []struct {
		kind             string
		b, tk, hq, hk, a int
		steps            int
	}{
		{"additive", 3, 260, 5, 6, 7, 2},
		{"additive", 2, 5, 4, 3, 264, 3},
		{"dot", 3, 260, 6, 6, 0, 2},
		{"general", 2, 7, 5, 300, 0, 2},
	} {
		t.Run(fmt.Sprintf("%s_tk%d_a%d", c.kind, c.tk, c.a), func(t *testing.T) {
			s := NewStore(tensor.Float64, 3)
			att, params := newSeq2seq(t, s, c.kind, c.hq, c.hk, c.a)
			for i, p := range params { // non-zero biases, so that their gradients are exercised
				if err := SetFloat64s(p.Value, attnRandom(uint64(20+i), p.Value.Shape().TotalSize())); err != nil {
					t.Fatal(err)
				}
			}
			lens := make([]int, c.b)
			for i := range lens {
				lens[i] = c.tk - (5*i)%c.tk
			}
			lens[c.b-1] = 1 // one sequence of one key
			fusedVsComposed(t, s, c.b, 1e-6, func(g *Graph, fused bool) (*G.Node, []*G.Node, []*G.Node) {
				a := att
				if !fused {
					a = composedSeq2seq{att}
				}
				g2, ins, ctxs, ws := seq2seqGraph(t, s, a, true, c.b, c.tk, c.hq, c.hk, c.steps, lens)
				*g = *g2
				var loss *G.Node
				for i := range ctxs {
					l := G.Must(G.Add(attnLoss(t, g, ctxs[i], uint64(30+i), nil), attnLoss(t, g, ws[i], uint64(40+i), nil)))
					if loss == nil {
						loss = l
					} else {
						loss = G.Must(G.Add(loss, l))
					}
				}
				var wrt []*G.Node
				for _, in := range ins {
					wrt = append(wrt, in.Node)
				}
				for _, p := range params {
					wrt = append(wrt, g.Bind(p))
				}
				return loss, append(ctxs, ws...), wrt
			})
		})
	}
}

func TestSeq2seqAttentionFusedFiniteDifferences(t *testing.T) {
	// Additive attention over 260 keys, two steps, padding; sampled entries.
	s := NewStore(tensor.Float64, 3)
	att, params := newSeq2seq(t, s, "additive", 4, 3, 5)
	g, ins, ctxs, ws := seq2seqGraph(t, s, att, true, 2, 260, 4, 3, 2, []int{260, 201})
	loss := G.Must(G.Add(attnLoss(t, g, ctxs[0], 1, nil), attnLoss(t, g, ctxs[1], 2, nil)))
	loss = G.Must(G.Add(loss, attnLoss(t, g, ws[1], 3, nil)))
	wrt := []*G.Node{ins[0].Node, ins[1].Node, ins[2].Node}
	for _, p := range params {
		wrt = append(wrt, g.Bind(p))
	}
	attnCheck(t, g, loss, wrt, 24, 1e-5)
}

func TestSeq2seqAttentionFusedAllMasked(t *testing.T) {
	// A sequence whose every key is padding gets finite weights that sum to 1 and finite
	// gradients (the composed form gives NaN there).
	for _, kind := range []string{"additive", "dot"} {
		s := NewStore(tensor.Float64, 3)
		att, params := newSeq2seq(t, s, kind, 4, 4, 5)
		g, ins, ctxs, ws := seq2seqGraph(t, s, att, true, 2, 6, 4, 4, 1, []int{0, 6})
		loss := G.Must(G.Add(attnLoss(t, g, ctxs[0], 1, nil), attnLoss(t, g, ws[0], 2, nil)))
		wrt := []*G.Node{ins[0].Node, ins[1].Node}
		for _, p := range params {
			wrt = append(wrt, g.Bind(p))
		}
		vals, grads := attnRun(t, g, loss, wrt, ws[0])
		sum := 0.0
		for _, w := range vals[0][:6] {
			sum += w
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("%s: weights of the empty sequence %v sum to %v", kind, vals[0][:6], sum)
		}
		for k, gr := range grads {
			for i, v := range gr {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: gradient %d [%d] is %v", kind, k, i, v)
				}
			}
		}
	}
}

func TestSeq2seqAttentionFusedFloat32(t *testing.T) {
	// float32 (tanh and exp through vecmath) agrees with float64 to float32 precision.
	for _, kind := range []string{"additive", "dot"} {
		var ctx [2][]float64
		for i, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			s := NewStore(dt, 3)
			att, _ := newSeq2seq(t, s, kind, 6, 6, 40)
			g, _, ctxs, _ := seq2seqGraph(t, s, att, false, 3, 9, 6, 6, 1, []int{9, 4, 1})
			ctx[i] = forwardRunner(t, g, ctxs[0])()[0]
		}
		attnClose(t, kind+" float32", ctx[1], ctx[0], 1e-5)
	}
}
