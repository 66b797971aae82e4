package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
)

// forwardBackward differentiates loss with respect to wrt, runs the graph once and returns the
// values of outs and the gradients of wrt.
func forwardBackward(t *testing.T, g *Graph, loss *G.Node, outs, wrt []*G.Node) (vals, grads [][]float64) {
	t.Helper()
	if _, err := G.Grad(loss, wrt...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G, G.BindDualValues(wrt...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		v, err := valueFloats(o.Value())
		if err != nil {
			t.Fatalf("%s: %v", o.Name(), err)
		}
		vals = append(vals, v)
	}
	for _, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			t.Fatalf("gradient of %s: %v", n.Name(), err)
		}
		v, err := valueFloats(gv)
		if err != nil {
			t.Fatalf("gradient of %s: %v", n.Name(), err)
		}
		grads = append(grads, v)
	}
	return vals, grads
}

func valueFloats(v G.Value) ([]float64, error) {
	if s, err := scalarOf("value", v); err == nil {
		return []float64{s}, nil
	}
	d, err := denseOf("value", v)
	if err != nil {
		return nil, err
	}
	return Float64s(d), nil
}

// maxDiff is the largest |a[i] − b[i]| / max(1, |b[i]|), or +Inf for different lengths.
func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		d := math.Abs(a[i]-b[i]) / math.Max(1, math.Abs(b[i]))
		if !(d <= m) {
			m = d
		}
	}
	return m
}

// assertClose fails the test when got and want differ by more than tol (relative above 1).
func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if d := maxDiff(got, want); !(d <= tol) {
		t.Errorf("%s: fused and composed forms differ by %.3g > %.1g (%d vs %d values)", what, d, tol, len(got), len(want))
	}
}
