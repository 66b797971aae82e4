package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// handCases are two steps of each solver on loss = w₁² + w₂² from
// w = [1, −2], so the gradient is g = 2w. The expected weights were worked
// out by hand from the torch.optim update rules (the arithmetic is in the
// comments; long decimals were evaluated in double precision).
var handCases = []struct {
	name  string
	opts  Options
	step1 []float64
	step2 []float64
}{
	{
		// g = [2, −4]; w ← w − 0.1·g = 0.8·w = [0.8, −1.6]
		// g = [1.6, −3.2]; w ← 0.8·w = [0.64, −1.28]
		name: "sgd", opts: Options{LR: 0.1},
		step1: []float64{0.8, -1.6},
		step2: []float64{0.64, -1.28},
	},
	{
		// d = g + 0.1·w = 2.1·w; w ← w − 0.1·2.1·w = 0.79·w = [0.79, −1.58]
		// again: 0.79²·w = 0.6241·w = [0.6241, −1.2482]
		name: "sgd", opts: Options{LR: 0.1, WeightDecay: 0.1},
		step1: []float64{0.79, -1.58},
		step2: []float64{0.6241, -1.2482},
	},
	{
		// g = [2, −4]; v = g = [2, −4]; w ← w − 0.1·v = [0.8, −1.6]
		// g = [1.6, −3.2]; v = 0.9·[2, −4] + g = [3.4, −6.8]; w ← [0.8 − 0.34, −1.6 + 0.68] = [0.46, −0.92]
		name: "momentum", opts: Options{LR: 0.1, Momentum: 0.9},
		step1: []float64{0.8, -1.6},
		step2: []float64{0.46, -0.92},
	},
	{
		// default μ = 0.9 gives the same as above
		name: "momentum", opts: Options{LR: 0.1},
		step1: []float64{0.8, -1.6},
		step2: []float64{0.46, -0.92},
	},
	{
		// g = [2, −4]; v = [2, −4]; w ← w − 0.1·(g + 0.9·v) = w − 0.1·[3.8, −7.6] = [0.62, −1.24]
		// g = [1.24, −2.48]; v = 0.9·[2, −4] + g = [3.04, −6.08];
		// g + 0.9·v = [1.24 + 2.736, −2.48 − 5.472] = [3.976, −7.952]; w ← [0.62 − 0.3976, −1.24 + 0.7952] = [0.2224, −0.4448]
		name: "nesterov", opts: Options{LR: 0.1, Momentum: 0.9},
		step1: []float64{0.62, -1.24},
		step2: []float64{0.2224, -0.4448},
	},
	{
		// eps = 1e-10. g = [2, −4]; G = [4, 16];
		// w ← [1 − 0.1·2/(2 + 1e-10), −2 + 0.1·4/(4 + 1e-10)] = [0.9 + 5e-12, −1.9 − 2.5e-12]
		// g = [1.80000000001, −3.800000000005]; G = [4 + 3.240000000036, 16 + 14.440000000038] = [7.240000000036, 30.440000000038]
		// w ← [0.900000000005 − 0.1·1.80000000001/(2.69072480942 + 1e-10),
		//      −1.9000000000025 + 0.1·3.800000000005/(5.51724568966 + 1e-10)]
		name: "adagrad", opts: Options{LR: 0.1},
		step1: []float64{0.900000000005, -1.9000000000025},
		step2: []float64{0.8331035268450359, -1.8311250538122312},
	},
	{
		// ρ = 0.9, eps = 1e-6, lr = 1. g = [2, −4]; E[g²] = 0.1·g² = [0.4, 1.6];
		// Δ = √(0 + 1e-6)/√(E[g²] + 1e-6)·g = [0.001/0.632456·2, −0.001/1.264912·4] = [0.0031622737, −0.0031622767]
		// E[Δ²] = 0.1·Δ²; w ← w − Δ = [0.9968377262926713, −1.996837723328043]
		// step 2 repeats with g = 2w, E[g²] = 0.9·E[g²] + 0.1·g², Δ = √(E[Δ²] + 1e-6)/√(E[g²] + 1e-6)·g
		name: "adadelta", opts: Options{},
		step1: []float64{0.9968377262926713, -1.996837723328043},
		step2: []float64{0.9935981740783056, -1.993595728929903},
	},
	{
		// α = 0.99, eps = 1e-8, lr = 0.01. g = [2, −4]; v = 0.01·g² = [0.04, 0.16]; √v = [0.2, 0.4]
		// w ← w − 0.01·g/(√v + 1e-8) = [1 − 0.02/0.20000001, −2 + 0.04/0.40000001] = [0.900000005, −1.9000000025]
		// g = 2w; v = 0.99·v + 0.01·g²; w ← w − 0.01·g/(√v + 1e-8)
		name: "rmsprop", opts: Options{LR: 0.01},
		step1: []float64{0.9000000049999998, -1.9000000025},
		step2: []float64{0.8329179679700331, -1.8309433291098638},
	},
	{
		// as above but b = 0.9·b + g/(√v + eps), w ← w − 0.01·b: step 1 is the same,
		// step 2 subtracts an extra 0.01·0.9·b₁ = 0.01·0.9·[9.9999995, −9.99999975] = [0.09, −0.09] (to 1e-8)
		name: "rmsprop", opts: Options{LR: 0.01, Momentum: 0.9},
		step1: []float64{0.9000000049999998, -1.9000000025},
		step2: []float64{0.7429179724700329, -1.7409433313598637},
	},
	{
		// β = 0.9/0.999, eps = 1e-8, lr = 0.1. Step 1: m̂ = g, √v̂ = |g|, so
		// w ← w − 0.1·g/(|g| + 1e-8) = [1 − 0.1·2/2.00000001, −2 + 0.1·4/4.00000001] = [0.9000000005, −1.90000000025]
		// Step 2 (t = 2): g = 2w; m = 0.9·0.1·g₁ + 0.1·g; v = 0.999·0.001·g₁² + 0.001·g²;
		// w ← w − (0.1/(1 − 0.81))·m/(√v/√(1 − 0.998001) + 1e-8)
		name: "adam", opts: Options{LR: 0.1},
		step1: []float64{0.9000000005, -1.90000000025},
		step2: []float64{0.8004122286917928, -1.800166486115701},
	},
	{
		// L2 weight decay 0.1: d = g + 0.1·w = 2.1·w, then as above with d for g;
		// step 1: w ← w − 0.1·d/(|d| + 1e-8) = [1 − 0.21/2.10000001, −2 + 0.42/4.20000001]
		name: "adam", opts: Options{LR: 0.1, WeightDecay: 0.1},
		step1: []float64{0.9000000004761904, -1.9000000002380952},
		step2: []float64{0.8004122286431954, -1.8001664860916349},
	},
	{
		// decoupled decay 0.1: w ← w·(1 − 0.1·0.1) = 0.99·w = [0.99, −1.98], then the Adam step with g = 2·[1, −2]
		// (computed before the decay): w ← [0.99 − 0.1·2/2.00000001, −1.98 + 0.1·4/4.00000001] = [0.8900000005, −1.88000000025]
		// step 2: w ← 0.99·w, then Adam with g = 2·w (before decay), t = 2
		name: "adamw", opts: Options{LR: 0.1, WeightDecay: 0.1},
		step1: []float64{0.8900000004999999, -1.88000000025},
		step2: []float64{0.7815718559365048, -1.7614089505845592},
	},
	{
		// default decay 0.01 with lr 0.1: same as above with factor 0.999
		// step 1: w ← [0.999 − 0.1·2/2.00000001, −1.998 + 0.1·4/4.00000001] = [0.8990000005, −1.89800000025]
		name: "adamw", opts: Options{LR: 0.1},
		step1: []float64{0.8990000005, -1.89800000025},
		step2: nil, // step 1 only: checks the default weight decay
	},
}

