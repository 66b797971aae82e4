package blas_test

import (
	"fmt"

	gblas "gonum.org/v1/gonum/blas"

	"github.com/gorgonia-zoo/modelzoo/internal/blas"
)

// Sgemm computes C = alpha·A·B + beta·C on row-major matrices, as gonum's does; with beta = 0
// C is only written.
func ExampleImplementation_Sgemm() {
	a := []float32{ // 2×3
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{ // 3×2
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float32, 2*2)
	blas.Implementation{}.Sgemm(gblas.NoTrans, gblas.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	// Aᵀ·A, reading A as stored.
	ata := make([]float32, 3*3)
	blas.Implementation{}.Sgemm(gblas.Trans, gblas.NoTrans, 3, 3, 2, 1, a, 3, a, 3, 0, ata, 3)
	fmt.Println(ata)
	// Output:
	// [58 64 139 154]
	// [17 22 27 22 29 36 27 36 45]
}
