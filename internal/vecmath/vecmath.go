// Package vecmath holds the elementwise loops of the zoo's fused operations: exp, sigmoid and tanh,
// bias add and its gradient, the reductions of softmax and the pointwise step of the LSTM cell.
//
// The float32 functions are the fast path. On amd64 they run Go assembly (AVX2+FMA, or AVX-512
// where the processor has it, chosen at start-up); elsewhere a portable Go loop computes the same
// approximations. The float64 functions are plain Go over the math package and serve as the exact
// reference against which fused operations are checked by finite differences.
//
// Every function takes slices of matching lengths and panics with a message naming the function
// and both lengths when they do not match: these are internal kernels, and callers check shapes
// before they reach them. Unless a function says otherwise, dst may alias x (the same slice), but
// must not partially overlap it.
package vecmath

import "fmt"

// checkLen panics when two slices that must be equally long are not.
func checkLen(fn string, n1, n2 int) {
	if n1 != n2 {
		panic(fmt.Sprintf("vecmath.%s: len(dst)=%d != len(x)=%d", fn, n1, n2))
	}
}

// checkRows panics unless total is a whole number of rows of width n.
func checkRows(fn, what string, total, n int) {
	if n == 0 {
		if total != 0 {
			panic(fmt.Sprintf("vecmath.%s: %s has length %d but the row width is 0", fn, what, total))
		}
		return
	}
	if total%n != 0 {
		panic(fmt.Sprintf("vecmath.%s: len(%s)=%d is not a multiple of the row width %d", fn, what, total, n))
	}
}

// Exp32 sets dst[i] = e^x[i].
//
// The error is at most 1 ulp of the exact result over all float32 inputs (TestSweep compares
// every implementation with math.Exp on a dense sample of [−104, 89], and on every float32 there
// with ZOO_VECMATH_SWEEP=full; the assembly measures 0.87 ulp, the portable loop 0.5). Like
// math.Exp it returns +Inf above the overflow threshold 88.72284, 0 below −103.97208, 1 for ±0
// and NaN for NaN; results below 2^−126 (x < −87.34) are denormal and rounded once.
//
// The assembly computes n = round(x·log2 e), r = x − n·ln2 in two parts (|r| ≤ ln2/2), e^r by a
// degree-7 polynomial and scales by 2^n through the exponent bits.
func Exp32(dst, x []float32) {
	checkLen("Exp32", len(dst), len(x))
	kern.exp32(dst, x)
}

// Sigmoid32 sets dst[i] = 1/(1+e^−x[i]).
//
// The error is at most 3 ulp of the exact result over all float32 inputs (TestSweep, against
// float64 on [−105, 105]; the assembly measures 2.3 ulp). It is computed from e = e^−|x| as
// 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0, so it neither overflows nor loses relative accuracy
// for large negative x: results decay through the denormals to 0 below x ≈ −103.97.
// Sigmoid32(+Inf) = 1, Sigmoid32(−Inf) = 0, Sigmoid32(±0) = ½, NaN gives NaN.
func Sigmoid32(dst, x []float32) {
	checkLen("Sigmoid32", len(dst), len(x))
	kern.sigmoid32(dst, x)
}

// Tanh32 sets dst[i] = tanh(x[i]).
//
// The error is at most 2 ulp of the exact result over all float32 inputs (TestSweep, against
// math.Tanh on [−100, 100]; the assembly measures 1.42 ulp). For |x| < 0.625 the assembly uses
// the odd polynomial x + x³·P(x²), which keeps full relative accuracy near 0 (tanh(x) = x for
// |x| < 2^−12, and tanh(−0) = −0); above, sign(x)·(1 − 2e/(1+e)) with e = e^−2|x|, which
// saturates to exactly ±1 for |x| ≥ 9.02. NaN gives NaN.
func Tanh32(dst, x []float32) {
	checkLen("Tanh32", len(dst), len(x))
	kern.tanh32(dst, x)
}

