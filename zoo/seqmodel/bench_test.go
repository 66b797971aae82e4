package seqmodel_test

import (
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// BenchmarkTrainStep times one training step of workloads W1 (LSTM) and W2 (GRU, tanh RNN): a
// character LM on the Opticks text with embedding 64, hidden 256, 64 steps, batch 32, Adam 2e-3
// and global-norm clipping at 5, in float32. PyTorch 1.13 on the same 2-core machine, in
// tokens/s: LSTM 24.7k, GRU 51.3k, RNN 76.4k (1 thread: 28.3k, 35.8k, 90.5k). It runs the
// default, fused layers; BenchmarkTrainStepGraph the same steps on the per-formula graph.
func BenchmarkTrainStep(b *testing.B) { benchTrainStep(b, "") }

// BenchmarkTrainStepGraph is BenchmarkTrainStep with Impl "graph", the per-step formulas.
func BenchmarkTrainStepGraph(b *testing.B) { benchTrainStep(b, "graph") }

func benchTrainStep(b *testing.B, impl string) {
	const B, T = 32, 64
	text, err := datasets.Opticks()
	if err != nil {
		b.Skip(err)
	}
	trainTok, _ := text.Split(datasets.TextTrainFrac)
	sampler, err := datasets.NewWindowSampler(trainTok, text.Vocab, T, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, cell := range []string{"lstm", "gru", "rnn"} {
		b.Run(cell, func(b *testing.B) {
			cfg := seqmodel.Config{Hidden: 256, Embed: 64, T: T, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Seed: 1, Impl: impl}
			m := newModel(&testing.T{}, cell, cfg)
			g, err := m.Build(B, true)
			if err != nil {
				b.Fatal(err)
			}
			adam, err := optim.New("adam", optim.Options{LR: 2e-3})
			if err != nil {
				b.Fatal(err)
			}
			step := func() {
				if err := g.Feed(sampler.Next(B)); err != nil {
					b.Fatal(err)
				}
				if err := g.Run(nn.NewRNG(1, nn.StreamDropout, 0)); err != nil {
					b.Fatal(err)
				}
				vgs := g.ValueGrads()
				if _, err := optim.ClipGlobalNorm(vgs, 5); err != nil {
					b.Fatal(err)
				}
				if err := adam.Step(vgs); err != nil {
					b.Fatal(err)
				}
			}
			step()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step()
			}
			b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
