package blas

import (
	"runtime"
	"sync"
)

// Cache blocking. kcBlock is the depth of one packed block (a KC×NR panel of B stays in L1
// while the MR×KC panels of A stream from L2); mcBlock rows of A (MC×KC) fit in L2; ncBlock
// columns of B (KC×NC) in L3.
const (
	kcBlock = 256
	mcBlock = 128
	ncBlock = 4096
)

// directMaxM is the most rows of C for which an untransposed B is read in place instead of
// packed: with few rows each B panel is used only a few times, and packing it would cost more
// than it saves.
var directMaxM = 64

// parallelMinFlops is the least work (2·m·n·k) split over goroutines; smaller products stay on
// the calling goroutine. Waking a second goroutine costs tens of microseconds, so splitting pays
// only for large products: on two Zen 5 cores `zoo bench` measured W1/W4/W5/W6 at 51k/58k/38k/1.16k
// units/s with a 4 MFLOP threshold, 55k/77k/41k/1.31k with 128 MFLOP, 50k/76k/33k/1.31k never
// splitting. ZOO_BLAS_PARALLEL_MFLOP overrides it at start-up.
var parallelMinFlops = 128 << 20

// maxWorkers bounds the goroutines of one product; 0 means GOMAXPROCS.
var maxWorkers = 0

