package blas

import "golang.org/x/sys/cpu"

// The amd64 kernel sets; their register blocks must match the generated assembly.
var (
	avx512Kernels = kernelSet{
		name: "avx512",
		s: &kernel[float32]{mr: 12, nr: 32, fn: asmMicro[float32](12, 32, sgemmAVX512), tr: transposeAVX,
			alt: &kernel[float32]{mr: 8, nr: 32, fn: asmMicro[float32](8, 32, sgemmAVX512x8), tr: transposeAVX,
				// A row of C by 128 columns: eight accumulator chains, for the products of one
				// row at a time of inference (the 8-row kernel would compute 7 rows of padding).
				alt: &kernel[float32]{mr: 1, nr: 128, fn: asmMicro[float32](1, 128, sgemmAVX512x1), tr: transposeAVX, maxRows: 2}}},
		d: &kernel[float64]{mr: 12, nr: 16, fn: asmMicro[float64](12, 16, dgemmAVX512), tr: transposeGo[float64]},
	}
	avx2Kernels = kernelSet{
		name: "avx2",
		s:    &kernel[float32]{mr: 6, nr: 16, fn: asmMicro[float32](6, 16, sgemmAVX2), tr: transposeAVX},
		d:    &kernel[float64]{mr: 6, nr: 8, fn: asmMicro[float64](6, 8, dgemmAVX2), tr: transposeGo[float64]},
	}
)

// available lists the kernel sets this CPU runs, fastest first.
func available() []kernelSet {
	var ks []kernelSet
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL {
		ks = append(ks, avx512Kernels)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernels)
	}
	return append(ks, goKernels)
}

// asmMicro wraps an assembly kernel of an mr×nr tile as a microFunc, checking the bounds of
// everything it will read or write.
func asmMicro[T float](mr, nr int, f func(k int, a, b *T, ldb int, c *T, ldc int, alpha, beta T, load bool)) microFunc[T] {
	return func(k int, a, b []T, ldb int, c []T, ldc int, alpha, beta T, load bool) {
		_ = a[k*mr-1]
		_ = b[(k-1)*ldb+nr-1]
		_ = c[(mr-1)*ldc+nr-1]
		f(k, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta, load)
	}
}

// transposeAVX is the transposeFunc of float32 with AVX: 8×8 blocks in registers, the rest by
// transposeGo. Where w is at least 8 but not a multiple of it (the twelve rows of a panel of A),
// the last rows are one more block that overlaps the one before it: the overlapped values are
// written twice, the same both times, instead of going through transposeGo one by one.
func transposeAVX(dst []float32, ldd int, src []float32, lds, w, kc int) {
	nb := kc / 8
	j := 0
	if nb > 0 {
		for ; j+8 <= w; j += 8 {
			_ = src[(j+7)*lds+8*nb-1]
			_ = dst[(8*nb-1)*ldd+j+7]
			transpose8x8F32(nb, &src[j*lds], lds, &dst[j], ldd)
		}
		if j < w && j >= 8 {
			j = w - 8
			_ = src[(j+7)*lds+8*nb-1]
			_ = dst[(8*nb-1)*ldd+j+7]
			transpose8x8F32(nb, &src[j*lds], lds, &dst[j], ldd)
			j = w
		}
		if 8*nb < kc && j > 0 {
			transposeGo(dst[8*nb*ldd:], ldd, src[8*nb:], lds, j, kc-8*nb)
		}
	}
	if j < w {
		transposeGo(dst[j:], ldd, src[j*lds:], lds, w-j, kc)
	}
}
