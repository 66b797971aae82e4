package recurrent

import (
	"math"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// float is the element type of the fused kernels.
type float interface{ float32 | float64 }

// gemm computes C = op(A)·op(B) + beta·C through the BLAS Gorgonia uses (G.WhichBLAS), so the
// fused layers run on whatever implementation is installed. op(A) is m×k, op(B) k×n, C m×n; all
// row-major with leading dimensions lda, ldb, ldc.
func gemm[F float](transA, transB bool, m, n, k int, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		G.WhichBLAS().Sgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		G.WhichBLAS().Dgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// sigm is the logistic function 1/(1+e^(−v)).
func sigm[F float](v F) F { return F(1 / (1 + math.Exp(-float64(v)))) }

// tanh is the hyperbolic tangent.
func tanh[F float](v F) F { return F(math.Tanh(float64(v))) }

// fillRows sets every row of the (rows, len(bias)) matrix dst to bias.
func fillRows[F float](dst, bias []F) {
	w := len(bias)
	for off := 0; off+w <= len(dst); off += w {
		copy(dst[off:off+w], bias)
	}
}

// addRows adds bias to every row of the (rows, len(bias)) matrix dst.
func addRows[F float](dst, bias []F) {
	w := len(bias)
	for off := 0; off+w <= len(dst); off += w {
		row := dst[off : off+w]
		for j, b := range bias {
			row[j] += b
		}
	}
}

// colSums writes the column sums of the (rows, len(dst)) matrix src into dst.
func colSums[F float](dst, src []F) {
	clear(dst)
	w := len(dst)
	for off := 0; off+w <= len(src); off += w {
		row := src[off : off+w]
		for j, v := range row {
			dst[j] += v
		}
	}
}
