//go:build amd64 && !purego

package vecmath

import (
	"math"

	"golang.org/x/sys/cpu"
)

// The instruction sets of the assembly loops.
const (
	isaAVX2   = 0 // AVX2+FMA, 8 lanes
	isaAVX512 = 1 // AVX-512F, 16 lanes
)

// archKernels lists the assembly implementations this processor can run, best first.
func archKernels() []*kernels {
	var ks []*kernels
	// The AVX-512 loops use AVX-512F only; the operating system must save the ZMM state, which
	// x/sys/cpu checks before it reports the feature.
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx512Kernels)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, &avx2Kernels)
	}
	return ks
}

var avx2Kernels = asmKernels("avx2", isaAVX2)
var avx512Kernels = asmKernels("avx512", isaAVX512)

func asmKernels(name string, isa int) kernels {
	return kernels{
		name:      name,
		exp32:     func(dst, x []float32) { unary(isa, opExp, dst, x) },
		sigmoid32: func(dst, x []float32) { unary(isa, opSigmoid, dst, x) },
		tanh32:    func(dst, x []float32) { unary(isa, opTanh, dst, x) },
		addBias32: func(dst, bias []float32) {
			n := len(bias)
			for r := 0; r+n <= len(dst); r += n {
				add(isa, dst[r:r+n], bias)
			}
		},
		sumRows32: func(dst, src []float32) {
			n := len(dst)
			for r := 0; r+n <= len(src); r += n {
				add(isa, dst, src[r:r+n])
			}
		},
		max32:         func(x []float32) float32 { return max32(isa, x) },
		sum32:         func(x []float32) float32 { return sum32(isa, x) },
		scale32:       func(dst []float32, a float32) { scale(isa, dst, a) },
		axpy32:        func(dst []float32, a float32, x []float32) { axpy(isa, dst, a, x) },
		mul32:         func(dst, a, b []float32) { mul(isa, dst, a, b) },
		lstmForward32: func(pre, cPrev, c, tc, h []float32, B, H int) { lstmForward(isa, pre, cPrev, c, tc, h, B, H) },

		lstmBackward32: func(gates, cPrev, tc, dh, dc, dpre, dcPrev []float32, B, H int) {
			lstmBackward(isa, gates, cPrev, tc, dh, dc, dpre, dcPrev, B, H)
		},
		gruForward32: func(xp, hp, hPrev, h []float32, B, H int) { gruForward(isa, xp, hp, hPrev, h, B, H) },
		gruBackward32: func(gates, hp, hPrev, dh, dxp, dhp, dhPrev []float32, B, H int) {
			gruBackward(isa, gates, hp, hPrev, dh, dxp, dhp, dhPrev, B, H)
		},
		shiftExp32: func(dst, x []float32, s float32) { shiftExp(isa, dst, x, s) },
		dot32:      func(x, y []float32) float32 { return dot32(isa, x, y) },
		tanhBackward32: func(dx, y, dy []float32) {
			n := len(dx) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					tanhBackwardAVX512(dx[:n], y[:n], dy[:n])
				} else {
					tanhBackwardAVX2(dx[:n], y[:n], dy[:n])
				}
			}
			tanhBackwardGo(dx[n:], y[n:], dy[n:])
		},
		sigBackward32: func(dx, y, dy []float32) {
			n := len(dx) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					sigmoidBackwardAVX512(dx[:n], y[:n], dy[:n])
				} else {
					sigmoidBackwardAVX2(dx[:n], y[:n], dy[:n])
				}
			}
			sigmoidBackwardGo(dx[n:], y[n:], dy[n:])
		},
		momentum32: func(w, g, v []float32, lr, mu float32) {
			n := len(w) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					momentumAVX512(w[:n], g[:n], v[:n], lr, mu)
				} else {
					momentumAVX2(w[:n], g[:n], v[:n], lr, mu)
				}
			}
			momentum32Go(w[n:], g[n:], v[n:], lr, mu)
		},
		colSum64: func(acc []float64, x []float32) {
			n := len(acc) &^ (width(isa)/2 - 1)
			if n > 0 {
				if isa == isaAVX512 {
					colSumAVX512(acc[:n], x[:n])
				} else {
					colSumAVX2(acc[:n], x[:n])
				}
			}
			colSum64Go(acc[n:], x[n:])
		},
		colSqDev64: func(acc []float64, x []float32, mean []float64) {
			n := len(acc) &^ (width(isa)/2 - 1)
			if n > 0 {
				if isa == isaAVX512 {
					colSqDevAVX512(acc[:n], x[:n], mean[:n])
				} else {
					colSqDevAVX2(acc[:n], x[:n], mean[:n])
				}
			}
			colSqDev64Go(acc[n:], x[n:], mean[n:])
		},
		colSumProd64: func(s1, s2 []float64, x, y []float32) {
			n := len(s1) &^ (width(isa)/2 - 1)
			if n > 0 {
				if isa == isaAVX512 {
					colSumProdAVX512(s1[:n], s2[:n], x[:n], y[:n])
				} else {
					colSumProdAVX2(s1[:n], s2[:n], x[:n], y[:n])
				}
			}
			colSumProd64Go(s1[n:], s2[n:], x[n:], y[n:])
		},
		bnRow32: func(xh, y, x, mu, inv, gamma, beta []float32) {
			n := len(xh) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					bnRowAVX512(xh[:n], y[:n], x[:n], mu[:n], inv[:n], gamma[:n], beta[:n])
				} else {
					bnRowAVX2(xh[:n], y[:n], x[:n], mu[:n], inv[:n], gamma[:n], beta[:n])
				}
			}
			bnRow32Go(xh[n:], y[n:], x[n:], mu[n:], inv[n:], gamma[n:], beta[n:])
		},
		bnGradRow32: func(dx, dy, xh, k, a, b []float32) {
			n := len(dx) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					bnGradRowAVX512(dx[:n], dy[:n], xh[:n], k[:n], a[:n], b[:n])
				} else {
					bnGradRowAVX2(dx[:n], dy[:n], xh[:n], k[:n], a[:n], b[:n])
				}
			}
			bnGradRow32Go(dx[n:], dy[n:], xh[n:], k[n:], a[n:], b[n:])
		},
		relu32: func(dst, x []float32) {
			n := len(dst) &^ (width(isa) - 1)
			if n > 0 {
				if isa == isaAVX512 {
					reluAVX512(dst[:n], x[:n])
				} else {
					reluAVX2(dst[:n], x[:n])
				}
			}
			relu32Go(dst[n:], x[n:])
		},
	}
}

