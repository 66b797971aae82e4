package compare

import (
	"fmt"
	"math"
	"path/filepath"
)

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
}
