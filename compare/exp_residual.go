package compare

import (
	"fmt"
	"path/filepath"
)

func init() {
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
}

func resBase(o Options) mlpRun {
	if o.Quick {
		return mlpRun{Points: 300, Hidden: rep(6, 8), Act: "relu", Opt: "adam", LR: 1e-3, Batch: 16, Steps: 20, EvalEvery: 10, ProbeGrad: true}
	}
	return mlpRun{Points: 3000, Hidden: rep(20, 32), Act: "relu", Opt: "adam", LR: 1e-3, Batch: 64, Steps: 800, EvalEvery: 50, ProbeGrad: true}
}

func rep(n, w int) []int {
	h := make([]int, n)
	for i := range h {
		h[i] = w
	}
	return h
}
