package vecmath

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// eachKernel runs f once with every implementation this processor can run in force.
func eachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	saved := kern
	defer func() { kern = saved }()
	for _, k := range testKernels(t) {
		kern = k
		t.Run(k.name, f)
	}
}

// ulpErr returns |got − want| in units of the float32 spacing at want (2^−149 for denormals).
// A NaN or infinite want must be matched exactly; a mismatch counts as +Inf.
func ulpErr(got float32, want float64) float64 {
	g := float64(got)
	switch {
	case math.IsNaN(want) || math.IsNaN(g):
		if math.IsNaN(want) && math.IsNaN(g) {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(float64(float32(want)), 0) || math.IsInf(g, 0):
		if float64(float32(want)) == g {
			return 0
		}
		return math.Inf(1)
	}
	_, e := math.Frexp(want)
	ulp := math.Ldexp(1, e-24)
	if ulp < 0x1p-149 {
		ulp = 0x1p-149
	}
	return math.Abs(g-want) / ulp
}

// sweepCase is one approximated function with its reference and documented bound.
type sweepCase struct {
	name  string
	f     func(dst, x []float32)                  // the exported function
	kf    func(k *kernels) func(dst, x []float32) // the same loop of one implementation
	ref   func(float64) float64
	bound float64 // maximum error in ulp, as documented
	lo    float32
	hi    float32
}

func sweepCases() []sweepCase {
	return []sweepCase{
		{"Exp32", Exp32, func(k *kernels) func(dst, x []float32) { return k.exp32 }, math.Exp, 1, -104, 89},
		{"Sigmoid32", Sigmoid32, func(k *kernels) func(dst, x []float32) { return k.sigmoid32 }, sigmoid64, 3, -105, 105},
		{"Tanh32", Tanh32, func(k *kernels) func(dst, x []float32) { return k.tanh32 }, math.Tanh, 2, -100, 100},
	}
}

func apply(f func(dst, x []float32), x float32) float32 {
	d := []float32{0}
	f(d, []float32{x})
	return d[0]
}

func TestSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	denorm := math.Float32frombits(1)
	cases := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, denorm, -denorm,
		math.Float32frombits(0x007fffff), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
		88.72283, 88.72284, 88.7229, 89, -87.33654, -87.34, -103.97, -103.98, -104, 1e-30, -1e-30,
		1e-8, -1e-8, 0.5, -0.5, 9, 9.01, 9.1, -9.1, 1e10, -1e10, 0x1p-126, -0x1p-126}
	eachKernel(t, func(t *testing.T) {
		for _, c := range sweepCases() {
			for n := 1; n <= len(cases); n += len(cases) - 1 {
				// once alone (the scalar tail) and once in a full vector
				for _, x := range cases {
					xs := make([]float32, n)
					for i := range xs {
						xs[i] = x
					}
					got := make([]float32, n)
					c.f(got, xs)
					want := c.ref(float64(x))
					for _, g := range got {
						if e := ulpErr(g, want); e > c.bound {
							t.Errorf("%s(%g) = %g, want %g (%.3g ulp)", c.name, x, g, want, e)
						}
						if want == 0 && math.Signbit(float64(g)) != math.Signbit(want) {
							t.Errorf("%s(%g) = %g, want %g (sign of zero)", c.name, x, g, want)
						}
					}
				}
			}
		}
	})
}

// TestLimits checks the saturation values and monotonicity across the thresholds.
func TestLimits(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		if g := apply(Exp32, 88.73); !math.IsInf(float64(g), 1) {
			t.Errorf("Exp32(88.73) = %g, want +Inf", g)
		}
		if g := apply(Exp32, -104); g != 0 {
			t.Errorf("Exp32(-104) = %g, want 0", g)
		}
		for _, x := range []float32{10, 20, 100, float32(math.Inf(1))} {
			if g := apply(Tanh32, x); g != 1 {
				t.Errorf("Tanh32(%g) = %g, want 1", x, g)
			}
			if g := apply(Tanh32, -x); g != -1 {
				t.Errorf("Tanh32(%g) = %g, want -1", -x, g)
			}
			if g := apply(Sigmoid32, x+17); g != 1 {
				t.Errorf("Sigmoid32(%g) = %g, want 1", x+17, g)
			}
		}
		if g := apply(Sigmoid32, float32(math.Inf(-1))); g != 0 {
			t.Errorf("Sigmoid32(-Inf) = %g, want 0", g)
		}
	})
}

func randSlice(r *rand.Rand, n int, scale float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = (r.Float32()*2 - 1) * scale
	}
	return s
}

