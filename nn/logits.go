package nn

import "math"

// The host-side readings of a graph's logits, shared by every decoder: the log-softmax that turns
// a row of logits into log-probabilities, and the argmax that picks the most likely class.

// LogSoftmax is the log-softmax of one row of logits z:
//
//	log softmax(z)_j = z_j − log Σ_i exp(z_i) = z_j − (m + log Σ_i exp(z_i − m)),  m = max_i z_i,
//
// the second form so that no exponential overflows (torch.log_softmax). It returns a new slice.
func LogSoftmax(z []float64) []float64 {
	return LogSoftmaxRows(z, len(z))
}

// LogSoftmaxRows is the log-softmax of every row of z, a row-major matrix of rows of k logits
// (a last, shorter row is normalised on its own). It returns a new slice of len(z) values; k ≤ 0
// gives an empty one.
func LogSoftmaxRows(z []float64, k int) []float64 {
	if k <= 0 {
		return []float64{}
	}
	out := make([]float64, len(z))
	for r := 0; r*k < len(z); r++ {
		end := min((r+1)*k, len(z))
		row := z[r*k : end]
		mx := math.Inf(-1)
		for _, a := range row {
			mx = math.Max(mx, a)
		}
		sum := 0.0
		for _, a := range row {
			sum += math.Exp(a - mx)
		}
		lse := mx + math.Log(sum)
		for j, a := range row {
			out[r*k+j] = a - lse
		}
	}
	return out
}

// Argmax is the index of the largest value of x, the first of equal ones; NaNs are never the
// largest unless x[0] is one. It is −1 for an empty x.
func Argmax(x []float64) int {
	if len(x) == 0 {
		return -1
	}
	best := 0
	for j, a := range x {
		if a > x[best] {
			best = j
		}
	}
	return best
}