func width(isa int) int {
	if isa == isaAVX512 {
		return 16
	}
	return 8
}

// The elementwise approximations.
const (
	opExp = iota
	opSigmoid
	opTanh
)

// callUnary calls the assembly loop directly (not through a function value), so that the
// stack buffers of the tails do not escape.
func callUnary(isa, op int, dst, x []float32) {
	switch isa*3 + op {
	case isaAVX2*3 + opExp:
		expAVX2(dst, x)
	case isaAVX2*3 + opSigmoid:
		sigmoidAVX2(dst, x)
	case isaAVX2*3 + opTanh:
		tanhAVX2(dst, x)
	case isaAVX512*3 + opExp:
		expAVX512(dst, x)
	case isaAVX512*3 + opSigmoid:
		sigmoidAVX512(dst, x)
	case isaAVX512*3 + opTanh:
		tanhAVX512(dst, x)
	}
}

// unary runs the vector loop over the whole vectors and once more over the tail, padded to one
// vector, so that every element gets the same arithmetic.
func unary(isa, op int, dst, x []float32) {
	w := width(isa)
	n := len(dst) &^ (w - 1)
	if n > 0 {
		callUnary(isa, op, dst[:n], x[:n])
	}
	if r := len(dst) - n; r > 0 {
		var tmp [16]float32
		copy(tmp[:], x[n:len(dst)])
		callUnary(isa, op, tmp[:w], tmp[:w])
		copy(dst[n:], tmp[:r])
	}
}

// add sets dst += x; the tail is exact in Go.
func add(isa int, dst, x []float32) {
	n := len(dst) &^ (width(isa) - 1)
	if n > 0 {
		if isa == isaAVX512 {
			addAVX512(dst[:n], x[:n])
		} else {
			addAVX2(dst[:n], x[:n])
		}
	}
	x = x[n:len(dst)]
	for i, v := range x {
		dst[n+i] += v
	}
}

func mul(isa int, dst, a, b []float32) {
	n := len(dst) &^ (width(isa) - 1)
	if n > 0 {
		if isa == isaAVX512 {
			mulAVX512(dst[:n], a[:n], b[:n])
		} else {
			mulAVX2(dst[:n], a[:n], b[:n])
		}
	}
	mul32Go(dst[n:], a[n:], b[n:])
}