// AddBias32 adds bias to every row of dst: dst[r·n+j] += bias[j], with n = len(bias).
// len(dst) must be a multiple of len(bias).
func AddBias32(dst, bias []float32) {
	checkRows("AddBias32", "dst", len(dst), len(bias))
	if len(bias) == 0 {
		return
	}
	kern.addBias32(dst, bias)
}

// SumRows32 adds the column sums of src to dst: dst[j] += Σ_r src[r·n+j], with n = len(dst).
// It is the gradient of AddBias32 with respect to the bias. len(src) must be a multiple of len(dst).
// Each column is summed in row order, so the result equals the plain loop exactly.
func SumRows32(dst, src []float32) {
	checkRows("SumRows32", "src", len(src), len(dst))
	if len(dst) == 0 {
		return
	}
	kern.sumRows32(dst, src)
}

// Max32 returns the largest element of x: −Inf for an empty slice and NaN when any element is NaN.
func Max32(x []float32) float32 {
	return kern.max32(x)
}

// Sum32 returns the sum of the elements of x (0 for an empty slice). The sum is accumulated in
// float32 in several interleaved partial sums (as a SIMD loop does), so it may differ from the
// sequential loop by rounding: |error| ≤ (len(x)/16+32)·ε·Σ|x[i]| with ε = 2^−24.
func Sum32(x []float32) float32 {
	return kern.sum32(x)
}

// Scale32 multiplies every element of dst by a: dst[i] *= a.
func Scale32(dst []float32, a float32) {
	kern.scale32(dst, a)
}

// Axpy32 adds a·x to dst: dst[i] += a·x[i]. On amd64 the product and sum are one fused
// multiply-add (rounded once), so results may differ from the plain loop in the last bit.
func Axpy32(dst []float32, a float32, x []float32) {
	checkLen("Axpy32", len(dst), len(x))
	kern.axpy32(dst, a, x)
}

// Mul32 sets dst to the elementwise product of a and b: dst[i] = a[i]·b[i]. dst may alias a or b.
func Mul32(dst, a, b []float32) {
	checkLen("Mul32", len(dst), len(a))
	checkLen("Mul32", len(dst), len(b))
	kern.mul32(dst, a, b)
}

// LSTMForward32 is the pointwise part of one LSTM step for a batch of B rows and H hidden units.
//
// pre holds the gate pre-activations, shape (B, 4H): each row is the four blocks [i f g o] of H
// values. cPrev, c, tc and h have shape (B, H). LSTMForward32 overwrites pre with the activations
// i = σ(·), f = σ(·), g = tanh(·), o = σ(·) (kept for the backward pass) and writes
//
//	c  = f∘c_prev + i∘g
//	tc = tanh(c)
//	h  = o∘tc
//
// c may alias cPrev (the cell state updated in place); the other slices must not overlap. The
// activations have the error bounds of Sigmoid32 and Tanh32.
func LSTMForward32(pre, cPrev, c, tc, h []float32, B, H int) {
	checkLSTM("LSTMForward32", len(pre), len(cPrev), len(c), len(tc), len(h), B, H)
	kern.lstmForward32(pre, cPrev, c, tc, h, B, H)
}

// checkLSTM panics unless the LSTM step's slices have the lengths implied by B and H.
func checkLSTM(fn string, nPre, nCPrev, nC, nTC, nH, B, H int) {
	if B < 0 || H < 0 {
		panic(fmt.Sprintf("vecmath.%s: negative shape B=%d H=%d", fn, B, H))
	}
	if nPre != 4*B*H {
		panic(fmt.Sprintf("vecmath.%s: len(pre)=%d, want 4·B·H = %d (B=%d H=%d)", fn, nPre, 4*B*H, B, H))
	}
	for _, s := range []struct {
		name string
		n    int
	}{{"cPrev", nCPrev}, {"c", nC}, {"tc", nTC}, {"h", nH}} {
		if s.n != B*H {
			panic(fmt.Sprintf("vecmath.%s: len(%s)=%d, want B·H = %d (B=%d H=%d)", fn, s.name, s.n, B*H, B, H))
		}
	}
}
