// Package optim provides gradient-descent solvers, gradient clipping and
// learning-rate schedules for Gorgonia models.
//
// Every solver implements gorgonia.Solver and follows the update rules,
// defaults and conventions of torch.optim (PyTorch 1.13), so that
// hyper-parameters taken from published PyTorch recipes mean the same thing
// here. Unlike Gorgonia's own solvers, the solvers in this package expose
// their memory (momentum buffers, running averages, step count) through
// State and SetState so that it can be checkpointed, and they allocate that
// memory once, on the first Step, and nothing per step afterwards.
//
// Step reads each parameter's value and gradient through
// gorgonia.ValueGrad, updates the value in place and sets the gradient to
// zero, because Gorgonia's tape machine adds gradients into the bound dual
// values on every run. Values and gradients must be contiguous *tensor.Dense
// of dtype float32 or float64; Step checks every parameter before changing
// any of them. A solver is not safe for concurrent use.
//
// Slot names follow the keys of torch.optim state dicts ("momentum_buffer",
// "sum", "square_avg", "acc_delta", "exp_avg", "exp_avg_sq").
//
// GlobalNorm, ClipGlobalNorm and ClipValue work on the same []ValueGrad and
// are meant to run between computing the gradients and Step. Schedule and
// ParseSchedule give the learning-rate multiplier for each step; a training
// loop calls SetLearnRate(base·Factor(step)) before each Step.
package optim

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Solver is a gorgonia.Solver with a settable learning rate and a memory
// that can be saved and restored.
type Solver interface {
	gorgonia.Solver
	// Name is the name New accepts for this solver ("adam", "sgd", ...).
	Name() string
	// LearnRate is the current learning rate.
	LearnRate() float64
	// SetLearnRate changes the learning rate used by the following steps;
	// learning-rate schedules call it once per step.
	SetLearnRate(lr float64)
	// Options returns the hyper-parameters in use, with every default
	// filled in and LR set to the current learning rate.
	Options() Options
	// State returns a deep copy of the solver's memory.
	State() State
	// SetState replaces the solver's memory with a deep copy of s. It
	// returns an error naming the mismatch (slot, parameter index, shape or
	// dtype) if s does not fit this solver or the parameters it has seen.
	SetState(s State) error
}

// State is a solver's memory: the number of steps taken and its named
// per-parameter slots under PyTorch's names: Slots["exp_avg"][i] (Adam's m) belongs to the
// i-th ValueGrad given to Step. A solver that has not stepped yet has Steps == 0 and no slots.
type State struct {
	Steps int                        // steps taken
	Slots map[string][]*tensor.Dense // per-parameter tensors by slot name, in Step's order
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	out := State{Steps: s.Steps}
	if s.Slots == nil {
		return out
	}
	out.Slots = make(map[string][]*tensor.Dense, len(s.Slots))
	for name, ts := range s.Slots {
		cp := make([]*tensor.Dense, len(ts))
		for i, t := range ts {
			if t != nil {
				cp[i] = t.Clone().(*tensor.Dense)
			}
		}
		out.Slots[name] = cp
	}
	return out
}

// Options are the hyper-parameters of a solver. A zero field means the
// solver's default (see each solver's doc comment); a field the chosen solver
// does not use must be left zero, otherwise New reports it. Because zero means
// "default", a hyper-parameter whose default is non-zero (for example AdamW's
// weight decay of 0.01 or Momentum's 0.9) cannot be set to exactly zero; use
// the plain variant ("adam", "sgd") for that.
type Options struct {
	LR          float64 // learning rate
	Momentum    float64 // momentum factor μ (momentum, nesterov, rmsprop)
	Beta1       float64 // first-moment decay (adam, adamw)
	Beta2       float64 // second-moment decay (adam, adamw)
	Eps         float64 // term added to denominators for numerical stability
	Rho         float64 // running-average decay (adadelta)
	Alpha       float64 // running-average decay (rmsprop)
	WeightDecay float64 // L2 penalty added to the gradient; decoupled decay for adamw
}

// constructors maps each solver name to its constructor.
var constructors = map[string]func(Options) (Solver, error){
	"sgd":      newSGD,
	"momentum": newMomentum,
	"nesterov": newNesterov,
	"adagrad":  newAdagrad,
	"adadelta": newAdadelta,
	"rmsprop":  newRMSprop,
	"adam":     newAdam,
	"adamw":    newAdamW,
}

