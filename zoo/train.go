package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/pkg/errors"
)

// runRecord is what a checkpoint's JSON keeps besides the training configuration, so that
// `zoo eval` can rebuild the model and its data.
type runRecord struct {
	Model       string          `json:"model"`
	Task        taskArgs        `json:"task"`
	ModelConfig json.RawMessage `json:"model_config"`
}

// trainFlags registers the training flags on fs, with the model's defaults for the task.
func trainFlags(fs *flag.FlagSet, c *train.Config, save *string, jsonOut, quiet *bool) {
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training split (ignored when --steps > 0)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "solver steps in all; overrides --epochs when positive")
	fs.IntVar(&c.Batch, "batch", c.Batch, "examples per step (the last partial batch of an epoch is dropped)")
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate")
	fs.StringVar(&c.Optimizer, "optimizer", c.Optimizer, "solver: "+strings.Join(optim.Names(), ", "))
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum of momentum and nesterov (0: 0.9)")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "L2 weight decay (decoupled for adamw)")
	fs.StringVar(&c.Schedule, "schedule", c.Schedule, "learning-rate schedule: constant, step:N:GAMMA, cosine, warmup:N[,cosine], epochdecay:EPOCHS:GAMMA, zaremba (= epochdecay:4:0.5)")
	fs.Float64Var(&c.Clip, "clip", c.Clip, "clip the global gradient norm to this value (0: off)")
	fs.Float64Var(&c.ClipValue, "clip-value", c.ClipValue, "clip every gradient element to ±this value (0: off)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of initialisation, data order and dropout")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between evaluations (0: once per epoch)")
	fs.IntVar(&c.Replicas, "replicas", 1, "data-parallel copies of the model, each running a slice of every batch at once")
	fs.IntVar(&c.Patience, "patience", c.Patience, "stop after this many evaluations without a better validation loss (0: never)")
	fs.StringVar(save, "save", *save, "checkpoint path (.npz; .json and .optim.npz beside it); empty: no checkpoint")
	fs.StringVar(&c.Resume, "resume", "", "continue from this checkpoint, exactly as if never stopped")
	fs.StringVar(&c.LogJSONL, "log", "", "write one JSON line per evaluation to this file")
	fs.BoolVar(jsonOut, "json", false, "print the final metrics and the run's config as one JSON object on the last line of stdout")
	fs.BoolVar(quiet, "quiet", false, "no progress output")
}

