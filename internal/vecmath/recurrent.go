package vecmath

import (
	"fmt"
	"math"
)

// checkShape panics unless every named slice has length mult·B·H.
func checkShape(fn string, B, H int, lens ...any) {
	if B < 0 || H < 0 {
		panic(fmt.Sprintf("vecmath.%s: negative shape B=%d H=%d", fn, B, H))
	}
	for i := 0; i+2 < len(lens); i += 3 {
		name, n, mult := lens[i].(string), lens[i+1].(int), lens[i+2].(int)
		if n != mult*B*H {
			panic(fmt.Sprintf("vecmath.%s: len(%s)=%d, want %d·B·H = %d (B=%d H=%d)", fn, name, n, mult, mult*B*H, B, H))
		}
	}
}

// TanhBackward32 sets dx to the gradient through tanh from its output: dx[i] = dy[i]·(1 − y[i]²),
// with y = tanh(x) (the vanilla RNN's step). dx may alias y or dy.
func TanhBackward32(dx, y, dy []float32) {
	checkLen("TanhBackward32", len(dx), len(y))
	checkLen("TanhBackward32", len(dx), len(dy))
	kern.tanhBackward32(dx, y, dy)
}

// TanhBackward64 is the float64 form of TanhBackward32.
func TanhBackward64(dx, y, dy []float64) {
	checkLen("TanhBackward64", len(dx), len(y))
	checkLen("TanhBackward64", len(dx), len(dy))
	tanhBackwardGo(dx, y, dy)
}

// SigmoidBackward32 sets dx to the gradient through the sigmoid from its output:
// dx[i] = dy[i]·y[i]·(1 − y[i]), with y = σ(x). dx may alias y or dy.
func SigmoidBackward32(dx, y, dy []float32) {
	checkLen("SigmoidBackward32", len(dx), len(y))
	checkLen("SigmoidBackward32", len(dx), len(dy))
	kern.sigBackward32(dx, y, dy)
}

// SigmoidBackward64 is the float64 form of SigmoidBackward32.
func SigmoidBackward64(dx, y, dy []float64) {
	checkLen("SigmoidBackward64", len(dx), len(y))
	checkLen("SigmoidBackward64", len(dx), len(dy))
	sigmoidBackwardGo(dx, y, dy)
}

func tanhBackwardGo[T float32 | float64](dx, y, dy []T) {
	y, dy = y[:len(dx)], dy[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (1 - v*v)
	}
}

func sigmoidBackwardGo[T float32 | float64](dx, y, dy []T) {
	y, dy = y[:len(dx)], dy[:len(dx)]
	for i, v := range y {
		dx[i] = dy[i] * (v * (1 - v))
	}
}

// LSTMBackward32 is the pointwise part of the gradient of one LSTM step (the inverse of
// LSTMForward32), for a batch of B rows and H hidden units.
//
// gates (B, 4H) holds the activations [i f g o] that LSTMForward32 left in pre; cPrev and tc (B, H)
// are the step's c_{t−1} and tanh(c_t); dh and dc (B, H) are the gradients of the loss with respect
// to h_t and c_t (the latter from the later step; zero at the last). It writes the gradient with
// respect to the pre-activations to dpre (B, 4H) and with respect to c_{t−1} to dcPrev (B, H):
//
//	dĉ      = dc + dh∘o∘(1 − tc²)        (the whole gradient reaching c_t)
//	dpre_i  = dĉ∘g∘i∘(1 − i)
//	dpre_f  = dĉ∘c_prev∘f∘(1 − f)
//	dpre_g  = dĉ∘i∘(1 − g²)
//	dpre_o  = dh∘tc∘o∘(1 − o)
//	dcPrev  = dĉ∘f
//
// dpre may alias gates and dcPrev may alias dc; no other slices may overlap.
func LSTMBackward32(gates, cPrev, tc, dh, dc, dpre, dcPrev []float32, B, H int) {
	checkShape("LSTMBackward32", B, H, "gates", len(gates), 4, "cPrev", len(cPrev), 1, "tc", len(tc), 1,
		"dh", len(dh), 1, "dc", len(dc), 1, "dpre", len(dpre), 4, "dcPrev", len(dcPrev), 1)
	kern.lstmBackward32(gates, cPrev, tc, dh, dc, dpre, dcPrev, B, H)
}

// LSTMBackward64 is the float64 form of LSTMBackward32.
func LSTMBackward64(gates, cPrev, tc, dh, dc, dpre, dcPrev []float64, B, H int) {
	checkShape("LSTMBackward64", B, H, "gates", len(gates), 4, "cPrev", len(cPrev), 1, "tc", len(tc), 1,
		"dh", len(dh), 1, "dc", len(dc), 1, "dpre", len(dpre), 4, "dcPrev", len(dcPrev), 1)
	lstmBackwardGo(gates, cPrev, tc, dh, dc, dpre, dcPrev, B, H)
}