func TestSolversHandComputed(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-6
		}
		for ci, c := range handCases {
			t.Run(fmt.Sprintf("%s/case%d/%v", c.name, ci, dt), func(t *testing.T) {
				s := mustNew(t, c.name, c.opts)
				q := newQuad(t, dt, nil, [][]float64{{1, -2}})
				q.step(t, s)
				assertClose(t, "step 1", q.weights(0), c.step1, tol)
				if c.step2 == nil {
					return
				}
				q.step(t, s)
				assertClose(t, "step 2", q.weights(0), c.step2, tol)
				if st := s.State(); st.Steps != 2 {
					t.Errorf("State().Steps = %d, want 2", st.Steps)
				}
			})
		}
	}
}

// TestAllSolversCovered makes sure every name has a hand-computed case.
func TestAllSolversCovered(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range handCases {
		seen[c.name] = true
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("solver %q has no hand-computed case", n)
		}
	}
	if len(Names()) != 8 {
		t.Errorf("Names() = %v, want 8 names", Names())
	}
}

func TestGradientsZeroedAfterStep(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, name := range Names() {
			s := mustNew(t, name, Options{})
			q := newQuad(t, dt, []tensor.Shape{{2, 3}, nil}, [][]float64{{1, 2, 3, 4, 5, 6}, {-1, 0.5}})
			if err := q.m.RunAll(); err != nil {
				t.Fatal(err)
			}
			g, _ := q.ws[0].Grad()
			if toF64(g.(*tensor.Dense))[5] != 12 {
				t.Fatalf("%s %v: gradient before Step = %v, want 2·w", name, dt, g)
			}
			if err := s.Step(q.vgs); err != nil {
				t.Fatal(err)
			}
			for i, vg := range q.vgs {
				g, err := vg.Grad()
				if err != nil {
					t.Fatal(err)
				}
				for j, x := range toF64(g.(*tensor.Dense)) {
					if x != 0 {
						t.Errorf("%s %v: parameter %d gradient[%d] = %v after Step, want 0", name, dt, i, j, x)
					}
				}
			}
		}
	}
}

