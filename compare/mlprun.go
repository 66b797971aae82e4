package compare

import (
	"math"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
	"github.com/pkg/errors"
)

// mlpRun is the configuration of one MLP run on the spirals.
type mlpRun struct {
	Points    int     // spiral points in all (80% train, 10% validation, 10% test)
	TrainCap  int     // keep only this many training points (0: all)
	Hidden    []int   // hidden widths
	Act       string  // activation
	BatchNorm bool    // BatchNorm after each hidden linear map
	Residual  bool    // residual connections
	Dropout   float64 // dropout probability
	Opt       string  // solver
	LR        float64 // learning rate
	Batch     int     // batch size
	Steps     int     // solver steps
	EvalEvery int     // steps between evaluations
	ProbeGrad bool    // measure the first layer's gradient norm at every evaluation
}

// spirals is the three-arm spiral task of the seed, split 80/10/10.
func spirals(points int, seed uint64) (train.Data, error) {
	parts, err := datasets.Split(datasets.Spirals(points, datasets.SpiralsNoise, seed), nn.NewRNG(seed, nn.StreamData, 0), 0.8, 0.1, 0.1)
	if err != nil {
		return train.Data{}, err
	}
	return train.Data{Train: parts[0], Val: parts[1], Test: parts[2]}, nil
}

// execMLP trains one MLP and returns its metrics: final validation and test loss and accuracy,
// training-split loss and accuracy in evaluation mode, whether it diverged; curves of the training
// loss and the validation loss and accuracy, and the first layer's gradient norm when asked.
func execMLP(c mlpRun, seed uint64) (Outcome, error) {
	data, err := spirals(c.Points, seed)
	if err != nil {
		return Outcome{}, err
	}
	if c.TrainCap > 0 && c.TrainCap < data.Train.Len() {
		idx := make([]int, c.TrainCap)
		for i := range idx {
			idx[i] = i
		}
		data.Train = datasets.Subset(data.Train, idx)
	}
	m, err := mlp.New(mlp.Config{Inputs: 2, Hidden: c.Hidden, Outputs: 3, Activation: c.Act, BatchNorm: c.BatchNorm,
		Dropout: c.Dropout, Residual: c.Residual, Seed: seed})
	if err != nil {
		return Outcome{}, err
	}
	cfg := train.Config{Steps: c.Steps, Batch: c.Batch, Optimizer: c.Opt, LR: c.LR, Schedule: "constant", Seed: seed, EvalEvery: c.EvalEvery}
	var out Outcome
	gradCurve := Curve{Name: "grad_first_layer"}
	var also func(train.Record)
	var perr error
	if c.ProbeGrad {
		g, err := m.Build(min(256, data.Train.Len()), true)
		if err != nil {
			return out, err
		}
		defer g.Close()
		idx := make([]int, g.N)
		for i := range idx {
			idx[i] = i
		}
		b := data.Train.Batch(idx)
		probe := func(step int) {
			v, err := paramGradNorm(g, b, "hidden.0.weight")
			if err != nil && perr == nil {
				perr = err
			}
			gradCurve.X, gradCurve.Y = append(gradCurve.X, float64(step)), append(gradCurve.Y, v)
		}
		probe(0)
		out.Metrics = append(out.Metrics, Metric{"grad_first_init", gradCurve.Y[0]})
		also = func(r train.Record) { probe(r.Step) }
	}
	fr, err := fit(m, data, cfg, also)
	if err != nil {
		return out, err
	}
	if perr != nil {
		return out, perr
	}
	return mlpOutcome(out, fr, m, data, gradCurve)
}

func mlpOutcome(out Outcome, fr *fitRun, m *mlp.Model, data train.Data, gradCurve Curve) (Outcome, error) {
	div := 0.0
	if fr.Diverged {
		div = 1
	}
	out.Metrics = append(out.Metrics, Metric{"diverged", div})
	out.Curves = append(out.Curves, fr.trainCurve("train_loss"), fr.evalCurve("val_accuracy", "accuracy"), fr.evalCurve("val_loss", "loss"))
	if len(gradCurve.X) > 0 {
		out.Curves = append(out.Curves, gradCurve)
		out.Metrics = append(out.Metrics, Metric{"grad_first_final", gradCurve.Y[len(gradCurve.Y)-1]})
	}
	if fr.Diverged {
		nan := math.NaN()
		out.Metrics = append(out.Metrics, Metric{"val_loss", nan}, Metric{"val_accuracy", nan}, Metric{"test_accuracy", nan})
		return out, nil
	}
	gs := train.NewGraphs(m)
	defer gs.Close()
	tr, err := train.Evaluate(gs, data.Train, 256)
	if err != nil {
		return out, errors.Wrap(err, "evaluating the training split")
	}
	va, te := fr.Res.Val, fr.Res.Test
	out.Metrics = append(out.Metrics,
		Metric{"train_loss", tr["loss"]}, Metric{"train_accuracy", tr["accuracy"]},
		Metric{"val_loss", va["loss"]}, Metric{"val_accuracy", va["accuracy"]},
		Metric{"test_accuracy", te["accuracy"]},
		Metric{"gap_accuracy", tr["accuracy"] - va["accuracy"]}, Metric{"gap_loss", va["loss"] - tr["loss"]})
	return out, nil
}

func mlpParams(c mlpRun) []Param {
	ps := []Param{param("depth", len(c.Hidden)), param("width", c.Hidden[len(c.Hidden)-1]), param("opt", c.Opt), param("lr", c.LR)}
	if c.BatchNorm {
		ps = append(ps, param("batchnorm", 1))
	}
	if c.Residual {
		ps = append(ps, param("residual", 1))
	}
	if c.Dropout > 0 {
		ps = append(ps, param("dropout", c.Dropout))
	}
	return ps
}

func execMLPSpec(s Spec) (Outcome, error) { return execMLP(s.cfg.(mlpRun), s.Seed) }
