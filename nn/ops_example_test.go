package nn_test

import (
	"fmt"
	"math"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"gorgonia.org/tensor"
)

// The masked cross-entropy averages over the rows of weight 1; a padded row (weight 0) does not
// count, and its label is not read.
func ExampleNewMaskedCrossEntropy() {
	g := nn.NewGraph(nn.NewStore(tensor.Float64, 1), 3, false)
	z := g.Input("logits", 3, 2)
	_ = z.Set([]float64{
		0, 0, // row 0: uniform, CE = log 2
		0, math.Log(3), // row 1: p = (1/4, 3/4), label 1: CE = log(4/3)
		5, -5, // row 2: padding
	})
	head, err := nn.NewMaskedCrossEntropy(g, z.Node)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := head.SetMasked([]int{0, 1, -1}, []float64{1, 1, 0}); err != nil {
		fmt.Println(err)
		return
	}
	g.SetOutputs(head.Loss, nil)
	if err := g.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss %.6f = (log 2 + log 4/3)/2 = %.6f\n", g.Loss(), (math.Log(2)+math.Log(4.0/3))/2)
	// Output: loss 0.490415 = (log 2 + log 4/3)/2 = 0.490415
}
