package nn

import (
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// weighted returns Sum(out ⊙ R) for a fixed random R: a scalar whose gradient reaches every
// element of out with a different weight.
func weighted(t *testing.T, g *Graph, out *G.Node, seed uint64) *G.Node {
	t.Helper()
	rng := NewRNG(seed, 99, 0)
	r := make([]float64, out.Shape().TotalSize())
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	rn := G.NewTensor(g.G, tensor.Float64, out.Dims(), G.WithShape(out.Shape().Clone()...), G.WithName("R"),
		G.WithValue(NewDense(tensor.Float64, out.Shape().Clone(), r)))
	return G.Must(G.Sum(G.Must(G.HadamardProd(out, rn))))
}

// randomInput is a float64 input of the given shape filled from N(0, 1).
func randomInput(g *Graph, name string, seed uint64, shape ...int) *Input {
	in := g.Input(name, shape...)
	rng := NewRNG(seed, 98, 0)
	v := make([]float64, in.Value.Shape().TotalSize())
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	if err := in.Set(v); err != nil {
		panic(err)
	}
	return in
}

func mustCheck(t *testing.T, g *Graph, loss *G.Node, wrt []*G.Node, samples int, tol float64) {
	t.Helper()
	rs, err := gradcheck.Check(g.G, loss, wrt, gradcheck.Options{Eps: 1e-5, Samples: samples, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.MaxRelErr > tol {
			t.Errorf("%s: max relative error %.3g > %.1g (analytic %.6g, numeric %.6g)", r.Node, r.MaxRelErr, tol, r.Analytic, r.Numeric)
		}
	}
}

func TestLinearGradient(t *testing.T) {
	for _, size := range []struct{ n, in, out int }{{5, 7, 4}, {300, 40, 260}} {
		s := NewStore(tensor.Float64, 1)
		l, err := NewLinear(s, "fc", size.in, size.out, true)
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, size.n, true)
		x := randomInput(g, "x", 2, size.n, size.in)
		y, err := l.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		mustCheck(t, g, weighted(t, g, y, 4), []*G.Node{g.Bind(l.Weight), g.Bind(l.Bias), x.Node}, 40, 1e-4)
	}
}

func TestBatchNormTrainingGradient(t *testing.T) {
	for _, size := range []struct{ n, c int }{{6, 4}, {32, 300}} {
		s := NewStore(tensor.Float64, 1)
		bn, err := NewBatchNorm(s, "bn", size.c)
		if err != nil {
			t.Fatal(err)
		}
		// Non-trivial γ, β so their gradients and the scaling both matter.
		if err := SetFloat64s(bn.Weight.Value, ramp(size.c, 0.5, 0.01)); err != nil {
			t.Fatal(err)
		}
		if err := SetFloat64s(bn.Bias.Value, ramp(size.c, -0.3, 0.02)); err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, size.n, true)
		x := randomInput(g, "x", 5, size.n, size.c)
		y, err := bn.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		mustCheck(t, g, weighted(t, g, y, 6), []*G.Node{x.Node, g.Bind(bn.Weight), g.Bind(bn.Bias)}, 40, 1e-4)
	}
}

func ramp(n int, start, step float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = start + step*float64(i)
	}
	return v
}

