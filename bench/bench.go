// Package bench defines the workloads the zoo is measured on (W1–W6 of the reference figures) and
// times their training steps, so that one command can put the zoo's throughput beside PyTorch's on
// the same machine in the same run.
//
// A workload is built once through the project's own library packages (the recurrent cells of
// zoo/catalog, zoo/lstm, zoo/mlp, zoo/transformer, zoo/seq2seq) in the configuration of the
// reference figures, then timed over N training steps, each the whole of what training does: feed
// a fresh batch, forward, backward, gradient clipping where the workload clips, solver step, and
// reading the loss. Throughput is units (tokens or samples) per step divided by the median step
// time. The library runs with its defaults: the BLAS the binary was built with (nn.BLAS),
// GOMAXPROCS, and every layer's default implementation.
//
//	W1      char-LM, 1-layer LSTM: embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5
//	W2-gru  as W1 with a GRU
//	W2-rnn  as W1 with a tanh RNN
//	W3      adding problem: LSTM, T 50, hidden 128, batch 50, Adam 1e-3, clip 1
//	W4      MLP 784-256-256-10, ReLU, BatchNorm, batch 128, SGD momentum 0.9, lr 0.05
//	W5      char-LM transformer: 2 pre-LN layers, d_model 128, 4 heads, FF 512, context 64, batch 32, Adam 1e-3
//	W6      seq2seq dates: bidirectional GRU encoder (128 per direction), GRU decoder with additive attention, embed 32, batch 64, Adam 1e-3
//
// The PyTorch scripts of the same workloads are embedded in the package (pytorch/*.py, see
// WriteTorchScripts); Compare runs both sides as child processes, alternating them, and reports
// the ratio.
package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Units of throughput.
const (
	Tokens  = "tokens"
	Samples = "samples"
)

// Workload is one benchmark: a training step of a model on its task, built by the zoo's library.
type Workload struct {
	// Name is the workload's id: W1, W2-gru, W2-rnn, W3, W4, W5 or W6.
	Name string
	// About is the configuration in one line.
	About string
	// Unit is what the throughput counts: Tokens or Samples.
	Unit string
	// PerStep is the number of units one training step processes (batch × length for tokens).
	PerStep int
	// Script is the PyTorch script of the same workload among the embedded ones (pytorch/).
	Script string
	// build creates the model, its graph, data and solver, and returns the training step.
	build func(seed uint64) (step func() (float64, error), closer func() error, err error)
}

// Workloads returns every workload, in order.
func Workloads() []Workload {
	return []Workload{
		{Name: "W1", About: "char-LM LSTM: embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5",
			Unit: Tokens, PerStep: 32 * 64, Script: "w1_lstm.py", build: charLM("lstm")},
		{Name: "W2-gru", About: "char-LM GRU: embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5",
			Unit: Tokens, PerStep: 32 * 64, Script: "w2_gru.py", build: charLM("gru")},
		{Name: "W2-rnn", About: "char-LM tanh RNN: embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5",
			Unit: Tokens, PerStep: 32 * 64, Script: "w2_rnn.py", build: charLM("rnn")},
		{Name: "W3", About: "adding problem, LSTM: T 50, hidden 128, batch 50, Adam 1e-3, clip 1",
			Unit: Samples, PerStep: addingBatch, Script: "w3_adding.py", build: buildAdding},
		{Name: "W4", About: "MLP 784-256-256-10, ReLU, BatchNorm: batch 128, SGD momentum 0.9, lr 0.05",
			Unit: Samples, PerStep: mlpBatch, Script: "w4_mlp.py", build: buildMLP},
		{Name: "W5", About: "char-LM transformer: 2 pre-LN layers, d_model 128, 4 heads, FF 512, context 64, batch 32, Adam 1e-3",
			Unit: Tokens, PerStep: 32 * 64, Script: "w5_transformer.py", build: buildTransformer},
		{Name: "W6", About: "seq2seq dates: bi-GRU encoder 2×128, GRU decoder, additive attention, embed 32, batch 64, Adam 1e-3",
			Unit: Samples, PerStep: s2sBatch, Script: "w6_seq2seq.py", build: buildSeq2Seq},
	}
}

// Names returns the workloads' names, in order.
func Names() []string {
	var names []string
	for _, w := range Workloads() {
		names = append(names, w.Name)
	}
	return names
}

