package nn_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A store owns the parameters; a graph built for a batch shape binds them.
func ExampleNewLinear() {
	s := nn.NewStore(tensor.Float64, 1)
	l, _ := nn.NewLinear(s, "fc", 3, 2, true)
	_ = nn.SetFloat64s(l.Weight.Value, []float64{1, 0, 0, 1, 1, 1}) // (in, out) = (3, 2)
	_ = nn.SetFloat64s(l.Bias.Value, []float64{0.5, -0.5})

	g := nn.NewGraph(s, 1, false)
	x := g.Input("x", 1, 3)
	y, _ := l.Forward(g, x.Node)
	g.SetOutputs(G.Must(G.Sum(y)), y)
	_ = x.Set([]float64{1, 2, 3})
	if err := g.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(nn.Float64s(g.Output()))
	// Output: [4.5 4.5]
}
