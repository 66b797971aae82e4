package vecmath_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
)

// Example computes a softmax over one row with the package's loops: subtract the maximum,
// exponentiate, divide by the sum.
func Example() {
	x := []float32{1, 2, 3, 4}
	m := vecmath.Max32(x)
	vecmath.AddBias32(x, []float32{-m, -m, -m, -m})
	vecmath.Exp32(x, x)
	vecmath.Scale32(x, 1/vecmath.Sum32(x))
	fmt.Printf("%.4f\n", x)
	// Output:
	// [0.0321 0.0871 0.2369 0.6439]
}
