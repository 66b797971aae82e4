package blas

import (
	"os"
	"strconv"
)

// float is the element type of the products.
type float interface{ ~float32 | ~float64 }

// microFunc computes one mr×nr tile of C from k steps of a packed A panel (mr values a step)
// and a B panel whose rows of nr values are ldb elements apart:
//
//	C[i][j] = alpha·Σ_p a[p·mr+i]·b[p·ldb+j] + beta·C[i][j]   (load)
//	C[i][j] = alpha·Σ_p a[p·mr+i]·b[p·ldb+j]                  (!load: C is not read)
//
// with rows of C ldc elements apart. k ≥ 1.
type microFunc[T float] func(k int, a, b []T, ldb int, c []T, ldc int, alpha, beta T, load bool)

// kernel is a microkernel with its register block.
type kernel[T float] struct {
	mr, nr int
	fn     microFunc[T]
	tr     transposeFunc[T] // packs transposed operands
	// alt, if set, is a kernel of fewer rows with the same arithmetic for each element of C
	// (so results do not depend on which one runs), used when it pads the rows of C less. It
	// may have an alt of its own.
	alt *kernel[T]
	// maxRows, when positive, bounds the products the kernel serves as an alt: at most maxRows
	// rows (a one-row kernel reads B once per row of C).
	maxRows int
}

// forRows returns the kernel for a product of m rows: of kn and its chain of alts, the last
// that needs at least 7% fewer padded rows than the one chosen before it (an alt is slower by
// about that much, having fewer accumulators), among those that serve m rows.
func (kn *kernel[T]) forRows(m int) *kernel[T] {
	best := kn
	for alt := kn.alt; alt != nil; alt = alt.alt {
		if (alt.maxRows <= 0 || m <= alt.maxRows) && 100*roundUp(m, alt.mr) < 93*roundUp(m, best.mr) {
			best = alt
		}
	}
	return best
}

// kernelSet is one instruction set's microkernels.
type kernelSet struct {
	name string
	s    *kernel[float32]
	d    *kernel[float64]
}

// goKernels is the portable kernel set, the reference for the others.
var goKernels = kernelSet{
	name: "go",
	s:    &kernel[float32]{mr: 4, nr: 4, fn: goMicro4x4[float32], tr: transposeGo[float32]},
	d:    &kernel[float64]{mr: 4, nr: 4, fn: goMicro4x4[float64], tr: transposeGo[float64]},
}

// active is the kernel set in use.
var active = goKernels

func init() {
	ks := available()
	active = ks[0]
	if want := os.Getenv("ZOO_BLAS_KERNEL"); want != "" {
		setKernel(want)
	}
	if v, err := strconv.ParseFloat(os.Getenv("ZOO_BLAS_PARALLEL_MFLOP"), 64); err == nil && v > 0 {
		parallelMinFlops = int(v * (1 << 20))
	}
}

// setKernel selects the kernel set named name if this CPU supports it and reports whether it did.
func setKernel(name string) bool {
	for _, ks := range available() {
		if ks.name == name {
			active = ks
			return true
		}
	}
	return false
}

// goMicro4x4 is the portable microkernel: a 4×4 tile held in sixteen scalars.
func goMicro4x4[T float](k int, a, b []T, ldb int, c []T, ldc int, alpha, beta T, load bool) {
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	a = a[:4*k]
	b = b[:(k-1)*ldb+4]
	for {
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		if len(a) == 4 {
			break
		}
		a = a[4:]
		b = b[ldb:]
	}
	store4(c[0:4:4], c00, c01, c02, c03, alpha, beta, load)
	store4(c[ldc:ldc+4:ldc+4], c10, c11, c12, c13, alpha, beta, load)
	store4(c[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, alpha, beta, load)
	store4(c[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, alpha, beta, load)
}

func store4[T float](c []T, x0, x1, x2, x3, alpha, beta T, load bool) {
	if load {
		c[0] = T(alpha*x0) + T(beta*c[0])
		c[1] = T(alpha*x1) + T(beta*c[1])
		c[2] = T(alpha*x2) + T(beta*c[2])
		c[3] = T(alpha*x3) + T(beta*c[3])
		return
	}
	c[0] = alpha * x0
	c[1] = alpha * x1
	c[2] = alpha * x2
	c[3] = alpha * x3
}