func lstmBackwardGo[T float32 | float64](gates, cPrev, tc, dh, dc, dpre, dcPrev []T, B, H int) {
	for b := 0; b < B; b++ {
		o := b * H
		lstmBackwardCols(gates[4*o:4*o+4*H], cPrev[o:o+H], tc[o:o+H], dh[o:o+H], dc[o:o+H],
			dpre[4*o:4*o+4*H], dcPrev[o:o+H], 0)
	}
}

// lstmBackwardCols computes columns j0… of one row of LSTMBackward.
func lstmBackwardCols[T float32 | float64](g4, cp, t, gh, gc, d4, gcp []T, j0 int) {
	H := len(cp)
	for j := j0; j < H; j++ {
		i, f, g, og := g4[j], g4[H+j], g4[2*H+j], g4[3*H+j]
		tj, dhj := t[j], gh[j]
		dcj := gc[j] + dhj*og*(1-tj*tj)
		d4[j] = dcj * g * i * (1 - i)
		d4[H+j] = dcj * cp[j] * f * (1 - f)
		d4[2*H+j] = dcj * i * (1 - g*g)
		d4[3*H+j] = dhj * tj * og * (1 - og)
		gcp[j] = dcj * f
	}
}

// GRUForward32 is the pointwise part of one GRU step in PyTorch's form (the reset gate applied to
// the hidden projection), for a batch of B rows and H hidden units.
//
// xp (B, 3H) holds the input projections W_i·x + b_i and hp (B, 3H) the hidden projections
// W_h·h_{t−1} + b_h, each row the blocks [r z n] of H values; hPrev and h are (B, H):
//
//	r = σ(xp_r + hp_r)
//	z = σ(xp_z + hp_z)
//	n = tanh(xp_n + r∘hp_n)
//	h = (1 − z)∘n + z∘h_prev
//
// It overwrites xp with r, z, n (kept for GRUBackward32) and leaves hp unchanged. h may alias
// hPrev; no other slices may overlap. The activations have the error bounds of Sigmoid32 and
// Tanh32.
func GRUForward32(xp, hp, hPrev, h []float32, B, H int) {
	checkShape("GRUForward32", B, H, "xp", len(xp), 3, "hp", len(hp), 3, "hPrev", len(hPrev), 1, "h", len(h), 1)
	kern.gruForward32(xp, hp, hPrev, h, B, H)
}

// GRUForward64 is the float64 form of GRUForward32, computed with math.Exp and math.Tanh.
func GRUForward64(xp, hp, hPrev, h []float64, B, H int) {
	checkShape("GRUForward64", B, H, "xp", len(xp), 3, "hp", len(hp), 3, "hPrev", len(hPrev), 1, "h", len(h), 1)
	gruForwardGo(xp, hp, hPrev, h, B, H, sigmoid64, math.Tanh)
}

func gruForwardGo[T float32 | float64](xp, hp, hPrev, h []T, B, H int, sig, tanh func(T) T) {
	for b := 0; b < B; b++ {
		x3, h3 := xp[3*b*H:3*(b+1)*H], hp[3*b*H:3*(b+1)*H]
		o := b * H
		hp0, hh := hPrev[o:o+H], h[o:o+H]
		for j := 0; j < H; j++ {
			r := sig(x3[j] + h3[j])
			z := sig(x3[H+j] + h3[H+j])
			n := tanh(x3[2*H+j] + r*h3[2*H+j])
			x3[j], x3[H+j], x3[2*H+j] = r, z, n
			hh[j] = n + z*(hp0[j]-n)
		}
	}
}

