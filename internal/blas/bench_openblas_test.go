//go:build openblas

package blas

import (
	"gonum.org/v1/netlib/blas/netlib"

	_ "github.com/gorgonia-zoo/modelzoo/internal/blas/internal/openblas" // links OpenBLAS
)

// With -tags openblas (libopenblas-dev installed) the benchmarks add OpenBLAS; run them with
// OPENBLAS_NUM_THREADS=1 to compare single-threaded.
func init() {
	benchImpls = append(benchImpls, benchImpl{"openblas", netlib.Implementation{}})
}
