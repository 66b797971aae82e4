package bench

import (
	"math"
	"strings"
	"testing"
)

// Every workload builds and runs 2 timed steps (the first one compiles the graph), with a
// finite, positive throughput consistent with its median step time, and its allocations counted.
func TestWorkloadsRun(t *testing.T) {
	for _, w := range Workloads() {
		t.Run(w.Name, func(t *testing.T) {
			res, err := w.Run(Options{Warmup: 0, Steps: 2, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Workload != w.Name || res.Unit != w.Unit || res.Steps != 2 || res.Warmup != 0 {
				t.Fatalf("result %+v does not describe the run", res)
			}
			if !(res.UnitsPerS > 0) || math.IsInf(res.UnitsPerS, 0) {
				t.Fatalf("throughput %v %s/s", res.UnitsPerS, w.Unit)
			}
			if got := float64(w.PerStep) / res.MedianStepS; math.Abs(got-res.UnitsPerS) > 1e-9*got {
				t.Fatalf("throughput %v, but %d %s in a median step of %v s", res.UnitsPerS, w.PerStep, w.Unit, res.MedianStepS)
			}
			if !(res.AllocsPerStep > 0) || !(res.AllocBytesPerStep > 0) {
				t.Fatalf("allocations per step: %v bytes, %v objects", res.AllocBytesPerStep, res.AllocsPerStep)
			}
			if math.IsNaN(res.Loss) || res.Loss <= 0 {
				t.Fatalf("training loss %v", res.Loss)
			}
			t.Logf("%s: %.0f %s/s, %.1f MB and %.0f allocations per step", w.Name, res.UnitsPerS, w.Unit, res.AllocBytesPerStep/1e6, res.AllocsPerStep)
		})
	}
}

func TestRunOptions(t *testing.T) {
	w := Workloads()[0]
	if _, err := w.Run(Options{Steps: 0}); err == nil || !strings.Contains(err.Error(), "0 timed steps") {
		t.Fatalf("0 steps: error %v", err)
	}
	if _, err := w.Run(Options{Steps: 1, Warmup: -1}); err == nil || !strings.Contains(err.Error(), "-1 warm-up") {
		t.Fatalf("-1 warm-up steps: error %v", err)
	}
	if _, err := (Workload{Name: "X"}).Run(Options{Steps: 1}); err == nil {
		t.Fatal("a workload without a builder ran")
	}
}

func TestSelect(t *testing.T) {
	names := func(ws []Workload) string {
		var s []string
		for _, w := range ws {
			s = append(s, w.Name)
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"all"}, "W1 W2-gru W2-rnn W3 W4 W5 W6"},
		{[]string{"w4", "W1"}, "W1 W4"},
		{[]string{"W2"}, "W2-gru W2-rnn"},
		{[]string{"W2-rnn", "w2-RNN", "W6"}, "W2-rnn W6"},
	} {
		ws, err := Select(c.in)
		if err != nil {
			t.Fatalf("%v: %v", c.in, err)
		}
		if got := names(ws); got != c.want {
			t.Errorf("Select(%v) = %s; want %s", c.in, got, c.want)
		}
	}
	for _, bad := range [][]string{{"W7"}, {"W1", "lstm"}, {}} {
		if _, err := Select(bad); err == nil {
			t.Errorf("Select(%v) accepted", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), c.xs...)
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v; want %v", c.xs, got, c.want)
		}
		for i := range in {
			if in[i] != c.xs[i] {
				t.Fatalf("Median reordered its input: %v", c.xs)
			}
		}
	}
}

// BenchmarkStep is one training step of each workload, as zoo bench times it but in the test
// process: go test ./bench -run - -bench Step/W1 -benchmem -cpuprofile cpu.out. It reports the
// workload's units per second besides ns/op.
func BenchmarkStep(b *testing.B) {
	for _, w := range Workloads() {
		b.Run(w.Name, func(b *testing.B) {
			step, closer, err := w.build(1)
			if err != nil {
				b.Fatal(err)
			}
			defer closer()
			if _, err := step(); err != nil { // compile, allocate the solver's state
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.PerStep*b.N)/b.Elapsed().Seconds(), w.Unit+"/s")
		})
	}
}
