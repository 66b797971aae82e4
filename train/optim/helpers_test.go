package optim

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// quad is the test problem loss = Σ_p Σ w_p², whose gradient is 2·w for
// every parameter w_p, built from real Gorgonia nodes.
type quad struct {
	g   *gorgonia.ExprGraph
	ws  gorgonia.Nodes
	m   gorgonia.VM
	vgs []gorgonia.ValueGrad
}

// newQuad builds the problem with one parameter per entry of inits; each
// parameter has the given shape (nil means a vector) and dtype.
func newQuad(t testing.TB, dt tensor.Dtype, shapes []tensor.Shape, inits [][]float64) *quad {
	t.Helper()
	q := &quad{g: gorgonia.NewGraph()}
	var loss *gorgonia.Node
	for i, init := range inits {
		shape := tensor.Shape{len(init)}
		if shapes != nil && shapes[i] != nil {
			shape = shapes[i]
		}
		var back interface{}
		if dt == tensor.Float64 {
			back = append([]float64(nil), init...)
		} else {
			f := make([]float32, len(init))
			for j, x := range init {
				f[j] = float32(x)
			}
			back = f
		}
		val := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(back))
		w := gorgonia.NodeFromAny(q.g, val, gorgonia.WithName("w"+string(rune('0'+i))))
		q.ws = append(q.ws, w)
		sq, err := gorgonia.Square(w)
		if err != nil {
			t.Fatal(err)
		}
		s, err := gorgonia.Sum(sq)
		if err != nil {
			t.Fatal(err)
		}
		if loss == nil {
			loss = s
		} else if loss, err = gorgonia.Add(loss, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := gorgonia.Grad(loss, q.ws...); err != nil {
		t.Fatal(err)
	}
	q.m = gorgonia.NewTapeMachine(q.g, gorgonia.BindDualValues(q.ws...))
	t.Cleanup(func() { q.m.Close() })
	q.vgs = gorgonia.NodesToValueGrads(q.ws)
	return q
}

// step computes the gradients and applies one solver step.
func (q *quad) step(t testing.TB, s gorgonia.Solver) {
	t.Helper()
	if err := q.m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := s.Step(q.vgs); err != nil {
		t.Fatal(err)
	}
	q.m.Reset()
}

// weights returns parameter i's values as float64.
func (q *quad) weights(i int) []float64 {
	return toF64(q.ws[i].Value().(*tensor.Dense))
}

// setWeights overwrites parameter i's values.
func (q *quad) setWeights(i int, src *tensor.Dense) {
	dst := q.ws[i].Value().(*tensor.Dense)
	if dst.Dtype() == tensor.Float64 {
		copy(dst.Float64s(), src.Float64s())
	} else {
		copy(dst.Float32s(), src.Float32s())
	}
}

func toF64(d *tensor.Dense) []float64 {
	if d.Dtype() == tensor.Float64 {
		return append([]float64(nil), d.Float64s()...)
	}
	out := make([]float64, 0, d.Shape().TotalSize())
	for _, x := range d.Float32s() {
		out = append(out, float64(x))
	}
	return out
}

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values %v, want %d values %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol || math.IsNaN(got[i]) {
			t.Errorf("%s[%d] = %.17g, want %.17g (diff %.3g > %g)", what, i, got[i], want[i], got[i]-want[i], tol)
		}
	}
}

func mustNew(t testing.TB, name string, o Options) Solver {
	t.Helper()
	s, err := New(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeVG is a ValueGrad with arbitrary value and gradient, for error cases.
type fakeVG struct {
	v, g gorgonia.Value
	err  error
}

func (f fakeVG) Value() gorgonia.Value         { return f.v }
func (f fakeVG) Grad() (gorgonia.Value, error) { return f.g, f.err }