// GRUBackward32 is the pointwise part of the gradient of one GRU step (the inverse of
// GRUForward32).
//
// gates (B, 3H) holds [r z n] as GRUForward32 left them in xp, hp (B, 3H) the hidden projections
// and hPrev (B, H) the previous state; dh (B, H) is the gradient with respect to h_t. It writes the
// gradients with respect to xp to dxp (B, 3H), with respect to hp to dhp (B, 3H), and the direct
// part of the gradient with respect to h_{t−1} to dhPrev (B, H) (the caller adds dhp·W_h):
//
//	dn_pre = dh∘(1 − z)∘(1 − n²)
//	dr_pre = dn_pre∘hp_n∘r∘(1 − r)
//	dz_pre = dh∘(h_prev − n)∘z∘(1 − z)
//	dxp    = [dr_pre, dz_pre, dn_pre]
//	dhp    = [dr_pre, dz_pre, dn_pre∘r]
//	dhPrev = dh∘z
//
// dxp may alias gates and dhPrev may alias dh; no other slices may overlap.
func GRUBackward32(gates, hp, hPrev, dh, dxp, dhp, dhPrev []float32, B, H int) {
	checkShape("GRUBackward32", B, H, "gates", len(gates), 3, "hp", len(hp), 3, "hPrev", len(hPrev), 1,
		"dh", len(dh), 1, "dxp", len(dxp), 3, "dhp", len(dhp), 3, "dhPrev", len(dhPrev), 1)
	kern.gruBackward32(gates, hp, hPrev, dh, dxp, dhp, dhPrev, B, H)
}

// GRUBackward64 is the float64 form of GRUBackward32.
func GRUBackward64(gates, hp, hPrev, dh, dxp, dhp, dhPrev []float64, B, H int) {
	checkShape("GRUBackward64", B, H, "gates", len(gates), 3, "hp", len(hp), 3, "hPrev", len(hPrev), 1,
		"dh", len(dh), 1, "dxp", len(dxp), 3, "dhp", len(dhp), 3, "dhPrev", len(dhPrev), 1)
	gruBackwardGo(gates, hp, hPrev, dh, dxp, dhp, dhPrev, B, H)
}

func gruBackwardGo[T float32 | float64](gates, hp, hPrev, dh, dxp, dhp, dhPrev []T, B, H int) {
	for b := 0; b < B; b++ {
		o := b * H
		gruBackwardCols(gates[3*o:3*o+3*H], hp[3*o:3*o+3*H], hPrev[o:o+H], dh[o:o+H],
			dxp[3*o:3*o+3*H], dhp[3*o:3*o+3*H], dhPrev[o:o+H], 0)
	}
}

// gruBackwardCols computes columns j0… of one row of GRUBackward.
func gruBackwardCols[T float32 | float64](g3, h3, hp0, gh, dx3, dh3, ghp []T, j0 int) {
	H := len(hp0)
	for j := j0; j < H; j++ {
		r, z, n := g3[j], g3[H+j], g3[2*H+j]
		d := gh[j]
		dn := d * (1 - z) * (1 - n*n)
		dr := dn * h3[2*H+j] * r * (1 - r)
		dz := d * (hp0[j] - n) * z * (1 - z)
		dx3[j], dx3[H+j], dx3[2*H+j] = dr, dz, dn
		dh3[j], dh3[H+j], dh3[2*H+j] = dr, dz, dn*r
		ghp[j] = d * z
	}
}

// SoftmaxRows32 sets every row of dst (rows of width n) to the softmax of the same row of x:
// exp(x − max)/Σ exp(x − max). dst may alias x. len(x) must be a multiple of n. A row holding
// NaN gives NaN; a row of −Inf gives NaN, as 0/0.
func SoftmaxRows32(dst, x []float32, n int) {
	checkLen("SoftmaxRows32", len(dst), len(x))
	checkRows("SoftmaxRows32", "x", len(x), n)
	for r := 0; r+n <= len(x) && n > 0; r += n {
		d, row := dst[r:r+n], x[r:r+n]
		m := kern.max32(row)
		if math.IsInf(float64(m), 1) || m != m {
			softmaxRowGo(d, row) // +Inf or NaN in the row: the scalar rules of IEEE
			continue
		}
		kern.shiftExp32(d, row, -m)
		kern.scale32(d, 1/kern.sum32(d))
	}
}

// softmaxRowGo is the plain loop of one row, in float64.
func softmaxRowGo(dst, x []float32) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for i, v := range x {
		e := math.Exp(float64(v) - m)
		dst[i] = float32(e)
		s += e
	}
	for i := range dst {
		dst[i] = float32(float64(dst[i]) / s)
	}
}

// SoftmaxRows64 is the float64 form of SoftmaxRows32.
func SoftmaxRows64(dst, x []float64, n int) {
	checkLen("SoftmaxRows64", len(dst), len(x))
	checkRows("SoftmaxRows64", "x", len(x), n)
	for r := 0; r+n <= len(x) && n > 0; r += n {
		d, row := dst[r:r+n], x[r:r+n]
		m := math.Inf(-1)
		for _, v := range row {
			if v != v {
				m = v
				break
			}
			m = math.Max(m, v)
		}
		var s float64
		for i, v := range row {
			d[i] = math.Exp(v - m)
			s += d[i]
		}
		for i := range d {
			d[i] /= s
		}
	}
}
