package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGraphGradientsAccumulate: a training graph's gradients are what the machine's addition into
// the dual values gave: one run's gradient after the solver's zeroing (written directly where the
// op allows), the sum of the runs' gradients where runs follow each other without a step, in
// float32 and float64. The gradients of Sum(x·W + b) are worked by hand: dW[i][j] = Σₙ x[n][i]
// and db[j] = N.
func TestGraphGradientsAccumulate(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		s := NewStore(dt, 1)
		l, err := NewLinear(s, "fc", 3, 2, true)
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, 2, true)
		x := g.Input("x", 2, 3)
		y, err := l.Forward(g, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		g.SetOutputs(G.Must(G.Sum(y)), y)
		if err := x.Set([]float64{1, 2, 3, 4, 5, 6}); err != nil {
			t.Fatal(err)
		}
		wantW, wantB := []float64{5, 5, 7, 7, 9, 9}, []float64{2, 2}
		check := func(step string, times float64) {
			t.Helper()
			for _, vg := range g.ValueGrads() {
				gv, err := vg.Grad()
				if err != nil {
					t.Fatalf("%v %s: %v", dt, step, err)
				}
				got := Float64s(gv.(*tensor.Dense))
				want := wantB
				if len(got) == len(wantW) {
					want = wantW
				}
				for i := range want {
					if got[i] != times*want[i] {
						t.Fatalf("%v %s: gradient %v, want %v times %v", dt, step, got, times, want)
					}
				}
			}
		}
		zero := func() {
			for _, vg := range g.ValueGrads() {
				gv, _ := vg.Grad()
				d := gv.(*tensor.Dense)
				if err := SetFloat64s(d, make([]float64, d.Shape().TotalSize())); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		check("first run", 1)
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		check("second run without a step", 2)
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		check("third run without a step", 3)
		zero()
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		check("run after zeroing", 1)
		if len(g.grads) == 0 {
			t.Fatalf("%v: the graph keeps no gradients: the machine adds them", dt)
		}
		direct := 0
		for _, sl := range g.grads {
			if sl.direct && sl.grad.Value() == G.Value(sl.d) {
				direct++
			}
		}
		if direct == 0 {
			t.Errorf("%v: no gradient written directly after zeroing", dt)
		}
		zero()
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		check("two runs after zeroing", 2)
	}
}

// TestZeroBits: only +0 counts as zero, at every position of a block of eight words and of the
// tail.
func TestZeroBits(t *testing.T) {
	for _, n := range []int{1, 15, 16, 17, 40} {
		d := NewDense(tensor.Float32, []int{n}, nil)
		if !zeroBits(d) {
			t.Fatalf("n=%d: zeros not zero", n)
		}
		v := d.Data().([]float32)
		for i := range v {
			for _, x := range []float32{1, float32(math.Copysign(0, -1))} {
				v[i] = x
				if zeroBits(d) {
					t.Fatalf("n=%d: %v at %d counted as zero", n, x, i)
				}
				v[i] = 0
			}
		}
	}
}
