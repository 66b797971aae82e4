package compare

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

var cells = []string{"rnn", "lstm", "gru"}

// vanishingTs are the sequence lengths with the steps each gets (long sequences cost more per
// step, so they get fewer: a budget of two CPU cores).
func vanishingTs(o Options) ([]int, map[int]int) {
	if o.Quick {
		return []int{5, 10}, map[int]int{5: 30, 10: 30}
	}
	return []int{10, 25, 50, 100, 200}, map[int]int{10: 500, 25: 500, 50: 2000, 100: 400, 200: 200}
}

// gradT is the length whose hidden-state gradients are plotted.
func gradT(o Options) int {
	if o.Quick {
		return 10
	}
	return 100
}

func vanBase(o Options) seqRun {
	if o.Quick {
		return seqRun{Task: "adding", Hidden: 8, Batch: 10, EvalEvery: 10, Val: 50, Test: 50, Opt: "adam", LR: 1e-3, Clip: 1, ForgetBias: 1, GradProbe: 10}
	}
	return seqRun{Task: "adding", Hidden: 128, Batch: 50, EvalEvery: 100, Val: 500, Test: 1000, Opt: "adam", LR: 1e-3, Clip: 1, ForgetBias: 1, GradProbe: 100}
}

func init() {
	register(&Experiment{
		Name:  "vanishing",
		Title: "the vanilla RNN forgets over long sequences; LSTM and GRU do not",
		Claim: "Long sequences are hard for a vanilla RNN because its gradients vanish through time; the LSTM's memory cell (c_t = f_t·c_{t−1} + i_t·g_t) and the GRU's update gate were designed against exactly this.",
		Anchor: "W3 (`../shared/anchors/`, PyTorch 1.13, same config: hidden 128, batch 50, Adam 1e-3, clip 1, 2000 steps, 1000 test samples), T=50: " +
			"RNN 0.163 (fails), LSTM 0.033 (batch MSE < 0.01 first at step 1823), GRU 0.0007 (val < 0.01 by step 900); T=200: RNN 0.164, LSTM 0.164, GRU 0.018. " +
			"PyTorch's LSTM starts with a forget bias drawn around 0; ours starts at 1 (see forget-bias).",
		Setup: func(o Options) string {
			c := vanBase(o)
			Ts, steps := vanishingTs(o)
			s := ""
			for i, T := range Ts {
				if i > 0 {
					s += ", "
				}
				s += fmt.Sprintf("T=%d: %d", T, steps[T])
			}
			return fmt.Sprintf("Adding problem (two marked values among T, predict their sum; predicting 1 scores MSE ≈ 0.167). One layer of %d units, "+
				"batch %d (a fresh batch every step), %s lr %v, global-norm clip %v, LSTM forget bias %v. Steps by length: %s. Validation MSE on %d "+
				"examples every %d steps, test MSE on %d fresh examples. ‖∂L/∂h_t‖ is measured on %d test examples, at initialisation and after "+
				"training, by adding a zero probe input to every h_t and differentiating the loss with respect to the probes.",
				c.Hidden, c.Batch, c.Opt, c.LR, c.Clip, c.ForgetBias, s, c.Val, c.EvalEvery, c.Test, c.GradProbe)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			Ts, steps := vanishingTs(o)
			for _, seed := range o.seeds() {
				for _, T := range Ts {
					for _, cell := range cells {
						c := vanBase(o)
						c.Cell, c.T, c.Steps = cell, T, steps[T]
						l = append(l, Spec{ID: fmt.Sprintf("cell=%s T=%d", cell, T), Seed: seed,
							Params: []Param{param("cell", cell), param("T", T), param("steps", c.Steps), param("hidden", c.Hidden)}, cfg: c})
					}
				}
			}
			return specs(l)
		},
		Exec: execSeqSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			Ts, steps := vanishingTs(o)
			head := []string{"T (steps)"}
			for _, c := range cells {
				head = append(head, c+" test MSE", c+" steps to val MSE < 0.01")
			}
			var rows [][]string
			var mseSeries []Series
			for _, c := range cells {
				mseSeries = append(mseSeries, Series{Name: c})
			}
			for _, T := range Ts {
				row := []string{fmt.Sprintf("%d (%d)", T, steps[T])}
				for i, c := range cells {
					sel := where(rs, "cell", c, "T", strconv.Itoa(T))
					v, ok := mean(sel, "test_mse")
					st, okS := mean(sel, "steps_to_0.01")
					reach := "not reached"
					if okS && !math.IsNaN(st) {
						reach = fmt.Sprint(st)
					}
					row = append(row, f4(v, ok), reach)
					if ok {
						mseSeries[i].X = append(mseSeries[i].X, float64(T))
						mseSeries[i].Y = append(mseSeries[i].Y, v)
					}
				}
				rows = append(rows, row)
			}
			md := "Test MSE after training (mean over seeds; predicting 1 scores 0.167) and the first evaluation step at which the validation MSE fell below 0.01:\n\n" + mdTable(head, rows)
			if steps[50] == 2000 {
				var ours []string
				for _, c := range cells {
					v, ok := mean(where(rs, "cell", c, "T", "50"), "test_mse")
					ours = append(ours, c+" "+f4(v, ok))
				}
				md += fmt.Sprintf("\nBeside PyTorch at T=50 (the W3 configuration, 2000 steps): ours %s; PyTorch rnn 0.163, lstm 0.033, gru 0.0007.\n", strings.Join(ours, ", "))
			}
			gT := gradT(o)
			var grows [][]string
			var gser []Series
			for _, c := range cells {
				sel := where(rs, "cell", c, "T", strconv.Itoa(gT))
				r0, ok0 := mean(sel, "grad_ratio_init")
				r1, ok1 := mean(sel, "grad_ratio_trained")
				grows = append(grows, []string{c, f4(r0, ok0), f4(r1, ok1)})
				for _, k := range []string{"grad_init", "grad_trained"} {
					s := meanCurve(sel, k)
					s.Name = c + map[string]string{"grad_init": " at init", "grad_trained": " trained"}[k]
					gser = append(gser, s)
				}
			}
			md += fmt.Sprintf("\nThe vanishing gradient itself at T=%d: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖, how much of the gradient at the last step reaches the first "+
				"(the loss is computed at the last step only, so this is the gradient carried back through T−1 steps):\n\n", gT)
			md += mdTable([]string{"cell", "ratio at initialisation", "ratio after training"}, grows)
			p1, p2, p3 := "vanishing_grad.png", "vanishing_mse.png", "vanishing_curves.png"
			if err := linePlot(filepath.Join(dir, p1), fmt.Sprintf("‖∂L/∂h_t‖ against t (adding problem, T=%d)", gT), "time step t", "‖∂L/∂h_t‖", true, gser); err != nil {
				return "", nil, err
			}
			if err := linePlot(filepath.Join(dir, p2), "Test MSE against sequence length", "T", "test MSE", true, mseSeries); err != nil {
				return "", nil, err
			}
			midT := Ts[len(Ts)/2]
			var cur []Series
			for _, c := range cells {
				s := meanCurve(where(rs, "cell", c, "T", strconv.Itoa(midT)), "val_mse")
				s.Name = c
				cur = append(cur, s)
			}
			if err := linePlot(filepath.Join(dir, p3), fmt.Sprintf("Validation MSE during training (T=%d)", midT), "step", "validation MSE", true, cur); err != nil {
				return "", nil, err
			}
			return md, []string{p1, p2, p3}, nil
		},
	})
}
