package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/npz"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/pkg/errors"
)

// Config is everything that decides a training run. Its zero value is not useful: start from
// DefaultConfig.
type Config struct {
	Epochs int `json:"epochs"` // passes over the training split (ignored when Steps > 0)
	Steps  int `json:"steps"`  // solver steps in all; wins over Epochs when positive
	Batch  int `json:"batch"`  // examples per step; the last partial batch of an epoch is dropped
	// Replicas splits every batch across this many copies of the model, run at once on their own
	// graphs, their gradients averaged into one solver step (data parallelism; the model must be
	// Replicable). Dropout masks and BatchNorm statistics then depend on the split; 0 means 1.
	Replicas int `json:"replicas,omitempty"`
	// Sequential takes the training examples in order instead of shuffling them each epoch: for
	// streams whose consecutive batches continue each other (truncated BPTT) and for tasks whose
	// examples are already random draws.
	Sequential bool `json:"sequential,omitempty"`

	Optimizer   string  `json:"optimizer"`              // sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, adamw
	LR          float64 `json:"lr"`                     // base learning rate; the schedule scales it step by step
	Momentum    float64 `json:"momentum,omitempty"`     // momentum and nesterov; 0 means the solver's default
	WeightDecay float64 `json:"weight_decay,omitempty"` // L2 (decoupled for adamw)
	Schedule    string  `json:"schedule"`               // optim.ParseScheduleEpochs spec: constant, step:N:γ, cosine, warmup:N[,cosine], epochdecay:N:γ, zaremba

	Clip      float64 `json:"clip,omitempty"`       // global gradient-norm limit; 0 disables
	ClipValue float64 `json:"clip_value,omitempty"` // elementwise gradient limit; 0 disables

	Seed      uint64 `json:"seed"`                 // the run's seed: batch order, dropout masks and every other draw of a step
	EvalEvery int    `json:"eval_every,omitempty"` // steps between evaluations; 0: once per epoch
	EvalBatch int    `json:"eval_batch,omitempty"` // 0: as Batch
	Patience  int    `json:"patience,omitempty"`   // stop after this many evaluations without a better validation loss; 0 never

	// Save is the checkpoint path (".npz"); empty saves nothing. The checkpoint is written after
	// every evaluation and at the end.
	Save string `json:"save,omitempty"`
	// Resume names a checkpoint to continue from; the run then goes on exactly as if it had never
	// stopped (same data order, dropout masks, solver state).
	Resume string `json:"resume,omitempty"`
	// StopAt ends the run after this many steps in all, as an interruption would, while schedules
	// and epochs are still planned for Steps (used to test resuming); 0 runs to the end.
	StopAt int `json:"-"`

	// Run is what the caller records about the model and the data (name, architecture, task) in
	// the checkpoint's JSON, so the model can be rebuilt from the checkpoint alone.
	Run any `json:"run,omitempty"`

	Progress io.Writer `json:"-"`             // progress bar on a terminal, plain lines otherwise; nil is silent
	LogJSONL string    `json:"log,omitempty"` // file that gets one JSON line per evaluation
	// OnEval, when set, is called after every evaluation.
	OnEval func(Record) `json:"-"`
}

// DefaultConfig is a small, safe starting point: 10 epochs of batch 64 with Adam 1e-3.
func DefaultConfig() Config {
	return Config{Epochs: 10, Batch: 64, Optimizer: "adam", LR: 1e-3, Schedule: "constant", Seed: 1}
}

// Data is the three splits of a task; Val and Test may be nil.
type Data struct {
	Train, Val, Test datasets.Dataset // trained on; evaluated every EvalEvery steps; evaluated once at the end
}

// Record is one evaluation during training, as written to the JSONL log.
type Record struct {
	Step      int     `json:"step"`          // steps taken
	Epoch     float64 `json:"epoch"`         // epochs taken, fractional
	LR        float64 `json:"lr"`            // the learning rate of the last step
	TrainLoss float64 `json:"train_loss"`    // mean over the steps since the previous record
	GradNorm  float64 `json:"grad_norm"`     // global norm before clipping, at the last step
	Val       Metrics `json:"val,omitempty"` // validation metrics; nil without a validation split
	Elapsed   float64 `json:"elapsed_s"`     // seconds since the run started
}