func TestStateRoundTripBitIdentical(t *testing.T) {
	shapes := []tensor.Shape{{2, 3}, nil}
	inits := [][]float64{{0.3, -1.2, 2.5, 0.01, -0.7, 1.9}, {-1, 0.5, 4}}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, name := range Names() {
			opts := Options{}
			if name == "rmsprop" {
				opts.Momentum = 0.5 // exercise both of its slots
			}
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				a := mustNew(t, name, opts)
				qa := newQuad(t, dt, shapes, inits)
				for i := 0; i < 3; i++ {
					qa.step(t, a)
				}
				saved := a.State()
				var savedW []*tensor.Dense
				for _, w := range qa.ws {
					savedW = append(savedW, w.Value().(*tensor.Dense).Clone().(*tensor.Dense))
				}
				// The saved state must be a deep copy: stepping a must not change it.
				snapshot := saved.Clone()
				for i := 0; i < 2; i++ {
					qa.step(t, a)
				}
				for k, ts := range saved.Slots {
					for i := range ts {
						if !equalBits(toF64(ts[i]), toF64(snapshot.Slots[k][i])) {
							t.Fatalf("slot %q[%d] changed after State() was taken", k, i)
						}
					}
				}

				b := mustNew(t, name, opts)
				if err := b.SetState(saved); err != nil {
					t.Fatal(err)
				}
				qb := newQuad(t, dt, shapes, inits)
				for i := range savedW {
					qb.setWeights(i, savedW[i])
				}
				for i := 0; i < 2; i++ {
					qb.step(t, b)
				}
				for i := range qa.ws {
					if wa, wb := qa.weights(i), qb.weights(i); !equalBits(wa, wb) {
						t.Errorf("parameter %d: continued %v, restored %v", i, wa, wb)
					}
				}
				if b.State().Steps != 5 || a.State().Steps != 5 {
					t.Errorf("Steps = %d and %d, want 5", a.State().Steps, b.State().Steps)
				}
				// Without the state the continuation differs (except for sgd, which has none).
				if name != "sgd" {
					c := mustNew(t, name, opts)
					qc := newQuad(t, dt, shapes, inits)
					for i := range savedW {
						qc.setWeights(i, savedW[i])
					}
					qc.step(t, c)
					qc.step(t, c)
					if equalBits(qa.weights(0), qc.weights(0)) {
						t.Errorf("a fresh solver gave the same weights as the restored one; the state test proves nothing")
					}
				}
			})
		}
	}
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestSetStateErrors(t *testing.T) {
	q := newQuad(t, tensor.Float64, nil, [][]float64{{1, -2}, {3, 4, 5}})
	a := mustNew(t, "adam", Options{})
	q.step(t, a)
	good := a.State()
	if len(good.Slots["exp_avg"]) != 2 || len(good.Slots["exp_avg_sq"]) != 2 {
		t.Fatalf("adam state slots = %v, want exp_avg and exp_avg_sq for 2 parameters", good.Slots)
	}

	mutate := func(f func(s *State)) State {
		s := good.Clone()
		f(&s)
		return s
	}
	vec := func(n int) *tensor.Dense { return tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(n)) }
	cases := []struct {
		what string
		st   State
		want string
	}{
		{"unknown slot", mutate(func(s *State) { s.Slots["m"] = s.Slots["exp_avg"] }), `unknown slot "m"`},
		{"missing slot", mutate(func(s *State) { delete(s.Slots, "exp_avg_sq") }), `slot "exp_avg_sq" is missing`},
		{"count mismatch", mutate(func(s *State) { s.Slots["exp_avg_sq"] = s.Slots["exp_avg_sq"][:1] }), "has 1 parameters"},
		{"shape between slots", mutate(func(s *State) { s.Slots["exp_avg_sq"][1] = vec(4) }), `slot "exp_avg_sq" parameter 1`},
		{"nil tensor", mutate(func(s *State) { s.Slots["exp_avg"][0] = nil }), "parameter 0 is nil"},
		{"int dtype", mutate(func(s *State) { s.Slots["exp_avg"][0] = tensor.New(tensor.Of(tensor.Int), tensor.WithShape(2)) }), "dtype int"},
		{"negative steps", mutate(func(s *State) { s.Steps = -1 }), "negative"},
		{"steps without slots", State{Steps: 3}, "no slots"},
	}
	for _, c := range cases {
		b := mustNew(t, "adam", Options{})
		err := b.SetState(c.st)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: SetState error = %v, want one containing %q", c.what, err, c.want)
		}
	}

	// A state whose shapes fit neither the solver's earlier steps ...
	other := mutate(func(s *State) {
		s.Slots["exp_avg"][1] = vec(4)
		s.Slots["exp_avg_sq"][1] = vec(4)
	})
	if err := a.SetState(other); err == nil || !strings.Contains(err.Error(), "parameter 1") {
		t.Errorf("SetState with a shape the solver has not seen: error = %v", err)
	}
	// ... nor the parameters given to the next Step.
	b := mustNew(t, "adam", Options{})
	if err := b.SetState(other); err != nil {
		t.Fatal(err)
	}
	if err := q.m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if err := b.Step(q.vgs); err == nil || !strings.Contains(err.Error(), "parameter 1 (w1)") {
		t.Errorf("Step after restoring a mismatched state: error = %v, want one naming parameter 1 (w1)", err)
	}
	q.m.Reset()
	// Restoring an empty state resets the solver.
	if err := a.SetState(State{}); err != nil || a.State().Steps != 0 {
		t.Errorf("SetState(State{}) = %v, Steps %d; want nil, 0", err, a.State().Steps)
	}
}

