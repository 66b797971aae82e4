package vecmath

import (
	"math"
	"math/rand"
	"testing"
)

func rand64(r *rand.Rand, n int, scale float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = (2*r.Float64() - 1) * scale
	}
	return s
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

func cp64(x []float64) []float64 { return append([]float64(nil), x...) }

// centralDiff returns d loss/d x[i] by central differences.
func centralDiff(x []float64, i int, loss func() float64) float64 {
	const eps = 1e-6
	v := x[i]
	x[i] = v + eps
	lp := loss()
	x[i] = v - eps
	lm := loss()
	x[i] = v
	return (lp - lm) / (2 * eps)
}

func checkGrad(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-7*(1+math.Abs(want)) {
		t.Errorf("%s: analytic %g, finite differences %g", what, got, want)
	}
}

// TestLSTMBackward64FiniteDifferences checks the gradient of L = Σ wh∘h + Σ wc∘c through one
// LSTM step against central differences, for every pre-activation and every c_prev.
func TestLSTMBackward64FiniteDifferences(t *testing.T) {
	const B, H = 2, 5
	r := rand.New(rand.NewSource(11))
	pre, cPrev := rand64(r, 4*B*H, 2), rand64(r, B*H, 1.5)
	wh, wc := rand64(r, B*H, 1), rand64(r, B*H, 1)
	loss := func() float64 {
		p := cp64(pre)
		c, tc, h := make([]float64, B*H), make([]float64, B*H), make([]float64, B*H)
		LSTMForward64(p, cPrev, c, tc, h, B, H)
		return dot64(wh, h) + dot64(wc, c)
	}
	gates := cp64(pre)
	c, tc, h := make([]float64, B*H), make([]float64, B*H), make([]float64, B*H)
	LSTMForward64(gates, cPrev, c, tc, h, B, H)
	dpre, dcPrev := make([]float64, 4*B*H), make([]float64, B*H)
	LSTMBackward64(gates, cPrev, tc, wh, wc, dpre, dcPrev, B, H)
	for i := range pre {
		checkGrad(t, "dpre", dpre[i], centralDiff(pre, i, loss))
	}
	for i := range cPrev {
		checkGrad(t, "dcPrev", dcPrev[i], centralDiff(cPrev, i, loss))
	}
}

// TestGRU64FiniteDifferences checks GRUBackward64 against central differences of
// L = Σ w∘h through GRUForward64, for every input and hidden projection and h_prev, and
// GRUForward64 against its formulas by hand at one unit.
func TestGRU64FiniteDifferences(t *testing.T) {
	const B, H = 3, 4
	r := rand.New(rand.NewSource(12))
	xp, hp, hPrev, w := rand64(r, 3*B*H, 2), rand64(r, 3*B*H, 2), rand64(r, B*H, 1), rand64(r, B*H, 1)
	loss := func() float64 {
		x := cp64(xp)
		h := make([]float64, B*H)
		GRUForward64(x, hp, hPrev, h, B, H)
		return dot64(w, h)
	}
	gates, h := cp64(xp), make([]float64, B*H)
	GRUForward64(gates, hp, hPrev, h, B, H)
	dxp, dhp, dhPrev := make([]float64, 3*B*H), make([]float64, 3*B*H), make([]float64, B*H)
	GRUBackward64(gates, hp, hPrev, w, dxp, dhp, dhPrev, B, H)
	for i := range xp {
		checkGrad(t, "dxp", dxp[i], centralDiff(xp, i, loss))
		checkGrad(t, "dhp", dhp[i], centralDiff(hp, i, loss))
	}
	for i := range hPrev {
		checkGrad(t, "dhPrev", dhPrev[i], centralDiff(hPrev, i, loss))
	}

	// one unit by hand: xp = [0 0 1], hp = [0 0 2], h_prev = 3: r = z = ½, n = tanh(1 + ½·2), h = ½n + ½·3
	x1, h1 := []float64{0, 0, 1}, []float64{0, 0, 2}
	out := []float64{0}
	GRUForward64(x1, h1, []float64{3}, out, 1, 1)
	if n := math.Tanh(2); out[0] != 0.5*n+0.5*3 && math.Abs(out[0]-(0.5*n+1.5)) > 1e-15 || x1[0] != 0.5 || x1[2] != n {
		t.Errorf("GRUForward64 by hand: h = %g, gates %v", out[0], x1)
	}
}

