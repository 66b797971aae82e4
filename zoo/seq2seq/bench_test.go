package seq2seq

import (
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
)

// BenchmarkW6 is one training step of workload W6 (the reference's seq2seq dates): GRU encoder,
// bidirectional, 128 per direction, additive attention, embeddings of 32, batch 64, float32,
// Adam. It reports samples/s; PyTorch's figure on the reference machine is 1.34k (2 threads) and
// 0.97k–1.04k (1 thread).
func BenchmarkW6(b *testing.B) {
	data, err := DateSplits(64*16, 1)
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(DefaultConfig(data.Train.Info(), DateMaxSrc, DateMaxTgt))
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

func newAdam(tb testing.TB) optim.Solver {
	s, err := optim.New("adam", optim.Options{LR: 1e-3})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
