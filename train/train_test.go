package train_test

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
)

// spirals is a small split of the spirals task.
func spirals(t *testing.T) train.Data {
	t.Helper()
	ds := datasets.Spirals(600, datasets.SpiralsNoise, 1)
	parts, err := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.8, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	return train.Data{Train: parts[0], Val: parts[1]}
}

// newMLP has every source of randomness: initialisation, BatchNorm, dropout.
func newMLP(t *testing.T) *mlp.Model {
	t.Helper()
	m, err := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{32, 32}, Outputs: 3, Activation: "relu",
		BatchNorm: true, Dropout: 0.1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func config() train.Config {
	c := train.DefaultConfig()
	c.Steps, c.Batch, c.LR, c.Seed, c.EvalEvery = 60, 16, 1e-2, 9, 20
	c.Schedule, c.Clip = "warmup:5,cosine", 1
	return c
}

func TestSameSeedSameLosses(t *testing.T) {
	data := spirals(t)
	a, err := train.Fit(newMLP(t), data, config())
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.Fit(newMLP(t), data, config())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Losses) != 60 || len(b.Losses) != 60 {
		t.Fatalf("ran %d and %d steps, want 60", len(a.Losses), len(b.Losses))
	}
	for i := range a.Losses {
		if a.Losses[i] != b.Losses[i] {
			t.Fatalf("step %d: losses %v and %v differ", i, a.Losses[i], b.Losses[i])
		}
	}
	c := config()
	c.Seed = 10
	d, err := train.Fit(newMLP(t), data, c)
	if err != nil {
		t.Fatal(err)
	}
	if d.Losses[5] == a.Losses[5] {
		t.Error("another seed gave the same loss")
	}
	if a.Losses[59] >= a.Losses[0] {
		t.Errorf("loss did not fall: %v → %v", a.Losses[0], a.Losses[59])
	}
}

// TestResumeBitIdentical interrupts a run at step 27 (mid-epoch, mid-schedule), resumes it from
// the checkpoint, and requires the parameters and BatchNorm statistics at the end to equal those
// of an uninterrupted run bit for bit.
func TestResumeBitIdentical(t *testing.T) {
	data := spirals(t)
	dir := t.TempDir()
	for _, opt := range []string{"adam", "nesterov", "adadelta"} {
		c := config()
		c.Optimizer, c.LR = opt, 1e-2
		if opt == "adadelta" {
			c.LR = 1
		}
		full := newMLP(t)
		c.Save = filepath.Join(dir, opt+"-full.npz")
		want, err := train.Fit(full, data, c)
		if err != nil {
			t.Fatal(err)
		}

		part := newMLP(t)
		c.Save = filepath.Join(dir, opt+"-part.npz")
		c.StopAt = 27
		r, err := train.Fit(part, data, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Steps != 27 || r.Stopped != "interrupted" {
			t.Fatalf("%s: stopped after %d steps (%s), want 27 interrupted", opt, r.Steps, r.Stopped)
		}
		resumed := newMLP(t) // fresh parameters: everything must come from the checkpoint
		c.StopAt, c.Resume = 0, c.Save
		got, err := train.Fit(resumed, data, c)
		if err != nil {
			t.Fatal(err)
		}
		if got.Steps != 60 {
			t.Fatalf("%s: resumed run ended at step %d", opt, got.Steps)
		}
		for i, l := range got.Losses {
			if l != want.Losses[27+i] {
				t.Fatalf("%s: step %d: resumed loss %v, uninterrupted %v", opt, 27+i, l, want.Losses[27+i])
			}
		}
		for _, p := range full.Store().All() {
			a, b := nn.Float64s(p.Value), nn.Float64s(resumed.Store().Get(p.Name).Value)
			for i := range a {
				if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
					t.Fatalf("%s: %s[%d]: %v after resuming, %v uninterrupted", opt, p.Name, i, b[i], a[i])
				}
			}
		}
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	m := newMLP(t)
	path := filepath.Join(t.TempDir(), "w.npz")
	if err := train.SaveWeights(path, m.Store()); err != nil {
		t.Fatal(err)
	}
	m2, _ := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{32, 32}, Outputs: 3, BatchNorm: true, Seed: 99})
	if err := train.LoadWeights(path, m2.Store()); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Store().All() {
		a, b := nn.Float64s(p.Value), nn.Float64s(m2.Store().Get(p.Name).Value)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s[%d]: %v loaded as %v", p.Name, i, a[i], b[i])
			}
		}
	}
	small, _ := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{16}, Outputs: 3, Seed: 1})
	err := train.LoadWeights(path, small.Store())
	if err == nil || !strings.Contains(err.Error(), "hidden.0.weight") || !strings.Contains(err.Error(), "shape") {
		t.Errorf("loading into a smaller model: %v", err)
	}
	if err := train.LoadWeights(filepath.Join(t.TempDir(), "missing.npz"), m2.Store()); err == nil {
		t.Error("missing file accepted")
	}
}