// TestRecurrent32 compares the float32 LSTM backward and the GRU steps with their float64 forms in
// every implementation, for H covering the vector tails, with the documented aliasing.
func TestRecurrent32(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(13))
		for _, sh := range [][2]int{{0, 3}, {1, 1}, {2, 7}, {3, 16}, {2, 33}, {2, 67}, {3, 256}} {
			B, H := sh[0], sh[1]
			n := B * H

			// LSTM backward, dpre aliasing gates and dcPrev aliasing dc
			gates := make([]float64, 4*n)
			for i := range gates {
				gates[i] = r.Float64()
				if (i/H)%4 == 2 {
					gates[i] = 2*gates[i] - 1 // g = tanh(·) ∈ (−1, 1)
				}
			}
			cPrev, tc, dh, dc := rand64(r, n, 2), rand64(r, n, 1), rand64(r, n, 1), rand64(r, n, 1)
			want, wantC := make([]float64, 4*n), make([]float64, n)
			LSTMBackward64(gates, cPrev, tc, dh, dc, want, wantC, B, H)
			g32, dc32 := to32(gates), to32(dc)
			LSTMBackward32(g32, to32(cPrev), to32(tc), to32(dh), dc32, g32, dc32, B, H)
			near32(t, "LSTMBackward32 dpre", g32, want, 1e-6)
			near32(t, "LSTMBackward32 dcPrev", dc32, wantC, 1e-6)

			// GRU forward, h aliasing hPrev
			xp, hp, hPrev := rand64(r, 3*n, 4), rand64(r, 3*n, 4), rand64(r, n, 1)
			x64, h64 := cp64(xp), make([]float64, n)
			GRUForward64(x64, hp, hPrev, h64, B, H)
			x32, h32 := to32(xp), to32(hPrev)
			GRUForward32(x32, to32(hp), h32, h32, B, H)
			near32(t, "GRUForward32 gates", x32, x64, 1e-6)
			near32(t, "GRUForward32 h", h32, h64, 1e-6)

			// GRU backward, dxp aliasing gates and dhPrev aliasing dh
			dxp, dhp, dhPrev := make([]float64, 3*n), make([]float64, 3*n), make([]float64, n)
			dh = rand64(r, n, 1)
			GRUBackward64(x64, hp, hPrev, dh, dxp, dhp, dhPrev, B, H)
			gx, dh32, dhp32 := to32(x64), to32(dh), make([]float32, 3*n)
			GRUBackward32(gx, to32(hp), to32(hPrev), dh32, gx, dhp32, dh32, B, H)
			near32(t, "GRUBackward32 dxp", gx, dxp, 1e-6)
			near32(t, "GRUBackward32 dhp", dhp32, dhp, 1e-6)
			near32(t, "GRUBackward32 dhPrev", dh32, dhPrev, 1e-6)
		}
	})
}

// near32 checks got against want with a relative tolerance, scaled by the largest |want| (the
// float32 inputs are rounded, so absolute errors near cancellation are what remains).
func near32(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > tol*scale || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %g, want %g (len %d)", what, i, got[i], want[i], len(want))
		}
	}
}

func TestSoftmaxRows(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(14))
		for n := 1; n <= 67; n++ {
			for _, scale := range []float64{1, 30, 1e4} {
				x := rand64(r, 3*n, scale)
				want := make([]float64, 3*n)
				SoftmaxRows64(want, to64(to32(x)), n) // from the float32-rounded inputs
				got := to32(x)
				SoftmaxRows32(got, got, n)
				near32(t, "SoftmaxRows32", got, want, 2e-6)
				for row := 0; row < 3; row++ {
					var s float64
					for _, v := range got[row*n : (row+1)*n] {
						s += float64(v)
					}
					if math.Abs(s-1) > 1e-5 {
						t.Fatalf("SoftmaxRows32 n=%d: row %d sums to %g", n, row, s)
					}
				}
			}
		}
		got := []float32{1, float32(math.NaN()), 0, 0}
		SoftmaxRows32(got, got, 2)
		if !math.IsNaN(float64(got[0])) || got[2] != 0.5 || got[3] != 0.5 {
			t.Errorf("SoftmaxRows32 with NaN: %v", got)
		}
		inf := float32(math.Inf(1))
		got = []float32{inf, 0, 88, 89}
		SoftmaxRows32(got, got, 2)
		// row 0 holds +Inf: NaN by the IEEE rules (Inf − Inf); row 1 is ordinary, without overflow
		if !math.IsNaN(float64(got[0])) || math.Abs(float64(got[2])-1/(1+math.E)) > 1e-7 ||
			math.Abs(float64(got[3])-math.E/(1+math.E)) > 1e-7 {
			t.Errorf("SoftmaxRows32 with +Inf: %v", got)
		}
	})
}

func TestRecurrentPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"LSTMBackward32": func() {
			LSTMBackward32(make([]float32, 8), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 8), make([]float32, 3), 1, 2)
		},
		"GRUForward32": func() {
			GRUForward32(make([]float32, 6), make([]float32, 5), make([]float32, 2), make([]float32, 2), 1, 2)
		},
		"GRUBackward64":     func() { GRUBackward64(nil, nil, nil, nil, nil, nil, nil, 1, 1) },
		"SoftmaxRows32":     func() { SoftmaxRows32(make([]float32, 4), make([]float32, 4), 3) },
		"TanhBackward32":    func() { TanhBackward32(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
		"SigmoidBackward64": func() { SigmoidBackward64(make([]float64, 4), make([]float64, 3), make([]float64, 4)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic on a bad shape", name)
				}
			}()
			f()
		}()
	}
}

// TestActivationBackward checks TanhBackward and SigmoidBackward: the float64 forms against
// central differences of math.Tanh and the sigmoid, the float32 forms against the float64 ones
// at every length 0…67 and a few large ones, with dx aliasing dy.
func TestActivationBackward(t *testing.T) {
	r := rand.New(rand.NewSource(18))
	for _, c := range []struct {
		name string
		f    func(float64) float64
		b64  func(dx, y, dy []float64)
		b32  func(dx, y, dy []float32)
	}{
		{"Tanh", math.Tanh, TanhBackward64, TanhBackward32},
		{"Sigmoid", sigmoid64, SigmoidBackward64, SigmoidBackward32},
	} {
		x := rand64(r, 50, 4)
		y, dy, dx := make([]float64, 50), rand64(r, 50, 1), make([]float64, 50)
		for i, v := range x {
			y[i] = c.f(v)
		}
		c.b64(dx, y, dy)
		for i := range x {
			checkGrad(t, c.name+"Backward64", dx[i], dy[i]*centralDiff(x, i, func() float64 { return c.f(x[i]) }))
		}
		eachKernel(t, func(t *testing.T) {
			for _, n := range lengthsAndLarge() {
				y, dy := rand64(r, n, 1), rand64(r, n, 2)
				want := make([]float64, n)
				c.b64(want, y, dy)
				d32 := to32(dy)
				c.b32(d32, to32(y), d32)
				near32(t, c.name+"Backward32", d32, want, 1e-6)
			}
		})
	}
}
