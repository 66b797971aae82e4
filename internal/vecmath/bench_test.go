package vecmath

import (
	"math"
	"math/rand"
	"testing"

	"github.com/chewxy/math32"
)

// benchN is the number of elements of every benchmark: 64K float32, 256 KiB, within L2.
const benchN = 1 << 16

// benchKernels runs f once per implementation, then once per plain loop of the baselines; each
// reports ns/element.
func benchKernels(b *testing.B, f func(b *testing.B), baselines map[string]func()) {
	saved := kern
	defer func() { kern = saved }()
	for _, k := range available() {
		kern = k
		b.Run(k.name, func(b *testing.B) {
			f(b)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
		})
	}
	for name, loop := range baselines {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				loop()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
		})
	}
}

func benchInput(scale float32) []float32 {
	return randSlice(rand.New(rand.NewSource(9)), benchN, scale)
}

func benchUnary(b *testing.B, f func(dst, x []float32), f32 func(float32) float32, f64 func(float64) float64) {
	x := benchInput(8)
	dst := make([]float32, benchN)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f(dst, x)
		}
	}, map[string]func(){
		"loop-math32": func() {
			for i, v := range x {
				dst[i] = f32(v)
			}
		},
		"loop-float64": func() {
			for i, v := range x {
				dst[i] = float32(f64(float64(v)))
			}
		},
	})
}

func BenchmarkExp32(b *testing.B) { benchUnary(b, Exp32, math32.Exp, math.Exp) }

func BenchmarkSigmoid32(b *testing.B) {
	benchUnary(b, Sigmoid32, func(v float32) float32 { return 1 / (1 + math32.Exp(-v)) }, sigmoid64)
}

func BenchmarkTanh32(b *testing.B) { benchUnary(b, Tanh32, math32.Tanh, math.Tanh) }

func BenchmarkAddBias32(b *testing.B) {
	dst, bias := benchInput(1), benchInput(1)[:1024]
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			AddBias32(dst, bias)
		}
	}, map[string]func(){"loop": func() { addBias32Go(dst, bias) }})
}

func BenchmarkSumRows32(b *testing.B) {
	src, dst := benchInput(1), make([]float32, 1024)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			SumRows32(dst, src)
		}
	}, map[string]func(){"loop": func() { sumRows32Go(dst, src) }})
}

func BenchmarkSum32(b *testing.B) {
	x := benchInput(1)
	var sink float32
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Sum32(x)
		}
	}, map[string]func(){"loop": func() {
		var s float32
		for _, v := range x {
			s += v
		}
		sink += s
	}})
	_ = sink
}

func BenchmarkMax32(b *testing.B) {
	x := benchInput(1)
	var sink float32
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Max32(x)
		}
	}, map[string]func(){"loop": func() {
		m := x[0]
		for _, v := range x {
			if v > m {
				m = v
			}
		}
		sink += m
	}})
	_ = sink
}

func BenchmarkScale32(b *testing.B) {
	x := benchInput(1)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Scale32(x, 1)
		}
	}, map[string]func(){"loop": func() { scale32Go(x, 1) }})
}

func BenchmarkAxpy32(b *testing.B) {
	x, y := benchInput(1), benchInput(1)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Axpy32(y, 1e-9, x)
		}
	}, map[string]func(){"loop": func() { axpy32Go(y, 1e-9, x) }})
}

func BenchmarkMul32(b *testing.B) {
	x, y, z := benchInput(1), benchInput(1), make([]float32, benchN)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Mul32(z, x, y)
		}
	}, map[string]func(){"loop": func() { mul32Go(z, x, y) }})
}

