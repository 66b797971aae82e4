package seqmodel_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

func paramValues(t *testing.T, m *seqmodel.Model) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	for _, p := range m.Store().Params() {
		var v []float64
		switch d := p.Value.Data().(type) {
		case []float32:
			for _, x := range d {
				v = append(v, float64(x))
			}
		case []float64:
			v = append(v, d...)
		}
		out[p.Name] = v
	}
	return out
}

// TestInitUniform: with InitUniform 0.1 every parameter, the forget-gate bias (1 otherwise)
// included, lies in [−0.1, 0.1], spread over the interval (mean near 0, variance near 0.1²/3),
// the same for the same seed and in float64; 0 keeps the layers' own initialisation.
func TestInitUniform(t *testing.T) {
	cfg := seqmodel.Config{Hidden: 40, Layers: 2, Embed: 30, T: 5, Vocab: 50, Classes: 50, Seed: 7, InitUniform: 0.1}
	m, err := lstm.NewModel(cfg, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	vals := paramValues(t, m)
	var n int
	var sum, sq float64
	for name, v := range vals {
		for _, x := range v {
			if x < -0.1 || x > 0.1 {
				t.Fatalf("%s holds %v, outside [−0.1, 0.1]", name, x)
			}
			n++
			sum += x
			sq += x * x
		}
	}
	mean, variance := sum/float64(n), sq/float64(n)
	// n ≈ 26 000 draws: the mean's standard error is 0.058/√n ≈ 0.0004.
	if math.Abs(mean) > 0.002 || math.Abs(variance-0.01/3) > 0.0002 {
		t.Errorf("%d values: mean %.5f, variance %.6f; want 0 and %.6f", n, mean, variance, 0.01/3)
	}
	base, err := lstm.NewModel(seqmodel.Config{Hidden: 40, Layers: 2, Embed: 30, T: 5, Vocab: 50, Classes: 50, Seed: 7}, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	plain := paramValues(t, base)
	if len(plain) != len(vals) {
		t.Fatalf("%d tensors with InitUniform, %d without", len(vals), len(plain))
	}
	forget := false
	for name, v := range plain {
		for _, x := range v {
			if x == 1 {
				forget = true // the forget-gate bias of the default initialisation
			}
		}
		if math.Abs(v[0]-vals[name][0]) == 0 && len(v) > 1 && v[1] == vals[name][1] {
			t.Errorf("%s: InitUniform left the layers' initialisation", name)
		}
	}
	if !forget {
		t.Error("the default initialisation has no forget-gate bias of 1: the comparison shows nothing")
	}
	again, _ := lstm.NewModel(cfg, lstm.DefaultConfig())
	cfg64 := cfg
	cfg64.Float64 = true
	m64, err := lstm.NewModel(cfg64, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	v64, vAgain := paramValues(t, m64), paramValues(t, again)
	for name, v := range vals {
		for i, x := range v {
			if vAgain[name][i] != x || math.Abs(v64[name][i]-x) > 1e-8 {
				t.Fatalf("%s[%d]: %v, again %v, float64 %v", name, i, x, vAgain[name][i], v64[name][i])
			}
		}
	}
	for _, bad := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		c := cfg
		c.InitUniform = bad
		if _, err := lstm.NewModel(c, lstm.DefaultConfig()); err == nil || !strings.Contains(err.Error(), "seqmodel.Config.InitUniform") {
			t.Errorf("InitUniform %v: %v", bad, err)
		}
	}
}
