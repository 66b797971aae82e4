package mlp

import (
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
)

// BenchmarkTrainStepW4 times one training step of workload W4: MLP 784-256-256-10 with ReLU and
// BatchNorm after each hidden linear map, batch 128, SGD with momentum 0.9, lr 0.05, on
// MNIST-shaped data labelled by a random teacher. PyTorch 1.13 on the same 2-core machine:
// 56–58k samples/s on 1 thread, 55–90k on 2.
func BenchmarkTrainStepW4(b *testing.B) {
	const batch = 128
	m, err := New(Config{Inputs: 784, Hidden: []int{256, 256}, Outputs: 10, Activation: "relu", BatchNorm: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	g, err := m.Build(batch, true)
	if err != nil {
		b.Fatal(err)
	}
	solver, err := optim.New("momentum", optim.Options{LR: 0.05, Momentum: 0.9})
	if err != nil {
		b.Fatal(err)
	}
	ds := datasets.Teacher(batch*8, 784, 10, 1)
	batches := datasets.Epoch(ds.Len(), batch, nil, true)
	data := make([]datasets.Batch, len(batches))
	for i, idx := range batches {
		data[i] = ds.Batch(idx)
	}
	step := func(i int) {
		if err := g.Feed(data[i%len(data)]); err != nil {
			b.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			b.Fatal(err)
		}
		if err := solver.Step(g.ValueGrads()); err != nil {
			b.Fatal(err)
		}
	}
	step(0) // compile and allocate the solver's state outside the timing
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step(i)
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "samples/s")
}
