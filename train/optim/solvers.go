package optim

import (
	"math"

	"gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
)

// float is the element type the solvers work on.
type float interface{ ~float32 | ~float64 }

func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

const maxF = math.MaxFloat64

func lrHyper(o *Options, def float64) hyper {
	return hyper{field: "LR", val: &o.LR, def: def, lo: 0, hi: maxF}
}
func wdHyper(o *Options, def float64) hyper {
	return hyper{field: "WeightDecay", val: &o.WeightDecay, def: def, lo: 0, hi: maxF}
}
func epsHyper(o *Options, def float64) hyper {
	return hyper{field: "Eps", val: &o.Eps, def: def, lo: 0, hi: maxF}
}
func momentumHyper(o *Options, def float64) hyper {
	return hyper{field: "Momentum", val: &o.Momentum, def: def, lo: 0, hi: 1, open: true}
}

func newCore(name string, o Options, slots ...string) core {
	return core{name: name, opts: o, slotNames: slots}
}

// ---------------------------------------------------------------- sgd

// SGD is plain stochastic gradient descent, torch.optim.SGD without momentum:
//
//	w ← w − lr·(g + wd·w)
//
// Options: LR (default 0.01; torch has no default), WeightDecay (default 0).
// It keeps no slots; its State holds only the step count.
type SGD struct{ core }

func newSGD(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 0.01), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	return &SGD{newCore("sgd", o)}, nil
}

// Step implements gorgonia.Solver.
func (s *SGD) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *SGD) update64(w, g []float64, _ [][]float64, _ int) {
	sgdUpdate(w, g, s.opts.LR, s.opts.WeightDecay)
}
func (s *SGD) update32(w, g []float32, _ [][]float32, _ int) {
	sgdUpdate(w, g, float32(s.opts.LR), float32(s.opts.WeightDecay))
}

func sgdUpdate[T float](w, g []T, lr, wd T) {
	g = g[:len(w)]
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		w[i] -= lr * d
	}
}

// ---------------------------------------------------------------- momentum

// Momentum is SGD with heavy-ball momentum, torch.optim.SGD(momentum=μ)
// with zero dampening:
//
//	d = g + wd·w
//	v ← μ·v + d        (v starts at zero, so the first step sets v = d as torch does)
//	w ← w − lr·v
//
// Options: LR (default 0.01), Momentum μ (default 0.9), WeightDecay (default 0).
// Slot: "momentum_buffer" (v).
type Momentum struct{ core }

func newMomentum(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 0.01), momentumHyper(&o, 0.9), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	return &Momentum{newCore("momentum", o, "momentum_buffer")}, nil
}

// Step implements gorgonia.Solver.
func (s *Momentum) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *Momentum) update64(w, g []float64, sl [][]float64, _ int) {
	momentumUpdate(w, g, sl[0], s.opts.LR, s.opts.Momentum, s.opts.WeightDecay, false)
}
func (s *Momentum) update32(w, g []float32, sl [][]float32, _ int) {
	if s.opts.WeightDecay == 0 {
		// One vector pass, bit for bit the loop below without weight decay.
		vecmath.Momentum32(w, g, sl[0], float32(s.opts.LR), float32(s.opts.Momentum))
		return
	}
	momentumUpdate(w, g, sl[0], float32(s.opts.LR), float32(s.opts.Momentum), float32(s.opts.WeightDecay), false)
}

func momentumUpdate[T float](w, g, v []T, lr, mu, wd T, nesterov bool) {
	g, v = g[:len(w)], v[:len(w)]
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		v[i] = mu*v[i] + d
		if nesterov {
			d += mu * v[i]
		} else {
			d = v[i]
		}
		w[i] -= lr * d
	}
}

// ---------------------------------------------------------------- nesterov

// Nesterov is SGD with Nesterov momentum, torch.optim.SGD(momentum=μ,
// nesterov=True) with zero dampening:
//
//	d = g + wd·w
//	v ← μ·v + d        (v starts at zero)
//	w ← w − lr·(d + μ·v)
//
// Options: LR (default 0.01), Momentum μ (default 0.9), WeightDecay (default 0).
// Slot: "momentum_buffer" (v).
type Nesterov struct{ core }

