// Package compare turns the claims of the lecture into experiments that anyone can rerun and get
// the same numbers: each experiment is a list of runs, every run a pure function of (experiment,
// configuration, seed), and its outcome a few named metrics and curves. Runs can be split into
// shards (one process, machine or cluster task each) whose result files merge into exactly the
// files an unsharded run writes; tables, CSV files and PNG plots are rendered from those files
// alone.
//
// Files of one experiment, under DIR/<experiment>/:
//
//	runs.csv     one row per run: index, run, seed, its parameters, its metrics
//	curves.csv   one row per point of every curve: index, run, curve, x, y
//	table.md     the experiment's section of the report (claim, setup, result tables)
//	*.png        its plots
//
// A shard i of n writes runs.shard-i-of-n.csv and curves.shard-i-of-n.csv instead; Merge reads
// every such file and writes the four above. Numbers are written with FormatFloat, so the same
// command gives byte-identical CSV files.
package compare

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// Param is one named setting of a run, as written in its CSV row.
type Param struct {
	Key, Value string // the CSV column, and the setting as written there
}

// Spec is one run of an experiment: its place in the experiment's list, a readable identity, the
// seed, and the settings that decide it.
type Spec struct {
	Index  int     // position in the experiment's list of runs (0-based)
	ID     string  // unique within the experiment, e.g. "cell=lstm T=50 seed=1"
	Seed   uint64  // the run's seed: initialisation, data order, dropout
	Params []Param // the settings written to the CSV
	cfg    any     // the experiment's own configuration of the run
}

// Param returns the value of the setting key, or "".
func (s Spec) Param(key string) string {
	for _, p := range s.Params {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

// Metric is one named number a run ends with.
type Metric struct {
	Name  string  // the CSV column, e.g. "test_mse"
	Value float64 // the number
}

// Curve is a named series a run produces: training loss against step, gradient norm against time
// step.
type Curve struct {
	Name string    // e.g. "train_loss"
	X, Y []float64 // the points: step, time step or length against the value
}

// Outcome is what a run produces.
type Outcome struct {
	Metrics []Metric // written to runs.csv
	Curves  []Curve  // written to curves.csv
}

// Metric returns the value of the metric name and whether the outcome has it.
func (o Outcome) Metric(name string) (float64, bool) {
	for _, m := range o.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

// Curve returns the curve called name, or nil.
func (o Outcome) Curve(name string) *Curve {
	for i := range o.Curves {
		if o.Curves[i].Name == name {
			return &o.Curves[i]
		}
	}
	return nil
}

// Result is a run with its outcome, as read back from the result files: every number has been
// through FormatFloat, so results built in memory and results read from files are the same.
type Result struct {
	Spec
	Outcome
}

// FormatFloat writes v with 6 significant digits ("%.6g"), NaN as "NaN" and infinities as "+Inf"
// and "-Inf": the one format of every number in the result files.
func FormatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// round is v as it reads back from a result file.
func round(v float64) float64 {
	r, err := strconv.ParseFloat(FormatFloat(v), 64)
	if err != nil {
		return v
	}
	return r
}

// normalize rounds every number of o to its written precision.
func normalize(o Outcome) Outcome {
	out := Outcome{}
	for _, m := range o.Metrics {
		out.Metrics = append(out.Metrics, Metric{m.Name, round(m.Value)})
	}
	for _, c := range o.Curves {
		nc := Curve{Name: c.Name, X: make([]float64, len(c.X)), Y: make([]float64, len(c.Y))}
		for i := range c.X {
			nc.X[i] = round(c.X[i])
		}
		for i := range c.Y {
			nc.Y[i] = round(c.Y[i])
		}
		out.Curves = append(out.Curves, nc)
	}
	return out
}

// Shard is the slice I of N of an experiment's runs: run k belongs to shard k mod N.
type Shard struct {
	I, N int // this shard's number, from 0, and the number of shards
}

// All is the whole list of runs as one shard.
var All = Shard{0, 1}

// ParseShard reads "i/n" with 0 ≤ i < n (0-based, as a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX and a Slurm array from 0).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, nn.BadField("compare.ParseShard(s)", s, "want i/n, e.g. 0/4")
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, nn.BadField("compare.ParseShard(s)", s, "want i/n with 0 ≤ i < n")
	}
	return Shard{i, n}, nil
}

// Has reports whether run index k belongs to the shard.
func (s Shard) Has(k int) bool { return s.N <= 1 || k%s.N == s.I }

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// suffix is the file-name part of a shard's result files: "" for the whole list.
func (s Shard) suffix() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf(".shard-%d-of-%d", s.I, s.N)
}

// Options choose the variant of an experiment.
type Options struct {
	Quick bool // the small variant: a few dozen steps, tiny widths (tests, smoke runs)
	Seeds int  // seeds per configuration (0 means 1); seed k is k+1
}

func (o Options) seeds() []uint64 {
	n := max(o.Seeds, 1)
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i + 1)
	}
	return s
}

// Variant is "quick" or "full".
func (o Options) Variant() string {
	if o.Quick {
		return "quick"
	}
	return "full"
}

// Experiment is one claim of the lecture made into runs, a table and plots.
type Experiment struct {
	Name   string // what `zoo compare NAME` runs, and the folder of its files
	Title  string // the heading of its section of the report
	Claim  string // what the lecture says, in its words (translated)
	Anchor string // the PyTorch reference run of the same configuration, when one exists
	// Pending, when set, says why the experiment cannot run yet; Runs and Exec are then nil.
	Pending string
	// Setup describes the configuration of the variant.
	Setup func(o Options) string
	// Runs lists the runs of the variant, in a fixed order.
	Runs func(o Options) []Spec
	// Exec performs one run.
	Exec func(s Spec) (Outcome, error)
	// Report renders the result section (Markdown, after the claim and setup) from the merged
	// results and writes the plots into dir, returning their file names.
	Report func(rs []Result, o Options, dir string) (md string, plots []string, err error)
}

// specs numbers the runs and adds the seed to each identity.
func specs(list []Spec) []Spec {
	for i := range list {
		list[i].Index = i
		list[i].ID = strings.TrimSpace(list[i].ID + fmt.Sprintf(" seed=%d", list[i].Seed))
	}
	return list
}

var registry = map[string]*Experiment{}

// order is the lecture's order of the experiments, and the report's.
var order = []string{"vanishing", "forget-bias", "optimizers", "batchnorm", "clipping", "residual", "dropout", "attention", "lstm-vs-gru"}

func register(e *Experiment) { registry[e.Name] = e }

// Names lists the experiments in the report's order.
func Names() []string { return append([]string(nil), order...) }

// Lookup returns the experiment called name, or an error naming the valid ones.
func Lookup(name string) (*Experiment, error) {
	if e, ok := registry[name]; ok {
		return e, nil
	}
	return nil, errors.Errorf("unknown experiment %q (experiments: %s)", name, strings.Join(order, ", "))
}

// sortResults orders results by run index.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Index < rs[j].Index })
}