// TestEvaluateCoversEveryExample compares batched evaluation (with a short last batch) with one
// batch of everything.
func TestEvaluateCoversEveryExample(t *testing.T) {
	data := spirals(t) // 120 validation examples
	m := newMLP(t)
	gs := train.NewGraphs(m)
	defer gs.Close()
	whole, err := train.Evaluate(gs, data.Val, data.Val.Len())
	if err != nil {
		t.Fatal(err)
	}
	parts, err := train.Evaluate(gs, data.Val, 50) // 50 + 50 + 20
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range whole {
		if math.Abs(parts[k]-v) > 1e-6 {
			t.Errorf("%s: %v in batches, %v at once", k, parts[k], v)
		}
	}
	if _, ok := whole["accuracy"]; !ok {
		t.Error("classification evaluation has no accuracy")
	}
}

// TestConfigErrors: a bad field of the configuration is named in Go terms, as a *nn.FieldError
// where the message is about one field.
func TestConfigErrors(t *testing.T) {
	data := spirals(t)
	for _, tc := range []struct {
		edit  func(*train.Config)
		want  string // what the message says
		field string // the Field of the *nn.FieldError; "" when the error is not one
	}{
		{func(c *train.Config) { c.Batch = 0 }, "train.Config.Batch 0: must be positive", "train.Config.Batch"},
		{func(c *train.Config) { c.Batch = 100000 }, "train.Config.Batch 100000: larger than", "train.Config.Batch"},
		{func(c *train.Config) { c.LR = -1 }, "train.Config.LR -1:", "train.Config.LR"},
		{func(c *train.Config) { c.LR = math.NaN() }, "train.Config.LR NaN:", "train.Config.LR"},
		{func(c *train.Config) { c.Steps, c.Epochs = 0, 0 }, "train.Config.Epochs 0 / train.Config.Steps 0:", ""},
		{func(c *train.Config) { c.Optimizer = "adamax" }, "train.Config.Optimizer: optim: unknown solver \"adamax\"", "train.Config.Optimizer"},
		{func(c *train.Config) { c.Schedule = "cosine:x" }, "train.Config.Schedule: optim: schedule", "train.Config.Schedule"},
		{func(c *train.Config) { c.Clip = -1 }, "train.Config.Clip -1:", "train.Config.Clip"},
		{func(c *train.Config) { c.Replicas = 3 }, "train.Config.Replicas 3: must divide train.Config.Batch 16", "train.Config.Replicas"},
		{func(c *train.Config) { c.Resume = "/nonexistent/ck.npz" }, "ck.json", ""},
	} {
		c := config()
		tc.edit(&c)
		_, err := train.Fit(newMLP(t), data, c)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "--") {
			t.Errorf("want an error saying %q that names no flag, got %v", tc.want, err)
			continue
		}
		var fe *nn.FieldError
		if errors.As(err, &fe) != (tc.field != "") || fe != nil && fe.Field != tc.field {
			t.Errorf("%v: FieldError %+v, want one of field %q", err, fe, tc.field)
		}
	}
}

