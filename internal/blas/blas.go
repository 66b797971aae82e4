// Package blas is the zoo's BLAS for the pure-Go build: gonum's implementation with the matrix
// products (Sgemm, Dgemm) replaced by a packed, cache-blocked product whose register-blocked
// microkernel is Go assembly for amd64 (AVX-512 or AVX2+FMA, chosen at run time) and portable
// Go elsewhere.
//
// The design follows BLIS: the B operand is packed into panels of NR columns and the A operand
// into panels of MR rows, the depth is cut into blocks of KC, and each MR×NR tile of C is
// accumulated in registers over one depth block. Large products are split over goroutines by
// blocks of C columns (or rows) whose bounds are multiples of the register block, so every
// element of C is computed by one goroutine in the same order whatever GOMAXPROCS is: results
// are bit-for-bit the same run to run.
//
// The kernel is the fastest this CPU runs (Kernel names it); the environment variable
// ZOO_BLAS_KERNEL=avx512|avx2|go selects another one at start-up, if the CPU supports it.
// ZOO_BLAS_PARALLEL_MFLOP=N splits products of at least N MFLOP over the cores (default 128).
// Products of at most 1024 multiply-adds go to gonum's loops.
//
// Every other routine of gonum.org/v1/gonum/blas is gonum's.
package blas

//go:generate sh -c "cd asm && go run . -out ../kernels_amd64.s -stubs ../kernels_stubs_amd64.go -pkg blas"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation satisfies gorgonia.BLAS (blas.Float32, blas.Float64, blas.Complex64 and
// blas.Complex128): Sgemm and Dgemm are the zoo's, the rest gonum's.
type Implementation struct {
	gonum.Implementation
}

var (
	_ blas.Float32 = Implementation{}
	_ blas.Float64 = Implementation{}
)

// Panic strings of the argument checks: the same as gonum's, which callers may match.
const (
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badTranspose = "blas: illegal transpose"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// tinyProduct is the largest m·n·k computed by gonum's loops instead of the packed product,
// whose fixed cost (buffers, packing, whole register tiles) dominates below it.
var tinyProduct = 1024

// Kernel names the microkernel the products use on this machine: "avx512", "avx2" or "go".
func Kernel() string { return active.name }

// checkGemm validates the arguments of a gemm call exactly as gonum does, panicking with
// gonum's message, and reports whether there is anything to compute.
func checkGemm(tA, tB blas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) (aTrans, bTrans, work bool) {
	switch tA {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	switch tB {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans = tA == blas.Trans || tA == blas.ConjTrans
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else {
		if lda < max(1, k) {
			panic(badLdA)
		}
	}
	bTrans = tB == blas.Trans || tB == blas.ConjTrans
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else {
		if ldb < max(1, n) {
			panic(badLdB)
		}
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return aTrans, bTrans, false
	}
	if aTrans {
		if lenA < (k-1)*lda+m {
			panic(shortA)
		}
	} else {
		if lenA < (m-1)*lda+k {
			panic(shortA)
		}
	}
	if bTrans {
		if lenB < (n-1)*ldb+k {
			panic(shortB)
		}
	} else {
		if lenB < (k-1)*ldb+n {
			panic(shortB)
		}
	}
	if lenC < (m-1)*ldc+n {
		panic(shortC)
	}
	return aTrans, bTrans, true
}

// Sgemm performs one of the matrix-matrix operations
//
//	C = alpha * A * B + beta * C
//	C = alpha * Aᵀ * B + beta * C
//	C = alpha * A * Bᵀ + beta * C
//	C = alpha * Aᵀ * Bᵀ + beta * C
//
// where A is an m×k or k×m dense matrix, B is an n×k or k×n dense matrix, C is an m×n matrix,
// and alpha and beta are scalars; tA and tB say whether A and B are transposed. When beta is 0,
// C is not read (NaN in C does not propagate); when alpha is 0, C is only scaled by beta.
// Products of at most 1024 multiply-adds go to gonum's Sgemm.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aT, bT, work := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !work {
		return
	}
	if m*n*k <= tinyProduct {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(active.s, aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm performs one of the matrix-matrix operations
//
//	C = alpha * A * B + beta * C
//	C = alpha * Aᵀ * B + beta * C
//	C = alpha * A * Bᵀ + beta * C
//	C = alpha * Aᵀ * Bᵀ + beta * C
//
// where A is an m×k or k×m dense matrix, B is an n×k or k×n dense matrix, C is an m×n matrix,
// and alpha and beta are scalars; tA and tB say whether A and B are transposed. When beta is 0,
// C is not read (NaN in C does not propagate); when alpha is 0, C is only scaled by beta.
// Products of at most 1024 multiply-adds go to gonum's Dgemm.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	aT, bT, work := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !work {
		return
	}
	if m*n*k <= tinyProduct {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(active.d, aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
