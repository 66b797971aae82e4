// Package gradcheck compares the gradients Gorgonia derives symbolically with central finite
// differences, so that every model's tests can check its backward pass.
//
// For each node x in wrt and each checked entry i, the numeric derivative is
//
//	(L(x + eps·e_i) − L(x − eps·e_i)) / (2·eps)
//
// and the error against the analytic derivative a is reported two ways: the absolute error
// |a − n| and the relative error
//
//	|a − n| / max(|a|, |n|, Floor)
//
// The floor (Options.Floor, default 1e-6) keeps the relative error finite and meaningful when
// both derivatives are tiny: below it the error is measured against the floor instead, so a
// gradient of 1e-12 that finite differences see as 3e-12 does not count as a 200 % error.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Options controls Check.
type Options struct {
	// Eps is the central-difference step; 0 means 1e-6.
	Eps float64
	// Samples is the number of entries checked per node, chosen at random without repetition;
	// 0 (or a number at least the node's size) checks every entry.
	Samples int
	// Seed seeds the PCG generator that picks the sampled entries; node k of wrt uses stream k,
	// so its sample does not depend on the other nodes.
	Seed uint64
	// Before, when not nil, is called before every forward run, e.g. to feed inputs or fix
	// dropout masks. It must not rebind the wrt nodes.
	Before func() error
	// Floor is the smallest denominator of the relative error; 0 means 1e-6.
	Floor float64
}

// Result reports the comparison for one node.
type Result struct {
	// Node is the node's name.
	Node string
	// Entries is the number of entries checked.
	Entries int
	// MaxAbsErr is the largest |analytic − numeric| over the checked entries.
	MaxAbsErr float64
	// MaxRelErr is the largest relative error (see the package documentation).
	MaxRelErr float64
	// Worst is the flat (row-major) index of the entry with the largest relative error.
	Worst int
	// Analytic and Numeric are the two derivatives at Worst.
	Analytic, Numeric float64
}

// String formats r on one line.
func (r Result) String() string {
	return fmt.Sprintf("%s: %d entries, max abs err %.3g, max rel err %.3g at [%d] (analytic %.6g, numeric %.6g)",
		r.Node, r.Entries, r.MaxAbsErr, r.MaxRelErr, r.Worst, r.Analytic, r.Numeric)
}

// MaxRel returns the largest MaxRelErr of rs (0 for none).
func MaxRel(rs []Result) float64 {
	m := 0.0
	for _, r := range rs {
		m = math.Max(m, r.MaxRelErr)
	}
	return m
}

// RelErr is the relative error between an analytic and a numeric derivative:
// |a − n| / max(|a|, |n|, floor).
func RelErr(a, n, floor float64) float64 {
	return math.Abs(a-n) / math.Max(math.Max(math.Abs(a), math.Abs(n)), floor)
}

