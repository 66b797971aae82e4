package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnCase builds a BatchNorm of c features with non-trivial γ, β and running statistics.
func bnCase(t *testing.T, dt tensor.Dtype, c int) (*Store, *BatchNorm) {
	t.Helper()
	s := NewStore(dt, 1)
	bn, err := NewBatchNorm(s, "bn", c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		t           *Tensor
		start, step float64
	}{{bn.Weight, 0.5, 0.01}, {bn.Bias, -0.3, 0.02}, {bn.RunMean, 0.2, -0.003}, {bn.RunVar, 0.7, 0.011}} {
		if err := SetFloat64s(p.t.Value, ramp(c, p.start, p.step)); err != nil {
			t.Fatal(err)
		}
	}
	return s, bn
}

// bnBuild applies the fused or the composed form to a random input (shifted and scaled per
// feature, so that the statistics matter).
func bnBuild(t *testing.T, g *Graph, bn *BatchNorm, fused bool) (x *Input, y *G.Node) {
	t.Helper()
	x = randomInput(g, "x", 5, g.N, bn.C)
	xs := G.Must(G.Add(G.Must(G.Mul(x.Node, g.Scalar(2))), g.Scalar(0.5)))
	var err error
	if fused {
		y, err = bn.Forward(g, xs)
	} else {
		y, err = bn.ForwardComposed(g, xs)
	}
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}

// TestBatchNormMatchesComposed holds the fused BatchNorm equal to the composed form in y and in
// the gradients of x, γ and β, in training and evaluation, at N = 300 rows (float64), and the
// running statistics after a training run equal.
func TestBatchNormMatchesComposed(t *testing.T) {
	const n, c = 300, 40
	for _, train := range []bool{true, false} {
		run := func(fused bool) ([][]float64, [][]float64) {
			s, bn := bnCase(t, tensor.Float64, c)
			g := NewGraph(s, n, train)
			x, y := bnBuild(t, g, bn, fused)
			return forwardBackward(t, g, weighted(t, g, y, 6), []*G.Node{y}, []*G.Node{x.Node, g.Bind(bn.Weight), g.Bind(bn.Bias)})
		}
		fv, fg := run(true)
		cv, cg := run(false)
		assertClose(t, "y", fv[0], cv[0], 1e-12)
		for i, name := range []string{"dx", "dγ", "dβ"} {
			assertClose(t, name, fg[i], cg[i], 1e-10)
		}
	}
	// Running statistics after two training runs of each form.
	var stats [2][]float64
	for i, fused := range []bool{true, false} {
		s, bn := bnCase(t, tensor.Float64, c)
		g := NewGraph(s, n, true)
		_, y := bnBuild(t, g, bn, fused)
		g.SetOutputs(weighted(t, g, y, 6), y)
		for run := 0; run < 2; run++ {
			if err := g.Run(nil); err != nil {
				t.Fatal(err)
			}
		}
		stats[i] = append(Float64s(bn.RunMean.Value), Float64s(bn.RunVar.Value)...)
	}
	assertClose(t, "running statistics", stats[0], stats[1], 1e-12)
}

// TestBatchNormEvalGradient checks the evaluation-mode op by finite differences at C = 300.
func TestBatchNormEvalGradient(t *testing.T) {
	s, bn := bnCase(t, tensor.Float64, 300)
	g := NewGraph(s, 8, false)
	x, y := bnBuild(t, g, bn, true)
	mustCheck(t, g, weighted(t, g, y, 6), []*G.Node{x.Node, g.Bind(bn.Weight), g.Bind(bn.Bias)}, 40, 1e-5)
}

// TestBatchNormFloat32 compares the fused float32 op with the composed float32 graph in value,
// gradients and running statistics, over two runs (the second reuses the op's buffers).
func TestBatchNormFloat32(t *testing.T) {
	const n, c = 128, 64
	type result struct{ y, dg, db, stats []float64 }
	var res [2]result
	for i, fused := range []bool{true, false} {
		s, bn := bnCase(t, tensor.Float32, c)
		g := NewGraph(s, n, true)
		_, y := bnBuild(t, g, bn, fused)
		loss := G.Must(G.Sum(G.Must(G.Square(y))))
		g.SetOutputs(loss, y)
		for run := 0; run < 2; run++ {
			if err := g.Run(nil); err != nil {
				t.Fatal(err)
			}
		}
		r := result{y: Float64s(g.Output()), stats: append(Float64s(bn.RunMean.Value), Float64s(bn.RunVar.Value)...)}
		for k, node := range g.Nodes() {
			gv, err := node.Grad()
			if err != nil {
				t.Fatal(err)
			}
			v := Float64s(gv.(tensor.Tensor))
			if g.Params()[k] == bn.Weight {
				r.dg = v
			} else {
				r.db = v
			}
		}
		res[i] = r
	}
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"y", res[0].y, res[1].y}, {"dγ (two runs)", res[0].dg, res[1].dg}, {"dβ (two runs)", res[0].db, res[1].db}, {"running statistics", res[0].stats, res[1].stats}} {
		scale := 0.0
		for _, v := range c.want {
			scale = math.Max(scale, math.Abs(v))
		}
		if len(c.got) != len(c.want) {
			t.Fatalf("%s: %d values, want %d", c.name, len(c.got), len(c.want))
		}
		for j := range c.got {
			if math.Abs(c.got[j]-c.want[j]) > 1e-5*math.Max(scale, 1) {
				t.Errorf("%s[%d]: fused %v, composed %v", c.name, j, c.got[j], c.want[j])
				break
			}
		}
	}
}
