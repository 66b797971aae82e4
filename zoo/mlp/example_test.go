package mlp_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
)

// An MLP with BatchNorm learns the spirals.
func ExampleNew() {
	ds := datasets.Spirals(1500, datasets.SpiralsNoise, 1)
	parts, _ := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.8, 0.2)

	m, err := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{64, 64}, Outputs: 3, Activation: "relu", BatchNorm: true, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.Batch, cfg.LR = 30, 32, 1e-2
	res, err := train.Fit(m, train.Data{Train: parts[0], Val: parts[1]}, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", m.Store().NumParams())
	fmt.Println("validation accuracy above 0.95:", res.Val["accuracy"] > 0.95)
	// Output:
	// parameters: 4803
	// validation accuracy above 0.95: true
}
