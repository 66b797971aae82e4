package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGELUFusedFiniteDifferencesAndFormula(t *testing.T) {
	// (3, 300): finite differences over sampled entries; values and gradient equal the formulas
	// x·Φ(x) and w·(Φ(x) + x·φ(x)) computed here to 1e-12.
	const n, d = 3, 300
	g := NewGraph(NewStore(tensor.Float64, 1), n, true)
	xs := attnRandom(9, n*d)
	for i := range xs {
		xs[i] *= 3
	}
	x := attnInput(t, g, "x", 0, xs, n, d)
	y, err := GELU(x.Node)
	if err != nil {
		t.Fatal(err)
	}
	w := attnRandom(10, n*d)
	loss := attnLoss(t, g, y, 0, w)
	vals, grads := attnRun(t, g, loss, []*G.Node{x.Node}, y)
	want, wantGrad := make([]float64, n*d), make([]float64, n*d)
	for i, v := range xs {
		phi := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		want[i] = v * phi
		wantGrad[i] = w[i] * (phi + v*math.Exp(-v*v/2)/math.Sqrt(2*math.Pi))
	}
	attnClose(t, "gelu", vals[0], want, 1e-12)
	attnClose(t, "gelu gradient", grads[0], wantGrad, 1e-12)

	g2 := NewGraph(NewStore(tensor.Float64, 1), n, true)
	x2 := attnInput(t, g2, "x", 0, xs, n, d)
	y2, err := GELU(x2.Node)
	if err != nil {
		t.Fatal(err)
	}
	attnCheck(t, g2, attnLoss(t, g2, y2, 0, w), []*G.Node{x2.Node}, 40, 1e-5)
}

func TestGELUFusedFloat32Runs(t *testing.T) {
	// float32 values agree with float64 to float32 precision, and a second run over the op's
	// reused buffer gives the same values.
	xs := attnRandom(11, 260)
	var out [2][]float64
	for i, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		g := NewGraph(NewStore(dt, 1), 1, false)
		x := g.Input("x", 260)
		if err := x.Set(xs); err != nil {
			t.Fatal(err)
		}
		y, err := GELU(x.Node)
		if err != nil {
			t.Fatal(err)
		}
		run := forwardRunner(t, g, y)
		out[i] = run()[0]
		attnClose(t, "second run", run()[0], out[i], 0)
	}
	attnClose(t, "float32", out[1], out[0], 1e-6)
}
