package optim

import (
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradSlices returns the backing slice of the gradient of vgs[i]: a
// []float64 or a []float32, the other nil.
func gradSlices(vgs []gorgonia.ValueGrad, i int) ([]float64, []float32, error) {
	vg := vgs[i]
	if vg == nil {
		return nil, nil, errors.Errorf("parameter %d is nil", i)
	}
	gv, err := vg.Grad()
	if err != nil {
		return nil, nil, errors.Wrapf(err, "%s: no gradient", paramName(i, vg))
	}
	g, err := denseOf(gv, "gradient")
	if err != nil {
		return nil, nil, errors.Wrap(err, paramName(i, vg))
	}
	if g.Dtype() == tensor.Float64 {
		return g.Float64s(), nil, nil
	}
	return nil, g.Float32s(), nil
}

// GlobalNorm returns the Euclidean norm of all gradients in vgs taken
// together, √(Σ g²), accumulated in float64 whatever the gradients' dtype.
func GlobalNorm(vgs []gorgonia.ValueGrad) (float64, error) {
	var sum float64
	for i := range vgs {
		g64, g32, err := gradSlices(vgs, i)
		if err != nil {
			return 0, errors.Wrap(err, "optim: GlobalNorm")
		}
		for _, x := range g64 {
			sum += x * x
		}
		for _, x := range g32 {
			sum += float64(x) * float64(x)
		}
	}
	return math.Sqrt(sum), nil
}

// ClipGlobalNorm rescales all gradients in vgs together so that their global
// norm is at most maxNorm, with the semantics of PyTorch's
// torch.nn.utils.clip_grad_norm_: with norm the global norm before clipping
// and coef = maxNorm/(norm + 1e-6), every gradient is multiplied by coef when
// coef < 1 and left alone otherwise. It returns the norm before clipping.
//
// maxNorm must be positive and finite. If the norm is NaN or infinite the
// gradients are left unchanged and an error is returned together with the
// norm, so that the caller can skip the step.
func ClipGlobalNorm(vgs []gorgonia.ValueGrad, maxNorm float64) (normBefore float64, err error) {
	if !(maxNorm > 0) || math.IsInf(maxNorm, 0) {
		return 0, errors.Errorf("optim: ClipGlobalNorm: maxNorm = %v, want a positive finite number", maxNorm)
	}
	norm, err := GlobalNorm(vgs)
	if err != nil {
		return 0, errors.Wrap(err, "optim: ClipGlobalNorm")
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, errors.Errorf("optim: ClipGlobalNorm: gradient norm is %v; gradients left unchanged", norm)
	}
	coef := maxNorm / (norm + 1e-6)
	if coef >= 1 {
		return norm, nil
	}
	c32 := float32(coef)
	for i := range vgs {
		g64, g32, _ := gradSlices(vgs, i) // checked by GlobalNorm
		for j := range g64 {
			g64[j] *= coef
		}
		for j := range g32 {
			g32[j] *= c32
		}
	}
	return norm, nil
}

// ClipValue clamps every gradient element in vgs to [−c, c], like PyTorch's
// torch.nn.utils.clip_grad_value_. c must be positive; NaN elements stay NaN.
func ClipValue(vgs []gorgonia.ValueGrad, c float64) error {
	if !(c > 0) {
		return errors.Errorf("optim: ClipValue: c = %v, want a positive number", c)
	}
	for i := range vgs {
		if _, _, err := gradSlices(vgs, i); err != nil {
			return errors.Wrap(err, "optim: ClipValue")
		}
	}
	c32 := float32(c)
	for i := range vgs {
		g64, g32, _ := gradSlices(vgs, i)
		for j, x := range g64 {
			g64[j] = min(max(x, -c), c)
		}
		for j, x := range g32 {
			g32[j] = min(max(x, -c32), c32)
		}
	}
	return nil
}
