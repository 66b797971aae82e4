package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/golden"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestLayerNormGradient(t *testing.T) {
	for _, c := range []struct{ n, d, samples int }{{6, 10, 0}, {4, 320, 16}, {260, 5, 16}, {-2, 5, 0}} {
		t.Run(fmt.Sprintf("%dx%d", c.n, c.d), func(t *testing.T) {
			shape := []int{c.n, c.d}
			if c.n < 0 { // a 3-D input (2, 3, D)
				c.n, shape = 6, []int{2, 3, c.d}
			}
			s := NewStore(tensor.Float64, 1)
			ln, err := NewLayerNorm(s, "ln", c.d)
			if err != nil {
				t.Fatal(err)
			}
			// Non-trivial γ, β so that both gradients and the scaling matter.
			if err := SetFloat64s(ln.Weight.Value, attnRandom(3, c.d)); err != nil {
				t.Fatal(err)
			}
			if err := SetFloat64s(ln.Bias.Value, attnRandom(4, c.d)); err != nil {
				t.Fatal(err)
			}
			g := NewGraph(s, c.n, true)
			x := attnInput(t, g, "x", 1, nil, shape...)
			y, err := ln.Forward(g, x.Node)
			if err != nil {
				t.Fatal(err)
			}
			loss := attnLoss(t, g, y, 2, nil)
			attnCheck(t, g, loss, []*G.Node{x.Node, g.Bind(ln.Weight), g.Bind(ln.Bias)}, c.samples, 1e-5)
		})
	}
}

func TestLayerNormGolden(t *testing.T) {
	gold := golden.Load(t, "layernorm")
	sh := gold.Shape("x")
	n, d := sh[0], sh[1]
	s := NewStore(tensor.Float64, 1)
	ln, err := NewLayerNorm(s, "norm", d)
	if err != nil {
		t.Fatal(err)
	}
	setTorch(t, ln.Weight, gold.F64("weight"))
	setTorch(t, ln.Bias, gold.F64("bias"))
	g := NewGraph(s, n, true)
	x := attnInput(t, g, "x", 0, gold.F64("x"), n, d)
	y, err := ln.Forward(g, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	loss := attnLoss(t, g, y, 0, gold.F64("wout"))
	vals, grads := attnRun(t, g, loss, []*G.Node{x.Node, g.Bind(ln.Weight), g.Bind(ln.Bias)}, y)
	attnClose(t, "out", vals[0], gold.F64("out"), 1e-5)
	for i, name := range []string{"grad_x", "grad_weight", "grad_bias"} {
		attnClose(t, name, grads[i], gold.F64(name), 1e-5)
	}
}

func TestLayerNormProperties(t *testing.T) {
	// With γ = 1, β = 0 every row has mean 0 and (biased) variance 1/(1 + ε/σ²); a (B, T, D)
	// input gives the same numbers as its (B·T, D) rows.
	const b, tt, d = 2, 3, 7
	s := NewStore(tensor.Float64, 1)
	ln, err := NewLayerNorm(s, "ln", d)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, b, false)
	raw := attnRandom(8, b*tt*d)
	for i := range raw {
		raw[i] = 3*raw[i] + 5
	}
	x2 := attnInput(t, g, "x2", 0, raw, b*tt, d)
	x3 := attnInput(t, g, "x3", 0, raw, b, tt, d)
	y2, err := ln.Forward(g, x2.Node)
	if err != nil {
		t.Fatal(err)
	}
	y3, err := ln.Forward(g, x3.Node)
	if err != nil {
		t.Fatal(err)
	}
	if !y3.Shape().Eq(tensor.Shape{b, tt, d}) {
		t.Errorf("3-D output shape %v", y3.Shape())
	}
	vals, _ := attnRun(t, g, G.Must(G.Sum(G.Must(G.Add(G.Must(G.Sum(y2)), G.Must(G.Sum(y3)))))), nil, y2, y3)
	attnClose(t, "3-D vs 2-D", vals[1], vals[0], 0)
	attnClose(t, "3-D input after the run", Float64s(x3.Value), raw, 0)
	attnClose(t, "2-D input after the run", Float64s(x2.Value), raw, 0)
	for r := 0; r < b*tt; r++ {
		row, in := vals[0][r*d:(r+1)*d], raw[r*d:(r+1)*d]
		var m, v, mi, vi float64
		for j := range row {
			m += row[j] / d
			mi += in[j] / d
		}
		for j := range row {
			v += (row[j] - m) * (row[j] - m) / d
			vi += (in[j] - mi) * (in[j] - mi) / d
		}
		if math.Abs(m) > 1e-12 || math.Abs(v-vi/(vi+1e-5)) > 1e-12 {
			t.Errorf("row %d: mean %g, variance %g (want 0, %g)", r, m, v, vi/(vi+1e-5))
		}
	}
	if _, err := ln.Forward(g, attnInput(t, g, "bad", 0, nil, 3, d+1).Node); err == nil {
		t.Error("input of the wrong width accepted")
	}
	if _, err := NewLayerNorm(s, "ln2", 0); err == nil {
		t.Error("0 features accepted")
	}
}

// ExampleLayerNorm normalises two rows: each comes out with mean 0 and variance ≈ 1, whatever its
// scale and offset.
func ExampleLayerNorm() {
	s := NewStore(tensor.Float64, 1)
	ln, err := NewLayerNorm(s, "norm", 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := NewGraph(s, 2, false)
	x := g.Input("x", 2, 4)
	if err := x.Set([]float64{1, 2, 3, 4, 10, 10, 10, 50}); err != nil {
		fmt.Println(err)
		return
	}
	y, err := ln.Forward(g, x.Node)
	if err != nil {
		fmt.Println(err)
		return
	}
	loss, _ := G.Sum(y)
	g.SetOutputs(loss, y)
	if err := g.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n", Float64s(g.Output()))
	fmt.Println(s.Get("norm.weight").Value.Shape(), s.Get("norm.bias").Value.Shape())
	// Output:
	// [-1.3416 -0.4472 0.4472 1.3416 -0.5774 -0.5774 -0.5774 1.7321]
	// (1, 4) (1, 4)
}