// TestElementwiseLengths runs the approximations over every length 0…67 (all tail sizes of
// the vector loops) with and without aliasing, against the scalar reference at each element.
func TestElementwiseLengths(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(1))
		for n := 0; n <= 67; n++ {
			x := randSlice(r, n, 20)
			for _, c := range sweepCases() {
				dst := make([]float32, n+1)
				dst[n] = 42 // a guard past the end
				c.f(dst[:n], x)
				alias := append([]float32(nil), x...)
				c.f(alias, alias)
				for i := range x {
					want := c.ref(float64(x[i]))
					if e := ulpErr(dst[i], want); e > c.bound {
						t.Errorf("%s n=%d [%d]: %g, want %g", c.name, n, i, dst[i], want)
					}
					if alias[i] != dst[i] {
						t.Errorf("%s n=%d [%d]: aliased %g != %g", c.name, n, i, alias[i], dst[i])
					}
				}
				if dst[n] != 42 {
					t.Errorf("%s n=%d wrote past the end", c.name, n)
				}
			}
		}
	})
}

func TestAddBiasSumRows(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(2))
		for n := 0; n <= 67; n++ {
			for _, rows := range []int{0, 1, 3} {
				if n == 0 && rows > 0 {
					continue
				}
				bias := randSlice(r, n, 1)
				dst := randSlice(r, rows*n, 1)
				want := append([]float32(nil), dst...)
				for i := range want {
					want[i] += bias[i%n]
				}
				AddBias32(dst, bias)
				for i := range dst {
					if dst[i] != want[i] {
						t.Fatalf("AddBias32 n=%d rows=%d [%d] = %g, want %g", n, rows, i, dst[i], want[i])
					}
				}
				sum := randSlice(r, n, 1)
				wantSum := append([]float32(nil), sum...)
				for i, v := range dst {
					wantSum[i%n] += v
				}
				SumRows32(sum, dst)
				for j := range sum {
					if sum[j] != wantSum[j] {
						t.Fatalf("SumRows32 n=%d rows=%d [%d] = %g, want %g", n, rows, j, sum[j], wantSum[j])
					}
				}
			}
		}
	})
}

func TestReductions(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(3))
		for _, n := range lengthsAndLarge() {
			x := randSlice(r, n, 100)
			m := float32(math.Inf(-1))
			var s, abs float64
			for _, v := range x {
				m = max(m, v)
				s += float64(v)
				abs += math.Abs(float64(v))
			}
			y := randSlice(r, n, 3)
			var d, dabs float64
			for i := range x {
				d += float64(x[i]) * float64(y[i])
				dabs += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if g := Dot32(x, y); math.Abs(float64(g)-d) > float64(n/16+32)*0x1p-24*dabs {
				t.Errorf("Dot32 n=%d = %g, want %g", n, g, d)
			}
			if g := Max32(x); g != m {
				t.Errorf("Max32 n=%d = %g, want %g", n, g, m)
			}
			bound := float64(n/16+32) * 0x1p-24 * abs
			if g := Sum32(x); math.Abs(float64(g)-s) > bound {
				t.Errorf("Sum32 n=%d = %g, want %g ± %g", n, g, s, bound)
			}
			for pos := 0; pos < n; pos += 1 + n/70 {
				y := append([]float32(nil), x...)
				y[pos] = float32(math.NaN())
				if g := Max32(y); !math.IsNaN(float64(g)) {
					t.Errorf("Max32 n=%d with NaN at %d = %g, want NaN", n, pos, g)
				}
				y[pos] = 1e30
				if g := Max32(y); g != 1e30 {
					t.Errorf("Max32 n=%d with 1e30 at %d = %g", n, pos, g)
				}
			}
		}
		if g := Max32([]float32{float32(math.Inf(-1))}); !math.IsInf(float64(g), -1) {
			t.Errorf("Max32(-Inf) = %g", g)
		}
	})
}

// lengthsAndLarge are 0…67 (every tail of the vector loops) and a few lengths that run the
// unrolled main loops many times.
func lengthsAndLarge() []int {
	ns := []int{1000, 4099, 65536 + 13}
	for n := 0; n <= 67; n++ {
		ns = append(ns, n)
	}
	return ns
}

