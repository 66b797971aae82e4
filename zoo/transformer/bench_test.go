package transformer

import (
	"math"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
)

// w5Trainer is the W5 training step: a W5 model on the Opticks training text, batches of 32
// random windows, Adam 1e-3.
type w5Trainer struct {
	m      *LM
	s      *datasets.WindowSampler
	solver optim.Solver
	batch  int
}

func newW5Trainer(tb testing.TB, seed uint64) *w5Trainer {
	tb.Helper()
	text, err := datasets.Opticks()
	if err != nil {
		tb.Fatal(err)
	}
	tr, _ := text.Split(datasets.TextTrainFrac)
	m, err := New(W5(text.Vocab.Size(), seed))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := datasets.NewWindowSampler(tr, text.Vocab, 64, seed+1)
	if err != nil {
		tb.Fatal(err)
	}
	solver, err := optim.New("adam", optim.Options{LR: 1e-3})
	if err != nil {
		tb.Fatal(err)
	}
	return &w5Trainer{m: m, s: s, solver: solver, batch: 32}
}

// steps runs k training steps on the graph g of the trainer's model and returns their losses.
func (w *w5Trainer) steps(tb testing.TB, k int, each func(i int, d time.Duration)) []float64 {
	tb.Helper()
	g, err := w.m.Build(w.batch, true)
	if err != nil {
		tb.Fatal(err)
	}
	defer g.Close()
	if err := g.Compile(); err != nil {
		tb.Fatal(err)
	}
	losses := make([]float64, k)
	for i := 0; i < k; i++ {
		t0 := time.Now()
		if err := g.Feed(w.s.Next(w.batch)); err != nil {
			tb.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			tb.Fatal(err)
		}
		if err := w.solver.Step(g.ValueGrads()); err != nil {
			tb.Fatal(err)
		}
		losses[i] = g.Loss()
		if each != nil {
			each(i, time.Since(t0))
		}
	}
	return losses
}

// BenchmarkW5 measures W5's training throughput (forward, backward and Adam step of 32 windows of
// 64 characters) in tokens per second. It reports the median step of the b.N steps on the wall
// clock, and the tokens per CPU-second of the process (with GOMAXPROCS=1, the one-core
// throughput, which a loaded machine disturbs far less). Comparisons with PyTorch are measured
// side by side in one run, never against a fixed figure.
func BenchmarkW5(b *testing.B) {
	w := newW5Trainer(b, 1)
	w.steps(b, 3, nil) // warm up: compile, allocate the solver state
	times := make([]float64, 0, b.N)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	w.steps(b, b.N, func(_ int, d time.Duration) { times = append(times, d.Seconds()) })
	b.StopTimer()
	cpu := cpuSeconds() - cpu0
	sort.Float64s(times)
	med := times[len(times)/2]
	tokens := float64(w.batch * 64)
	b.ReportMetric(tokens/med, "tokens/s")
	if cpu > 0 {
		b.ReportMetric(tokens*float64(b.N)/cpu, "tokens/cpu-s")
	}
}

// cpuSeconds is the process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// TestW5Memory runs W5 training steps and checks the heap stays flat: ZOO_W5_MEMORY_STEPS steps
// (1000 for the full check), 8 otherwise.
func TestW5Memory(t *testing.T) {
	if testing.Short() {
		t.Skip("trains W5")
	}
	k := 8
	if longSteps > 0 {
		k = longSteps
	}
	w := newW5Trainer(t, 1)
	var ms runtime.MemStats
	var heap []float64
	w.steps(t, k, func(i int, _ time.Duration) {
		if (i+1)%max(k/10, 1) == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			heap = append(heap, float64(ms.HeapInuse)/(1<<20))
			t.Logf("step %d: heap in use %.1f MiB, from the OS %.1f MiB", i+1, heap[len(heap)-1], float64(ms.Sys)/(1<<20))
		}
	})
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, h := range heap[1:] {
		lo, hi = math.Min(lo, h), math.Max(hi, h)
	}
	if hi-lo > 0.05*lo+4 {
		t.Fatalf("heap in use grew from %.1f to %.1f MiB over %d steps", lo, hi, k)
	}
}
