package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// procStatus returns the resident set size in kB and the number of open files of this process.
func procStatus(t *testing.T) (rssKB, fds int) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: ", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rssKB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd: ", err)
	}
	return rssKB, len(ents)
}

// TestSoakLSTM trains the LSTM language model of the Opticks text for ZOO_SOAK steps (10000 for
// the reliability check) with a checkpoint every 500 steps, and requires the resident set, the
// open files and the goroutines to stay flat from the second checkpoint on. It is skipped unless
// ZOO_SOAK is set: a long run.
func TestSoakLSTM(t *testing.T) {
	steps, _ := strconv.Atoi(os.Getenv("ZOO_SOAK"))
	if steps <= 0 {
		t.Skip("set ZOO_SOAK=10000 to run the soak test")
	}
	text, err := datasets.Opticks()
	if err != nil {
		t.Fatal(err)
	}
	const bptt, batch = 16, 8
	data, err := textData(text, taskArgs{Name: "opticks", Length: bptt, Examples: steps * batch, DataSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sc := seqmodel.Config{Hidden: 32, Embed: 16, Layers: 1}
	cfg := sc.FromInfo(data.Train.Info())
	cfg.Seed = 1
	mdl, err := lstm.NewModel(cfg, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := train.DefaultConfig()
	c.Epochs, c.Steps, c.Batch, c.EvalBatch, c.LR, c.Clip, c.EvalEvery = 0, steps, batch, 256, 2e-3, 5, 500
	c.Sequential = true
	c.Save = filepath.Join(t.TempDir(), "soak.npz")
	c.LogJSONL = filepath.Join(t.TempDir(), "soak.jsonl")
	type sample struct{ step, rss, fds, goroutines int }
	var samples []sample
	c.OnEval = func(r train.Record) {
		runtime.GC()
		rss, fds := procStatus(t)
		samples = append(samples, sample{r.Step, rss, fds, runtime.NumGoroutine()})
		t.Logf("step %5d  RSS %6.1f MB  open files %d  goroutines %d  val loss %.4f", r.Step, float64(rss)/1024, fds, runtime.NumGoroutine(), r.Val["loss"])
	}
	if _, err := train.Fit(mdl, data, c); err != nil {
		t.Fatal(err)
	}
	if len(samples) < 3 {
		t.Fatalf("%d samples", len(samples))
	}
	base := samples[1] // after the first checkpoint and the graphs' first use
	lo, hi := base.rss, base.rss
	for _, s := range samples[1:] {
		lo, hi = min(lo, s.rss), max(hi, s.rss)
		if s.fds > base.fds || s.goroutines > base.goroutines+2 {
			t.Errorf("step %d: %d open files, %d goroutines; at step %d: %d, %d", s.step, s.fds, s.goroutines, base.step, base.fds, base.goroutines)
		}
	}
	t.Logf("RSS from step %d on: %.1f–%.1f MB", base.step, float64(lo)/1024, float64(hi)/1024)
	if float64(hi) > 1.25*float64(base.rss)+32*1024 {
		t.Errorf("RSS grew from %.1f MB to %.1f MB", float64(base.rss)/1024, float64(hi)/1024)
	}
}