// TestBatchNormStatistics checks the running statistics after one training run against the
// formula, and that an evaluation graph normalises with them.
func TestBatchNormStatistics(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	bn, err := NewBatchNorm(s, "bn", 2)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 4, true)
	x := g.Input("x", 4, 2)
	y, err := bn.Forward(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(G.Must(G.Sum(y)), y)
	// Column 0: 1 2 3 4 (mean 2.5, biased var 1.25, unbiased 5/3); column 1: 0 0 0 8 (mean 2, var 12, unbiased 16).
	if err := x.Set([]float64{1, 0, 2, 0, 3, 0, 4, 8}); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	wantMean := []float64{0.1 * 2.5, 0.1 * 2}
	wantVar := []float64{0.9 + 0.1*5.0/3, 0.9 + 0.1*16}
	gotMean, gotVar := Float64s(bn.RunMean.Value), Float64s(bn.RunVar.Value)
	for i := range wantMean {
		if math.Abs(gotMean[i]-wantMean[i]) > 1e-12 || math.Abs(gotVar[i]-wantVar[i]) > 1e-12 {
			t.Errorf("feature %d: running mean %v var %v, want %v %v", i, gotMean[i], gotVar[i], wantMean[i], wantVar[i])
		}
	}
	// Training output of column 0: (x − 2.5)/√(1.25 + 1e-5).
	out := Float64s(g.Output())
	if want := (1 - 2.5) / math.Sqrt(1.25+1e-5); math.Abs(out[0]-want) > 1e-12 {
		t.Errorf("training output %v, want %v", out[0], want)
	}

	ev := NewGraph(s, 1, false)
	xe := ev.Input("x", 1, 2)
	ye, err := bn.Forward(ev, xe.Node)
	if err != nil {
		t.Fatal(err)
	}
	ev.SetOutputs(G.Must(G.Sum(ye)), ye)
	if err := xe.Set([]float64{3, -1}); err != nil {
		t.Fatal(err)
	}
	if err := ev.Run(nil); err != nil {
		t.Fatal(err)
	}
	got := Float64s(ev.Output())
	for i, xv := range []float64{3, -1} {
		want := (xv - wantMean[i]) / math.Sqrt(wantVar[i]+1e-5)
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("evaluation output %d = %v, want %v", i, got[i], want)
		}
	}
	if m := Float64s(bn.RunMean.Value); m[0] != gotMean[0] {
		t.Errorf("evaluation moved the running mean: %v", m)
	}
}

// TestDropoutGradient checks dropout with a fixed mask by finite differences, and the mask's
// statistics and seeding.
func TestDropoutGradient(t *testing.T) {
	const p = 0.2
	s := NewStore(tensor.Float64, 1)
	l, err := NewLinear(s, "fc", 6, 300, true)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 40, true)
	x := randomInput(g, "x", 7, 40, 6)
	h, err := l.Forward(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Dropout(g, h, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Prepare(NewRNG(1, StreamDropout, 0)); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g, weighted(t, g, y, 8), []*G.Node{g.Bind(l.Weight), g.Bind(l.Bias), x.Node}, 40, 1e-4)

	mask := Float64s(g.G.ByName("dropout_mask")[0].Value().(tensor.Tensor))
	zeros, sum := 0, 0.0
	for _, v := range mask {
		if v == 0 {
			zeros++
		} else if math.Abs(v-1/(1-p)) > 1e-12 {
			t.Fatalf("kept element scaled by %v, want %v", v, 1/(1-p))
		}
		sum += v
	}
	if frac := float64(zeros) / float64(len(mask)); math.Abs(frac-p) > 0.02 {
		t.Errorf("dropped fraction %.3f, want about %v", frac, p)
	}
	if mean := sum / float64(len(mask)); math.Abs(mean-1) > 0.03 {
		t.Errorf("mask mean %.3f, want about 1", mean)
	}
	if err := g.Prepare(NewRNG(1, StreamDropout, 0)); err != nil {
		t.Fatal(err)
	}
	again := Float64s(g.G.ByName("dropout_mask")[0].Value().(tensor.Tensor))
	for i := range mask {
		if mask[i] != again[i] {
			t.Fatal("the same generator drew a different mask")
		}
	}
	ev := NewGraph(s, 40, false)
	if z, _ := Dropout(ev, x.Node, p); z != x.Node {
		t.Error("dropout in an evaluation graph is not the identity")
	}
	if _, err := Dropout(g, h, 1); err == nil {
		t.Error("dropout probability 1 accepted")
	}
}