func scale(isa int, dst []float32, a float32) {
	n := len(dst) &^ (width(isa) - 1)
	if n > 0 {
		if isa == isaAVX512 {
			scaleAVX512(dst[:n], a)
		} else {
			scaleAVX2(dst[:n], a)
		}
	}
	scale32Go(dst[n:], a)
}

// axpy fuses the multiply-add of the tail too (math.FMA rounds once, as VFMADD does).
func axpy(isa int, dst []float32, a float32, x []float32) {
	n := len(dst) &^ (width(isa) - 1)
	if n > 0 {
		if isa == isaAVX512 {
			axpyAVX512(dst[:n], a, x[:n])
		} else {
			axpyAVX2(dst[:n], a, x[:n])
		}
	}
	x = x[n:len(dst)]
	for i, v := range x {
		// The product of two float32 is exact in float64, so the float64 sum rounded to float32
		// differs from a single-rounding float32 FMA only in rare double-rounding cases.
		dst[n+i] = float32(float64(a)*float64(v) + float64(dst[n+i]))
	}
}

func sum32(isa int, x []float32) float32 {
	w := width(isa)
	n := len(x) &^ (w - 1)
	var s float32
	if n > 0 {
		var lanes [16]float32
		if isa == isaAVX512 {
			sumAVX512(x[:n], &lanes)
		} else {
			sumAVX2(x[:n], &lanes)
		}
		// pairwise over the lanes
		for h := w / 2; h > 0; h /= 2 {
			for i := 0; i < h; i++ {
				lanes[i] += lanes[i+h]
			}
		}
		s = lanes[0]
	}
	for _, v := range x[n:] {
		s += v
	}
	return s
}

func dot32(isa int, x, y []float32) float32 {
	w := width(isa)
	n := len(x) &^ (w - 1)
	var s float32
	if n > 0 {
		var lanes [16]float32
		if isa == isaAVX512 {
			dotAVX512(x[:n], y[:n], &lanes)
		} else {
			dotAVX2(x[:n], y[:n], &lanes)
		}
		for h := w / 2; h > 0; h /= 2 {
			for i := 0; i < h; i++ {
				lanes[i] += lanes[i+h]
			}
		}
		s = lanes[0]
	}
	y = y[n:len(x)]
	for i, v := range x[n:] {
		s += v * y[i]
	}
	return s
}

func max32(isa int, x []float32) float32 {
	w := width(isa)
	n := len(x) &^ (w - 1)
	m := float32(math.Inf(-1))
	if n > 0 {
		var lanes [16]float32
		for i := range lanes {
			lanes[i] = m
		}
		if isa == isaAVX512 {
			maxAVX512(x[:n], &lanes)
		} else {
			maxAVX2(x[:n], &lanes)
		}
		m = max32Go(lanes[:w])
		if m != m {
			return m
		}
	}
	if t := max32Go(x[n:]); t != t || t > m {
		return t
	}
	return m
}

func callLSTM(isa int, gi, gf, gg, gout, cPrev, c, tc, h []float32) {
	if isa == isaAVX512 {
		lstmAVX512(gi, gf, gg, gout, cPrev, c, tc, h)
	} else {
		lstmAVX2(gi, gf, gg, gout, cPrev, c, tc, h)
	}
}

// lstmForward runs the fused row kernel over the whole vectors of every row and over each
// row's tail padded to one vector.
func lstmForward(isa int, pre, cPrev, c, tc, h []float32, B, H int) {
	w := width(isa)
	n := H &^ (w - 1)
	r := H - n
	for b := 0; b < B; b++ {
		p := pre[4*b*H : 4*(b+1)*H]
		gi, gf, gg, gout := p[:H], p[H:2*H], p[2*H:3*H], p[3*H:4*H]
		o := b * H
		cp, cc, tt, hh := cPrev[o:o+H], c[o:o+H], tc[o:o+H], h[o:o+H]
		if n > 0 {
			callLSTM(isa, gi[:n], gf[:n], gg[:n], gout[:n], cp[:n], cc[:n], tt[:n], hh[:n])
		}
		if r > 0 {
			var buf [8][16]float32
			copy(buf[0][:], gi[n:])
			copy(buf[1][:], gf[n:])
			copy(buf[2][:], gg[n:])
			copy(buf[3][:], gout[n:])
			copy(buf[4][:], cp[n:])
			callLSTM(isa, buf[0][:w], buf[1][:w], buf[2][:w], buf[3][:w], buf[4][:w], buf[5][:w], buf[6][:w], buf[7][:w])
			copy(gi[n:], buf[0][:r])
			copy(gf[n:], buf[1][:r])
			copy(gg[n:], buf[2][:r])
			copy(gout[n:], buf[3][:r])
			copy(cc[n:], buf[5][:r])
			copy(tt[n:], buf[6][:r])
			copy(hh[n:], buf[7][:r])
		}
	}
}