func TestStepErrors(t *testing.T) {
	vec := func(dt tensor.Dtype, n int) *tensor.Dense { return tensor.New(tensor.Of(dt), tensor.WithShape(n)) }
	f := gorgonia.NewF64(1)
	cases := []struct {
		what string
		vgs  []gorgonia.ValueGrad
		want string
	}{
		{"scalar value", []gorgonia.ValueGrad{fakeVG{v: f, g: f}}, "*gorgonia.F64"},
		{"int dtype", []gorgonia.ValueGrad{fakeVG{v: vec(tensor.Int, 2), g: vec(tensor.Int, 2)}}, "dtype int"},
		{"grad dtype", []gorgonia.ValueGrad{fakeVG{v: vec(tensor.Float64, 2), g: vec(tensor.Float32, 2)}}, "gradient is float32"},
		{"grad shape", []gorgonia.ValueGrad{fakeVG{v: vec(tensor.Float64, 2), g: vec(tensor.Float64, 3)}}, "(3)"},
		{"no grad", []gorgonia.ValueGrad{fakeVG{v: vec(tensor.Float64, 2), err: fmt.Errorf("boom")}}, "boom"},
		{"nil", []gorgonia.ValueGrad{nil}, "parameter 0 is nil"},
	}
	for _, name := range Names() {
		for _, c := range cases {
			s := mustNew(t, name, Options{})
			err := s.Step(c.vgs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: Step error = %v, want one containing %q", name, c.what, err, c.want)
			}
		}
		// A changed parameter list between steps.
		s := mustNew(t, name, Options{})
		two := []gorgonia.ValueGrad{
			fakeVG{v: vec(tensor.Float64, 2), g: vec(tensor.Float64, 2)},
			fakeVG{v: vec(tensor.Float32, 3), g: vec(tensor.Float32, 3)},
		}
		if err := s.Step(two); err != nil {
			t.Fatal(err)
		}
		if err := s.Step(two[:1]); err == nil || !strings.Contains(err.Error(), "got 1 parameters") {
			t.Errorf("%s: fewer parameters: error = %v", name, err)
		}
		changed := []gorgonia.ValueGrad{two[0], fakeVG{v: vec(tensor.Float32, 4), g: vec(tensor.Float32, 4)}}
		if err := s.Step(changed); err == nil || !strings.Contains(err.Error(), "parameter 1 is float32 (4)") {
			t.Errorf("%s: changed shape: error = %v", name, err)
		}
		changed[1] = fakeVG{v: vec(tensor.Float64, 3), g: vec(tensor.Float64, 3)}
		if err := s.Step(changed); err == nil || !strings.Contains(err.Error(), "was float32 (3)") {
			t.Errorf("%s: changed dtype: error = %v", name, err)
		}
		if st := s.State(); st.Steps != 1 {
			t.Errorf("%s: failed steps counted: Steps = %d, want 1", name, st.Steps)
		}
	}
}

