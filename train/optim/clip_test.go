package optim

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradVGs returns ValueGrads whose gradients hold the given values.
func gradVGs(dt tensor.Dtype, grads ...[]float64) []gorgonia.ValueGrad {
	var out []gorgonia.ValueGrad
	for _, g := range grads {
		var gt *tensor.Dense
		if dt == tensor.Float64 {
			gt = tensor.New(tensor.WithBacking(append([]float64(nil), g...)))
		} else {
			f := make([]float32, len(g))
			for i, x := range g {
				f[i] = float32(x)
			}
			gt = tensor.New(tensor.WithBacking(f))
		}
		out = append(out, fakeVG{v: tensor.New(tensor.Of(dt), tensor.WithShape(len(g))), g: gt})
	}
	return out
}

func gradsOf(t *testing.T, vgs []gorgonia.ValueGrad) [][]float64 {
	var out [][]float64
	for _, vg := range vgs {
		g, err := vg.Grad()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, toF64(g.(*tensor.Dense)))
	}
	return out
}

func TestGlobalNormRealGraph(t *testing.T) {
	// loss = Σ w², w₀ = [1, −2], w₁ = [0.5, 0.5, 0.5, 0.5] ⇒ g = 2w:
	// ‖g‖² = 4 + 16 + 4·1 = 24
	q := newQuad(t, tensor.Float32, nil, [][]float64{{1, -2}, {0.5, 0.5, 0.5, 0.5}})
	if err := q.m.RunAll(); err != nil {
		t.Fatal(err)
	}
	n, err := GlobalNorm(q.vgs)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(n-math.Sqrt(24)) > 1e-12 {
		t.Errorf("GlobalNorm = %v, want √24 = %v", n, math.Sqrt(24))
	}
}

func TestClipGlobalNorm(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-7
		}
		// [3, 4] has norm 5; max 1 ⇒ coef = 1/(5 + 1e-6) ⇒ [3, 4]/5.000001 ≈ [0.6, 0.8]
		vgs := gradVGs(dt, []float64{3}, []float64{4})
		n, err := ClipGlobalNorm(vgs, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Errorf("%v: norm before = %v, want 5", dt, n)
		}
		g := gradsOf(t, vgs)
		assertClose(t, "clipped", []float64{g[0][0], g[1][0]}, []float64{3 / 5.000001, 4 / 5.000001}, tol)
		assertClose(t, "clipped ≈", []float64{g[0][0], g[1][0]}, []float64{0.6, 0.8}, 2e-7)
		if after, _ := GlobalNorm(vgs); after > 1 {
			t.Errorf("%v: norm after clipping = %v > 1", dt, after)
		}

		// Under the limit: unchanged, and the norm is still reported.
		vgs = gradVGs(dt, []float64{3, 4})
		if n, err := ClipGlobalNorm(vgs, 10); err != nil || n != 5 {
			t.Errorf("%v: ClipGlobalNorm under the limit = %v, %v; want 5, nil", dt, n, err)
		}
		assertClose(t, "unclipped", gradsOf(t, vgs)[0], []float64{3, 4}, 0)
		// Exactly at the limit: coef = 5/(5 + 1e-6) < 1, so torch scales slightly.
		vgs = gradVGs(dt, []float64{3, 4})
		if _, err := ClipGlobalNorm(vgs, 5); err != nil {
			t.Fatal(err)
		}
		assertClose(t, "at the limit", gradsOf(t, vgs)[0], []float64{3 * 5 / 5.000001, 4 * 5 / 5.000001}, tol*10)
	}
}

func TestClipGlobalNormErrors(t *testing.T) {
	for _, m := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := ClipGlobalNorm(gradVGs(tensor.Float64, []float64{1}), m); err == nil || !strings.Contains(err.Error(), "maxNorm") {
			t.Errorf("maxNorm %v: error = %v", m, err)
		}
	}
	vgs := gradVGs(tensor.Float64, []float64{1, math.Inf(1)})
	n, err := ClipGlobalNorm(vgs, 1)
	if err == nil || !math.IsInf(n, 1) {
		t.Errorf("infinite gradient: norm %v, error %v; want +Inf and an error", n, err)
	}
	if g := gradsOf(t, vgs)[0]; g[0] != 1 {
		t.Errorf("infinite gradient: gradients changed to %v", g)
	}
	bad := []gorgonia.ValueGrad{fakeVG{v: gorgonia.NewF64(1), g: gorgonia.NewF64(1)}}
	if _, err := GlobalNorm(bad); err == nil || !strings.Contains(err.Error(), "parameter 0") {
		t.Errorf("scalar gradient: error = %v", err)
	}
}

func TestClipValue(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		vgs := gradVGs(dt, []float64{-3, -0.5, 0, 0.25, 2}, []float64{1.5})
		if err := ClipValue(vgs, 1); err != nil {
			t.Fatal(err)
		}
		g := gradsOf(t, vgs)
		assertClose(t, "clipped 0", g[0], []float64{-1, -0.5, 0, 0.25, 1}, 0)
		assertClose(t, "clipped 1", g[1], []float64{1}, 0)
	}
	if err := ClipValue(gradVGs(tensor.Float64, []float64{1}), 0); err == nil {
		t.Error("ClipValue with c = 0 succeeded")
	}
	vgs := append(gradVGs(tensor.Float64, []float64{5}), fakeVG{v: gorgonia.NewF64(1), g: gorgonia.NewF64(1)})
	if err := ClipValue(vgs, 1); err == nil || !strings.Contains(err.Error(), "parameter 1") {
		t.Errorf("scalar gradient: error = %v", err)
	}
	if g := gradsOf(t, vgs[:1])[0]; g[0] != 5 {
		t.Errorf("ClipValue changed gradients before failing: %v", g)
	}
}
