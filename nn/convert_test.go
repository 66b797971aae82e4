package nn

import (
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// TestSetFloat64sRounds checks the float32 path against the conversion of each value on its own,
// for lengths around the unrolled block (odd tails) and for values that round, overflow, are
// negative zero or NaN.
func TestSetFloat64sRounds(t *testing.T) {
	special := []float64{0, math.Copysign(0, -1), 1.0000000596046448, -1e39, 1e39, math.Inf(1), math.NaN(), 3.4028235677973366e38, 1e-46, 0.1}
	for n := 1; n <= 21; n++ {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = special[i%len(special)] * float64(i+1) / 3
		}
		d := NewDense(tensor.Float32, []int{n}, nil)
		if err := SetFloat64s(d, vals); err != nil {
			t.Fatal(err)
		}
		got := d.Data().([]float32)
		for i, v := range vals {
			if math.Float32bits(got[i]) != math.Float32bits(float32(v)) {
				t.Fatalf("n=%d: element %d of %v is %v (bits %x), want %v", n, i, v, got[i], math.Float32bits(got[i]), float32(v))
			}
		}
	}
}

func BenchmarkSetFloat64s32(b *testing.B) {
	vals := make([]float64, 128*784)
	for i := range vals {
		vals[i] = float64(i%255) / 255
	}
	d := NewDense(tensor.Float32, []int{128, 784}, nil)
	b.SetBytes(int64(len(vals) * 12))
	for i := 0; i < b.N; i++ {
		if err := SetFloat64s(d, vals); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReluGrad32Blocks checks reluGrad32 element by element against dy·[x's sign bit clear], for
// lengths around its block of eight and for signed zeros, infinities and NaN.
func TestReluGrad32Blocks(t *testing.T) {
	xs := []float32{1, -1, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -float32(math.NaN()), 1e-40, -1e-40, 3}
	for n := 0; n <= 27; n++ {
		x, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = xs[(i*7)%len(xs)] * float32(i%3+1)
			dy[i] = float32(i) - 10.5
			dx[i] = 99
		}
		reluGrad32(dx, x, dy)
		for i := range x {
			want := dy[i]
			if math.Signbit(float64(x[i])) || (x[i] != x[i] && math.Float32bits(x[i])>>31 == 1) {
				want = 0
			}
			if math.Float32bits(dx[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: dx[%d] = %v for x = %v, dy = %v; want %v", n, i, dx[i], x[i], dy[i], want)
			}
		}
	}
}

func BenchmarkReluGrad32(b *testing.B) {
	n := 128 * 256
	x, dy, dx := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], dy[i] = float32(i%7)-3, float32(i)
	}
	b.SetBytes(int64(12 * n))
	for i := 0; i < b.N; i++ {
		reluGrad32(dx, x, dy)
	}
}