// Select returns the workloads named, in the order of Workloads and without repeats. A name is a
// workload's (case does not matter), "W2" for both W2 entries, or "all".
func Select(names []string) ([]Workload, error) {
	all := Workloads()
	want := map[string]bool{}
	for _, n := range names {
		n = strings.ToUpper(strings.TrimSpace(n))
		found := false
		for _, w := range all {
			if n == "ALL" || strings.ToUpper(w.Name) == n || (n == "W2" && strings.HasPrefix(w.Name, "W2-")) {
				want[w.Name], found = true, true
			}
		}
		if !found {
			return nil, errors.Errorf("unknown workload %q (workloads: %s, W2, all)", n, strings.Join(Names(), ", "))
		}
	}
	if len(names) == 0 {
		return nil, errors.Errorf("no workload named (workloads: %s, W2, all)", strings.Join(Names(), ", "))
	}
	var ws []Workload
	for _, w := range all {
		if want[w.Name] {
			ws = append(ws, w)
		}
	}
	return ws, nil
}

// Options are the step counts of a timing.
type Options struct {
	// Warmup steps run first and are not timed: they compile the graph and allocate the solver's
	// state.
	Warmup int
	// Steps is the number of timed steps (at least 1).
	Steps int
	// Seed initialises the model and draws the data.
	Seed uint64
}

// Result is the timing of one workload in one process. The Go side fills the allocation fields;
// the PyTorch scripts fill Torch, Threads and BLASLibs.
type Result struct {
	Workload    string  `json:"workload"`          // W1 … W6
	Unit        string  `json:"unit"`              // what UnitsPerS counts: tokens or examples
	UnitsPerS   float64 `json:"units_per_s"`       // PerStep / MedianStepS
	MedianStepS float64 `json:"median_step_s"`     // median over the timed steps
	Steps       int     `json:"steps"`             // timed steps
	Warmup      int     `json:"warmup"`            // untimed steps before them
	BuildS      float64 `json:"build_s,omitempty"` // building the model and graph, not timed

	AllocBytesPerStep float64 `json:"alloc_bytes_per_step,omitempty"` // runtime.MemStats.TotalAlloc over the timed steps, per step
	AllocsPerStep     float64 `json:"allocs_per_step,omitempty"`      // runtime.MemStats.Mallocs over the timed steps, per step

	Torch   string `json:"torch,omitempty"`   // torch.__version__
	Threads int    `json:"threads,omitempty"` // torch.get_num_threads()
	// BLASLibs are the BLAS, LAPACK and OpenMP shared libraries the process mapped (none for
	// the pure-Go BLAS).
	BLASLibs []string `json:"blas_libs,omitempty"`
	Loss     float64  `json:"loss"` // training loss of the last step
}

// Run builds w once and times opt.Steps training steps after opt.Warmup untimed ones, in this
// process: the median step time gives the throughput, and the heap statistics before and after
// the timed steps give the bytes and objects allocated per step.
func (w Workload) Run(opt Options) (Result, error) {
	if opt.Steps < 1 {
		return Result{}, errors.Errorf("%s: %d timed steps; want at least 1", w.Name, opt.Steps)
	}
	if opt.Warmup < 0 {
		return Result{}, errors.Errorf("%s: %d warm-up steps; want 0 or more", w.Name, opt.Warmup)
	}
	if w.build == nil {
		return Result{}, errors.Errorf("%s: not a workload of this package", w.Name)
	}
	t0 := time.Now()
	step, closer, err := w.build(opt.Seed)
	if err != nil {
		return Result{}, errors.Wrapf(err, "%s: build", w.Name)
	}
	defer closer()
	res := Result{Workload: w.Name, Unit: w.Unit, Steps: opt.Steps, Warmup: opt.Warmup, BuildS: time.Since(t0).Seconds()}
	check := func(i int, loss float64, err error) error {
		if err != nil {
			return errors.Wrapf(err, "%s: step %d", w.Name, i+1)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return errors.Errorf("%s: step %d: training loss is %v", w.Name, i+1, loss)
		}
		return nil
	}
	for i := 0; i < opt.Warmup; i++ {
		loss, err := step()
		if err := check(i, loss, err); err != nil {
			return Result{}, err
		}
	}
	times := make([]float64, opt.Steps)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range times {
		t := time.Now()
		loss, err := step()
		times[i] = time.Since(t).Seconds()
		if err := check(opt.Warmup+i, loss, err); err != nil {
			return Result{}, err
		}
		res.Loss = loss
	}
	runtime.ReadMemStats(&after)
	res.MedianStepS = Median(times)
	if res.MedianStepS > 0 {
		res.UnitsPerS = float64(w.PerStep) / res.MedianStepS
	}
	res.AllocBytesPerStep = float64(after.TotalAlloc-before.TotalAlloc) / float64(opt.Steps)
	res.AllocsPerStep = float64(after.Mallocs-before.Mallocs) / float64(opt.Steps)
	res.BLASLibs = MappedLibs()
	return res, nil
}

