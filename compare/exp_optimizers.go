package compare

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// optimizerNames are the solvers of the lecture's slide, in its order.
var optimizerNames = []string{"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam"}

// baseLR is each solver's central learning rate for the MLP and the char-LSTM; the sweep
// multiplies it by sweepFactors.
var baseLR = map[string][2]float64{
	"sgd": {0.3, 1}, "momentum": {0.03, 0.1}, "nesterov": {0.03, 0.1}, "adagrad": {0.03, 0.1},
	"adadelta": {1, 1}, "rmsprop": {1e-3, 2e-3}, "adam": {3e-3, 2e-3},
}

func sweepFactors(o Options) []float64 {
	if o.Quick {
		return []float64{1}
	}
	return []float64{0.3, 1, 3}
}

func lrOf(opt string, model int, f float64) float64 {
	v, _ := strconv.ParseFloat(FormatFloat(baseLR[opt][model]*f), 64)
	return v
}

func optMLP(o Options) mlpRun {
	if o.Quick {
		return mlpRun{Points: 300, Hidden: []int{8}, Act: "relu", Batch: 16, Steps: 20, EvalEvery: 10}
	}
	return mlpRun{Points: 3000, Hidden: []int{64, 64}, Act: "relu", Batch: 64, Steps: 800, EvalEvery: 50}
}

func optLSTM(o Options) seqRun {
	if o.Quick {
		return seqRun{Task: "text", Cell: "lstm", T: 8, Hidden: 8, Embed: 4, Batch: 4, Steps: 10, EvalEvery: 5, Val: 10, Clip: 5, ForgetBias: 1}
	}
	return seqRun{Task: "text", Cell: "lstm", T: 32, Hidden: 64, Embed: 32, Batch: 32, Steps: 150, EvalEvery: 50, Val: 100, Clip: 5, ForgetBias: 1}
}

func init() {
	register(&Experiment{
		Name:  "optimizers",
		Title: "SGD and its modifications on an MLP and a char-LSTM",
		Claim: "Momentum remembers the direction of the previous step and goes on \"by inertia\"; Nesterov takes the gradient where inertia would carry the weights; Adagrad, Adadelta, RMSprop and Adam add heuristics that give each weight its own step size.",
		Setup: func(o Options) string {
			m, l := optMLP(o), optLSTM(o)
			return fmt.Sprintf("Each solver at its central learning rate × %v (momentum 0.9 where it applies). MLP 2→%v→3 (ReLU) on the spirals, batch %d, %d steps; "+
				"char-LSTM on the Opticks: %d units, embedding %d, BPTT %d, batch %d, %d steps, clip %v, validation on %d windows. Central learning rates (MLP / LSTM): %s.",
				sweepFactors(o), m.Hidden, m.Batch, m.Steps, l.Hidden, l.Embed, l.T, l.Batch, l.Steps, l.Clip, l.Val, centralLRs())
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for mi, model := range []string{"mlp", "lstm"} {
					for _, opt := range optimizerNames {
						for _, f := range sweepFactors(o) {
							lr := lrOf(opt, mi, f)
							ps := []Param{param("model", model), param("opt", opt), param("lr", lr)}
							if model == "mlp" {
								c := optMLP(o)
								c.Opt, c.LR = opt, lr
								l = append(l, Spec{ID: fmt.Sprintf("model=%s opt=%s lr=%v", model, opt, lr), Seed: seed, Params: ps, cfg: c})
							} else {
								c := optLSTM(o)
								c.Opt, c.LR = opt, lr
								l = append(l, Spec{ID: fmt.Sprintf("model=%s opt=%s lr=%v", model, opt, lr), Seed: seed, Params: ps, cfg: c})
							}
						}
					}
				}
			}
			return specs(l)
		},
		Exec: func(s Spec) (Outcome, error) {
			switch c := s.cfg.(type) {
			case mlpRun:
				return execMLP(c, s.Seed)
			case seqRun:
				return execSeq(c, s.Seed)
			}
			return Outcome{}, errors.Errorf("run %s: unknown configuration", s.ID)
		},
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var md string
			var plots []string
			for _, model := range []string{"mlp", "lstm"} {
				metric, label, curve := "val_loss", "val loss", "val_loss"
				if model == "mlp" {
					curve = "train_loss"
				}
				var rows [][]string
				var ser []Series
				for _, opt := range optimizerNames {
					bestLR, best := "", math.Inf(1)
					row := []string{opt}
					for _, r := range where(rs, "model", model, "opt", opt) {
						if r.Seed != 1 {
							continue
						}
						v, ok := mean(where(rs, "model", model, "opt", opt, "lr", r.Param("lr")), metric)
						row = append(row, fmt.Sprintf("%s: %s", r.Param("lr"), f4(v, ok && !math.IsNaN(v))))
						if ok && v < best {
							best, bestLR = v, r.Param("lr")
						}
					}
					extra := "—"
					if bestLR != "" {
						sel := where(rs, "model", model, "opt", opt, "lr", bestLR)
						if model == "mlp" {
							a, ok := mean(sel, "val_accuracy")
							extra = f4(a, ok)
						} else {
							b, ok := mean(sel, "val_bpc")
							extra = f4(b, ok)
						}
						s := meanCurve(sel, curve)
						s.Name = fmt.Sprintf("%s (lr %s)", opt, bestLR)
						ser = append(ser, s)
					}
					rows = append(rows, append(row, bestLR, f4(best, !math.IsInf(best, 1)), extra))
				}
				head := []string{"solver"}
				for _, f := range sweepFactors(o) {
					head = append(head, fmt.Sprintf("lr ×%v: %s", f, label))
				}
				last := "val accuracy at best lr"
				name := "MLP on the spirals"
				if model == "lstm" {
					last, name = "val bits/char at best lr", "char-LSTM on the Opticks"
				}
				head = append(head, "best lr", "best "+label, last)
				md += "**" + name + ".**\n\n" + mdTable(head, rows) + "\n"
				if edge := atEdge(rows, len(sweepFactors(o))); edge > 0 && len(sweepFactors(o)) > 1 {
					md += fmt.Sprintf("For %d of the %d solvers the best learning rate is the largest of the sweep: their best is at least that good.\n\n", edge, len(rows))
				}
				p := "optimizers_" + model + ".png"
				if err := linePlot(filepath.Join(dir, p), name+": "+map[string]string{"mlp": "training", "lstm": "validation"}[model]+" loss at each solver's best lr", "step", "loss", true, ser); err != nil {
					return "", nil, err
				}
				plots = append(plots, p)
			}
			return md, plots, nil
		},
	})
}

// atEdge counts the rows whose best learning rate (column k+1) is the last of the k swept.
func atEdge(rows [][]string, k int) int {
	n := 0
	for _, r := range rows {
		if len(r) > k+1 && r[k+1] != "" && strings.HasPrefix(r[k], r[k+1]+":") {
			n++
		}
	}
	return n
}

func centralLRs() string {
	s := ""
	for i, opt := range optimizerNames {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %v / %v", opt, baseLR[opt][0], baseLR[opt][1])
	}
	return s
}