// gemm computes C = alpha·op(A)·op(B) + beta·C on validated arguments with m, n > 0.
func gemm[T float](kn *kernel[T], aT, bT bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if alpha == 0 || k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	kn = kn.forRows(m)
	workers := maxWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > 1 && 2*float64(m)*float64(n)*float64(k) >= float64(parallelMinFlops) {
		gemmParallel(kn, workers, aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemmSerial(kn, aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scale sets C = beta·C, writing zeros without reading C when beta is 0.
func scale[T float](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmParallel splits C into column blocks (or row blocks when C is tall) whose bounds are
// multiples of the register block and computes each on its own goroutine. Every element of C
// is computed by exactly one goroutine with the same blocking as the serial product, so the
// result does not depend on the number of goroutines.
func gemmParallel[T float](kn *kernel[T], workers int, aT, bT bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	byCols := n >= m
	unit, total := kn.nr, n
	if !byCols {
		unit, total = kn.mr, m
	}
	units := (total + unit - 1) / unit
	if workers > units {
		workers = units
	}
	if workers <= 1 {
		gemmSerial(kn, aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	part := func(lo, hi int) {
		if byCols {
			bOff := lo
			if bT {
				bOff = lo * ldb
			}
			gemmSerial(kn, aT, bT, m, hi-lo, k, alpha, a, lda, b[bOff:], ldb, beta, c[lo:], ldc)
			return
		}
		aOff := lo * lda
		if aT {
			aOff = lo
		}
		gemmSerial(kn, aT, bT, hi-lo, n, k, alpha, a[aOff:], lda, b, ldb, beta, c[lo*ldc:], ldc)
	}
	// The first block runs on the calling goroutine, which would otherwise only wait.
	var wg sync.WaitGroup
	first := min(total, (units/workers)*unit)
	lo := first
	for w := 1; w < workers; w++ {
		hi := min(total, ((w+1)*units/workers)*unit)
		if hi <= lo {
			continue
		}
		lo0, hi0 := lo, hi
		lo = hi
		wg.Add(1)
		go func() {
			defer wg.Done()
			part(lo0, hi0)
		}()
	}
	if first > 0 {
		part(0, first)
	}
	wg.Wait()
}

// buffers holds one goroutine's packing space.
type buffers[T float] struct {
	a, b, tile []T
}

var (
	pool32 sync.Pool
	pool64 sync.Pool
)

func getBuffers[T float](na, nb, nt int) *buffers[T] {
	var zero T
	p := &pool64
	if any(zero) == any(float32(0)) {
		p = &pool32
	}
	bf, _ := p.Get().(*buffers[T])
	if bf == nil {
		bf = &buffers[T]{}
	}
	if cap(bf.a) < na {
		bf.a = make([]T, na)
	}
	if cap(bf.b) < nb {
		bf.b = make([]T, nb)
	}
	if cap(bf.tile) < nt {
		bf.tile = make([]T, nt)
	}
	bf.a, bf.b, bf.tile = bf.a[:na], bf.b[:nb], bf.tile[:nt]
	return bf
}

func putBuffers[T float](bf *buffers[T]) {
	var zero T
	if any(zero) == any(float32(0)) {
		pool32.Put(bf)
		return
	}
	pool64.Put(bf)
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// gemmSerial computes the product on the calling goroutine.
func gemmSerial[T float](kn *kernel[T], aT, bT bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	mr, nr := kn.mr, kn.nr
	mcMax := min(roundUp(mcBlock, mr), roundUp(m, mr))
	ncMax := min(roundUp(ncBlock, nr), roundUp(n, nr))
	kcMax := min(kcBlock, k)
	direct := !bT && m <= directMaxM
	nb := kcMax * ncMax
	if direct {
		nb = kcMax * nr
	}
	bf := getBuffers[T](mcMax*kcMax, nb, mr*nr)
	defer putBuffers(bf)
	ap, bp, tile := bf.a, bf.b, bf.tile

	for jc := 0; jc < n; jc += ncMax {
		nc := min(ncMax, n-jc)
		for pc := 0; pc < k; pc += kcMax {
			kc := min(kcMax, k-pc)
			first := pc == 0
			betaK, load := beta, true
			if !first {
				betaK = 1
			} else if beta == 0 {
				load = false
			}
			if direct {
				if rem := nc % nr; rem != 0 {
					packB(kn.tr, bp, false, b, ldb, pc, jc+nc-rem, kc, rem, nr)
				}
			} else {
				packB(kn.tr, bp, bT, b, ldb, pc, jc, kc, nc, nr)
			}
			for ic := 0; ic < m; ic += mcMax {
				mc := min(mcMax, m-ic)
				packA(kn.tr, ap, aT, a, lda, ic, pc, mc, kc, mr)
				for jr := 0; jr < nc; jr += nr {
					nrr := min(nr, nc-jr)
					var bt []T
					bs := nr
					switch {
					case direct && nrr == nr:
						bt, bs = b[pc*ldb+jc+jr:], ldb
					case direct:
						bt = bp
					default:
						bt = bp[(jr/nr)*kc*nr:]
					}
					for ir := 0; ir < mc; ir += mr {
						mrr := min(mr, mc-ir)
						at := ap[(ir/mr)*kc*mr:]
						ct := c[(ic+ir)*ldc+jc+jr:]
						if mrr == mr && nrr == nr {
							kn.fn(kc, at, bt, bs, ct, ldc, alpha, betaK, load)
							continue
						}
						// An edge tile: computed in full into tile, of which the part inside C
						// is copied back.
						if load {
							for i := 0; i < mrr; i++ {
								copy(tile[i*nr:i*nr+nrr], ct[i*ldc:i*ldc+nrr])
							}
						}
						kn.fn(kc, at, bt, bs, tile, nr, alpha, betaK, load)
						for i := 0; i < mrr; i++ {
							copy(ct[i*ldc:i*ldc+nrr], tile[i*nr:i*nr+nrr])
						}
					}
				}
			}
		}
	}
}

// packA copies rows ic…ic+mc-1, depth pc…pc+kc-1 of op(A) into panels of mr rows: panel q
// holds, for each depth p, the mr values op(A)[ic+q·mr+i][pc+p], with rows past mc as zeros.
func packA[T float](tr transposeFunc[T], dst []T, aT bool, a []T, lda, ic, pc, mc, kc, mr int) {
	for q := 0; q < mc; q += mr {
		rows := min(mr, mc-q)
		panel := dst[(q/mr)*kc*mr : (q/mr+1)*kc*mr]
		if aT {
			// op(A)[i][p] = a[p·lda+i]: each depth is a contiguous run of rows.
			if rows == mr {
				packRuns(panel, mr, a, pc*lda+ic+q, lda, kc)
				continue
			}
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+ic+q : (pc+p)*lda+ic+q+rows]
				d := panel[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i·lda+p]: each row is contiguous in depth.
		tr(panel, mr, a[(ic+q)*lda+pc:], lda, rows, kc)
		if rows < mr {
			for p := 0; p < kc; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies depth pc…pc+kc-1, columns jc…jc+nc-1 of op(B) into panels of nr columns:
// panel q holds, for each depth p, the nr values op(B)[pc+p][jc+q·nr+j], with columns past nc
// as zeros.
func packB[T float](tr transposeFunc[T], dst []T, bT bool, b []T, ldb, pc, jc, kc, nc, nr int) {
	for q := 0; q < nc; q += nr {
		cols := min(nr, nc-q)
		panel := dst[(q/nr)*kc*nr : (q/nr+1)*kc*nr]
		if !bT {
			if cols == nr {
				packRuns(panel, nr, b, pc*ldb+jc+q, ldb, kc)
				continue
			}
			for p := 0; p < kc; p++ {
				src := b[(pc+p)*ldb+jc+q : (pc+p)*ldb+jc+q+cols]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb+p]: each column is contiguous in depth.
		tr(panel, nr, b[(jc+q)*ldb+pc:], ldb, cols, kc)
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// packRuns sets dst[p·w+i] = src[off+p·lds+i] for i < w and p < kc: the full panels of packA
// (transposed A) and packB (B as stored), kc runs of w contiguous values. The float32 widths of
// the kernels are copied as arrays of a constant size, which the compiler moves inline, where a
// copy of a run this short spends most of its time in the call to memmove (the arrays must be
// of a concrete type: in the generic body their size is not a constant, and they go through
// memmove all the same).
func packRuns[T float](dst []T, w int, src []T, off, lds, kc int) {
	if d, ok := any(dst).([]float32); ok && (w == 12 || w == 32 || w == 8) {
		packRuns32(d, w, any(src).([]float32), off, lds, kc)
		return
	}
	for p := 0; p < kc; p++ {
		copy(dst[p*w:p*w+w], src[off+p*lds:off+p*lds+w])
	}
}

// packRuns32 is packRuns of float32 for the widths 12, 32 and 8.
func packRuns32(dst []float32, w int, src []float32, off, lds, kc int) {
	switch w {
	case 12:
		for p := 0; p < kc; p++ {
			v := *(*[12]float32)(src[off+p*lds:]) // a value, so the move need not allow for overlap
			*(*[12]float32)(dst[p*12:]) = v
		}
	case 32:
		for p := 0; p < kc; p++ {
			v := *(*[32]float32)(src[off+p*lds:]) // a value, so the move need not allow for overlap
			*(*[32]float32)(dst[p*32:]) = v
		}
	case 8:
		for p := 0; p < kc; p++ {
			v := *(*[8]float32)(src[off+p*lds:]) // a value, so the move need not allow for overlap
			*(*[8]float32)(dst[p*8:]) = v
		}
	}
}

// transposeFunc sets dst[p·ldd+j] = src[j·lds+p] for j < w and p < kc.
type transposeFunc[T float] func(dst []T, ldd int, src []T, lds, w, kc int)

// transposeGo is the portable transposeFunc.
func transposeGo[T float](dst []T, ldd int, src []T, lds, w, kc int) {
	for j := 0; j < w; j++ {
		s := src[j*lds : j*lds+kc]
		for p, v := range s {
			dst[p*ldd+j] = v
		}
	}
}