// MappedLibs lists the BLAS, LAPACK and OpenMP shared libraries this process has mapped, from
// /proc/self/maps (none where that file is not there), with symbolic links resolved: it says
// which OpenBLAS build (pthread or OpenMP) a cgo binary really runs.
func MappedLibs() []string {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var libs []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[5], "/") {
			continue
		}
		p := f[5]
		base := filepath.Base(p)
		if !strings.Contains(base, "blas") && !strings.Contains(base, "lapack") && !strings.Contains(base, "omp") && !strings.Contains(base, "mkl") {
			continue
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if !seen[p] {
			seen[p] = true
			libs = append(libs, p)
		}
	}
	sort.Strings(libs)
	return libs
}

// Median is the median of xs (the mean of the middle two for an even count); 0 for none. xs is
// not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// graph is what every workload's step needs of a built graph.
type graph interface {
	Feed(datasets.Batch) error
	Loss() float64
	ValueGrads() []G.ValueGrad
	Close() error
}

// trainStep is feed, forward and backward (run), clipping at clip (0: none), solver step, loss.
func trainStep(g graph, run func() error, next func() datasets.Batch, clip float64, solver optim.Solver) func() (float64, error) {
	return func() (float64, error) {
		if err := g.Feed(next()); err != nil {
			return 0, err
		}
		if err := run(); err != nil {
			return 0, err
		}
		vgs := g.ValueGrads()
		if clip > 0 {
			if _, err := optim.ClipGlobalNorm(vgs, clip); err != nil {
				return 0, err
			}
		}
		if err := solver.Step(vgs); err != nil {
			return 0, err
		}
		return g.Loss(), nil
	}
}

// charLM is W1 or W2: a character LM of the given cell (a name of catalog.Cells, in the cell's
// default configuration) on the Opticks text.
func charLM(cell string) func(seed uint64) (func() (float64, error), func() error, error) {
	return func(seed uint64) (func() (float64, error), func() error, error) {
		const B, T = 32, 64
		text, err := datasets.Opticks()
		if err != nil {
			return nil, nil, err
		}
		trainTok, _ := text.Split(datasets.TextTrainFrac)
		sampler, err := datasets.NewWindowSampler(trainTok, text.Vocab, T, seed+1)
		if err != nil {
			return nil, nil, err
		}
		c, err := catalog.FindCell(cell)
		if err != nil {
			return nil, nil, err
		}
		cfg := seqmodel.Config{Hidden: 256, Embed: 64, T: T, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Seed: seed}
		m, err := c.NewModel(cfg, nil) // the cell's default configuration
		if err != nil {
			return nil, nil, err
		}
		g, err := m.Build(B, true)
		if err != nil {
			return nil, nil, err
		}
		solver, err := optim.New("adam", optim.Options{LR: 2e-3})
		if err != nil {
			return nil, nil, err
		}
		rng := nn.NewRNG(seed, nn.StreamDropout, 0)
		run := func() error { return g.Run(rng) }
		return trainStep(g, run, func() datasets.Batch { return sampler.Next(B) }, 5, solver), g.Close, nil
	}
}

const (
	addingBatch = 50
	mlpBatch    = 128
	s2sBatch    = 64
)