// Check differentiates loss (a float64 scalar) with respect to wrt and compares the symbolic
// gradients with central finite differences.
//
// Unless every wrt node already has a derivative (because gorgonia.Grad was called on g before),
// Check calls gorgonia.Grad(loss, wrt...), which adds the gradient nodes to g. It then compiles
// one TapeMachine over g with the wrt nodes' dual values bound, runs it once to read the analytic
// gradients, and runs it twice per checked entry with that entry perturbed in place by ±Eps
// (restoring it afterwards) to read the loss. The wrt nodes must hold float64 *tensor.Dense
// values. Gradients accumulated in their dual values before the call are cleared, and on return
// (without error) the dual values hold the analytic gradient at the unperturbed point.
func Check(g *gorgonia.ExprGraph, loss *gorgonia.Node, wrt []*gorgonia.Node, o Options) ([]Result, error) {
	if g == nil || loss == nil {
		return nil, errors.New("gradcheck: nil graph or loss")
	}
	if len(wrt) == 0 {
		return nil, errors.New("gradcheck: no nodes to check (wrt is empty)")
	}
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Floor == 0 {
		o.Floor = 1e-6
	}
	if !(o.Eps > 0) || math.IsInf(o.Eps, 0) {
		return nil, errors.Errorf("gradcheck: Options.Eps = %v, want a positive step", o.Eps)
	}
	if !(o.Floor > 0) || math.IsInf(o.Floor, 0) {
		return nil, errors.Errorf("gradcheck: Options.Floor = %v, want a positive floor", o.Floor)
	}
	if o.Samples < 0 {
		return nil, errors.Errorf("gradcheck: Options.Samples = %d, want ≥ 0", o.Samples)
	}
	if !loss.IsScalar() || loss.Dtype() != tensor.Float64 {
		return nil, errors.Errorf("gradcheck: loss %q must be a float64 scalar, is %v of shape %v", loss.Name(), loss.Dtype(), loss.Shape())
	}

	// The wrt values, perturbed in place below.
	data := make([][]float64, len(wrt))
	for k, n := range wrt {
		if n == nil {
			return nil, errors.Errorf("gradcheck: wrt[%d] is nil", k)
		}
		d, err := denseData(n.Value())
		if err != nil {
			return nil, errors.Wrapf(err, "gradcheck: wrt[%d] %q", k, n.Name())
		}
		data[k] = d
	}

	needGrad := false
	for _, n := range wrt {
		if n.Deriv() == nil {
			needGrad = true
		}
	}
	if needGrad {
		if _, err := gorgonia.Grad(loss, wrt...); err != nil {
			return nil, errors.Wrap(err, "gradcheck: gorgonia.Grad")
		}
	}

	// Clear gradients left in dual values by earlier runs: the machine adds to them.
	for _, n := range wrt {
		if gv, err := n.Grad(); err == nil {
			if gd, ok := gv.(*tensor.Dense); ok && n.Deriv() != nil && gv != n.Deriv().Value() {
				gd.Zero()
			}
		}
	}

	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(wrt...))
	defer vm.Close()

	run := func() (float64, error) {
		vm.Reset()
		if o.Before != nil {
			if err := o.Before(); err != nil {
				return 0, errors.Wrap(err, "Options.Before")
			}
		}
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		return scalar(loss.Value())
	}

	if _, err := run(); err != nil {
		return nil, errors.Wrap(err, "gradcheck: analytic run")
	}
	analytic := make([][]float64, len(wrt))
	for k, n := range wrt {
		gv, err := n.Grad()
		if err != nil {
			return nil, errors.Wrapf(err, "gradcheck: reading the gradient of %q", n.Name())
		}
		gd, err := denseData(gv)
		if err != nil {
			return nil, errors.Wrapf(err, "gradcheck: gradient of %q", n.Name())
		}
		if len(gd) != len(data[k]) {
			return nil, errors.Errorf("gradcheck: gradient of %q has %d entries, its value %d", n.Name(), len(gd), len(data[k]))
		}
		analytic[k] = slices.Clone(gd)
	}

	results := make([]Result, len(wrt))
	for k, n := range wrt {
		x := data[k]
		orig := slices.Clone(x)
		idx := sample(len(x), o.Samples, o.Seed, uint64(k))
		r := Result{Node: n.Name(), Entries: len(idx), Worst: -1}
		for _, i := range idx {
			xi := x[i]
			x[i] = xi + o.Eps
			lp, err := run()
			if err == nil {
				x[i] = xi - o.Eps
				var lm float64
				lm, err = run()
				if err == nil {
					num := (lp - lm) / (2 * o.Eps)
					a := analytic[k][i]
					abs := math.Abs(a - num)
					rel := RelErr(a, num, o.Floor)
					if math.IsNaN(rel) {
						rel = math.Inf(1)
					}
					r.MaxAbsErr = math.Max(r.MaxAbsErr, abs)
					if r.Worst < 0 || rel > r.MaxRelErr {
						r.MaxRelErr, r.Worst, r.Analytic, r.Numeric = rel, i, a, num
					}
				}
			}
			x[i] = xi
			if err != nil {
				return nil, errors.Wrapf(err, "gradcheck: %q entry %d: finite-difference run", n.Name(), i)
			}
		}
		if r.Worst < 0 {
			r.Worst = 0
		}
		if !slices.Equal(x, orig) {
			copy(x, orig)
			return nil, errors.Errorf("gradcheck: the graph modified the value of %q in place", n.Name())
		}
		results[k] = r
	}
	// The finite-difference runs added to the dual gradients; leave the analytic ones.
	for k, n := range wrt {
		if gv, err := n.Grad(); err == nil {
			if gd, ok := gv.(*tensor.Dense); ok && gd.Dtype() == tensor.Float64 && gd.Size() == len(analytic[k]) {
				if s, ok := gd.Data().([]float64); ok {
					copy(s, analytic[k])
				}
			}
		}
	}
	return results, nil
}

// denseData returns the backing slice of a float64 *tensor.Dense that is not a view.
func denseData(v gorgonia.Value) ([]float64, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("value is %T, want a float64 *tensor.Dense", v)
	}
	if d.Dtype() != tensor.Float64 {
		return nil, errors.Errorf("value has dtype %v, want float64", d.Dtype())
	}
	if d.IsMaterializable() {
		return nil, errors.New("value is a view; bind a contiguous tensor")
	}
	if d.Shape().IsScalar() {
		return nil, errors.New("value is a scalar tensor; use shape (1)")
	}
	s, ok := d.Data().([]float64)
	if !ok {
		return nil, errors.Errorf("value's data is %T, want []float64", d.Data())
	}
	if len(s) != d.Shape().TotalSize() {
		return nil, errors.Errorf("value holds %d entries for shape %v", len(s), d.Shape())
	}
	return s, nil
}

// scalar extracts the float64 in a scalar Value.
func scalar(v gorgonia.Value) (float64, error) {
	if v == nil {
		return 0, errors.New("loss has no value after the run")
	}
	var x float64
	switch d := v.Data().(type) {
	case float64:
		x = d
	case []float64:
		if len(d) != 1 {
			return 0, errors.Errorf("loss holds %d values, want 1", len(d))
		}
		x = d[0]
	default:
		return 0, errors.Errorf("loss value is %T, want float64", d)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, errors.Errorf("loss is %v", x)
	}
	return x, nil
}

// sample returns k distinct indices of [0, n) in increasing order (all of them when k is 0 or at
// least n), chosen with Floyd's algorithm from a PCG generator on (seed, stream).
func sample(n, k int, seed, stream uint64) []int {
	if k == 0 || k >= n {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	rng := rand.New(rand.NewPCG(seed, stream))
	chosen := make(map[int]bool, k)
	idx := make([]int, 0, k)
	for j := n - k; j < n; j++ {
		t := rng.IntN(j + 1)
		if chosen[t] {
			t = j
		}
		chosen[t] = true
		idx = append(idx, t)
	}
	slices.Sort(idx)
	return idx
}