func callShiftExp(isa int, dst, x []float32, s float32) {
	if isa == isaAVX512 {
		shiftExpAVX512(dst, x, s)
	} else {
		shiftExpAVX2(dst, x, s)
	}
}

// shiftExp sets dst = e^(x+s), the tail padded to one vector.
func shiftExp(isa int, dst, x []float32, s float32) {
	w := width(isa)
	n := len(dst) &^ (w - 1)
	if n > 0 {
		callShiftExp(isa, dst[:n], x[:n], s)
	}
	if r := len(dst) - n; r > 0 {
		var tmp [16]float32
		copy(tmp[:], x[n:len(dst)])
		callShiftExp(isa, tmp[:w], tmp[:w], s)
		copy(dst[n:], tmp[:r])
	}
}

func callGRUForward(isa int, xp, hp, hPrev, h []float32, n int) {
	if isa == isaAVX512 {
		gruForwardAVX512(xp, hp, hPrev, h, n)
	} else {
		gruForwardAVX2(xp, hp, hPrev, h, n)
	}
}

// gruForward runs the fused row kernel over the whole vectors of every row and over each row's
// tail padded to one vector.
func gruForward(isa int, xp, hp, hPrev, h []float32, B, H int) {
	w := width(isa)
	n := H &^ (w - 1)
	r := H - n
	for b := 0; b < B; b++ {
		o := b * H
		x3, h3, hp0, hh := xp[3*o:3*o+3*H], hp[3*o:3*o+3*H], hPrev[o:o+H], h[o:o+H]
		if n > 0 {
			callGRUForward(isa, x3, h3, hp0, hh, n)
		}
		if r > 0 {
			var bx, bh [3 * 16]float32
			var bp, bo [16]float32
			for k := 0; k < 3; k++ {
				copy(bx[k*w:], x3[k*H+n:(k+1)*H])
				copy(bh[k*w:], h3[k*H+n:(k+1)*H])
			}
			copy(bp[:], hp0[n:])
			callGRUForward(isa, bx[:3*w], bh[:3*w], bp[:w], bo[:w], w)
			for k := 0; k < 3; k++ {
				copy(x3[k*H+n:(k+1)*H], bx[k*w:k*w+r])
			}
			copy(hh[n:], bo[:r])
		}
	}
}

// lstmBackward runs the row kernel over the whole vectors of every row; the tail columns are
// plain arithmetic, done in Go.
func lstmBackward(isa int, gates, cPrev, tc, dh, dc, dpre, dcPrev []float32, B, H int) {
	n := H &^ (width(isa) - 1)
	for b := 0; b < B; b++ {
		o := b * H
		g4, d4 := gates[4*o:4*o+4*H], dpre[4*o:4*o+4*H]
		cp, t, gh, gc, gcp := cPrev[o:o+H], tc[o:o+H], dh[o:o+H], dc[o:o+H], dcPrev[o:o+H]
		if n > 0 {
			if isa == isaAVX512 {
				lstmBackwardAVX512(g4, cp, t, gh, gc, d4, gcp, n)
			} else {
				lstmBackwardAVX2(g4, cp, t, gh, gc, d4, gcp, n)
			}
		}
		lstmBackwardCols(g4, cp, t, gh, gc, d4, gcp, n)
	}
}

// gruBackward runs the row kernel over the whole vectors of every row; the tail columns are
// plain arithmetic, done in Go.
func gruBackward(isa int, gates, hp, hPrev, dh, dxp, dhp, dhPrev []float32, B, H int) {
	n := H &^ (width(isa) - 1)
	for b := 0; b < B; b++ {
		o := b * H
		g3, h3, dx3, dh3 := gates[3*o:3*o+3*H], hp[3*o:3*o+3*H], dxp[3*o:3*o+3*H], dhp[3*o:3*o+3*H]
		hp0, gh, ghp := hPrev[o:o+H], dh[o:o+H], dhPrev[o:o+H]
		if n > 0 {
			if isa == isaAVX512 {
				gruBackwardAVX512(g3, h3, hp0, gh, dx3, dh3, ghp, n)
			} else {
				gruBackwardAVX2(g3, h3, hp0, gh, dx3, dh3, ghp, n)
			}
		}
		gruBackwardCols(g3, h3, hp0, gh, dx3, dh3, ghp, n)
	}
}
