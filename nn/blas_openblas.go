//go:build openblas

package nn

// With the openblas build tag (go build -tags openblas, after apt-get install libopenblas-dev),
// Gorgonia's and the tensor package's matrix products, and those of the zoo's fused ops, go to
// OpenBLAS through cgo instead of the zoo's own kernels (internal/blas). On CPUs with AVX2 or
// AVX-512 the default build is the faster one (zoo bench measures both); this one is for other
// architectures. OPENBLAS_NUM_THREADS=1 is usually best on two cores.

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() { G.Use(netlib.Implementation{}) }

// BLAS names the matrix library in use.
const BLAS = "openblas"
