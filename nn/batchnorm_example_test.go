package nn_test

import (
	"fmt"
	"log"

	"github.com/gorgonia-zoo/modelzoo/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNorm in training and in evaluation mode. A training graph normalises with the batch's own
// mean and variance (here 2.5 and 1.25) and, after the run, moves the running statistics 10% of
// the way towards them (mean 0 → 0.25; variance 1 → 0.9 + 0.1·1.25·4/3, the unbiased batch
// variance). An evaluation graph of the same store normalises with those running statistics, so
// the same batch comes out otherwise, and one example alone is normalised the same way whatever
// the batch.
func ExampleBatchNorm() {
	s := nn.NewStore(tensor.Float64, 1)
	bn, err := nn.NewBatchNorm(s, "bn", 1)
	if err != nil {
		log.Fatal(err)
	}
	run := func(train bool, x []float64) []float64 {
		g := nn.NewGraph(s, len(x), train)
		in := g.Input("x", len(x), 1)
		y, err := bn.Forward(g, in.Node)
		if err != nil {
			log.Fatal(err)
		}
		g.SetOutputs(G.Must(G.Sum(y)), y)
		if err := in.Set(x); err != nil {
			log.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			log.Fatal(err)
		}
		return nn.Float64s(g.Output())
	}
	x := []float64{1, 2, 3, 4}
	fmt.Printf("training:   %.4f\n", run(true, x))
	fmt.Printf("running mean %.4f, variance %.4f\n", nn.Float64s(bn.RunMean.Value), nn.Float64s(bn.RunVar.Value))
	fmt.Printf("evaluation: %.4f\n", run(false, x))
	fmt.Printf("evaluation of 3 alone: %.4f\n", run(false, []float64{3}))
	// Output:
	// training:   [-1.3416 -0.4472 0.4472 1.3416]
	// running mean [0.2500], variance [1.0667]
	// evaluation: [0.7262 1.6944 2.6627 3.6309]
	// evaluation of 3 alone: [2.6627]
}
