package bench_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/bench"
)

// The workloads and what their throughput counts.
func ExampleWorkloads() {
	for _, w := range bench.Workloads() {
		fmt.Printf("%-6s %4d %s per step\n", w.Name, w.PerStep, w.Unit)
	}
	// Output:
	// W1     2048 tokens per step
	// W2-gru 2048 tokens per step
	// W2-rnn 2048 tokens per step
	// W3       50 samples per step
	// W4      128 samples per step
	// W5     2048 tokens per step
	// W6       64 samples per step
}

// Time W4 in this process: one warm-up step, then two timed ones. (zoo bench runs each workload
// in a child process instead, and PyTorch beside it.)
func ExampleWorkload_Run() {
	ws, err := bench.Select([]string{"W4"})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := ws[0].Run(bench.Options{Warmup: 1, Steps: 2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Workload, res.Unit, "per second:", res.UnitsPerS > 0)
	fmt.Println("allocated per step:", res.AllocBytesPerStep > 0)
	// Output:
	// W4 samples per second: true
	// allocated per step: true
}