func trainCmd(name string, args []string, stdout, stderr io.Writer) error {
	m, ok := models[name]
	if !ok {
		return usagef("unknown model %q (valid: %s)", name, strings.Join(modelNames(), ", "))
	}
	// The task decides the defaults of the other flags, so find it first.
	ta := taskArgs{Name: m.defaultTask, DataSeed: 1}
	for i, a := range args {
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "task="); ok && strings.HasPrefix(a, "-") {
			ta.Name = v
		} else if (a == "--task" || a == "-task") && i+1 < len(args) {
			ta.Name = args[i+1]
		}
	}
	cfg := train.DefaultConfig()
	if m.defaults != nil {
		m.defaults(ta.Name, &cfg)
	}
	save := filepath.Join("runs", name+"-"+ta.Name+".npz")
	var jsonOut, quiet bool
	fs := newFlagSet("train "+name, stdout)
	fs.StringVar(&ta.Name, "task", ta.Name, "task: "+strings.Join(m.tasks, ", "))
	fs.StringVar(&ta.Data, "data", "", "data file of the csv task")
	fs.StringVar(&ta.Target, "target", "", "target column of the csv task")
	fs.StringVar(&ta.Kind, "kind", "", "csv task: classification (default) or regression")
	fs.IntVar(&ta.N, "n", 0, "examples of a synthetic task (0: the task's default)")
	fs.Uint64Var(&ta.DataSeed, "data-seed", 1, "seed of synthetic data and of the train/validation/test split")
	trainFlags(fs, &cfg, &save, &jsonOut, &quiet)
	if m.sequence {
		fs.IntVar(&ta.Length, "bptt", taskNamed(ta.Name).length, "steps the network is unrolled for: text window, adding-problem length, copy-task delay")
		fs.BoolVar(&ta.Stream, "stream", taskNamed(ta.Name).kind == wordTask, "text: truncated BPTT over --batch contiguous streams, carrying the hidden state between batches")
	}
	build := m.flags(fs, ta.Name)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkTaskFlags(m, ta, cfg); err != nil {
		return err
	}
	if m.sequence {
		cfg.Sequential, ta.Batch = true, cfg.Batch
		ta.EvalStream = ta.Stream && m.Cell != nil // a recurrent model carries its state through the split
		if cfg.Steps > 0 && !ta.Stream {
			ta.Examples = cfg.Steps * cfg.Batch
		}
	}
	if save != "" && !strings.HasSuffix(save, ".npz") {
		save += ".npz" // --save out writes out.npz, out.json and out.optim.npz
	}
	if !slices.Contains(m.tasks, ta.Name) {
		return usagef("--task %q: model %s trains on %s", ta.Name, name, strings.Join(m.tasks, ", "))
	}
	if !slices.Contains(optim.Names(), cfg.Optimizer) {
		return usagef("--optimizer %q: unknown (valid: %s)", cfg.Optimizer, strings.Join(optim.Names(), ", "))
	}
	if _, err := optim.ParseScheduleEpochs(cfg.Schedule, 1<<30, 1); err != nil { // the spec alone: the step counts come later
		return usagef("--schedule: %v", err)
	}
	data, err := loadTask(ta)
	if err != nil {
		return err
	}
	if ta.Data != "" {
		if ta.DataSize, ta.DataSHA256, err = fileSum(ta.Data); err != nil {
			return errors.Wrap(err, "--data")
		}
	}
	if err := cfg.Check(data); err != nil {
		return usagef("%v", err)
	}
	mdl, mcfg, err := build(data.Train.Info(), ta, cfg.Seed)
	if err != nil {
		return usagef("%v", err)
	}
	rawCfg, err := json.Marshal(mcfg)
	if err != nil {
		return errors.Wrap(err, "recording the model config")
	}
	if cfg.Resume != "" {
		rec, err := readRecord("--resume", cfg.Resume, name)
		if err != nil {
			return err
		}
		if err := checkResume(cfg.Resume, rec, name, rawCfg, ta); err != nil {
			return err
		}
	}
	cfg.Save = save
	if save != "" {
		if err := train.CheckWritable(save); err != nil {
			return errors.Wrap(err, "--save")
		}
	}
	cfg.Run = runRecord{Model: name, Task: ta, ModelConfig: rawCfg}
	if !quiet {
		cfg.Progress = stderr
		fmt.Fprintf(stderr, "training %s on %s: %d train / %d validation examples, %d parameters, %s lr %g, seed %d\n",
			name, ta.Name, data.Train.Len(), lenOf(data.Val), mdl.Store().NumParams(), cfg.Optimizer, cfg.LR, cfg.Seed)
	}
	if m.decode != nil && data.Val != nil && !quiet {
		cfg.OnEval = func(rec train.Record) {
			met, _, err := m.decode(mdl, data.Val, ta.Name)
			if err != nil {
				fmt.Fprintf(stderr, "  step %d: decoding the validation split: %v\n", rec.Step, err)
				return
			}
			fmt.Fprint(stderr, decodeProgress(rec.Step, met))
		}
	}
	res, err := train.Fit(mdl, data, cfg)
	if err != nil {
		return err
	}
	if m.decode != nil && data.Test != nil {
		met, report, err := m.decode(mdl, data.Test, ta.Name)
		if err != nil {
			return errors.Wrap(err, "decoding the test split")
		}
		if res.Test == nil {
			res.Test = train.Metrics{}
		}
		for k, v := range met {
			res.Test[k] = v
		}
		fmt.Fprint(stdout, "test: ", report)
	}
	printResult(stdout, res)
	if canSample(mdl) && taskNamed(ta.Name).isText() {
		if text, err := taskText(ta); err == nil {
			if s, err := sampleText(mdl, text, "The ", 200, 0.8, cfg.Seed); err == nil {
				fmt.Fprintf(stdout, "sample (temperature 0.8): %q\n", "The "+s)
			}
		}
	}
	if res.Checkpoint != "" {
		fmt.Fprintf(stdout, "checkpoint: %s (with %s and %s)\n", res.Checkpoint,
			strings.TrimSuffix(res.Checkpoint, ".npz")+".json", strings.TrimSuffix(res.Checkpoint, ".npz")+".optim.npz")
	}
	if jsonOut {
		out := map[string]any{"config": cfg,
			"steps": res.Steps, "train_loss": res.TrainLoss, "val": res.Val, "test": res.Test,
			"elapsed_s": res.Elapsed, "stopped": res.Stopped, "checkpoint": res.Checkpoint}
		b, err := json.Marshal(out)
		if err != nil {
			return errors.Wrap(err, "--json")
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// checkTaskFlags refuses task flags out of range before anything is loaded or allocated.
func checkTaskFlags(m model, ta taskArgs, cfg train.Config) error {
	switch ta.Kind {
	case "", "classification", "regression":
	default:
		return usagef("--kind %q: want classification or regression", ta.Kind)
	}
	if ta.N < 0 || ta.N > maxWidth {
		return usagef("--n %d: must be in [0, %d]", ta.N, maxWidth)
	}
	if cfg.Batch <= 0 || cfg.Batch > maxWidth {
		return usagef("--batch %d: must be in [1, %d]", cfg.Batch, maxWidth)
	}
	if m.sequence {
		if ta.Length < 1 || ta.Length > maxUnroll {
			return usagef("--bptt %d: must be in [1, %d]", ta.Length, maxUnroll)
		}
		if cfg.Steps > 0 && !ta.Stream && cfg.Steps > maxExamples/cfg.Batch {
			return usagef("--steps %d × --batch %d: more than %d training examples to draw", cfg.Steps, cfg.Batch, maxExamples)
		}
	}
	return nil
}

func printResult(w io.Writer, res *train.Result) {
	fmt.Fprintf(w, "steps %d  train loss %.4f  (%.1fs, %s)\n", res.Steps, res.TrainLoss, res.Elapsed, res.Stopped)
	printMetrics(w, "validation", res.Val)
	printMetrics(w, "test", res.Test)
}

func printMetrics(w io.Writer, split string, m train.Metrics) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%-10s", split)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s %.4f", k, m[k])
	}
	fmt.Fprintln(w)
}

func lenOf(ds interface{ Len() int }) int {
	if ds == nil {
		return 0
	}
	return ds.Len()
}
