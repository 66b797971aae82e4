package gradcheck

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func randDense(rng *rand.Rand, lo, hi float64, shape ...int) *tensor.Dense {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// mlpLoss builds loss = Sum(Square(Mul(x, W))) with x (3×4) and W (4×2).
func mlpLoss(t *testing.T, seed uint64) (*gorgonia.ExprGraph, *gorgonia.Node, *gorgonia.Node, *gorgonia.Node) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0))
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(3, 4), gorgonia.WithName("x"),
		gorgonia.WithValue(randDense(rng, -1, 1, 3, 4)))
	w := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 2), gorgonia.WithName("W"),
		gorgonia.WithValue(randDense(rng, -0.5, 0.5, 4, 2)))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(gorgonia.Must(gorgonia.Mul(x, w))))))
	return g, loss, x, w
}

func TestCheckCorrectGradient(t *testing.T) {
	g, loss, x, w := mlpLoss(t, 1)
	rs, err := Check(g, loss, []*gorgonia.Node{x, w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Node != "x" || rs[1].Node != "W" || rs[0].Entries != 12 || rs[1].Entries != 8 {
		t.Fatalf("results %v", rs)
	}
	for _, r := range rs {
		t.Log(r)
		if r.MaxRelErr > 1e-6 || r.MaxAbsErr > 1e-7 {
			t.Errorf("%v: error too large for a correct gradient", r)
		}
	}

	// Hand check of the analytic value at the worst entry of W: dL/dW = 2 xᵀ(xW).
	xd := x.Value().Data().([]float64)
	wd := w.Value().Data().([]float64)
	i := rs[1].Worst
	r, c := i/2, i%2
	want := 0.0
	for row := 0; row < 3; row++ {
		y := 0.0
		for k := 0; k < 4; k++ {
			y += xd[row*4+k] * wd[k*2+c]
		}
		want += 2 * xd[row*4+r] * y
	}
	if math.Abs(rs[1].Analytic-want) > 1e-12 {
		t.Errorf("analytic dL/dW[%d] = %v, hand-computed %v", i, rs[1].Analytic, want)
	}

	// The values are restored exactly.
	g2, _, x2, w2 := mlpLoss(t, 1)
	_ = g2
	if !reflect.DeepEqual(x.Value().Data(), x2.Value().Data()) || !reflect.DeepEqual(w.Value().Data(), w2.Value().Data()) {
		t.Error("Check left the wrt values changed")
	}
}

// Gorgonia's InverseSqrt derives −g/(2y³) instead of −g·y³/2; Check must catch it, while the
// same function written as Pow(w, −0.5) passes.
func TestCheckCatchesWrongGradient(t *testing.T) {
	build := func(f func(*gorgonia.Node) (*gorgonia.Node, error)) (*gorgonia.ExprGraph, *gorgonia.Node, *gorgonia.Node) {
		g := gorgonia.NewGraph()
		rng := rand.New(rand.NewPCG(7, 0))
		w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(6), gorgonia.WithName("w"),
			gorgonia.WithValue(randDense(rng, 1.5, 4, 6)))
		return g, gorgonia.Must(gorgonia.Sum(gorgonia.Must(f(w)))), w
	}
	g, loss, w := build(gorgonia.InverseSqrt)
	rs, err := Check(g, loss, []*gorgonia.Node{w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rs[0])
	if MaxRel(rs) < 0.1 {
		t.Errorf("InverseSqrt's wrong gradient not caught: %v", rs[0])
	}
	// The numeric side is right: d/dw w^-1/2 = -w^-3/2 / 2.
	wv := w.Value().Data().([]float64)[rs[0].Worst]
	if want := -0.5 * math.Pow(wv, -1.5); math.Abs(rs[0].Numeric-want) > 1e-8 {
		t.Errorf("numeric derivative %v, want %v", rs[0].Numeric, want)
	}

	g, loss, w = build(func(n *gorgonia.Node) (*gorgonia.Node, error) {
		return gorgonia.Pow(n, gorgonia.NewConstant(-0.5))
	})
	rs, err = Check(g, loss, []*gorgonia.Node{w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rs[0])
	if MaxRel(rs) > 1e-6 {
		t.Errorf("Pow(w, -0.5) reported wrong: %v", rs[0])
	}
}

func TestSamplingDeterministic(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		a := sample(100, 10, seed, 3)
		b := sample(100, 10, seed, 3)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("seed %d: %v then %v", seed, a, b)
		}
		seen := map[int]bool{}
		for i, v := range a {
			if v < 0 || v >= 100 || seen[v] || (i > 0 && v <= a[i-1]) {
				t.Fatalf("sample %v is not sorted distinct indices of [0,100)", a)
			}
			seen[v] = true
		}
	}
	if reflect.DeepEqual(sample(100, 10, 1, 0), sample(100, 10, 2, 0)) {
		t.Error("different seeds gave the same sample")
	}
	if got := sample(5, 9, 1, 0); !reflect.DeepEqual(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("k ≥ n gave %v", got)
	}

	// Through Check: the same seed checks the same entries and gives the same result.
	check := func(seed uint64) []Result {
		g, loss, x, w := mlpLoss(t, 3)
		rs, err := Check(g, loss, []*gorgonia.Node{x, w}, Options{Samples: 3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	r1, r2 := check(5), check(5)
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("same seed, different results:\n%v\n%v", r1, r2)
	}
	if r1[0].Entries != 3 || r1[1].Entries != 3 {
		t.Errorf("Samples: 3 checked %d and %d entries", r1[0].Entries, r1[1].Entries)
	}
}

func TestBeforeIsCalled(t *testing.T) {
	// Before feeds the input x afresh for every run, as a model's tests feed a batch.
	g, loss, x, w := mlpLoss(t, 4)
	feed := x.Value().(*tensor.Dense).Clone().(*tensor.Dense)
	calls := 0
	rs, err := Check(g, loss, []*gorgonia.Node{w}, Options{Before: func() error {
		calls++
		return gorgonia.Let(x, feed)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 2*8; calls != want {
		t.Errorf("Before called %d times, want %d", calls, want)
	}
	if MaxRel(rs) > 1e-6 {
		t.Errorf("with Before feeding x: %v", rs)
	}
}

func TestCheckTwiceOnOneGraph(t *testing.T) {
	// A second Check reuses the gradient nodes and does not accumulate stale gradients.
	g, loss, x, w := mlpLoss(t, 6)
	first, err := Check(g, loss, []*gorgonia.Node{x, w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Check(g, loss, []*gorgonia.Node{x, w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if MaxRel(second) > 1e-6 || first[1].Analytic != second[1].Analytic {
		t.Errorf("second check differs:\n%v\n%v", first, second)
	}
}

func TestCheckErrors(t *testing.T) {
	g, loss, x, w := mlpLoss(t, 2)
	cases := []struct {
		name string
		loss *gorgonia.Node
		wrt  []*gorgonia.Node
		o    Options
		msg  string
	}{
		{"no wrt", loss, nil, Options{}, "wrt is empty"},
		{"negative eps", loss, []*gorgonia.Node{w}, Options{Eps: -1}, "Options.Eps"},
		{"negative samples", loss, []*gorgonia.Node{w}, Options{Samples: -2}, "Options.Samples"},
		{"non-scalar loss", x, []*gorgonia.Node{w}, Options{}, "must be a float64 scalar"},
		{"nil wrt", loss, []*gorgonia.Node{nil}, Options{}, "wrt[0] is nil"},
	}
	for _, c := range cases {
		_, err := Check(g, c.loss, c.wrt, c.o)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}

	// float32 values are refused.
	g32 := gorgonia.NewGraph()
	v := gorgonia.NewVector(g32, tensor.Float32, gorgonia.WithShape(2), gorgonia.WithName("v"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{1, 2}))))
	l32 := gorgonia.Must(gorgonia.Sum(v))
	if _, err := Check(g32, l32, []*gorgonia.Node{v}, Options{}); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Errorf("float32 graph: %v", err)
	}

	// An error from Before is reported.
	g, loss, _, w = mlpLoss(t, 2)
	_, err := Check(g, loss, []*gorgonia.Node{w}, Options{Before: func() error { return errBoom }})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Before error: %v", err)
	}
}

type boomError struct{}

func (boomError) Error() string { return "boom" }

var errBoom = boomError{}

func TestRelErr(t *testing.T) {
	cases := []struct{ a, n, floor, want float64 }{
		{1, 1, 1e-6, 0},
		{2, 1, 1e-6, 0.5},
		{-1, 1, 1e-6, 2},
		{1e-12, 3e-12, 1e-6, 2e-6},
		{0, 0, 1e-6, 0},
	}
	for _, c := range cases {
		if got := RelErr(c.a, c.n, c.floor); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("RelErr(%v, %v, %v) = %v, want %v", c.a, c.n, c.floor, got, c.want)
		}
	}
	if got := MaxRel([]Result{{MaxRelErr: 0.1}, {MaxRelErr: 0.3}, {MaxRelErr: 0.2}}); got != 0.3 {
		t.Errorf("MaxRel = %v", got)
	}
}

func TestDualGradientLeftAnalytic(t *testing.T) {
	g, loss, x, w := mlpLoss(t, 8)
	rs, err := Check(g, loss, []*gorgonia.Node{x, w}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	gv, err := w.Grad()
	if err != nil {
		t.Fatal(err)
	}
	if got := gv.Data().([]float64)[rs[1].Worst]; got != rs[1].Analytic {
		t.Errorf("dual gradient after Check %v, analytic %v", got, rs[1].Analytic)
	}
}