// BenchmarkLSTMForward32 is one step of W1's LSTM scaled to 64K units: B = 256, H = 256 (the
// gates, 4·64K values, are refreshed from a copy each time, as their activations overwrite them).
// ns/elem is per unit (five activations and the cell update).
func BenchmarkLSTMForward32(b *testing.B) {
	const B, H = 256, 256
	r := rand.New(rand.NewSource(10))
	pre0 := randSlice(r, 4*B*H, 4)
	pre, cp := make([]float32, 4*B*H), randSlice(r, B*H, 2)
	c, tc, h := make([]float32, B*H), make([]float32, B*H), make([]float32, B*H)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			copy(pre, pre0)
			LSTMForward32(pre, cp, c, tc, h, B, H)
		}
	}, map[string]func(){"loop-math32": func() {
		copy(pre, pre0)
		for bb := 0; bb < B; bb++ {
			p := pre[4*bb*H : 4*(bb+1)*H]
			for j := 0; j < H; j++ {
				i := 1 / (1 + math32.Exp(-p[j]))
				f := 1 / (1 + math32.Exp(-p[H+j]))
				g := math32.Tanh(p[2*H+j])
				o := 1 / (1 + math32.Exp(-p[3*H+j]))
				p[j], p[H+j], p[2*H+j], p[3*H+j] = i, f, g, o
				cv := f*cp[bb*H+j] + i*g
				t := math32.Tanh(cv)
				c[bb*H+j], tc[bb*H+j], h[bb*H+j] = cv, t, o*t
			}
		}
	}})
}

// BenchmarkSoftmaxRows32 is 64 rows of 1024 logits.
func BenchmarkSoftmaxRows32(b *testing.B) {
	x, dst := benchInput(10), make([]float32, benchN)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			SoftmaxRows32(dst, x, 1024)
		}
	}, map[string]func(){"loop-float64": func() {
		for r := 0; r < benchN; r += 1024 {
			softmaxRowGo(dst[r:r+1024], x[r:r+1024])
		}
	}})
}

// BenchmarkLSTMBackward32: B = 256, H = 256; ns/elem is per unit.
func BenchmarkLSTMBackward32(b *testing.B) {
	const B, H = 256, 256
	r := rand.New(rand.NewSource(15))
	gates, cp, tc, dh, dc := randSlice(r, 4*B*H, 1), randSlice(r, B*H, 1), randSlice(r, B*H, 1), randSlice(r, B*H, 1), randSlice(r, B*H, 1)
	dpre, dcp := make([]float32, 4*B*H), make([]float32, B*H)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			LSTMBackward32(gates, cp, tc, dh, dc, dpre, dcp, B, H)
		}
	}, map[string]func(){"loop": func() { lstmBackwardGo(gates, cp, tc, dh, dc, dpre, dcp, B, H) }})
}

// BenchmarkGRUForward32: B = 256, H = 256 (the gates refreshed from a copy); ns/elem is per unit.
func BenchmarkGRUForward32(b *testing.B) {
	const B, H = 256, 256
	r := rand.New(rand.NewSource(16))
	xp0, hp, hPrev := randSlice(r, 3*B*H, 3), randSlice(r, 3*B*H, 3), randSlice(r, B*H, 1)
	xp, h := make([]float32, 3*B*H), make([]float32, B*H)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			copy(xp, xp0)
			GRUForward32(xp, hp, hPrev, h, B, H)
		}
	}, map[string]func(){"loop-math32": func() {
		copy(xp, xp0)
		gruForwardGo(xp, hp, hPrev, h, B, H, func(v float32) float32 { return 1 / (1 + math32.Exp(-v)) }, math32.Tanh)
	}})
}

// BenchmarkGRUBackward32: B = 256, H = 256; ns/elem is per unit.
func BenchmarkGRUBackward32(b *testing.B) {
	const B, H = 256, 256
	r := rand.New(rand.NewSource(17))
	gates, hp, hPrev, dh := randSlice(r, 3*B*H, 1), randSlice(r, 3*B*H, 1), randSlice(r, B*H, 1), randSlice(r, B*H, 1)
	dxp, dhp, dhPrev := make([]float32, 3*B*H), make([]float32, 3*B*H), make([]float32, B*H)
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			GRUBackward32(gates, hp, hPrev, dh, dxp, dhp, dhPrev, B, H)
		}
	}, map[string]func(){"loop": func() { gruBackwardGo(gates, hp, hPrev, dh, dxp, dhp, dhPrev, B, H) }})
}

func BenchmarkDot32(b *testing.B) {
	x, y := benchInput(1), benchInput(1)
	var sink float32
	b.SetBytes(4 * benchN)
	benchKernels(b, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink += Dot32(x, y)
		}
	}, map[string]func(){"loop": func() {
		var s float32
		for i, v := range x {
			s += v * y[i]
		}
		sink += s
	}})
	_ = sink
}
