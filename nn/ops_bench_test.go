package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchStep times Graph.Run (forward and backward) of a float32 training graph built by build.
func benchStep(b *testing.B, n int, build func(g *Graph) *G.Node) {
	s := NewStore(tensor.Float32, 1)
	g := NewGraph(s, n, true)
	loss := build(g)
	g.SetOutputs(loss, nil)
	if err := g.Run(nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := g.Run(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeadW1 times the output head of workload W1: 2048 rows of 256 features → 93 logits
// (Linear) → softmax cross-entropy, forward and backward; "composed" is the head of Gorgonia's
// broadcast add, LogSoftMax and a one-hot product.
func BenchmarkHeadW1(b *testing.B) {
	const n, d, k = 2048, 256, 93
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i * 31) % k
	}
	for _, fused := range []bool{true, false} {
		name := "composed"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			benchStep(b, n, func(g *Graph) *G.Node {
				l, err := NewLinear(g.Store(), "head", d, k, true)
				if err != nil {
					b.Fatal(err)
				}
				x := g.Input("x", n, d)
				if err := x.Set(ramp(n*d, -1, 1.0/float64(n*d))); err != nil {
					b.Fatal(err)
				}
				if fused {
					z, err := l.Forward(g, x.Node)
					if err != nil {
						b.Fatal(err)
					}
					h, err := NewCrossEntropy(g, z)
					if err == nil {
						err = h.SetLabels(labels)
					}
					if err != nil {
						b.Fatal(err)
					}
					return h.Loss
				}
				z := G.Must(G.BroadcastAdd(G.Must(G.Mul(x.Node, g.Bind(l.Weight))), g.Bind(l.Bias), nil, []byte{0}))
				w := make([]float64, n)
				for i := range w {
					w[i] = 1
				}
				return composedCrossEntropy(b, g, z, labels, w)
			})
		})
	}
}

// BenchmarkBatchNormW4 times BatchNorm over 128 rows of 256 features (one layer of workload W4),
// forward and backward, fused and composed.
func BenchmarkBatchNormW4(b *testing.B) {
	const n, c = 128, 256
	for _, fused := range []bool{true, false} {
		name := "composed"
		if fused {
			name = "fused"
		}
		b.Run(name, func(b *testing.B) {
			benchStep(b, n, func(g *Graph) *G.Node {
				bn, err := NewBatchNorm(g.Store(), "bn", c)
				if err != nil {
					b.Fatal(err)
				}
				x := g.Input("x", n, c)
				if err := x.Set(ramp(n*c, -1, 2.0/float64(n*c))); err != nil {
					b.Fatal(err)
				}
				var y *G.Node
				if fused {
					y, err = bn.Forward(g, x.Node)
				} else {
					y, err = bn.ForwardComposed(g, x.Node)
				}
				if err != nil {
					b.Fatal(err)
				}
				return G.Must(G.Sum(G.Must(G.Square(y))))
			})
		})
	}
}