func TestStepChecksBeforeUpdating(t *testing.T) {
	w := tensor.New(tensor.WithBacking([]float64{1, 2}))
	g := tensor.New(tensor.WithBacking([]float64{1, 1}))
	bad := fakeVG{v: tensor.New(tensor.Of(tensor.Int), tensor.WithShape(2)), g: g}
	s := mustNew(t, "sgd", Options{LR: 1})
	if err := s.Step([]gorgonia.ValueGrad{fakeVG{v: w, g: g}, bad}); err == nil {
		t.Fatal("Step with an int parameter succeeded")
	}
	if got := w.Float64s(); got[0] != 1 || got[1] != 2 {
		t.Errorf("first parameter changed to %v by a Step that failed on the second", got)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"adamax", Options{}, "adadelta, adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd"},
		{"adam", Options{Momentum: 0.9}, "Momentum = 0.9 is not used"},
		{"sgd", Options{Momentum: 0.9}, "Momentum = 0.9 is not used"},
		{"adam", Options{Beta1: 1}, "Beta1 = 1 is out of range"},
		{"sgd", Options{LR: -1}, "LR = -1 is out of range"},
		{"rmsprop", Options{Alpha: math.NaN()}, "Alpha is NaN"},
		{"adadelta", Options{Rho: 1.5}, "Rho = 1.5"},
		{"momentum", Options{WeightDecay: -0.1}, "WeightDecay"},
	}
	for _, c := range cases {
		_, err := New(c.name, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v) error = %v, want one containing %q", c.name, c.o, err, c.want)
		}
	}
}

