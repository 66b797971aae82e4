package nn

import (
	"math"
	"testing"
)

// TestLogSoftmax checks hand-computed values: logits (0, ln 3) are probabilities (1/4, 3/4), the
// same logits shifted by 1000 give the same (no overflow), a row of equal logits is uniform, and
// every row of LogSoftmaxRows is normalised on its own.
func TestLogSoftmax(t *testing.T) {
	near := func(what string, got, want []float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("%s[%d] = %.15g, want %.15g", what, i, got[i], want[i])
			}
		}
	}
	q, tq := math.Log(0.25), math.Log(0.75)
	near("LogSoftmax(0, ln 3)", LogSoftmax([]float64{0, math.Log(3)}), []float64{q, tq})
	near("LogSoftmax(1000, 1000+ln 3)", LogSoftmax([]float64{1000, 1000 + math.Log(3)}), []float64{q, tq})
	near("LogSoftmax(-7, -7, -7, -7)", LogSoftmax([]float64{-7, -7, -7, -7}), []float64{q, q, q, q})
	near("LogSoftmaxRows", LogSoftmaxRows([]float64{0, math.Log(3), 5, 5, 2}, 2),
		[]float64{q, tq, math.Log(0.5), math.Log(0.5), 0})
	if got := LogSoftmaxRows([]float64{1, 2}, 0); len(got) != 0 {
		t.Errorf("LogSoftmaxRows with rows of 0 = %v, want nothing", got)
	}
	x := []float64{3, -1, 0.5}
	if LogSoftmax(x); x[0] != 3 || x[1] != -1 || x[2] != 0.5 {
		t.Errorf("LogSoftmax changed its input: %v", x)
	}
}

// TestArgmax: the largest value's index, the first of equal ones, −1 for nothing, and NaNs
// never chosen over a number that comes first.
func TestArgmax(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		x    []float64
		want int
	}{
		{nil, -1},
		{[]float64{-2}, 0},
		{[]float64{1, 3, 2}, 1},
		{[]float64{1, 3, 3, 2}, 1},
		{[]float64{math.Inf(-1), -1e300}, 1},
		{[]float64{0, nan, 1}, 2},
		{[]float64{nan, 5}, 0},
	} {
		if got := Argmax(c.x); got != c.want {
			t.Errorf("Argmax(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}
