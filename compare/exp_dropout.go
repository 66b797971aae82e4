package compare

import (
	"fmt"
	"path/filepath"
)

func init() {
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