func TestResidualGradient(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	l, err := NewLinear(s, "block", 300, 300, true)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 4, true)
	x := randomInput(g, "x", 9, 4, 300)
	y, err := Residual(x.Node, func(h *G.Node) (*G.Node, error) {
		z, err := l.Forward(g, h)
		if err != nil {
			return nil, err
		}
		return G.Tanh(z)
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g, weighted(t, g, y, 10), []*G.Node{g.Bind(l.Weight), g.Bind(l.Bias), x.Node}, 40, 1e-4)
	if _, err := Residual(x.Node, func(h *G.Node) (*G.Node, error) { return G.Sum(h, 1) }); err == nil {
		t.Error("a residual branch that changes the shape was accepted")
	}
}

func TestCrossEntropy(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	g := NewGraph(s, 2, true)
	z := randomInput(g, "logits", 1, 2, 3)
	if err := z.Set([]float64{1, 2, 3, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	h, err := NewCrossEntropy(g, z.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetLabels([]int{2, 0}); err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(h.Loss, nil)
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	// Row 0: log(e¹+e²+e³) − 3; row 1: log 3.
	want := (math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 3 + math.Log(3)) / 2
	if math.Abs(g.Loss()-want) > 1e-12 {
		t.Errorf("loss %v, want %v", g.Loss(), want)
	}
	if err := h.SetLabels([]int{3, 0}); err == nil {
		t.Error("label 3 of 3 classes accepted")
	}

	g2 := NewGraph(s, 50, true)
	z2 := randomInput(g2, "logits", 2, 50, 300)
	h2, err := NewCrossEntropy(g2, z2.Node)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, 50)
	for i := range labels {
		labels[i] = (i * 37) % 300
	}
	if err := h2.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g2, h2.Loss, []*G.Node{z2.Node}, 60, 1e-4)
}

func TestMSE(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	g := NewGraph(s, 2, true)
	p := g.Input("pred", 2, 2)
	if err := p.Set([]float64{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	h, err := NewMSE(g, p.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetTargets([]float64{1, 0, 0, 4}); err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(h.Loss, nil)
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	if want := (0 + 4 + 9 + 0) / 4.0; math.Abs(g.Loss()-want) > 1e-12 {
		t.Errorf("loss %v, want %v", g.Loss(), want)
	}

	s2 := NewStore(tensor.Float64, 2)
	l, err := NewLinear(s2, "fc", 8, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	g2 := NewGraph(s2, 300, true)
	x := randomInput(g2, "x", 3, 300, 8)
	y, err := l.Forward(g2, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := NewMSE(g2, y)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.SetTargets(ramp(900, -1, 0.002)); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g2, h2.Loss, []*G.Node{g2.Bind(l.Weight), g2.Bind(l.Bias), x.Node}, 40, 1e-4)
}

func TestStore(t *testing.T) {
	s := NewStore(tensor.Float32, 7)
	a, err := s.Add("a", []int{2, 3}, true, Uniform(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add("a", []int{1}, true, nil); err == nil {
		t.Error("duplicate name accepted")
	}
	if _, err := s.Add("b", []int{0, 3}, true, nil); err == nil {
		t.Error("zero dimension accepted")
	}
	if _, err := s.Add("buf", []int{3}, false, Const(2)); err != nil {
		t.Fatal(err)
	}
	if n := s.NumParams(); n != 6 {
		t.Errorf("NumParams %d, want 6", n)
	}
	for _, v := range Float64s(a.Value) {
		if v < -0.5 || v > 0.5 {
			t.Errorf("U(−0.5, 0.5) drew %v", v)
		}
	}
	s2 := NewStore(tensor.Float32, 7)
	b, _ := s2.Add("a", []int{2, 3}, true, Uniform(0.5))
	av, bv := Float64s(a.Value), Float64s(b.Value)
	for i := range av {
		if av[i] != bv[i] {
			t.Fatal("the same seed initialised differently")
		}
	}
	s3 := NewStore(tensor.Float32, 8)
	c, _ := s3.Add("a", []int{2, 3}, true, Uniform(0.5))
	if Float64s(c.Value)[0] == av[0] {
		t.Error("another seed initialised identically")
	}
}