func TestDefaultsAndLearnRate(t *testing.T) {
	want := map[string]Options{
		"sgd":      {LR: 0.01},
		"momentum": {LR: 0.01, Momentum: 0.9},
		"nesterov": {LR: 0.01, Momentum: 0.9},
		"adagrad":  {LR: 0.01, Eps: 1e-10},
		"adadelta": {LR: 1, Rho: 0.9, Eps: 1e-6},
		"rmsprop":  {LR: 0.01, Alpha: 0.99, Eps: 1e-8},
		"adam":     {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8},
		"adamw":    {LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01},
	}
	for name, w := range want {
		s := mustNew(t, strings.ToUpper(name), Options{})
		if s.Name() != name {
			t.Errorf("Name() = %q, want %q", s.Name(), name)
		}
		if got := s.Options(); got != w {
			t.Errorf("%s defaults = %+v, want %+v", name, got, w)
		}
		s.SetLearnRate(0.5)
		if s.LearnRate() != 0.5 || s.Options().LR != 0.5 {
			t.Errorf("%s: after SetLearnRate(0.5) LearnRate() = %v", name, s.LearnRate())
		}
	}
}

// TestSetLearnRateTakesEffect checks that a changed rate is used by the next step.
func TestSetLearnRateTakesEffect(t *testing.T) {
	s := mustNew(t, "sgd", Options{LR: 0.1})
	q := newQuad(t, tensor.Float64, nil, [][]float64{{1, -2}})
	q.step(t, s) // w = 0.8·w = [0.8, −1.6]
	s.SetLearnRate(0.25)
	q.step(t, s) // w ← w − 0.25·2w = 0.5·w = [0.4, −0.8]
	assertClose(t, "w", q.weights(0), []float64{0.4, -0.8}, 1e-15)
}

// TestMatchesGorgoniaSolvers compares sgd and momentum with Gorgonia's own
// VanillaSolver and Momentum over three steps. Gorgonia's Momentum keeps
// c ← μ·c − η·g and applies w ← w + c; with a constant learning rate
// c = −η·v for the torch-style v ← μ·v + g used here, so the two agree up to
// rounding. The other Gorgonia solvers use different conventions (RMSProp
// adds eps inside the square root and defaults to ρ = 0.999, Adam applies
// its bias correction differently), so they are not compared.
func TestMatchesGorgoniaSolvers(t *testing.T) {
	pairs := []struct {
		ours   string
		opts   Options
		theirs gorgonia.Solver
	}{
		{"sgd", Options{LR: 0.1}, gorgonia.NewVanillaSolver(gorgonia.WithLearnRate(0.1))},
		{"momentum", Options{LR: 0.1, Momentum: 0.9}, gorgonia.NewMomentum(gorgonia.WithLearnRate(0.1), gorgonia.WithMomentum(0.9))},
	}
	inits := [][]float64{{0.3, -1.2, 2.5}, {1, 2}}
	for _, p := range pairs {
		qa := newQuad(t, tensor.Float64, nil, inits)
		qb := newQuad(t, tensor.Float64, nil, inits)
		s := mustNew(t, p.ours, p.opts)
		for i := 0; i < 3; i++ {
			qa.step(t, s)
			qb.step(t, p.theirs)
		}
		for i := range inits {
			assertClose(t, p.ours+" vs Gorgonia", qa.weights(i), qb.weights(i), 1e-12)
		}
		if qa.weights(0)[0] == inits[0][0] {
			t.Errorf("%s did not move the weights", p.ours)
		}
	}
}

// TestStepAllocatesNothing checks that no solver allocates after its first step.
func TestStepAllocatesNothing(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, name := range Names() {
			o := Options{}
			if name == "rmsprop" {
				o.Momentum = 0.9
			}
			s := mustNew(t, name, o)
			vgs := []gorgonia.ValueGrad{
				fakeVG{v: tensor.New(tensor.Of(dt), tensor.WithShape(4, 5)), g: tensor.New(tensor.Of(dt), tensor.WithShape(4, 5))},
				fakeVG{v: tensor.New(tensor.Of(dt), tensor.WithShape(7)), g: tensor.New(tensor.Of(dt), tensor.WithShape(7))},
			}
			if err := s.Step(vgs); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(20, func() { _ = s.Step(vgs) }); n != 0 {
				t.Errorf("%s %v: %v allocations per Step, want 0", name, dt, n)
			}
		}
	}
}
