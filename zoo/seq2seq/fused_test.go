package seq2seq

import (
	"math"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"gorgonia.org/tensor"
)

// TestFusedEqualsGraph runs one training step of whole models — padded sources, GRU and LSTM
// encoders of one or two layers and directions (the backward direction reversed over the padding
// masks), decoders stepped with the fused op — with each implementation: the losses and every
// parameter's gradient agree to 1e-9 in float64.
func TestFusedEqualsGraph(t *testing.T) {
	b, info := listBatch(t, 3, 5)
	cases := []struct {
		name string
		edit func(*Config)
	}{
		{"gru-bidirectional-additive", nil},
		{"lstm-2layers-bidirectional-dot", func(c *Config) { c.Cell, c.Layers, c.Attention = "lstm", 2, AttnDot }},
		{"gru-2layers-unidirectional-none", func(c *Config) { c.Layers, c.Bidirectional, c.Attention = 2, false, AttnNone }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			losses := map[string]float64{}
			grads := map[string]map[string][]float64{}
			for _, impl := range []string{recurrent.ImplGraph, recurrent.ImplFused} {
				m := tiny(t, info, 7, 8, func(cfg *Config) {
					if c.edit != nil {
						c.edit(cfg)
					}
					cfg.Hidden, cfg.Impl = 5, impl
				})
				g, err := m.Build(b.N, true)
				if err != nil {
					t.Fatal(err)
				}
				if err := g.Feed(b); err != nil {
					t.Fatal(err)
				}
				if err := g.Run(nil); err != nil {
					t.Fatal(err)
				}
				losses[impl] = g.Loss()
				grads[impl] = map[string][]float64{}
				for i, vg := range g.ValueGrads() {
					gv, err := vg.Grad()
					if err != nil {
						t.Fatal(err)
					}
					grads[impl][g.Params()[i].Name] = nn.Float64s(gv.(*tensor.Dense))
				}
				g.Close()
			}
			if d := math.Abs(losses["graph"] - losses["fused"]); !(d <= 1e-9) || losses["graph"] == 0 {
				t.Errorf("loss graph %.12g, fused %.12g", losses["graph"], losses["fused"])
			}
			if len(grads["graph"]) != len(grads["fused"]) {
				t.Fatalf("%d and %d gradients", len(grads["graph"]), len(grads["fused"]))
			}
			for name, a := range grads["graph"] {
				f := grads["fused"][name]
				if len(f) != len(a) {
					t.Fatalf("no fused gradient of %s", name)
				}
				worst := 0.0
				for j := range a {
					worst = math.Max(worst, math.Abs(a[j]-f[j]))
				}
				if !(worst <= 1e-9) {
					t.Errorf("gradient of %s differs by %.3g", name, worst)
				}
			}
		})
	}
}

// BenchmarkW6Graph is BenchmarkW6 with the per-step graph of the recurrent cells (Impl
// "graph"): run both in one invocation to compare the implementations.
func BenchmarkW6Graph(b *testing.B) {
	data, err := DateSplits(64*16, 1)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig(data.Train.Info(), DateMaxSrc, DateMaxTgt)
	cfg.Impl = recurrent.ImplGraph
	m, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	g, err := m.Build(64, true)
	if err != nil {
		b.Fatal(err)
	}
	solver := newAdam(b)
	batches := datasets.Epoch(data.Train.Len(), 64, nil, true)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := g.Feed(data.Train.Batch(batches[i%len(batches)])); err != nil {
			b.Fatal(err)
		}
		if err := g.Run(nn.NewRNG(1, nn.StreamDropout, uint64(i))); err != nil {
			b.Fatal(err)
		}
		if err := solver.Step(g.ValueGrads()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "samples/s")
}