// Result is what a run ends with.
type Result struct {
	Steps      int       `json:"steps"`                // steps taken, a resumed run's earlier ones included
	TrainLoss  float64   `json:"train_loss"`           // mean over the last evaluation interval
	Val        Metrics   `json:"val,omitempty"`        // validation metrics of the last evaluation
	Test       Metrics   `json:"test,omitempty"`       // test metrics after training; nil without a test split
	BestVal    float64   `json:"best_val_loss"`        // lowest validation loss seen; +Inf without validation
	Stopped    string    `json:"stopped"`              // "steps", "early", "interrupted"
	History    []Record  `json:"-"`                    // every evaluation, in order
	Losses     []float64 `json:"-"`                    // the training loss of every step
	Elapsed    float64   `json:"elapsed_s"`            // seconds this process trained
	Checkpoint string    `json:"checkpoint,omitempty"` // the checkpoint last written; empty when none was
}

// Fit trains m on data.Train as cfg says, evaluating on data.Val, and finally on data.Test.
func Fit(m Model, data Data, cfg Config) (*Result, error) {
	gs := NewGraphs(m)
	defer gs.Close()
	return FitGraphs(gs, m, data, cfg)
}

// FitGraphs is Fit on an existing graph cache, so a caller can go on evaluating with the same
// compiled graphs afterwards.
func FitGraphs(gs *Graphs, m Model, data Data, cfg Config) (*Result, error) {
	if err := cfg.Check(data); err != nil {
		return nil, err
	}
	if cfg.Save != "" {
		if err := CheckWritable(cfg.Save); err != nil {
			return nil, nn.WrapField(err, "train.Config.Save", nil)
		}
	}
	n := data.Train.Len()
	perEpoch := n / cfg.Batch
	total := cfg.Steps
	if total <= 0 {
		total = cfg.Epochs * perEpoch
	}
	evalEvery := cfg.EvalEvery
	if evalEvery <= 0 {
		evalEvery = min(perEpoch, total)
	}
	evalBatch := cfg.EvalBatch
	if evalBatch <= 0 {
		evalBatch = cfg.Batch
	}
	solver, err := optim.New(cfg.Optimizer, optim.Options{LR: cfg.LR, Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, nn.WrapField(err, "train.Config.Optimizer", nil)
	}
	sched, err := optim.ParseScheduleEpochs(cfg.Schedule, total, perEpoch)
	if err != nil {
		return nil, nn.WrapField(err, "train.Config.Schedule", nil)
	}
	st, err := newStepper(gs, m, cfg)
	if err != nil {
		return nil, err
	}
	defer st.close()
	g := st.primary

	res := &Result{BestVal: math.Inf(1), Stopped: "steps"}
	step := 0
	lastSaved := -1 // the step of the checkpoint this run last wrote
	if cfg.Resume != "" {
		ck, err := LoadCheckpoint(cfg.Resume, m.Store())
		if err != nil {
			return nil, err
		}
		if err := ck.Meta.Config.sameRun(cfg); err != nil {
			return nil, errors.Wrapf(err, "resume from %s", cfg.Resume)
		}
		if err := ck.restoreSolver(solver, g); err != nil {
			return nil, errors.Wrapf(err, "resume from %s", cfg.Resume)
		}
		if err := st.sync(); err != nil {
			return nil, err
		}
		step = ck.Meta.Step
		if cfg.Save != "" && sameCheckpoint(cfg.Save, cfg.Resume) {
			lastSaved = step
		}
		if ck.Meta.BestVal != nil {
			res.BestVal = *ck.Meta.BestVal
		}
		res.History = ck.Meta.History
	}
	var logf *os.File
	if cfg.LogJSONL != "" {
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if cfg.Resume != "" {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		if cfg.Resume != "" {
			if err := truncateLog(cfg.LogJSONL, step); err != nil {
				return nil, nn.WrapField(err, "train.Config.LogJSONL", nil)
			}
		}
		if logf, err = os.OpenFile(cfg.LogJSONL, flags, 0o644); err != nil {
			return nil, nn.WrapField(err, "train.Config.LogJSONL", nil)
		}
		defer logf.Close()
	}
	bar := newProgress(cfg.Progress, total)
	start := time.Now()
	end := total
	if cfg.StopAt > 0 && cfg.StopAt < total {
		end = cfg.StopAt
	}
	var order [][]int
	orderEpoch := -1
	var sinceLoss float64
	var sinceN int
	var gradNorm float64
	bad := 0
	for step < end {
		epoch := step / perEpoch
		if epoch != orderEpoch {
			rng := epochRNG(cfg.Seed, epoch)
			if cfg.Sequential {
				rng = nil
			}
			order = datasets.Epoch(n, cfg.Batch, rng, true)
			orderEpoch = epoch
		}
		loss, err := st.run(data.Train, order[step%perEpoch], cfg.Seed, step)
		if err != nil {
			return nil, errors.Wrapf(err, "step %d", step)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, errors.Errorf("step %d: training loss is %v (try a smaller train.Config.LR or train.Config.Clip)", step, loss)
		}
		vgs := g.ValueGrads()
		if gradNorm, err = optim.GlobalNorm(vgs); err != nil {
			return nil, errors.Wrapf(err, "step %d", step)
		}
		if cfg.Clip > 0 {
			if _, err := optim.ClipGlobalNorm(vgs, cfg.Clip); err != nil {
				return nil, errors.Wrapf(err, "step %d", step)
			}
		}
		if cfg.ClipValue > 0 {
			if err := optim.ClipValue(vgs, cfg.ClipValue); err != nil {
				return nil, errors.Wrapf(err, "step %d", step)
			}
		}
		solver.SetLearnRate(cfg.LR * sched.Factor(step))
		if err := solver.Step(vgs); err != nil {
			return nil, errors.Wrapf(err, "step %d", step)
		}
		if err := st.sync(); err != nil {
			return nil, errors.Wrapf(err, "step %d", step)
		}
		if err := CheckFinite(m.Store()); err != nil {
			return nil, errors.Errorf("step %d: after the update %v: the run diverged (try a smaller train.Config.LR or train.Config.Clip)%s", step+1, err, keptNote(cfg.Save, lastSaved))
		}
		step++
		res.Losses = append(res.Losses, loss)
		sinceLoss += loss
		sinceN++
		bar.update(step, loss)

		if step%evalEvery == 0 || step == end {
			rec := Record{Step: step, Epoch: float64(step) / float64(perEpoch), LR: solver.LearnRate(),
				TrainLoss: sinceLoss / float64(sinceN), GradNorm: gradNorm}
			sinceLoss, sinceN = 0, 0
			if data.Val != nil && data.Val.Len() > 0 {
				if rec.Val, err = Evaluate(gs, data.Val, evalBatch); err != nil {
					return nil, errors.Wrapf(err, "step %d: validation", step)
				}
				if l := rec.Val["loss"]; math.IsNaN(l) || math.IsInf(l, 0) {
					return nil, errors.Errorf("step %d: validation loss is %v: the run diverged (try a smaller train.Config.LR or train.Config.Clip)%s", step, l, keptNote(cfg.Save, lastSaved))
				}
				if rec.Val["loss"] < res.BestVal {
					res.BestVal, bad = rec.Val["loss"], 0
				} else {
					bad++
				}
			}
			rec.Elapsed = time.Since(start).Seconds()
			res.History = append(res.History, rec)
			res.TrainLoss, res.Val = rec.TrainLoss, rec.Val
			bar.record(rec)
			if cfg.OnEval != nil {
				cfg.OnEval(rec)
			}
			if logf != nil {
				if err := json.NewEncoder(logf).Encode(rec); err != nil {
					return nil, nn.WrapField(err, "train.Config.LogJSONL", nil)
				}
			}
			if cfg.Save != "" {
				best := res.BestVal
				if err := SaveCheckpoint(cfg.Save, m.Store(), g.Params(), solver, Meta{Step: step, Seed: cfg.Seed, BestVal: &best, Config: cfg, History: res.History}); err != nil {
					return nil, err
				}
				res.Checkpoint, lastSaved = cfg.Save, step
			}
			if cfg.Patience > 0 && bad >= cfg.Patience {
				res.Stopped = "early"
				break
			}
		}
	}
	if step < total && res.Stopped == "steps" {
		res.Stopped = "interrupted"
	}
	bar.done()
	res.Steps = step
	if data.Test != nil && data.Test.Len() > 0 {
		if res.Test, err = Evaluate(gs, data.Test, evalBatch); err != nil {
			return nil, errors.Wrap(err, "test")
		}
	}
	res.Elapsed = time.Since(start).Seconds()
	return res, nil
}

// sameCheckpoint tells whether two checkpoint names (with or without ".npz") are the same files.
func sameCheckpoint(a, b string) bool {
	pa, _, _ := paths(a)
	pb, _, _ := paths(b)
	return filepath.Clean(pa) == filepath.Clean(pb)
}

// keptNote tells, in an error that stops a run, which checkpoint is left as it was.
func keptNote(save string, lastSaved int) string {
	switch {
	case save == "":
		return ""
	case lastSaved >= 0:
		return fmt.Sprintf("; the checkpoint %s keeps step %d", save, lastSaved)
	}
	return fmt.Sprintf("; nothing was written to %s", save)
}

// sameRun refuses to resume a run whose data order or solver would differ from the checkpoint's:
// other batch, seed, optimizer, order or replicas. Steps, epochs, the learning rate and its
// schedule may change (to extend or fine-tune a run).
func (c Config) sameRun(now Config) error {
	type field struct {
		name    string
		was, is any
	}
	for _, f := range []field{
		{"train.Config.Batch", c.Batch, now.Batch},
		{"train.Config.Seed", c.Seed, now.Seed},
		{"train.Config.Optimizer", c.Optimizer, now.Optimizer},
		{"train.Config.Replicas", max(c.Replicas, 1), max(now.Replicas, 1)},
		{"sequential order", c.Sequential, now.Sequential},
	} {
		if f.was != f.is {
			return errors.Errorf("the checkpoint was trained with %s %v, this run has %v", f.name, f.was, f.is)
		}
	}
	return nil
}

// truncateLog drops the records after step from a JSONL log, so that a resumed run does not
// repeat the records an interrupted run wrote after its last checkpoint. A missing log is fine.
func truncateLog(path string, step int) error {
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []byte
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		var r struct {
			Step *int `json:"step"`
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if json.Unmarshal(line, &r) == nil && r.Step != nil && *r.Step > step {
			continue
		}
		if line[len(line)-1] != '\n' {
			continue // a record cut short by a crash
		}
		keep = append(keep, line...)
	}
	if len(keep) == len(raw) {
		return nil
	}
	return npz.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(keep)
		return err
	})
}

