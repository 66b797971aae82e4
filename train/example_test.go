package train_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
)

// Fit trains any train.Model; here a regression MLP on the housing task, evaluated on a held-out
// split, with global-norm clipping and a cosine schedule.
func ExampleFit() {
	ds := datasets.Housing(2000, 1)
	parts, _ := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.8, 0.2)
	m, _ := mlp.New(mlp.DefaultConfig(ds.Info()))

	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.Batch, cfg.LR, cfg.Clip, cfg.Schedule = 20, 32, 3e-3, 1, "cosine"
	res, err := train.Fit(m, train.Data{Train: parts[0], Val: parts[1]}, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("steps:", res.Steps)
	fmt.Println("validation MSE within 25% of the noise variance:", res.Val["mse"] < 1.25*ds.Info().NoiseVar)
	// Output:
	// steps: 1000
	// validation MSE within 25% of the noise variance: true
}

// Evaluate runs a model over every example of a dataset in evaluation mode.
func ExampleEvaluate() {
	ds := datasets.Spirals(300, datasets.SpiralsNoise, 1)
	m, _ := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{16}, Outputs: 3, Seed: 1})
	gs := train.NewGraphs(m)
	defer gs.Close()
	met, err := train.Evaluate(gs, ds, 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("untrained accuracy near chance: %v\n", met["accuracy"] < 0.6)
	// Output:
	// untrained accuracy near chance: true
}
