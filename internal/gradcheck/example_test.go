package gradcheck_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Example checks the gradient of a small quadratic loss, L = Σ (x·W)², with respect to W.
func Example() {
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 3), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float64{1, -2, 0.5, 0.3, 0.1, -1}))))
	w := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(3, 2), gorgonia.WithName("W"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float64{0.2, -0.1, 0.4, 0.3, -0.5, 0.05}))))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(gorgonia.Must(gorgonia.Mul(x, w))))))

	rs, err := gradcheck.Check(g, loss, []*gorgonia.Node{w}, gradcheck.Options{Samples: 4, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rs {
		fmt.Printf("%s: %d entries checked, gradient ok: %v\n", r.Node, r.Entries, r.MaxRelErr < 1e-6)
	}
	fmt.Println("max relative error below 1e-6:", gradcheck.MaxRel(rs) < 1e-6)
	// Output:
	// W: 4 entries checked, gradient ok: true
	// max relative error below 1e-6: true
}