// Names returns the names New accepts, sorted.
func Names() []string {
	out := make([]string, 0, len(constructors))
	for n := range constructors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New returns the solver called name (case-insensitive, see Names) with the
// hyper-parameters in o, defaults filled in for zero fields. It returns an
// error for an unknown name, a hyper-parameter out of range, or a non-zero
// hyper-parameter that the solver does not use.
func New(name string, o Options) (Solver, error) {
	c, ok := constructors[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, errors.Errorf("optim: unknown solver %q; valid names are %s", name, strings.Join(Names(), ", "))
	}
	s, err := c(o)
	if err != nil {
		return nil, errors.Wrapf(err, "optim: solver %q", name)
	}
	return s, nil
}

// hyper describes one hyper-parameter of a solver for checking Options.
type hyper struct {
	field string   // Options field name, for messages
	val   *float64 // field in the solver's resolved Options
	def   float64  // default used when the field is zero
	lo    float64  // smallest valid value
	hi    float64  // largest valid value (inclusive unless open)
	open  bool     // hi itself is not valid
}

// resolve fills defaults into o for the fields listed in hs, checks their
// ranges, and reports any non-zero field not listed.
func resolve(o *Options, hs ...hyper) error {
	used := map[string]bool{}
	for _, h := range hs {
		used[h.field] = true
		if math.IsNaN(*h.val) || math.IsInf(*h.val, 0) {
			return errors.Errorf("%s is %v, want a finite number", h.field, *h.val)
		}
		if *h.val == 0 {
			*h.val = h.def
		}
		v := *h.val
		if v < h.lo || v > h.hi || (h.open && v == h.hi) {
			closing := "]"
			if h.open {
				closing = ")"
			}
			return errors.Errorf("%s = %v is out of range [%v, %v%s", h.field, v, h.lo, h.hi, closing)
		}
	}
	all := []struct {
		name string
		v    float64
	}{
		{"LR", o.LR}, {"Momentum", o.Momentum}, {"Beta1", o.Beta1}, {"Beta2", o.Beta2},
		{"Eps", o.Eps}, {"Rho", o.Rho}, {"Alpha", o.Alpha}, {"WeightDecay", o.WeightDecay},
	}
	for _, f := range all {
		if !used[f.name] && f.v != 0 {
			return errors.Errorf("option %s = %v is not used by this solver", f.name, f.v)
		}
	}
	return nil
}

// updater is implemented by every solver: it updates one parameter in place
// given its weights, gradient and slot slices (in slotNames order). step is
// the 1-based number of the step being taken.
type updater interface {
	update64(w, g []float64, slots [][]float64, step int)
	update32(w, g []float32, slots [][]float32, step int)
}

// paramInfo records what the solver learnt about parameter i on its first
// step, so that later steps can detect a changed parameter list.
type paramInfo struct {
	shape tensor.Shape
	dtype tensor.Dtype
}

// view is the per-step scratch for one parameter.
type view struct {
	w, g     *tensor.Dense
	s64      [][]float64
	s32      [][]float32
	isDouble bool
}

// core holds what all solvers share: the learning rate, the step count, the
// named slots and the checks on the parameter list.
type core struct {
	name      string
	opts      Options  // resolved hyper-parameters; opts.LR is the current learning rate
	slotNames []string // slots this solver keeps, in update order

	steps  int
	params []paramInfo       // nil until the first Step or SetState with slots
	slots  [][]*tensor.Dense // [slot][param]
	views  []view            // reused scratch, one per parameter
}

// Name implements Solver.
func (c *core) Name() string { return c.name }

// LearnRate implements Solver.
func (c *core) LearnRate() float64 { return c.opts.LR }

// SetLearnRate implements Solver.
func (c *core) SetLearnRate(lr float64) { c.opts.LR = lr }

// Options implements Solver.
func (c *core) Options() Options { return c.opts }

// State implements Solver.
func (c *core) State() State {
	st := State{Steps: c.steps, Slots: map[string][]*tensor.Dense{}}
	if c.params == nil {
		return st
	}
	for k, name := range c.slotNames {
		ts := make([]*tensor.Dense, len(c.slots[k]))
		for i, t := range c.slots[k] {
			ts[i] = t.Clone().(*tensor.Dense)
		}
		st.Slots[name] = ts
	}
	return st
}

// SetState implements Solver.
func (c *core) SetState(s State) error {
	if s.Steps < 0 {
		return errors.Errorf("optim: %s: SetState: Steps = %d is negative", c.name, s.Steps)
	}
	for name := range s.Slots {
		if !slices.Contains(c.slotNames, name) {
			return errors.Errorf("optim: %s: SetState: unknown slot %q; this solver keeps slots [%s]",
				c.name, name, strings.Join(c.slotNames, ", "))
		}
	}
	if len(s.Slots) == 0 || len(c.slotNames) == 0 {
		// No per-parameter memory: only the step count carries over.
		if len(c.slotNames) == 0 {
			c.steps = s.Steps
			return nil
		}
		if s.Steps != 0 {
			return errors.Errorf("optim: %s: SetState: Steps = %d but no slots given; want slots [%s]",
				c.name, s.Steps, strings.Join(c.slotNames, ", "))
		}
		c.reset()
		return nil
	}
	var n int
	for k, name := range c.slotNames {
		ts, ok := s.Slots[name]
		if !ok {
			return errors.Errorf("optim: %s: SetState: slot %q is missing", c.name, name)
		}
		if k == 0 {
			n = len(ts)
		} else if len(ts) != n {
			return errors.Errorf("optim: %s: SetState: slot %q has %d parameters, slot %q has %d",
				c.name, name, len(ts), c.slotNames[0], n)
		}
	}
	params := make([]paramInfo, n)
	for i := 0; i < n; i++ {
		for k, name := range c.slotNames {
			t := s.Slots[name][i]
			if t == nil {
				return errors.Errorf("optim: %s: SetState: slot %q parameter %d is nil", c.name, name, i)
			}
			if err := checkDense(t); err != nil {
				return errors.Wrapf(err, "optim: %s: SetState: slot %q parameter %d", c.name, name, i)
			}
			if k == 0 {
				params[i] = paramInfo{shape: t.Shape().Clone(), dtype: t.Dtype()}
				continue
			}
			if !t.Shape().Eq(params[i].shape) || t.Dtype() != params[i].dtype {
				return errors.Errorf("optim: %s: SetState: slot %q parameter %d is %v %v but slot %q parameter %d is %v %v",
					c.name, name, i, t.Dtype(), t.Shape(), c.slotNames[0], i, params[i].dtype, params[i].shape)
			}
		}
	}
	if c.params != nil {
		if len(c.params) != n {
			return errors.Errorf("optim: %s: SetState: state has %d parameters, solver has stepped %d",
				c.name, n, len(c.params))
		}
		for i, p := range params {
			if !p.shape.Eq(c.params[i].shape) || p.dtype != c.params[i].dtype {
				return errors.Errorf("optim: %s: SetState: parameter %d is %v %v in the state but %v %v in the solver",
					c.name, i, p.dtype, p.shape, c.params[i].dtype, c.params[i].shape)
			}
		}
	}
	c.params = params
	c.steps = s.Steps
	c.slots = make([][]*tensor.Dense, len(c.slotNames))
	for k, name := range c.slotNames {
		c.slots[k] = make([]*tensor.Dense, n)
		for i, t := range s.Slots[name] {
			c.slots[k][i] = t.Clone().(*tensor.Dense)
		}
	}
	c.makeViews()
	return nil
}

// reset forgets all memory, as if the solver were new.
func (c *core) reset() {
	c.steps = 0
	c.params = nil
	c.slots = nil
	c.views = nil
}

// checkDense reports a tensor the solvers cannot work on.
func checkDense(t *tensor.Dense) error {
	switch t.Dtype() {
	case tensor.Float64, tensor.Float32:
	default:
		return errors.Errorf("dtype %v is not supported (want float32 or float64)", t.Dtype())
	}
	if t.RequiresIterator() {
		return errors.Errorf("tensor of shape %v is not contiguous", t.Shape())
	}
	if t.DataSize() != t.Shape().TotalSize() && !(t.IsScalar() && t.Shape().TotalSize() == 1) {
		return errors.Errorf("tensor of shape %v holds %d elements", t.Shape(), t.DataSize())
	}
	return nil
}

// paramName names parameter i for error messages.
func paramName(i int, vg gorgonia.ValueGrad) string {
	if n, ok := vg.(gorgonia.Namer); ok {
		return fmt.Sprintf("parameter %d (%s)", i, n.Name())
	}
	return fmt.Sprintf("parameter %d", i)
}

// denseOf returns v as a supported *tensor.Dense.
func denseOf(v gorgonia.Value, what string) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("%s is %T, want *tensor.Dense", what, v)
	}
	if d == nil {
		return nil, errors.Errorf("%s is a nil *tensor.Dense", what)
	}
	if err := checkDense(d); err != nil {
		return nil, errors.Wrap(err, what)
	}
	return d, nil
}

