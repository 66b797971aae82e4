package compare

import (
	"fmt"
	"math"
	"path/filepath"

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

// ---------------------------------------------------------------- batchnorm

var bnLRs = []float64{0.01, 0.03, 0.1, 0.3, 1, 3, 10}

func bnBase(o Options) mlpRun {
	if o.Quick {
		return mlpRun{Points: 300, Hidden: []int{8, 8}, Act: "relu", Opt: "sgd", Batch: 16, Steps: 20, EvalEvery: 10}
	}
	return mlpRun{Points: 3000, Hidden: []int{64, 64, 64, 64}, Act: "relu", Opt: "sgd", Batch: 64, Steps: 800, EvalEvery: 100}
}

func bnLRList(o Options) []float64 {
	if o.Quick {
		return []float64{0.1, 10}
	}
	return bnLRs
}

// trainsAt is the validation accuracy above which a spirals run counts as trained (chance is 1/3).
const trainsAt = 0.6

func init() {
	register(&Experiment{
		Name:  "batchnorm",
		Title: "BatchNorm lets an MLP train at larger learning rates",
		Claim: "BatchNorm normalises every feature over the batch and then scales and shifts it; it makes the optimisation landscape smoother (Santurkar et al. 2018), so training is faster and more stable — in particular at learning rates where the plain network does not train.",
		Setup: func(o Options) string {
			c := bnBase(o)
			return fmt.Sprintf("MLP 2→%v→3, %s, plain SGD (no momentum), batch %d, %d steps on the spirals (%d points, 80/10/10 split), "+
				"with and without BatchNorm after each hidden linear map, learning rate ∈ %v. A run *trains* when its final validation accuracy "+
				"exceeds %.1f (chance 0.33) and its loss never became NaN.", c.Hidden, c.Act, c.Batch, c.Steps, c.Points, bnLRList(o), trainsAt)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, bn := range []bool{false, true} {
					for _, lr := range bnLRList(o) {
						c := bnBase(o)
						c.BatchNorm, c.LR = bn, lr
						l = append(l, Spec{ID: fmt.Sprintf("bn=%v lr=%v", bn, lr), Seed: seed, Params: append(mlpParams(c), param("bn", bn)), cfg: c})
					}
				}
			}
			return specs(l)
		},
		Exec: execMLPSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			largest := map[string]float64{}
			var series []Series
			for _, bn := range []string{"false", "true"} {
				row := []string{map[string]string{"false": "plain", "true": "BatchNorm"}[bn]}
				s := Series{Name: row[0]}
				for _, lr := range bnLRList(o) {
					sel := where(rs, "bn", bn, "lr", fmt.Sprint(lr))
					acc, ok := mean(sel, "val_accuracy")
					div, _ := mean(sel, "diverged")
					cell := f4(acc, ok && !math.IsNaN(acc))
					if div > 0 {
						cell = "diverged"
					}
					if ok && acc > trainsAt && div == 0 {
						largest[bn] = lr
					}
					row = append(row, cell)
					y := acc
					if math.IsNaN(y) || div > 0 {
						y = 1.0 / 3
					}
					s.X, s.Y = append(s.X, math.Log10(lr)), append(s.Y, y)
				}
				lg := "none"
				if v, ok := largest[bn]; ok {
					lg = fmt.Sprint(v)
				}
				rows = append(rows, append(row, lg))
				series = append(series, s)
			}
			head := []string{"model"}
			for _, lr := range bnLRList(o) {
				head = append(head, "lr "+fmt.Sprint(lr))
			}
			head = append(head, "largest lr that trains")
			md := "Final validation accuracy (mean over seeds) by learning rate:\n\n" + mdTable(head, rows)
			var lrows [][]string
			for _, bn := range []string{"false", "true"} {
				row := []string{map[string]string{"false": "plain", "true": "BatchNorm"}[bn]}
				for _, lr := range bnLRList(o) {
					v, ok := mean(where(rs, "bn", bn, "lr", fmt.Sprint(lr)), "val_loss")
					row = append(row, f4(v, ok && !math.IsNaN(v)))
				}
				lrows = append(lrows, row)
			}
			md += "\nFinal validation loss (— where the loss became NaN):\n\n" + mdTable(head[:len(head)-1], lrows)
			md += fmt.Sprintf("\nLargest learning rate that trains: plain %s, BatchNorm %s.\n", rows[0][len(rows[0])-1], rows[1][len(rows[1])-1])
			p := "batchnorm_lr.png"
			if err := linePlot(filepath.Join(dir, p), "Validation accuracy against learning rate (diverged = chance)", "log10 learning rate", "validation accuracy", false, series); err != nil {
				return "", nil, err
			}
			return md, []string{p}, nil
		},
	})

	register(&Experiment{
		Name:  "residual",
		Title: "residual connections let gradients reach the first layers of a deep MLP",
		Claim: "Connections that jump over layers (residual connections) let the gradient flow to the first layers without vanishing; large gradients are clipped.",
		Setup: func(o Options) string {
			c := resBase(o)
			return fmt.Sprintf("MLP 2→%d×%d→3, %s, PyTorch's default initialisation, %s lr %v, batch %d, %d steps on the spirals (%d points), "+
				"with and without residual connections h ← h + f(h) on every hidden layer of equal width. The gradient norm of the first layer's "+
				"weights is measured on a fixed batch of 256 training points at every evaluation.", len(c.Hidden), c.Hidden[0], c.Act, c.Opt, c.LR, c.Batch, c.Steps, c.Points)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, res := range []bool{false, true} {
					c := resBase(o)
					c.Residual = res
					l = append(l, Spec{ID: fmt.Sprintf("residual=%v", res), Seed: seed, Params: append(mlpParams(c), param("res", res)), cfg: c})
				}
			}
			return specs(l)
		},
		Exec: execMLPSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			var loss, grad []Series
			for _, res := range []string{"false", "true"} {
				sel := where(rs, "res", res)
				name := map[string]string{"false": "plain", "true": "residual"}[res]
				g0, ok0 := mean(sel, "grad_first_init")
				g1, ok1 := mean(sel, "grad_first_final")
				tl, okt := mean(sel, "train_loss")
				va, okv := mean(sel, "val_accuracy")
				rows = append(rows, []string{name, f4(g0, ok0), f4(g1, ok1), f4(tl, okt), f4(va, okv)})
				l := meanCurve(sel, "train_loss")
				l.Name = name
				loss = append(loss, l)
				gc := meanCurve(sel, "grad_first_layer")
				gc.Name = name
				grad = append(grad, gc)
			}
			md := mdTable([]string{"model", "‖∂L/∂W₁‖ at init", "‖∂L/∂W₁‖ at the end", "final train loss", "val accuracy"}, rows)
			p1, p2 := "residual_loss.png", "residual_grad.png"
			if err := linePlot(filepath.Join(dir, p1), "Training loss of the deep MLP", "step", "training loss", false, loss); err != nil {
				return "", nil, err
			}
			if err := linePlot(filepath.Join(dir, p2), "Gradient norm at the first layer", "step", "‖∂L/∂W₁‖", true, grad); err != nil {
				return "", nil, err
			}
			return md, []string{p1, p2}, nil
		},
	})

	register(&Experiment{
		Name:  "dropout",
		Title: "dropout narrows the train–validation gap on a small training set",
		Claim: "Neural networks overfit easily; dropping connections (weights taken as zero) leaves fewer parameters and less risk of overfitting.",
		Setup: func(o Options) string {
			c := dropBase(o)
			return fmt.Sprintf("MLP 2→%v→3, %s, %s lr %v, batch %d, %d steps on only %d training points of the spirals (validation and test: %d points each), "+
				"dropout p ∈ %v after every hidden layer. Both splits are scored in evaluation mode (no dropout); the gaps are training minus validation accuracy and validation minus training cross-entropy.",
				c.Hidden, c.Act, c.Opt, c.LR, c.Batch, c.Steps, c.TrainCap, c.Points/10, dropPs(o))
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, p := range dropPs(o) {
					c := dropBase(o)
					c.Dropout = p
					l = append(l, Spec{ID: fmt.Sprintf("dropout=%v", p), Seed: seed, Params: append(mlpParams(c), param("p", p)), cfg: c})
				}
			}
			return specs(l)
		},
		Exec: execMLPSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			var curves []Series
			for _, p := range dropPs(o) {
				sel := where(rs, "p", fmt.Sprint(p))
				ta, ok1 := mean(sel, "train_accuracy")
				va, ok2 := mean(sel, "val_accuracy")
				ga, ok3 := mean(sel, "gap_accuracy")
				tl, ok4 := mean(sel, "train_loss")
				vl, ok5 := mean(sel, "val_loss")
				te, ok6 := mean(sel, "test_accuracy")
				gl, ok7 := mean(sel, "gap_loss")
				rows = append(rows, []string{fmt.Sprint(p), f4(ta, ok1), f4(va, ok2), f4(ga, ok3), f4(tl, ok4), f4(vl, ok5), f4(gl, ok7), f4(te, ok6)})
				c := meanCurve(sel, "val_loss")
				c.Name = fmt.Sprintf("validation, p=%v", p)
				curves = append(curves, c)
				c = meanCurve(sel, "train_loss")
				c.Name = fmt.Sprintf("training (with dropout), p=%v", p)
				curves = append(curves, c)
			}
			md := mdTable([]string{"dropout p", "train accuracy", "val accuracy", "accuracy gap (train − val)", "train loss", "val loss", "loss gap (val − train)", "test accuracy"}, rows)
			pl := "dropout_loss.png"
			if err := linePlot(filepath.Join(dir, pl), "Loss on a small training set", "step", "cross-entropy", true, curves); err != nil {
				return "", nil, err
			}
			return md, []string{pl}, nil
		},
	})
}

