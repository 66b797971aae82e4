package compare

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gorgonia-zoo/modelzoo/datasets"
)

func init() {
	register(&Experiment{
		Name:  "forget-bias",
		Title: "the LSTM needs its forget gate open at the start",
		Claim: "The LSTM solves the vanishing gradient through c_t = f_t·c_{t−1} + i_t·g_t, but only if the forget gate is open, at least at the beginning — which the forget-gate bias b_f achieves.",
		Setup: func(o Options) string {
			a, c := fbBase(o, "adding"), fbBase(o, "copy")
			return fmt.Sprintf("One-layer LSTM, forget-gate bias 0 or 1 (other biases as PyTorch). Adding problem: T=%d, %d units, batch %d, %d steps, %s lr %v, clip %v, "+
				"test MSE on %d examples; ‖∂L/∂h_t‖ measured on %d test examples as in vanishing. Copy memory: remember %d symbols over a delay of %d steps, %d units, "+
				"embedding %d, batch %d, %d steps; test cross-entropy per step on %d examples (the memoryless baseline scores %.4g).",
				a.T, a.Hidden, a.Batch, a.Steps, a.Opt, a.LR, a.Clip, a.Test, a.GradProbe, c.S, c.T, c.Hidden, c.Embed, c.Batch, c.Steps, c.Test, datasets.CopyBaseline(c.S, c.T))
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, task := range []string{"adding", "copy"} {
					for _, fb := range []float64{0, 1} {
						c := fbBase(o, task)
						c.ForgetBias = fb
						l = append(l, Spec{ID: fmt.Sprintf("task=%s forget_bias=%v", task, fb), Seed: seed,
							Params: []Param{param("task", task), param("forget_bias", fb), param("T", c.T), param("steps", c.Steps)}, cfg: c})
					}
				}
			}
			return specs(l)
		},
		Exec: execSeqSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			var plots []string
			var grows [][]string
			var gser []Series
			for _, fb := range []string{"0", "1"} {
				sel := where(rs, "task", "adding", "forget_bias", fb)
				r0, ok0 := mean(sel, "grad_ratio_init")
				r1, ok1 := mean(sel, "grad_ratio_trained")
				grows = append(grows, []string{fb, f4(r0, ok0), f4(r1, ok1)})
				for _, k := range []string{"grad_init", "grad_trained"} {
					s := meanCurve(sel, k)
					s.Name = "forget bias " + fb + map[string]string{"grad_init": " at init", "grad_trained": " trained"}[k]
					gser = append(gser, s)
				}
			}
			for _, task := range []string{"adding", "copy"} {
				var ser []Series
				for _, fb := range []string{"0", "1"} {
					sel := where(rs, "task", task, "forget_bias", fb)
					if task == "adding" {
						v, ok := mean(sel, "test_mse")
						st, okS := mean(sel, "steps_to_0.01")
						reach := "not reached"
						if okS && !math.IsNaN(st) {
							reach = fmt.Sprint(st)
						}
						rows = append(rows, []string{"adding", fb, "test MSE " + f4(v, ok), reach})
					} else {
						v, ok := mean(sel, "test_loss")
						c := fbBase(o, "copy")
						rows = append(rows, []string{"copy", fb, fmt.Sprintf("test loss %s (baseline %.4g)", f4(v, ok), datasets.CopyBaseline(c.S, c.T)), "—"})
					}
					key := map[string]string{"adding": "val_mse", "copy": "val_loss"}[task]
					s := meanCurve(sel, key)
					s.Name = "forget bias " + fb
					ser = append(ser, s)
				}
				p := "forget_bias_" + task + ".png"
				if err := linePlot(filepath.Join(dir, p), "LSTM on the "+task+" task", "step", "validation "+map[string]string{"adding": "MSE", "copy": "cross-entropy"}[task], true, ser); err != nil {
					return "", nil, err
				}
				plots = append(plots, p)
			}
			md := mdTable([]string{"task", "forget bias", "result", "steps to val MSE < 0.01"}, rows)
			md += "\nHow much gradient reaches the first step of the adding problem, ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖:\n\n" +
				mdTable([]string{"forget bias", "ratio at initialisation", "ratio after training"}, grows)
			p := "forget_bias_grad.png"
			if err := linePlot(filepath.Join(dir, p), "LSTM: ‖∂L/∂h_t‖ against t (adding problem)", "time step t", "‖∂L/∂h_t‖", true, gser); err != nil {
				return "", nil, err
			}
			return md, append(plots, p), nil
		},
	})
}

func fbBase(o Options, task string) seqRun {
	c := seqRun{Task: task, Cell: "lstm", Opt: "adam", LR: 1e-3, Clip: 1}
	if o.Quick {
		c.T, c.S, c.Hidden, c.Embed, c.Batch, c.Steps, c.EvalEvery, c.Val, c.Test = 8, 3, 8, 4, 10, 30, 10, 20, 20
		if task == "adding" {
			c.S, c.Embed, c.GradProbe = 0, 0, 10
		}
		return c
	}
	c.Hidden, c.Batch, c.EvalEvery, c.Val, c.Test, c.LR = 64, 50, 100, 500, 1000, 3e-3
	if task == "adding" {
		c.T, c.Steps, c.GradProbe = 50, 800, 100
	} else {
		c.T, c.S, c.Embed, c.Steps = 10, 5, 16, 800
	}
	return c
}
