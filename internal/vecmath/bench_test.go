package vecmath

import (
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/chewxy/math32"
)

// benchN is the number of elements (or LSTM/GRU units) of every benchmark: 64K, 256 KiB of
// float32, within L2.
const benchN = 1 << 16

// benchCase is one benchmarked function: op runs it once with the implementation in force;
// loops are the plain Go loops it replaces, by name.
type benchCase struct {
	name  string
	op    func()
	loops map[string]func()
}

func benchInput(seed int64, scale float32) []float32 {
	return randSlice(rand.New(rand.NewSource(seed)), benchN, scale)
}

func sigmoidMath32(v float32) float32 { return 1 / (1 + math32.Exp(-v)) }

func unaryCase(name string, f func(dst, x []float32), f32 func(float32) float32, f64 func(float64) float64) benchCase {
	x, dst := benchInput(1, 8), make([]float32, benchN)
	return benchCase{name, func() { f(dst, x) }, map[string]func(){
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
	}}
}

var sink float32

// benchCases builds the inputs of every benchmark (B = 256 rows of H = 256 units for the
// recurrent steps, 64 rows of 1024 for the row operations).
func benchCases() []benchCase {
	const B, H = 256, 256
	r := rand.New(rand.NewSource(2))
	x, y, z := benchInput(3, 1), benchInput(4, 1), make([]float32, benchN)
	bias := benchInput(5, 1)[:1024]
	logits := benchInput(6, 10)

	pre0, cp := randSlice(r, 4*B*H, 4), randSlice(r, B*H, 2)
	pre, c, tc, h := make([]float32, 4*B*H), make([]float32, B*H), make([]float32, B*H), make([]float32, B*H)
	gates, dpre, dh, dc, dcp := randSlice(r, 4*B*H, 1), make([]float32, 4*B*H), randSlice(r, B*H, 1), randSlice(r, B*H, 1), make([]float32, B*H)
	xp0, hp, hPrev := randSlice(r, 3*B*H, 3), randSlice(r, 3*B*H, 3), randSlice(r, B*H, 1)
	xp, g3, dxp, dhp := make([]float32, 3*B*H), randSlice(r, 3*B*H, 1), make([]float32, 3*B*H), make([]float32, 3*B*H)

	return []benchCase{
		unaryCase("Exp32", Exp32, math32.Exp, math.Exp),
		unaryCase("Sigmoid32", Sigmoid32, sigmoidMath32, sigmoid64),
		unaryCase("Tanh32", Tanh32, math32.Tanh, math.Tanh),
		{"TanhBackward32", func() { TanhBackward32(z, x, y) }, map[string]func(){"loop": func() { tanhBackwardGo(z, x, y) }}},
		{"AddBias32", func() { AddBias32(x, bias) }, map[string]func(){"loop": func() { addBias32Go(x, bias) }}},
		{"SumRows32", func() { SumRows32(bias, y) }, map[string]func(){"loop": func() { sumRows32Go(bias, y) }}},
		{"Sum32", func() { sink += Sum32(y) }, map[string]func(){"loop": func() {
			var s float32
			for _, v := range y {
				s += v
			}
			sink += s
		}}},
		{"Dot32", func() { sink += Dot32(x, y) }, map[string]func(){"loop": func() {
			var s float32
			for i, v := range x {
				s += v * y[i]
			}
			sink += s
		}}},
		{"Max32", func() { sink += Max32(y) }, map[string]func(){"loop": func() {
			m := y[0]
			for _, v := range y {
				if v > m {
					m = v
				}
			}
			sink += m
		}}},
		{"Scale32", func() { Scale32(x, 1) }, map[string]func(){"loop": func() { scale32Go(x, 1) }}},
		{"Axpy32", func() { Axpy32(x, 1e-9, y) }, map[string]func(){"loop": func() { axpy32Go(x, 1e-9, y) }}},
		{"Mul32", func() { Mul32(z, x, y) }, map[string]func(){"loop": func() { mul32Go(z, x, y) }}},
		{"SoftmaxRows32", func() { SoftmaxRows32(z, logits, 1024) }, map[string]func(){"loop-float64": func() {
			for r := 0; r < benchN; r += 1024 {
				softmaxRowGo(z[r:r+1024], logits[r:r+1024])
			}
		}}},
		// The gates are refreshed from a copy each time, as the activations overwrite them.
		{"LSTMForward32", func() {
			copy(pre, pre0)
			LSTMForward32(pre, cp, c, tc, h, B, H)
		}, map[string]func(){"loop-math32": func() {
			copy(pre, pre0)
			for b := 0; b < B; b++ {
				p := pre[4*b*H : 4*(b+1)*H]
				for j := 0; j < H; j++ {
					i, f := sigmoidMath32(p[j]), sigmoidMath32(p[H+j])
					g, o := math32.Tanh(p[2*H+j]), sigmoidMath32(p[3*H+j])
					p[j], p[H+j], p[2*H+j], p[3*H+j] = i, f, g, o
					cv := f*cp[b*H+j] + i*g
					t := math32.Tanh(cv)
					c[b*H+j], tc[b*H+j], h[b*H+j] = cv, t, o*t
				}
			}
		}}},
		{"LSTMBackward32", func() { LSTMBackward32(gates, cp, tc, dh, dc, dpre, dcp, B, H) },
			map[string]func(){"loop": func() { lstmBackwardGo(gates, cp, tc, dh, dc, dpre, dcp, B, H) }}},
		{"GRUForward32", func() {
			copy(xp, xp0)
			GRUForward32(xp, hp, hPrev, h, B, H)
		}, map[string]func(){"loop-math32": func() {
			copy(xp, xp0)
			gruForwardGo(xp, hp, hPrev, h, B, H, sigmoidMath32, math32.Tanh)
		}}},
		{"GRUBackward32", func() { GRUBackward32(g3, hp, hPrev, dh, dxp, dhp, dh, B, H) },
			map[string]func(){"loop": func() { gruBackwardGo(g3, hp, hPrev, dh, dxp, dhp, dh, B, H) }}},
	}
}

// BenchmarkKernels times every case in every implementation this processor runs and in the plain
// loops, and reports ns/elem (per element, or per unit for the recurrent steps):
//
//	GOMAXPROCS=1 go test -run '^$' -bench Kernels -count 3 ./internal/vecmath
func BenchmarkKernels(b *testing.B) {
	saved := kern
	defer func() { kern = saved }()
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			for _, k := range available() {
				kern = k
				b.Run(k.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						c.op()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
				})
			}
			names := make([]string, 0, len(c.loops))
			for n := range c.loops {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				loop := c.loops[n]
				b.Run(n, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						loop()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchN, "ns/elem")
				})
			}
		})
	}
}
