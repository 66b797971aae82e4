package mlp

import (
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// TestGradientWholeNetwork checks every parameter of an MLP with BatchNorm, residual connections
// and dropout (a fixed mask) by finite differences, for both heads.
func TestGradientWholeNetwork(t *testing.T) {
	for _, regression := range []bool{false, true} {
		m, err := New(Config{Inputs: 5, Hidden: []int{300, 300}, Outputs: 4, Activation: "tanh", BatchNorm: true,
			Dropout: 0.2, Residual: true, Regression: regression, Float64: true, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Build(16, true)
		if err != nil {
			t.Fatal(err)
		}
		ds := datasets.Teacher(16, 5, 4, 2)
		b := ds.Batch([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
		if regression {
			b.Y, b.YDim = make([]float64, 16*4), 4
			for i := range b.Y {
				b.Y[i] = math.Sin(float64(i))
			}
		}
		if err := g.Feed(b); err != nil {
			t.Fatal(err)
		}
		if err := g.Prepare(nn.NewRNG(1, nn.StreamDropout, 0)); err != nil {
			t.Fatal(err)
		}
		rs, err := gradcheck.Check(g.G, g.LossNode(), g.Nodes(), gradcheck.Options{Eps: 1e-5, Samples: 30, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2*2+2*2+2 { // 2 linear, 2 batchnorm (γ, β), output layer
			t.Errorf("checked %d parameters, want 10", len(rs))
		}
		for _, r := range rs {
			if r.MaxRelErr > 1e-4 {
				t.Errorf("regression=%v %s: max relative error %.3g (analytic %.6g, numeric %.6g)", regression, r.Node, r.MaxRelErr, r.Analytic, r.Numeric)
			}
		}
	}
}

func spirals(t *testing.T) train.Data {
	t.Helper()
	ds := datasets.Spirals(3000, datasets.SpiralsNoise, 1)
	parts, err := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.8, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	return train.Data{Train: parts[0], Val: parts[1]}
}

// TestLinearModelFailsOnSpirals: without hidden layers the MLP is a linear softmax classifier,
// which cannot separate the arms.
func TestLinearModelFailsOnSpirals(t *testing.T) {
	data := spirals(t)
	m, err := New(Config{Inputs: 2, Outputs: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := train.DefaultConfig()
	c.Epochs, c.Batch, c.LR = 20, 32, 1e-2
	res, err := train.Fit(m, data, c)
	if err != nil {
		t.Fatal(err)
	}
	if acc := res.Val["accuracy"]; acc >= 0.60 {
		t.Errorf("linear model reached %.3f validation accuracy on spirals; the task must need a hidden layer", acc)
	}
}

// TestBatchNormTrainsWhereBareDiverges: SGD at learning rate 2 on a 4-layer tanh MLP diverges
// without BatchNorm and trains with it.
func TestBatchNormTrainsWhereBareDiverges(t *testing.T) {
	data := spirals(t)
	acc := map[bool]float64{}
	for _, bn := range []bool{false, true} {
		m, err := New(Config{Inputs: 2, Hidden: []int{64, 64, 64, 64}, Outputs: 3, Activation: "tanh", BatchNorm: bn, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		c := train.DefaultConfig()
		c.Epochs, c.Batch, c.LR, c.Optimizer = 5, 32, 2, "sgd"
		res, err := train.Fit(m, data, c)
		if err != nil {
			t.Fatal(err)
		}
		acc[bn] = res.Val["accuracy"]
		t.Logf("batchnorm=%v: validation accuracy %.3f, loss %.3f", bn, res.Val["accuracy"], res.Val["loss"])
	}
	if acc[true] < 0.85 || acc[false] > 0.5 {
		t.Errorf("validation accuracy with BatchNorm %.3f (want ≥ 0.85), without %.3f (want ≤ 0.5)", acc[true], acc[false])
	}
}

// TestHousingReachesNoiseFloor: the regression head reaches a validation MSE within 10% of the
// generator's noise variance, the lowest any model can reach.
func TestHousingReachesNoiseFloor(t *testing.T) {
	ds := datasets.Housing(5000, 1)
	parts, err := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.8, 0.1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(DefaultConfig(ds.Info()))
	if err != nil {
		t.Fatal(err)
	}
	c := train.DefaultConfig()
	c.Epochs, c.Batch, c.LR, c.Schedule = 30, 32, 3e-3, "cosine"
	res, err := train.Fit(m, train.Data{Train: parts[0], Val: parts[1]}, c)
	if err != nil {
		t.Fatal(err)
	}
	noise := ds.Info().NoiseVar
	if mse := res.Val["mse"]; math.Abs(mse-noise) > 0.1*noise {
		t.Errorf("validation MSE %.4f, noise variance %.4f: not within 10%%", mse, noise)
	}
}
