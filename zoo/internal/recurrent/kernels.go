package recurrent

import (
	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"

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

// The pointwise parts of a step, through internal/vecmath (SIMD for float32, plain Go for
// float64); see vecmath's LSTMForward32, GRUForward32 and their gradients for the formulas.

func tanhInPlace[F float](x []F) {
	switch x := any(x).(type) {
	case []float32:
		vecmath.Tanh32(x, x)
	case []float64:
		vecmath.Tanh64(x, x)
	}
}

func lstmForward[F float](pre, cPrev, c, tc, h []F, B, H int) {
	switch pre := any(pre).(type) {
	case []float32:
		vecmath.LSTMForward32(pre, any(cPrev).([]float32), any(c).([]float32), any(tc).([]float32), any(h).([]float32), B, H)
	case []float64:
		vecmath.LSTMForward64(pre, any(cPrev).([]float64), any(c).([]float64), any(tc).([]float64), any(h).([]float64), B, H)
	}
}

func lstmBackward[F float](gates, cPrev, tc, dh, dc, dpre, dcPrev []F, B, H int) {
	switch gates := any(gates).(type) {
	case []float32:
		vecmath.LSTMBackward32(gates, any(cPrev).([]float32), any(tc).([]float32), any(dh).([]float32),
			any(dc).([]float32), any(dpre).([]float32), any(dcPrev).([]float32), B, H)
	case []float64:
		vecmath.LSTMBackward64(gates, any(cPrev).([]float64), any(tc).([]float64), any(dh).([]float64),
			any(dc).([]float64), any(dpre).([]float64), any(dcPrev).([]float64), B, H)
	}
}

func gruForward[F float](xp, hp, hPrev, h []F, B, H int) {
	switch xp := any(xp).(type) {
	case []float32:
		vecmath.GRUForward32(xp, any(hp).([]float32), any(hPrev).([]float32), any(h).([]float32), B, H)
	case []float64:
		vecmath.GRUForward64(xp, any(hp).([]float64), any(hPrev).([]float64), any(h).([]float64), B, H)
	}
}

func gruBackward[F float](gates, hp, hPrev, dh, dxp, dhp, dhPrev []F, B, H int) {
	switch gates := any(gates).(type) {
	case []float32:
		vecmath.GRUBackward32(gates, any(hp).([]float32), any(hPrev).([]float32), any(dh).([]float32),
			any(dxp).([]float32), any(dhp).([]float32), any(dhPrev).([]float32), B, H)
	case []float64:
		vecmath.GRUBackward64(gates, any(hp).([]float64), any(hPrev).([]float64), any(dh).([]float64),
			any(dxp).([]float64), any(dhp).([]float64), any(dhPrev).([]float64), B, H)
	}
}
