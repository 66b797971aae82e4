package compare

import (
	"fmt"
	"path/filepath"
)

func init() {
	register(&Experiment{
		Name:  "clipping",
		Title: "gradient clipping tames exploding gradients",
		Claim: "Exploding and vanishing gradients are the first difficulty of training; large gradients are simply clipped (gradient clipping).",
		Setup: func(o Options) string {
			c := clipBase(o)
			return fmt.Sprintf("Vanilla tanh RNN set up to explode: %d units, recurrent weights multiplied by %v after PyTorch's initialisation, adding problem T=%d, "+
				"plain SGD lr %v, batch %d, %d steps; without clipping and with global-norm clipping at %v. The gradient norm (before clipping) of every step is traced.",
				c.Hidden, c.RecScale, c.T, c.LR, c.Batch, c.Steps, clipAt)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, clip := range []float64{0, clipAt} {
					c := clipBase(o)
					c.Clip = clip
					l = append(l, Spec{ID: fmt.Sprintf("clip=%v", clip), Seed: seed, Params: []Param{param("clip", clip), param("rec_scale", c.RecScale), param("lr", c.LR)}, cfg: c})
				}
			}
			return specs(l)
		},
		Exec: execSeqSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			var gser, lser []Series
			for _, clip := range []string{"0", FormatFloat(clipAt)} {
				sel := where(rs, "clip", clip)
				name := "no clipping"
				if clip != "0" {
					name = "clip " + clip
				}
				mg, ok1 := mean(sel, "max_grad_norm")
				dv, _ := mean(sel, "diverged")
				tm, ok2 := mean(sel, "test_mse")
				sr, ok3 := mean(sel, "steps_run")
				d := "no"
				if dv > 0 {
					d = "yes"
				}
				rows = append(rows, []string{name, f4(mg, ok1), d, f4(sr, ok3), f4(tm, ok2 && dv == 0)})
				s := meanCurve(sel, "grad_norm")
				s.Name = name
				gser = append(gser, s)
				s = meanCurve(sel, "train_loss")
				s.Name = name
				lser = append(lser, s)
			}
			md := mdTable([]string{"run", "largest gradient norm", "diverged (NaN loss)", "steps completed", "test MSE"}, rows)
			p1, p2 := "clipping_grad.png", "clipping_loss.png"
			if err := linePlot(filepath.Join(dir, p1), "Gradient norm of every step (before clipping)", "step", "gradient norm", true, gser); err != nil {
				return "", nil, err
			}
			if err := linePlot(filepath.Join(dir, p2), "Training loss of every step", "step", "MSE", true, lser); err != nil {
				return "", nil, err
			}
			return md, []string{p1, p2}, nil
		},
	})
}

// clipAt is the clipping experiment's global-norm limit.
const clipAt = 1.0

func clipBase(o Options) seqRun {
	if o.Quick {
		return seqRun{Task: "adding", Cell: "rnn", T: 10, Hidden: 8, Batch: 10, Steps: 30, Val: 20, Test: 20, Opt: "sgd", LR: 0.05, RecScale: 2, StepTrace: true}
	}
	return seqRun{Task: "adding", Cell: "rnn", T: 50, Hidden: 64, Batch: 50, Steps: 500, Val: 200, Test: 1000, Opt: "sgd", LR: 0.05, RecScale: 2, StepTrace: true}
}