func newNesterov(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 0.01), momentumHyper(&o, 0.9), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	return &Nesterov{newCore("nesterov", o, "momentum_buffer")}, nil
}

// Step implements gorgonia.Solver.
func (s *Nesterov) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *Nesterov) update64(w, g []float64, sl [][]float64, _ int) {
	momentumUpdate(w, g, sl[0], s.opts.LR, s.opts.Momentum, s.opts.WeightDecay, true)
}
func (s *Nesterov) update32(w, g []float32, sl [][]float32, _ int) {
	momentumUpdate(w, g, sl[0], float32(s.opts.LR), float32(s.opts.Momentum), float32(s.opts.WeightDecay), true)
}

// ---------------------------------------------------------------- adagrad

// Adagrad is torch.optim.Adagrad with no learning-rate decay and a zero
// initial accumulator:
//
//	d = g + wd·w
//	G ← G + d²
//	w ← w − lr·d/(√G + eps)
//
// Options: LR (default 0.01), Eps (default 1e-10), WeightDecay (default 0).
// Slot: "sum" (G).
type Adagrad struct{ core }

func newAdagrad(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 0.01), epsHyper(&o, 1e-10), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	return &Adagrad{newCore("adagrad", o, "sum")}, nil
}

// Step implements gorgonia.Solver.
func (s *Adagrad) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *Adagrad) update64(w, g []float64, sl [][]float64, _ int) {
	adagradUpdate(w, g, sl[0], s.opts.LR, s.opts.Eps, s.opts.WeightDecay)
}
func (s *Adagrad) update32(w, g []float32, sl [][]float32, _ int) {
	adagradUpdate(w, g, sl[0], float32(s.opts.LR), float32(s.opts.Eps), float32(s.opts.WeightDecay))
}

func adagradUpdate[T float](w, g, sum []T, lr, eps, wd T) {
	g, sum = g[:len(w)], sum[:len(w)]
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		sum[i] += d * d
		w[i] -= lr * (d / (sqrt(sum[i]) + eps))
	}
}

// ---------------------------------------------------------------- adadelta

// Adadelta is torch.optim.Adadelta:
//
//	d = g + wd·w
//	E[g²] ← ρ·E[g²] + (1−ρ)·d²
//	Δ = √(E[Δ²] + eps) / √(E[g²] + eps) · d
//	E[Δ²] ← ρ·E[Δ²] + (1−ρ)·Δ²
//	w ← w − lr·Δ
//
// Options: LR (default 1.0), Rho ρ (default 0.9), Eps (default 1e-6),
// WeightDecay (default 0). Slots: "square_avg" (E[g²]), "acc_delta" (E[Δ²]).
type Adadelta struct{ core }

func newAdadelta(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 1.0),
		hyper{field: "Rho", val: &o.Rho, def: 0.9, lo: 0, hi: 1},
		epsHyper(&o, 1e-6), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	return &Adadelta{newCore("adadelta", o, "square_avg", "acc_delta")}, nil
}

// Step implements gorgonia.Solver.
func (s *Adadelta) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *Adadelta) update64(w, g []float64, sl [][]float64, _ int) {
	o := s.opts
	adadeltaUpdate(w, g, sl[0], sl[1], o.LR, o.Rho, 1-o.Rho, o.Eps, o.WeightDecay)
}
func (s *Adadelta) update32(w, g []float32, sl [][]float32, _ int) {
	o := s.opts
	adadeltaUpdate(w, g, sl[0], sl[1], float32(o.LR), float32(o.Rho), float32(1-o.Rho), float32(o.Eps), float32(o.WeightDecay))
}

func adadeltaUpdate[T float](w, g, sq, acc []T, lr, rho, omr, eps, wd T) {
	g, sq, acc = g[:len(w)], sq[:len(w)], acc[:len(w)]
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		sq[i] = sq[i]*rho + omr*(d*d)
		std := sqrt(sq[i] + eps)
		delta := sqrt(acc[i]+eps) / std * d
		acc[i] = acc[i]*rho + omr*(delta*delta)
		w[i] -= lr * delta
	}
}