// step runs one update over vgs with u. It checks every parameter before
// changing any, allocates the slots on the first call, and zeroes every
// gradient after using it.
func (c *core) step(vgs []gorgonia.ValueGrad, u updater) error {
	if c.params != nil && len(vgs) != len(c.params) {
		return errors.Errorf("optim: %s: Step got %d parameters, earlier steps (or the restored state) had %d",
			c.name, len(vgs), len(c.params))
	}
	first := c.params == nil
	if first {
		c.views = make([]view, len(vgs))
	}
	for i, vg := range vgs {
		if vg == nil {
			return errors.Errorf("optim: %s: parameter %d is nil", c.name, i)
		}
		w, err := denseOf(vg.Value(), "value")
		if err != nil {
			return errors.Wrapf(err, "optim: %s: %s", c.name, paramName(i, vg))
		}
		gv, err := vg.Grad()
		if err != nil {
			return errors.Wrapf(err, "optim: %s: %s: no gradient", c.name, paramName(i, vg))
		}
		g, err := denseOf(gv, "gradient")
		if err != nil {
			return errors.Wrapf(err, "optim: %s: %s", c.name, paramName(i, vg))
		}
		if g.Dtype() != w.Dtype() || !g.Shape().Eq(w.Shape()) {
			return errors.Errorf("optim: %s: %s: gradient is %v %v but value is %v %v",
				c.name, paramName(i, vg), g.Dtype(), g.Shape(), w.Dtype(), w.Shape())
		}
		if !first {
			p := c.params[i]
			if !w.Shape().Eq(p.shape) || w.Dtype() != p.dtype {
				return errors.Errorf("optim: %s: %s is %v %v but was %v %v on earlier steps (or in the restored state)",
					c.name, paramName(i, vg), w.Dtype(), w.Shape(), p.dtype, p.shape)
			}
		}
		c.views[i].w, c.views[i].g = w, g
	}
	if first {
		c.allocate()
	}
	c.steps++
	for i := range c.views {
		v := &c.views[i]
		if v.isDouble {
			u.update64(v.w.Float64s(), v.g.Float64s(), v.s64, c.steps)
			clear(v.g.Float64s())
		} else {
			u.update32(v.w.Float32s(), v.g.Float32s(), v.s32, c.steps)
			clear(v.g.Float32s())
		}
		v.w, v.g = nil, nil
	}
	return nil
}

