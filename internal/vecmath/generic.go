package vecmath

import "math"

// goKernels are the portable loops, the reference of the assembly ones.
var goKernels = kernels{
	name:          "go",
	exp32:         exp32Go,
	sigmoid32:     sigmoid32Go,
	tanh32:        tanh32Go,
	addBias32:     addBias32Go,
	sumRows32:     sumRows32Go,
	max32:         max32Go,
	sum32:         sum32Go,
	scale32:       scale32Go,
	axpy32:        axpy32Go,
	mul32:         mul32Go,
	lstmForward32: lstmForward32Go,

	lstmBackward32: lstmBackwardGo[float32],
	gruForward32: func(xp, hp, hPrev, h []float32, B, H int) {
		gruForwardGo(xp, hp, hPrev, h, B, H, sigmoidf, tanhf)
	},
	gruBackward32:  gruBackwardGo[float32],
	dot32:          dot32Go,
	tanhBackward32: tanhBackwardGo[float32],
	sigBackward32:  sigmoidBackwardGo[float32],
	momentum32:     momentum32Go,
	colSum64:       colSum64Go,
	colSqDev64:     colSqDev64Go,
	colSumProd64:   colSumProd64Go,
	bnRow32:        bnRow32Go,
	bnGradRow32:    bnGradRow32Go,
	relu32:         relu32Go,
	shiftExp32: func(dst, x []float32, s float32) {
		for i, v := range x[:len(dst)] {
			dst[i] = expf(v + s)
		}
	},
}

func exp32Go(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = expf(v)
	}
}

func sigmoid32Go(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = sigmoidf(v)
	}
}

func tanh32Go(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = tanhf(v)
	}
}

func expf(x float32) float32     { return float32(math.Exp(float64(x))) }
func sigmoidf(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
func tanhf(x float32) float32    { return float32(math.Tanh(float64(x))) }

func addBias32Go(dst, bias []float32) {
	n := len(bias)
	for r := 0; r+n <= len(dst); r += n {
		row := dst[r : r+n]
		for j, b := range bias {
			row[j] += b
		}
	}
}

func sumRows32Go(dst, src []float32) {
	n := len(dst)
	for r := 0; r+n <= len(src); r += n {
		row := src[r : r+n]
		for j, v := range row {
			dst[j] += v
		}
	}
}

func max32Go(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// sum32Go accumulates in 16 interleaved partial sums, the order of the AVX-512 loop.
func sum32Go(x []float32) float32 {
	var acc [16]float32
	i := 0
	for ; i+16 <= len(x); i += 16 {
		for k := range acc {
			acc[k] += x[i+k]
		}
	}
	var s float32
	for _, a := range acc {
		s += a
	}
	for _, v := range x[i:] {
		s += v
	}
	return s
}

// dot32Go accumulates in 16 interleaved partial sums, as sum32Go.
func dot32Go(x, y []float32) float32 {
	var acc [16]float32
	y = y[:len(x)]
	i := 0
	for ; i+16 <= len(x); i += 16 {
		for k := range acc {
			acc[k] += x[i+k] * y[i+k]
		}
	}
	var s float32
	for _, a := range acc {
		s += a
	}
	for ; i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

func scale32Go(dst []float32, a float32) {
	for i := range dst {
		dst[i] *= a
	}
}

func axpy32Go(dst []float32, a float32, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] += a * v
	}
}

func mul32Go(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func lstmForward32Go(pre, cPrev, c, tc, h []float32, B, H int) {
	for b := 0; b < B; b++ {
		p := pre[4*b*H : 4*(b+1)*H]
		gi, gf, gg, gout := p[:H], p[H:2*H], p[2*H:3*H], p[3*H:4*H]
		off := b * H
		cp, cc, tt, hh := cPrev[off:off+H], c[off:off+H], tc[off:off+H], h[off:off+H]
		for j := 0; j < H; j++ {
			i := sigmoidf(gi[j])
			f := sigmoidf(gf[j])
			g := tanhf(gg[j])
			o := sigmoidf(gout[j])
			gi[j], gf[j], gg[j], gout[j] = i, f, g, o
			cv := f*cp[j] + i*g
			t := tanhf(cv)
			cc[j] = cv
			tt[j] = t
			hh[j] = o * t
		}
	}
}

func momentum32Go(w, g, v []float32, lr, mu float32) {
	g, v = g[:len(w)], v[:len(w)]
	for i := range w {
		// The conversions keep the compiler from fusing the multiply and the add.
		v[i] = float32(mu*v[i]) + g[i]
		w[i] -= float32(lr * v[i])
	}
}

func colSum64Go(acc []float64, x []float32) {
	x = x[:len(acc)]
	for j, v := range x {
		acc[j] += float64(v)
	}
}

func colSqDev64Go(acc []float64, x []float32, mean []float64) {
	x, mean = x[:len(acc)], mean[:len(acc)]
	for j, v := range x {
		d := float64(v) - mean[j]
		acc[j] += float64(d * d)
	}
}

func colSumProd64Go(s1, s2 []float64, x, y []float32) {
	s2, x, y = s2[:len(s1)], x[:len(s1)], y[:len(s1)]
	for j, v := range x {
		s1[j] += float64(v)
		s2[j] += float64(float64(v) * float64(y[j]))
	}
}

func bnRow32Go(xh, y, x, mu, inv, gamma, beta []float32) {
	n := len(xh)
	y, x, mu, inv, gamma, beta = y[:n], x[:n], mu[:n], inv[:n], gamma[:n], beta[:n]
	for j, v := range x {
		h := float32(v-mu[j]) * inv[j]
		xh[j] = h
		y[j] = float32(gamma[j]*h) + beta[j]
	}
}

func bnGradRow32Go(dx, dy, xh, k, a, b []float32) {
	n := len(dx)
	dy, xh, k, a, b = dy[:n], xh[:n], k[:n], a[:n], b[:n]
	for j, v := range dy {
		dx[j] = (float32(k[j]*v) - a[j]) - float32(b[j]*xh[j])
	}
}

func relu32Go(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}
