package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/golden"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestGELUGolden(t *testing.T) {
	gold := golden.Load(t, "gelu")
	xs, w := gold.F64("x"), gold.F64("w")
	for _, c := range []struct {
		tag string
		f   Activation
	}{{"erf", GELU}, {"tanh", GELUTanh}} {
		t.Run(c.tag, func(t *testing.T) {
			g := NewGraph(NewStore(tensor.Float64, 1), 1, true)
			x := attnInput(t, g, "x", 0, xs, len(xs))
			y, err := c.f(x.Node)
			if err != nil {
				t.Fatal(err)
			}
			loss := attnLoss(t, g, y, 0, w)
			vals, grads := attnRun(t, g, loss, []*G.Node{x.Node}, y)
			attnClose(t, "out", vals[0], gold.F64("out_"+c.tag), 1e-12)
			attnClose(t, "grad", grads[0], gold.F64("grad_"+c.tag), 1e-12)
		})
	}
}

func TestGELUValues(t *testing.T) {
	// GELU(0) = 0, GELU(x) → x for large x, → 0 for very negative x; float32 works too; the tanh
	// form stays within 5e-4 of the exact one.
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := NewGraph(NewStore(dt, 1), 1, false)
		xs := []float64{0, 8, -8, 1, -1}
		x := attnInput(t, g, "x", 0, xs, len(xs))
		y, err := GELU(x.Node)
		if err != nil {
			t.Fatal(err)
		}
		yt, err := GELUTanh(x.Node)
		if err != nil {
			t.Fatal(err)
		}
		vals, _ := attnRun(t, g, G.Must(G.Sum(y)), nil, y, yt)
		phi1 := 0.5 * (1 + math.Erf(1/math.Sqrt2))
		attnClose(t, fmt.Sprintf("gelu %v", dt), vals[0], []float64{0, 8, 0, phi1, -(1 - phi1)}, 1e-6)
		attnClose(t, fmt.Sprintf("gelu_tanh %v", dt), vals[1], vals[0], 5e-4)
	}
}

func TestFeedForwardGradient(t *testing.T) {
	for _, c := range []struct {
		act          string
		n, d, hidden int
		samples      int
	}{
		{"relu", 5, 6, 10, 0},
		{"gelu", 5, 6, 10, 0},
		{"gelu_tanh", 5, 6, 10, 0},
		{"gelu", 3, 304, 20, 12},
		{"relu", 260, 4, 8, 12},
	} {
		t.Run(fmt.Sprintf("%s_%dx%d_%d", c.act, c.n, c.d, c.hidden), func(t *testing.T) {
			s := NewStore(tensor.Float64, 2)
			ff, err := NewFeedForward(s, "layers.0", c.d, c.hidden, c.act, 0)
			if err != nil {
				t.Fatal(err)
			}
			g := NewGraph(s, c.n, true)
			x := attnInput(t, g, "x", 1, nil, c.n, c.d)
			y, err := ff.Forward(g, x.Node)
			if err != nil {
				t.Fatal(err)
			}
			if !y.Shape().Eq(x.Node.Shape()) {
				t.Fatalf("output %v, input %v", y.Shape(), x.Node.Shape())
			}
			loss := attnLoss(t, g, y, 3, nil)
			wrt := []*G.Node{x.Node}
			for _, p := range []*Tensor{ff.Linear1.Weight, ff.Linear1.Bias, ff.Linear2.Weight, ff.Linear2.Bias} {
				wrt = append(wrt, g.Bind(p))
			}
			attnCheck(t, g, loss, wrt, c.samples, 1e-5)
		})
	}
}

func TestFeedForwardNamesAndErrors(t *testing.T) {
	s := NewStore(tensor.Float32, 1)
	ff, err := NewFeedForward(s, "layers.0", 4, 16, "gelu", 0.1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range s.All() {
		names = append(names, p.Name)
	}
	want := "[layers.0.linear1.weight layers.0.linear1.bias layers.0.linear2.weight layers.0.linear2.bias]"
	if fmt.Sprint(names) != want {
		t.Errorf("names %v, want %s", names, want)
	}
	if ff.String() != "FeedForward(4→16 gelu→4)" {
		t.Errorf("String() = %q", ff.String())
	}
	if _, err := NewFeedForward(s, "x", 4, 16, "swish", 0); err == nil {
		t.Error("unknown activation accepted")
	}
	if _, err := NewFeedForward(s, "y", 4, 0, "relu", 0); err == nil {
		t.Error("0 hidden units accepted")
	}
	if _, err := NewFeedForward(s, "z", 4, 8, "relu", 1.5); err == nil {
		t.Error("dropout 1.5 accepted")
	}
}