// Check validates the configuration against the data. A bad value is a *nn.FieldError naming
// the field ("train.Config.Batch 0: must be positive"); a message about two fields names both.
func (cfg Config) Check(data Data) error {
	switch {
	case data.Train == nil || data.Train.Len() == 0:
		return errors.New("training split is empty")
	case cfg.Batch <= 0:
		return nn.BadField("train.Config.Batch", cfg.Batch, "must be positive")
	case cfg.Batch > data.Train.Len():
		return nn.BadField("train.Config.Batch", cfg.Batch, "larger than the training split (%d examples)", data.Train.Len())
	case cfg.Steps <= 0 && cfg.Epochs <= 0:
		return errors.Errorf("train.Config.Epochs %d / train.Config.Steps %d: one must be positive", cfg.Epochs, cfg.Steps)
	case cfg.Steps < 0:
		return nn.BadField("train.Config.Steps", cfg.Steps, "must not be negative")
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return nn.BadField("train.Config.LR", cfg.LR, "must be a positive number")
	case cfg.Clip < 0:
		return nn.BadField("train.Config.Clip", cfg.Clip, "must not be negative")
	case cfg.ClipValue < 0:
		return nn.BadField("train.Config.ClipValue", cfg.ClipValue, "must not be negative")
	case cfg.Patience < 0:
		return nn.BadField("train.Config.Patience", cfg.Patience, "must not be negative")
	case cfg.EvalEvery < 0:
		return nn.BadField("train.Config.EvalEvery", cfg.EvalEvery, "must not be negative")
	case cfg.EvalBatch < 0 || cfg.EvalBatch > maxBatch:
		return nn.BadField("train.Config.EvalBatch", cfg.EvalBatch, "must be in [0, %d]", maxBatch)
	case cfg.Steps > maxStep || cfg.Epochs > maxStep:
		return errors.Errorf("train.Config.Epochs %d / train.Config.Steps %d: at most %d", cfg.Epochs, cfg.Steps, int64(maxStep))
	case cfg.Replicas < 0 || cfg.Replicas > maxReplicas:
		return nn.BadField("train.Config.Replicas", cfg.Replicas, "must be in [1, %d]", maxReplicas)
	case cfg.Batch%max(cfg.Replicas, 1) != 0:
		return nn.BadField("train.Config.Replicas", cfg.Replicas, "must divide train.Config.Batch %d", cfg.Batch)
	case !(cfg.Momentum >= 0 && cfg.Momentum < 1):
		return nn.BadField("train.Config.Momentum", cfg.Momentum, "must be in [0, 1)")
	case !(cfg.WeightDecay >= 0) || math.IsInf(cfg.WeightDecay, 0):
		return nn.BadField("train.Config.WeightDecay", cfg.WeightDecay, "must be a non-negative number")
	case math.IsNaN(cfg.Clip) || math.IsInf(cfg.Clip, 0) || math.IsNaN(cfg.ClipValue) || math.IsInf(cfg.ClipValue, 0):
		return errors.Errorf("train.Config.Clip %v / train.Config.ClipValue %v: must be finite", cfg.Clip, cfg.ClipValue)
	}
	return nil
}

// String is the one-line summary of a record that the progress output prints.
func (r Record) String() string {
	s := fmt.Sprintf("step %d  epoch %.2f  lr %.3g  train loss %.4f", r.Step, r.Epoch, r.LR, r.TrainLoss)
	for _, k := range []string{"loss", "accuracy", "mse", "bpc", "ppl"} {
		if v, ok := r.Val[k]; ok {
			s += fmt.Sprintf("  val %s %.4f", k, v)
		}
	}
	return s
}