// ---------------------------------------------------------------- rmsprop

// RMSprop is torch.optim.RMSprop (not centered):
//
//	d = g + wd·w
//	v ← α·v + (1−α)·d²
//	w ← w − lr·d/(√v + eps)                 when Momentum is 0
//	b ← μ·b + d/(√v + eps);  w ← w − lr·b   when Momentum μ > 0
//
// Options: LR (default 0.01), Alpha α (default 0.99), Eps (default 1e-8),
// Momentum μ (default 0), WeightDecay (default 0). Slots: "square_avg" (v)
// and, when Momentum > 0, "momentum_buffer" (b).
type RMSprop struct{ core }

func newRMSprop(o Options) (Solver, error) {
	if err := resolve(&o, lrHyper(&o, 0.01),
		hyper{field: "Alpha", val: &o.Alpha, def: 0.99, lo: 0, hi: 1},
		epsHyper(&o, 1e-8), momentumHyper(&o, 0), wdHyper(&o, 0)); err != nil {
		return nil, err
	}
	slots := []string{"square_avg"}
	if o.Momentum > 0 {
		slots = append(slots, "momentum_buffer")
	}
	return &RMSprop{newCore("rmsprop", o, slots...)}, nil
}

// Step implements gorgonia.Solver.
func (s *RMSprop) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *RMSprop) update64(w, g []float64, sl [][]float64, _ int) {
	o := s.opts
	var buf []float64
	if len(sl) > 1 {
		buf = sl[1]
	}
	rmspropUpdate(w, g, sl[0], buf, o.LR, o.Alpha, 1-o.Alpha, o.Eps, o.Momentum, o.WeightDecay)
}
func (s *RMSprop) update32(w, g []float32, sl [][]float32, _ int) {
	o := s.opts
	var buf []float32
	if len(sl) > 1 {
		buf = sl[1]
	}
	rmspropUpdate(w, g, sl[0], buf, float32(o.LR), float32(o.Alpha), float32(1-o.Alpha), float32(o.Eps),
		float32(o.Momentum), float32(o.WeightDecay))
}

func rmspropUpdate[T float](w, g, sq, buf []T, lr, alpha, oma, eps, mu, wd T) {
	g, sq = g[:len(w)], sq[:len(w)]
	if buf != nil {
		buf = buf[:len(w)]
	}
	for i := range w {
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		sq[i] = sq[i]*alpha + oma*(d*d)
		avg := sqrt(sq[i]) + eps
		if buf != nil {
			buf[i] = buf[i]*mu + d/avg
			w[i] -= lr * buf[i]
		} else {
			w[i] -= lr * (d / avg)
		}
	}
}

// ---------------------------------------------------------------- adam

// Adam is torch.optim.Adam (amsgrad off), with weight decay as an L2 term
// added to the gradient:
//
//	d = g + wd·w
//	m ← β1·m + (1−β1)·d
//	v ← β2·v + (1−β2)·d²
//	w ← w − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + eps)
//
// where t is the 1-based step number. Options: LR (default 1e-3), Beta1
// (default 0.9), Beta2 (default 0.999), Eps (default 1e-8), WeightDecay
// (default 0). Slots: "exp_avg" (m), "exp_avg_sq" (v).
type Adam struct{ core }

func adamHypers(o *Options, wd float64) []hyper {
	return []hyper{
		lrHyper(o, 1e-3),
		{field: "Beta1", val: &o.Beta1, def: 0.9, lo: 0, hi: 1, open: true},
		{field: "Beta2", val: &o.Beta2, def: 0.999, lo: 0, hi: 1, open: true},
		epsHyper(o, 1e-8), wdHyper(o, wd),
	}
}

func newAdam(o Options) (Solver, error) {
	if err := resolve(&o, adamHypers(&o, 0)...); err != nil {
		return nil, err
	}
	return &Adam{newCore("adam", o, "exp_avg", "exp_avg_sq")}, nil
}