func TestScaleAxpyMul(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(4))
		for _, n := range lengthsAndLarge() {
			x, y, z := randSlice(r, n, 3), randSlice(r, n, 3), randSlice(r, n, 3)
			a := r.Float32()*4 - 2

			got := append([]float32(nil), x...)
			Scale32(got, a)
			for i := range x {
				if got[i] != x[i]*a {
					t.Fatalf("Scale32 n=%d [%d] = %g, want %g", n, i, got[i], x[i]*a)
				}
			}

			got = append([]float32(nil), y...)
			Axpy32(got, a, x)
			for i := range x {
				want := float64(y[i]) + float64(a)*float64(x[i])
				// one rounding (fused) or two: within one ulp of the larger term
				tol := 0x1p-23 * (math.Abs(float64(y[i])) + math.Abs(float64(a*x[i])))
				if math.Abs(float64(got[i])-want) > tol {
					t.Fatalf("Axpy32 n=%d [%d] = %g, want %g", n, i, got[i], want)
				}
			}
			self := append([]float32(nil), x...)
			Axpy32(self, a, self)
			for i := range x {
				want := float64(x[i]) * (1 + float64(a))
				if math.Abs(float64(self[i])-want) > 0x1p-22*math.Abs(float64(x[i]))*(1+math.Abs(float64(a))) {
					t.Fatalf("Axpy32 aliased n=%d [%d] = %g, want %g", n, i, self[i], want)
				}
			}

			got = make([]float32, n)
			Mul32(got, y, z)
			for i := range got {
				if got[i] != y[i]*z[i] {
					t.Fatalf("Mul32 n=%d [%d] = %g, want %g", n, i, got[i], y[i]*z[i])
				}
			}
			sq := append([]float32(nil), z...)
			Mul32(sq, sq, sq)
			for i := range z {
				if sq[i] != z[i]*z[i] {
					t.Fatalf("Mul32 aliased n=%d [%d] = %g, want %g", n, i, sq[i], z[i]*z[i])
				}
			}
		}
	})
}

// TestLSTMForward compares the float32 step with the float64 reference, for shapes whose H covers
// the vector tails, and with c aliasing cPrev.
func TestLSTMForward(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(5))
		for _, sh := range [][2]int{{0, 5}, {1, 0}, {1, 1}, {2, 7}, {3, 16}, {2, 33}, {4, 67}, {5, 256}} {
			B, H := sh[0], sh[1]
			pre := randSlice(r, 4*B*H, 6)
			cPrev := randSlice(r, B*H, 3)
			for _, alias := range []bool{false, true} {
				p32 := append([]float32(nil), pre...)
				cp32 := append([]float32(nil), cPrev...)
				c32, tc32, h32 := make([]float32, B*H), make([]float32, B*H), make([]float32, B*H)
				if alias {
					c32 = cp32
				}
				LSTMForward32(p32, cp32, c32, tc32, h32, B, H)

				p64, cp64 := to64(pre), to64(cPrev)
				c64, tc64, h64 := make([]float64, B*H), make([]float64, B*H), make([]float64, B*H)
				LSTMForward64(p64, cp64, c64, tc64, h64, B, H)

				for _, cmp := range []struct {
					name string
					got  []float32
					want []float64
				}{{"gates", p32, p64}, {"c", c32, c64}, {"tc", tc32, tc64}, {"h", h32, h64}} {
					for i := range cmp.want {
						if d := math.Abs(float64(cmp.got[i]) - cmp.want[i]); d > 1e-6*(1+math.Abs(cmp.want[i])) {
							t.Fatalf("LSTMForward32 B=%d H=%d alias=%v %s[%d] = %g, want %g",
								B, H, alias, cmp.name, i, cmp.got[i], cmp.want[i])
						}
					}
				}
			}
		}
	})
}

