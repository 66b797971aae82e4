//go:build openblas

package nn

// With the openblas build tag (go build -tags openblas, after apt-get install libopenblas-dev),
// Gorgonia's and the tensor package's matrix products go to OpenBLAS through cgo instead of
// gonum's pure-Go BLAS: 2–3.5× faster on the zoo's workloads. OPENBLAS_NUM_THREADS=1 is usually
// best on two cores.

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() { G.Use(netlib.Implementation{}) }

// BLAS names the matrix library in use.
const BLAS = "openblas"