func TestDivergenceIsReported(t *testing.T) {
	data := spirals(t)
	m, _ := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{32}, Outputs: 3, Activation: "relu", Seed: 1})
	c := config()
	// The softmax cross-entropy is computed stably (log-sum-exp), so the loss stays finite until
	// the logits themselves overflow: a rate of 1e20 gets there within a few steps.
	c.Optimizer, c.LR, c.Clip, c.Schedule = "sgd", 1e20, 0, "constant"
	_, err := train.Fit(m, data, c)
	if err == nil || !strings.Contains(err.Error(), "step") {
		t.Errorf("diverging run: %v", err)
	}
}

// TestReplicasMatchOneGraph: splitting each batch over two replicas and averaging their gradients
// gives the single graph's training run (float64, no BatchNorm or dropout, whose draws depend on
// the split).
func TestReplicasMatchOneGraph(t *testing.T) {
	data := spirals(t)
	run := func(replicas int) (*train.Result, *mlp.Model) {
		m, err := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{32, 32}, Outputs: 3, Activation: "tanh", Float64: true, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		c := config()
		c.Replicas = replicas
		res, err := train.Fit(m, data, c)
		if err != nil {
			t.Fatal(err)
		}
		return res, m
	}
	one, m1 := run(1)
	two, m2 := run(2)
	for i := range one.Losses {
		if math.Abs(one.Losses[i]-two.Losses[i]) > 1e-12*math.Abs(one.Losses[i]) {
			t.Fatalf("step %d: loss %.15g with one graph, %.15g with two replicas", i, one.Losses[i], two.Losses[i])
		}
	}
	for _, p := range m1.Store().All() {
		a, b := nn.Float64s(p.Value), nn.Float64s(m2.Store().Get(p.Name).Value)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-10 {
				t.Fatalf("%s[%d]: %v with one graph, %v with two replicas", p.Name, i, a[i], b[i])
			}
		}
	}
	c := config()
	c.Replicas = 3 // does not divide the batch of 16
	if _, err := train.Fit(m1, data, c); err == nil || !strings.Contains(err.Error(), "train.Config.Replicas 3") {
		t.Errorf("3 replicas for a batch of 16: %v", err)
	}
}

// TestEarlyStopping: a wide MLP on 48 training examples overfits, its validation loss rises, and
// the run stops after Patience evaluations without improvement.
func TestEarlyStopping(t *testing.T) {
	ds := datasets.Spirals(600, datasets.SpiralsNoise, 3)
	parts, err := datasets.Split(ds, nn.NewRNG(1, nn.StreamData, 0), 0.08, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mlp.New(mlp.Config{Inputs: 2, Hidden: []int{128, 128}, Outputs: 3, Activation: "relu", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := train.DefaultConfig()
	c.Epochs, c.Batch, c.LR, c.Patience = 400, 16, 1e-2, 5
	res, err := train.Fit(m, train.Data{Train: parts[0], Val: parts[1]}, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "early" || res.Steps >= 400*3 {
		t.Fatalf("stopped %q after %d steps; want early, before %d", res.Stopped, res.Steps, 400*3)
	}
	h := res.History
	best := math.Inf(1)
	for _, r := range h[:len(h)-c.Patience] {
		best = math.Min(best, r.Val["loss"])
	}
	if best != res.BestVal {
		t.Errorf("best validation loss %v, reported %v", best, res.BestVal)
	}
	for _, r := range h[len(h)-c.Patience:] {
		if r.Val["loss"] < best {
			t.Errorf("stopped although step %d improved the validation loss to %v", r.Step, r.Val["loss"])
		}
	}
	t.Logf("stopped at step %d, best validation loss %.4f", res.Steps, res.BestVal)
}
