//go:build !openblas

package nn

import (
	G "gorgonia.org/gorgonia"

	"github.com/gorgonia-zoo/modelzoo/internal/blas"
)

// Without the openblas build tag, Gorgonia's and the tensor package's matrix products go to the
// zoo's own BLAS (internal/blas): gonum's routines with Sgemm and Dgemm replaced by a packed,
// cache-blocked product with AVX-512 or AVX2+FMA microkernels, chosen for this CPU at start-up.
func init() { G.Use(blas.Implementation{}) }

// BLAS names the matrix library in use and its kernel: "zoo (avx512)", "zoo (avx2)" or
// "zoo (go)" unless built with -tags openblas.
var BLAS = "zoo (" + blas.Kernel() + ")"
