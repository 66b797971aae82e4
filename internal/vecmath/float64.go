package vecmath

import "math"

// Exp64 sets dst[i] = math.Exp(x[i]).
func Exp64(dst, x []float64) {
	checkLen("Exp64", len(dst), len(x))
	for i, v := range x[:len(dst)] {
		dst[i] = math.Exp(v)
	}
}

// Sigmoid64 sets dst[i] = 1/(1+math.Exp(−x[i])).
func Sigmoid64(dst, x []float64) {
	checkLen("Sigmoid64", len(dst), len(x))
	for i, v := range x[:len(dst)] {
		dst[i] = sigmoid64(v)
	}
}

func sigmoid64(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// Tanh64 sets dst[i] = math.Tanh(x[i]).
func Tanh64(dst, x []float64) {
	checkLen("Tanh64", len(dst), len(x))
	for i, v := range x[:len(dst)] {
		dst[i] = math.Tanh(v)
	}
}

// AddBias64 adds bias to every row of dst: dst[r·n+j] += bias[j], with n = len(bias).
// len(dst) must be a multiple of len(bias).
func AddBias64(dst, bias []float64) {
	checkRows("AddBias64", "dst", len(dst), len(bias))
	n := len(bias)
	for r := 0; r+n <= len(dst) && n > 0; r += n {
		row := dst[r : r+n]
		for j, b := range bias {
			row[j] += b
		}
	}
}

// SumRows64 adds the column sums of src to dst: dst[j] += Σ_r src[r·n+j], with n = len(dst).
// len(src) must be a multiple of len(dst).
func SumRows64(dst, src []float64) {
	checkRows("SumRows64", "src", len(src), len(dst))
	n := len(dst)
	for r := 0; r+n <= len(src) && n > 0; r += n {
		row := src[r : r+n]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// LSTMForward64 is the float64 form of LSTMForward32, computed with math.Exp and math.Tanh.
func LSTMForward64(pre, cPrev, c, tc, h []float64, B, H int) {
	checkLSTM("LSTMForward64", len(pre), len(cPrev), len(c), len(tc), len(h), B, H)
	for b := 0; b < B; b++ {
		p := pre[4*b*H : 4*(b+1)*H]
		gi, gf, gg, gout := p[:H], p[H:2*H], p[2*H:3*H], p[3*H:4*H]
		off := b * H
		for j := 0; j < H; j++ {
			i := sigmoid64(gi[j])
			f := sigmoid64(gf[j])
			g := math.Tanh(gg[j])
			o := sigmoid64(gout[j])
			gi[j], gf[j], gg[j], gout[j] = i, f, g, o
			cv := f*cPrev[off+j] + i*g
			t := math.Tanh(cv)
			c[off+j] = cv
			tc[off+j] = t
			h[off+j] = o * t
		}
	}
}