// TestLSTMForwardHand checks one unit by hand: all pre-activations 0, c_prev = 1:
// i = f = o = ½, g = 0, so c = ½, h = ½·tanh(½).
func TestLSTMForwardHand(t *testing.T) {
	pre := make([]float64, 4)
	c, tc, h := make([]float64, 1), make([]float64, 1), make([]float64, 1)
	LSTMForward64(pre, []float64{1}, c, tc, h, 1, 1)
	if c[0] != 0.5 || h[0] != 0.5*math.Tanh(0.5) || pre[0] != 0.5 || pre[2] != 0 {
		t.Errorf("c=%g h=%g gates=%v", c[0], h[0], pre)
	}
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func TestFloat64(t *testing.T) {
	x := []float64{-800, -3, -1e-300, 0, 0.5, 2, 800, math.NaN()}
	d := make([]float64, len(x))
	Exp64(d, x)
	Sigmoid64(d, x)
	for i, v := range x {
		want := 1 / (1 + math.Exp(-v))
		if d[i] != want && !(math.IsNaN(d[i]) && math.IsNaN(want)) {
			t.Errorf("Sigmoid64(%g) = %g, want %g", v, d[i], want)
		}
	}
	if d[0] != 0 || d[6] != 1 || d[3] != 0.5 {
		t.Errorf("Sigmoid64 limits: %v", d)
	}
	Tanh64(d, x)
	if d[1] != math.Tanh(-3) {
		t.Errorf("Tanh64(-3) = %g", d[1])
	}
	Exp64(d, x)
	if d[4] != math.Exp(0.5) {
		t.Errorf("Exp64(0.5) = %g", d[4])
	}
	b := []float64{1, 2, 3, 4, 5, 6}
	AddBias64(b, []float64{10, 20})
	if fmt.Sprint(b) != "[11 22 13 24 15 26]" {
		t.Errorf("AddBias64: %v", b)
	}
	s := []float64{1, 1}
	SumRows64(s, b)
	if s[0] != 1+11+13+15 || s[1] != 1+22+24+26 {
		t.Errorf("SumRows64: %v", s)
	}
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Exp32":     func() { Exp32(make([]float32, 3), make([]float32, 4)) },
		"Sigmoid32": func() { Sigmoid32(make([]float32, 3), nil) },
		"Tanh64":    func() { Tanh64(make([]float64, 1), nil) },
		"AddBias32": func() { AddBias32(make([]float32, 5), make([]float32, 2)) },
		"AddBias64": func() { AddBias64(make([]float64, 5), nil) },
		"SumRows32": func() { SumRows32(make([]float32, 2), make([]float32, 3)) },
		"Axpy32":    func() { Axpy32(make([]float32, 2), 1, make([]float32, 3)) },
		"Dot32":     func() { Dot32(make([]float32, 2), make([]float32, 3)) },
		"Mul32":     func() { Mul32(make([]float32, 2), make([]float32, 2), make([]float32, 3)) },
		"LSTMForward32": func() {
			LSTMForward32(make([]float32, 8), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 1), 1, 2)
		},
		"LSTMForward64": func() { LSTMForward64(make([]float64, 7), nil, nil, nil, nil, 1, 2) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic on mismatched lengths", name)
					return
				}
				if !strings.Contains(fmt.Sprint(r), "vecmath."+name) {
					t.Errorf("%s: panic %q does not name the function", name, r)
				}
			}()
			f()
		}()
	}
}

func TestKernelByName(t *testing.T) {
	if _, err := kernelByName("nope"); err == nil {
		t.Error("kernelByName(nope): no error")
	}
	k, err := kernelByName("go")
	if err != nil || k.name != "go" {
		t.Errorf("kernelByName(go) = %v, %v", k, err)
	}
	if Kernel() == "" {
		t.Error("Kernel() is empty")
	}
	if err := KernelError(); err != nil {
		t.Error(err)
	}
	t.Setenv(EnvKernel, "nope")
	if k, err := chooseKernels(); err == nil || k != available()[0] {
		t.Errorf("chooseKernels with %s=nope: %v, %v; want the best and an error", EnvKernel, k.name, err)
	}
	t.Setenv(EnvKernel, "go")
	if k, err := chooseKernels(); err != nil || k.name != "go" {
		t.Errorf("chooseKernels with %s=go: %v, %v", EnvKernel, k.name, err)
	}
}

// TestNoAllocs checks that the tails (padded to a vector on the stack) allocate nothing.
func TestNoAllocs(t *testing.T) {
	x := make([]float32, 37)
	pre, c, tc, h := make([]float32, 4*2*13), make([]float32, 2*13), make([]float32, 2*13), make([]float32, 2*13)
	eachKernel(t, func(t *testing.T) {
		n := testing.AllocsPerRun(10, func() {
			Exp32(x, x)
			Sigmoid32(x, x)
			Tanh32(x, x)
			_ = Sum32(x) + Max32(x)
			LSTMForward32(pre, c, c, tc, h, 2, 13)
		})
		if n != 0 {
			t.Errorf("%g allocations per run", n)
		}
	})
}

// TestSaturation finds where Tanh32 reaches ±1 and Exp32 +Inf, against the documentation.
func TestSaturation(t *testing.T) {
	eachKernel(t, func(t *testing.T) {
		for x := float32(9.02); x < 12; x = math.Nextafter32(x, 20) {
			if g := apply(Tanh32, x); g != 1 {
				t.Fatalf("Tanh32(%g) = %g, documented to saturate at 1 for |x| ≥ 9.02", x, g)
			}
			if x > 9.03 {
				x += 0.001
			}
		}
		for _, x := range []float32{88.72284, math.Nextafter32(88.72284, 100), 100} {
			if g := apply(Exp32, x); !math.IsInf(float64(g), 1) {
				t.Errorf("Exp32(%g) = %g, want +Inf", x, g)
			}
		}
		if g := apply(Exp32, math.Nextafter32(88.72284, 0)); math.IsInf(float64(g), 1) {
			t.Errorf("Exp32 below the threshold: +Inf")
		}
	})
}

// TestKernelsComplete checks that every implementation fills every loop.
func TestKernelsComplete(t *testing.T) {
	for _, k := range available() {
		v := reflect.ValueOf(*k)
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Kind() == reflect.Func && f.IsNil() {
				t.Errorf("%s: %s is missing", k.name, v.Type().Field(i).Name)
			}
		}
	}
}