// Step implements gorgonia.Solver.
func (s *Adam) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

// adamScalars are the per-step constants of Adam and AdamW, computed in
// float64 as torch does and rounded once to the parameter's dtype.
func adamScalars(o Options, t int) (stepSize, bc2sqrt float64) {
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	return o.LR / bc1, math.Sqrt(bc2)
}

func (s *Adam) update64(w, g []float64, sl [][]float64, t int) {
	o := s.opts
	ss, b2 := adamScalars(o, t)
	adamUpdate(w, g, sl[0], sl[1], ss, b2, o.Beta1, 1-o.Beta1, o.Beta2, 1-o.Beta2, o.Eps, o.WeightDecay, 1)
}
func (s *Adam) update32(w, g []float32, sl [][]float32, t int) {
	o := s.opts
	ss, b2 := adamScalars(o, t)
	adamUpdate(w, g, sl[0], sl[1], float32(ss), float32(b2), float32(o.Beta1), float32(1-o.Beta1),
		float32(o.Beta2), float32(1-o.Beta2), float32(o.Eps), float32(o.WeightDecay), 1)
}

// adamUpdate is one Adam step; wd is the L2 term (Adam) and decay the
// multiplier applied to w before the step (AdamW's 1 − lr·wd, 1 for Adam).
func adamUpdate[T float](w, g, m, v []T, stepSize, bc2sqrt, b1, omb1, b2, omb2, eps, wd, decay T) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		if decay != 1 {
			w[i] *= decay
		}
		d := g[i]
		if wd != 0 {
			d += wd * w[i]
		}
		m[i] = m[i]*b1 + omb1*d
		v[i] = v[i]*b2 + omb2*(d*d)
		denom := sqrt(v[i])/bc2sqrt + eps
		w[i] -= stepSize * (m[i] / denom)
	}
}

// ---------------------------------------------------------------- adamw

// AdamW is torch.optim.AdamW: Adam with decoupled weight decay applied to
// the weights before the Adam step:
//
//	w ← w·(1 − lr·wd)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	w ← w − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + eps)
//
// Options: LR (default 1e-3), Beta1 (default 0.9), Beta2 (default 0.999),
// Eps (default 1e-8), WeightDecay (default 0.01). Slots: "exp_avg" (m),
// "exp_avg_sq" (v).
type AdamW struct{ core }

func newAdamW(o Options) (Solver, error) {
	if err := resolve(&o, adamHypers(&o, 0.01)...); err != nil {
		return nil, err
	}
	return &AdamW{newCore("adamw", o, "exp_avg", "exp_avg_sq")}, nil
}

// Step implements gorgonia.Solver.
func (s *AdamW) Step(vgs []gorgonia.ValueGrad) error { return s.step(vgs, s) }

func (s *AdamW) update64(w, g []float64, sl [][]float64, t int) {
	o := s.opts
	ss, b2 := adamScalars(o, t)
	adamUpdate(w, g, sl[0], sl[1], ss, b2, o.Beta1, 1-o.Beta1, o.Beta2, 1-o.Beta2, o.Eps, 0, 1-o.LR*o.WeightDecay)
}
func (s *AdamW) update32(w, g []float32, sl [][]float32, t int) {
	o := s.opts
	ss, b2 := adamScalars(o, t)
	adamUpdate(w, g, sl[0], sl[1], float32(ss), float32(b2), float32(o.Beta1), float32(1-o.Beta1),
		float32(o.Beta2), float32(1-o.Beta2), float32(o.Eps), 0, float32(1-o.LR*o.WeightDecay))
}

// compile-time checks that every solver implements Solver.
var (
	_ Solver = (*SGD)(nil)
	_ Solver = (*Momentum)(nil)
	_ Solver = (*Nesterov)(nil)
	_ Solver = (*Adagrad)(nil)
	_ Solver = (*Adadelta)(nil)
	_ Solver = (*RMSprop)(nil)
	_ Solver = (*Adam)(nil)
	_ Solver = (*AdamW)(nil)
)