func resBase(o Options) mlpRun {
	if o.Quick {
		return mlpRun{Points: 300, Hidden: rep(6, 8), Act: "relu", Opt: "adam", LR: 1e-3, Batch: 16, Steps: 20, EvalEvery: 10, ProbeGrad: true}
	}
	return mlpRun{Points: 3000, Hidden: rep(20, 32), Act: "relu", Opt: "adam", LR: 1e-3, Batch: 64, Steps: 800, EvalEvery: 50, ProbeGrad: true}
}

func dropBase(o Options) mlpRun {
	if o.Quick {
		return mlpRun{Points: 300, TrainCap: 40, Hidden: []int{16, 16}, Act: "relu", Opt: "adam", LR: 1e-2, Batch: 8, Steps: 30, EvalEvery: 10}
	}
	return mlpRun{Points: 2000, TrainCap: 200, Hidden: []int{256, 256}, Act: "relu", Opt: "adam", LR: 1e-3, Batch: 32, Steps: 2000, EvalEvery: 100}
}

func dropPs(o Options) []float64 {
	if o.Quick {
		return []float64{0, 0.5}
	}
	return []float64{0, 0.2, 0.5}
}

func rep(n, w int) []int {
	h := make([]int, n)
	for i := range h {
		h[i] = w
	}
	return h
}