// buildAdding is W3: an LSTM regressing the adding problem's target from the last of 50 steps, a
// fresh batch every step.
func buildAdding(seed uint64) (func() (float64, error), func() error, error) {
	const T = 50
	data, err := datasets.Adding(1<<30, T, seed+1)
	if err != nil {
		return nil, nil, err
	}
	cfg := seqmodel.Config{Hidden: 128, Seed: seed}.FromInfo(data.Info())
	m, err := lstm.NewModel(cfg, lstm.DefaultConfig())
	if err != nil {
		return nil, nil, err
	}
	g, err := m.Build(addingBatch, true)
	if err != nil {
		return nil, nil, err
	}
	solver, err := optim.New("adam", optim.Options{LR: 1e-3})
	if err != nil {
		return nil, nil, err
	}
	rng := nn.NewRNG(seed, nn.StreamDropout, 0)
	idx := make([]int, addingBatch)
	k := 0
	next := func() datasets.Batch {
		for i := range idx {
			idx[i] = (k*addingBatch + i) % data.Len()
		}
		k++
		return data.Batch(idx)
	}
	return trainStep(g, func() error { return g.Run(rng) }, next, 1, solver), g.Close, nil
}

// buildMLP is W4: the MLP with BatchNorm on MNIST-shaped data labelled by a random teacher.
func buildMLP(seed uint64) (func() (float64, error), func() error, error) {
	m, err := mlp.New(mlp.Config{Inputs: 784, Hidden: []int{256, 256}, Outputs: 10, Activation: "relu", BatchNorm: true, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	g, err := m.Build(mlpBatch, true)
	if err != nil {
		return nil, nil, err
	}
	solver, err := optim.New("momentum", optim.Options{LR: 0.05, Momentum: 0.9})
	if err != nil {
		return nil, nil, err
	}
	ds := datasets.Teacher(mlpBatch*8, 784, 10, seed+7)
	var batches []datasets.Batch
	for _, idx := range datasets.Epoch(ds.Len(), mlpBatch, nn.NewRNG(seed, nn.StreamShuffle, 0), true) {
		batches = append(batches, ds.Batch(idx))
	}
	k := 0
	next := func() datasets.Batch { k++; return batches[(k-1)%len(batches)] }
	return trainStep(g, func() error { return g.Run(nil) }, next, 0, solver), g.Close, nil
}

// buildTransformer is W5: the decoder-only transformer LM on the Opticks text.
func buildTransformer(seed uint64) (func() (float64, error), func() error, error) {
	const B = 32
	text, err := datasets.Opticks()
	if err != nil {
		return nil, nil, err
	}
	tr, _ := text.Split(datasets.TextTrainFrac)
	m, err := transformer.New(transformer.W5(text.Vocab.Size(), seed))
	if err != nil {
		return nil, nil, err
	}
	sampler, err := datasets.NewWindowSampler(tr, text.Vocab, m.Config.Context, seed+1)
	if err != nil {
		return nil, nil, err
	}
	g, err := m.Build(B, true)
	if err != nil {
		return nil, nil, err
	}
	solver, err := optim.New("adam", optim.Options{LR: 1e-3})
	if err != nil {
		return nil, nil, err
	}
	rng := nn.NewRNG(seed, nn.StreamDropout, 0)
	return trainStep(g, func() error { return g.Run(rng) }, func() datasets.Batch { return sampler.Next(B) }, 0, solver), g.Close, nil
}

// buildSeq2Seq is W6: the date-normalisation encoder–decoder with additive attention.
func buildSeq2Seq(seed uint64) (func() (float64, error), func() error, error) {
	data, err := seq2seq.DateSplits(s2sBatch*16, seed)
	if err != nil {
		return nil, nil, err
	}
	cfg := seq2seq.DefaultConfig(data.Train.Info(), seq2seq.DateMaxSrc, seq2seq.DateMaxTgt)
	cfg.Seed = seed
	m, err := seq2seq.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	g, err := m.Build(s2sBatch, true)
	if err != nil {
		return nil, nil, err
	}
	solver, err := optim.New("adam", optim.Options{LR: 1e-3})
	if err != nil {
		return nil, nil, err
	}
	batches := datasets.Epoch(data.Train.Len(), s2sBatch, nn.NewRNG(seed, nn.StreamShuffle, 0), true)
	rng := nn.NewRNG(seed, nn.StreamDropout, 0)
	k := 0
	next := func() datasets.Batch { k++; return data.Train.Batch(batches[(k-1)%len(batches)]) }
	return trainStep(g, func() error { return g.Run(rng) }, next, 0, solver), g.Close, nil
}

// String is the workload's name and configuration.
func (w Workload) String() string { return fmt.Sprintf("%s (%s)", w.Name, w.About) }