// allocate creates zeroed slots shaped like the parameters in c.views.
func (c *core) allocate() {
	c.params = make([]paramInfo, len(c.views))
	for i, v := range c.views {
		c.params[i] = paramInfo{shape: v.w.Shape().Clone(), dtype: v.w.Dtype()}
	}
	c.slots = make([][]*tensor.Dense, len(c.slotNames))
	for k := range c.slotNames {
		c.slots[k] = make([]*tensor.Dense, len(c.params))
		for i, p := range c.params {
			c.slots[k][i] = zerosLike(p)
		}
	}
	c.makeViews()
}

// zerosLike returns a zeroed tensor of p's dtype and shape.
func zerosLike(p paramInfo) *tensor.Dense {
	if p.shape.IsScalar() {
		if p.dtype == tensor.Float64 {
			return tensor.New(tensor.FromScalar(float64(0)))
		}
		return tensor.New(tensor.FromScalar(float32(0)))
	}
	return tensor.New(tensor.Of(p.dtype), tensor.WithShape(p.shape.Clone()...))
}

// makeViews points the per-parameter scratch at the slot data.
func (c *core) makeViews() {
	ws := c.views
	c.views = make([]view, len(c.params))
	for i, p := range c.params {
		v := &c.views[i]
		if i < len(ws) {
			v.w, v.g = ws[i].w, ws[i].g
		}
		v.isDouble = p.dtype == tensor.Float64
		if v.isDouble {
			v.s64 = make([][]float64, len(c.slotNames))
			for k := range c.slotNames {
				v.s64[k] = c.slots[k][i].Float64s()
			}
		} else {
			v.s32 = make([][]float32, len(c.slotNames))
			for k := range c.slotNames {
				v.s32[k] = c.slots[k][i].Float32s()
			}
		}
	}
}
