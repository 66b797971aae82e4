package nn

import (
	"fmt"
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fusedVsComposed builds the same loss twice, through build(g, fused) with fused true and false,
// on fresh graphs over one store, and checks that the reads and every gradient of the nodes
// returned by wrt agree to tol.
func fusedVsComposed(t *testing.T, s *Store, n int, tol float64, build func(g *Graph, fused bool) (loss *G.Node, reads, wrt []*G.Node)) {
	t.Helper()
	var vals, grads [2][][]float64
	for i, fused := range []bool{true, false} {
		g := NewGraph(s, n, true)
		loss, reads, wrt := build(g, fused)
		vals[i], grads[i] = attnRun(t, g, loss, wrt, append([]*G.Node{loss}, reads...)...)
	}
	for k := range vals[0] {
		closeStrict(t, fmt.Sprintf("read %d", k), vals[0][k], vals[1][k], tol)
	}
	for k := range grads[0] {
		closeStrict(t, fmt.Sprintf("gradient %d", k), grads[0][k], grads[1][k], tol)
	}
}

// closeStrict fails unless got and want have the same length and every element agrees to tol,
// relative to max(1, |want|); a NaN anywhere fails.
func closeStrict(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		d := math.Abs(got[i]-want[i]) / math.Max(1, math.Abs(want[i]))
		if !(d <= tol) {
			t.Errorf("%s: differs by %.3g at [%d] (got %.10g, want %.10g)", what, d, i, got[i], want[i])
			return
		}
	}
}

func TestLayerNormFusedEqualsComposed(t *testing.T) {
	for _, shape := range [][]int{{7, 300}, {2, 3, 260}, {300, 4}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			d := shape[len(shape)-1]
			s := NewStore(tensor.Float64, 1)
			ln, err := NewLayerNorm(s, "ln", d)
			if err != nil {
				t.Fatal(err)
			}
			if err := SetFloat64s(ln.Weight.Value, attnRandom(3, d)); err != nil {
				t.Fatal(err)
			}
			if err := SetFloat64s(ln.Bias.Value, attnRandom(4, d)); err != nil {
				t.Fatal(err)
			}
			fusedVsComposed(t, s, shape[0], 1e-6, func(g *Graph, fused bool) (*G.Node, []*G.Node, []*G.Node) {
				x := attnInput(t, g, "x", 1, nil, shape...)
				raw := attnRandom(1, x.Value.Shape().TotalSize())
				for i := range raw {
					raw[i] = 3*raw[i] + 2 // rows with a mean and a spread to remove
				}
				if err := x.Set(raw); err != nil {
					t.Fatal(err)
				}
				f := ln.forwardComposed
				if fused {
					f = ln.Forward
				}
				y, err := f(g, x.Node)
				if err != nil {
					t.Fatal(err)
				}
				return attnLoss(t, g, y, 2, nil), []*G.Node{y}, []*G.Node{x.Node, g.Bind(ln.Weight), g.Bind(ln.Bias)}
			})
		})
	}
}

func TestLayerNormFusedFloat32(t *testing.T) {
	// float32 through the fused op agrees with float64 to float32 precision, and a second run
	// over the op's reused buffers gives the same values.
	const n, d = 5, 260
	raw := attnRandom(6, n*d)
	var out [2][]float64
	for i, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		s := NewStore(dt, 1)
		ln, err := NewLayerNorm(s, "ln", d)
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, n, false)
		x := g.Input("x", n, d)
		if err := x.Set(raw); err != nil {
			t.Fatal(err)
		}
		y, err := ln.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		run := forwardRunner(t, g, y)
		out[i] = run()[0]
		attnClose(t, "second run", run()[0], out[i], 0)
	}
	attnClose(t, "float32", out[1], out[0], 1e-5)
}
