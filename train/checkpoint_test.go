package train_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
)

// sameWeights fails unless the stores hold bit-identical values.
func sameWeights(t *testing.T, what string, a, b *nn.Store) {
	t.Helper()
	for _, p := range a.All() {
		x, y := nn.Float64s(p.Value), nn.Float64s(b.Get(p.Name).Value)
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				t.Fatalf("%s: %s[%d]: %v, want %v", what, p.Name, i, y[i], x[i])
			}
		}
	}
}

// files returns the contents of every file in dir.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// TestDivergingRunKeepsCheckpoint: a resumed run that diverges at its first step stops with an
// error naming the step, and the checkpoint's three files stay those of the good step.
func TestDivergingRunKeepsCheckpoint(t *testing.T) {
	data := spirals(t)
	dir := t.TempDir()
	c := config()
	c.Steps, c.EvalEvery, c.Save = 30, 10, filepath.Join(dir, "g.npz")
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	before := files(t, dir)
	c.Steps, c.EvalEvery, c.Resume, c.LR, c.Clip, c.Schedule = 60, 1, c.Save, 1e30, 0, "constant"
	_, err := train.Fit(newMLP(t), data, c)
	if err == nil || !strings.Contains(err.Error(), "step 31") || !strings.Contains(err.Error(), "g.npz keeps step 30") {
		t.Fatalf("diverging run: %v", err)
	}
	after := files(t, dir)
	if len(after) != len(before) {
		t.Errorf("files %d before, %d after", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed", name)
		}
	}
	if _, err := train.LoadCheckpoint(c.Save, newMLP(t).Store()); err != nil {
		t.Errorf("the good checkpoint no longer loads: %v", err)
	}
}

// TestNonFiniteWeightsRefused: weights with a NaN are neither saved as a checkpoint nor loaded.
func TestNonFiniteWeightsRefused(t *testing.T) {
	m := newMLP(t)
	p := m.Store().All()[0]
	vals := nn.Float64s(p.Value)
	vals[3] = math.NaN()
	if err := nn.SetFloat64s(p.Value, vals); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nan.npz")
	if err := train.SaveWeights(path, m.Store()); err != nil {
		t.Fatal(err)
	}
	err := train.LoadWeights(path, newMLP(t).Store())
	if err == nil || !strings.Contains(err.Error(), p.Name) || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("loading NaN weights: %v", err)
	}
	if err := train.CheckFinite(m.Store()); err == nil || !strings.Contains(err.Error(), p.Name) {
		t.Errorf("CheckFinite: %v", err)
	}
}

// TestInfiniteMetricStillSaves: a perplexity of +Inf beside a finite loss is written as a string
// and read back as +Inf; the checkpoint is complete.
func TestInfiniteMetricStillSaves(t *testing.T) {
	data := spirals(t)
	c := config()
	c.Steps, c.EvalEvery = 10, 10
	c.Save = filepath.Join(t.TempDir(), "inf.npz")
	c.OnEval = nil
	m := newMLP(t)
	if _, err := train.Fit(m, data, c); err != nil {
		t.Fatal(err)
	}
	meta, err := train.ReadMeta(c.Save)
	if err != nil {
		t.Fatal(err)
	}
	meta.History[0].Val["ppl"] = math.Inf(1)
	raw, err := json.Marshal(meta)
	if err != nil {
		t.Fatalf("encoding +Inf: %v", err)
	}
	back, err := train.DecodeMeta("x.json", raw)
	if err != nil || !math.IsInf(back.History[0].Val["ppl"], 1) {
		t.Fatalf("decoded ppl %v, %v", back.History[0].Val["ppl"], err)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(train.Record{Step: 1, GradNorm: math.Inf(1), Val: train.Metrics{"loss": 1, "ppl": math.Inf(1)}}); err != nil {
		t.Fatalf("log record with +Inf: %v", err)
	}
	if !strings.Contains(buf.String(), `"+Inf"`) {
		t.Errorf("record JSON %s", buf.String())
	}
}

var errCrash = errors.New("simulated crash")

// interruptedRun trains to step 60 saving every 20 steps, with a save that stops as
// interrupt(saveIndex) says, then loads what is on disk, resumes from it and requires the end to
// be bit-identical to full. It returns the step the checkpoint loaded at.
func interruptedRun(t *testing.T, what string, full *mlp.Model, arm func(save int) func()) int {
	t.Helper()
	data := spirals(t)
	dir := t.TempDir()
	c := config()
	c.Save = filepath.Join(dir, "x.npz")
	disarm := arm(1) // the second save (step 40) stops
	_, err := train.Fit(newMLP(t), data, c)
	disarm()
	if err == nil {
		t.Fatalf("%s: the interrupted run did not stop", what)
	}
	m := newMLP(t)
	ck, err := train.LoadCheckpoint(c.Save, m.Store())
	if err != nil {
		t.Fatalf("%s: the checkpoint left behind does not load: %v", what, err)
	}
	step := ck.Meta.Step
	if step != 20 && step != 40 {
		t.Fatalf("%s: loaded step %d, want 20 or 40", what, step)
	}
	c.Resume = c.Save
	resumed := newMLP(t)
	r, err := train.Fit(resumed, data, c)
	if err != nil {
		t.Fatalf("%s: resuming: %v", what, err)
	}
	if r.Steps != 60 {
		t.Fatalf("%s: resumed run ended at %d", what, r.Steps)
	}
	sameWeights(t, what, full.Store(), resumed.Store())
	for name := range files(t, dir) {
		if strings.HasPrefix(name, ".") {
			t.Errorf("%s: %s left behind after a complete save", what, name)
		}
	}
	return step
}

// fullRun is the uninterrupted reference run; it returns the sizes of its checkpoint's files too.
func fullRun(t *testing.T) (*mlp.Model, []int64) {
	full := newMLP(t)
	c := config()
	dir := t.TempDir()
	c.Save = filepath.Join(dir, "full.npz")
	if _, err := train.Fit(full, spirals(t), c); err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, f := range []string{"full.npz", "full.optim.npz", "full.json"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, st.Size())
	}
	return full, sizes
}

// TestInterruptedSaveNeverMixes stops a save after each of its writes and renames (as a kill at
// that moment would leave the files) and after every number of bytes of a full disk: what is on
// disk always loads as one step, 20 or 40, and resuming from it ends bit-identical to the
// uninterrupted run.
func TestInterruptedSaveNeverMixes(t *testing.T) {
	full, sizes := fullRun(t)
	want := map[string]int{"params": 20, "optim": 20, "json": 40, "rename-params": 40, "rename-optim": 40}
	for _, stage := range []string{"params", "optim", "json", "rename-params", "rename-optim"} {
		got := interruptedRun(t, "crash after "+stage, full, func(save int) func() {
			seen := 0
			return train.SetCheckpointHook(func(s string) error {
				if s != stage {
					return nil
				}
				seen++
				if seen == save+1 {
					return errCrash
				}
				return nil
			})
		})
		if got != want[stage] {
			t.Errorf("crash after %s: loaded step %d, want %d", stage, got, want[stage])
		}
	}
	// The disk fills up within each of the three files of the second save.
	p, o, j := sizes[0], sizes[1], sizes[2]
	for _, limit := range []int64{0, 100, p - 10, p + 100, p + o - 10, p + o + j/2} {
		got := interruptedRun(t, fmt.Sprintf("disk full after %d bytes", limit), full, func(save int) func() {
			files := 0
			left := limit
			return train.SetWrapWriter(func(w io.Writer) io.Writer {
				files++
				if files <= 3*save { // params, optim and json of each earlier save
					return w
				}
				return &fullDisk{w: w, left: &left}
			})
		})
		if got != 20 {
			t.Errorf("disk full after %d bytes: loaded step %d, want 20", limit, got)
		}
	}
}

// fullDisk fails with ENOSPC once the bytes left (shared by the files of a save) are written.
type fullDisk struct {
	w    io.Writer
	left *int64
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if int64(len(p)) > *f.left {
		n, _ := f.w.Write(p[:*f.left])
		*f.left = 0
		return n, &os.PathError{Op: "write", Path: "checkpoint", Err: syscall.ENOSPC}
	}
	*f.left -= int64(len(p))
	return f.w.Write(p)
}

// TestMixedFilesRefused: an .npz of another step beside the JSON is refused with a message naming
// the file and the step it holds.
func TestMixedFilesRefused(t *testing.T) {
	data := spirals(t)
	dir := t.TempDir()
	c := config()
	c.Steps, c.EvalEvery = 40, 20
	c.Save = filepath.Join(dir, "a.npz")
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	c.Save, c.StopAt = filepath.Join(dir, "b.npz"), 20
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a.npz"))
	if err := os.WriteFile(filepath.Join(dir, "b.npz"), a, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := train.LoadCheckpoint(c.Save, newMLP(t).Store())
	if err == nil || !strings.Contains(err.Error(), "b.npz") || !strings.Contains(err.Error(), "holds step 40") {
		t.Fatalf("mixed checkpoint: %v", err)
	}
	// Without the .npz suffix the same checkpoint is meant.
	if _, err := train.LoadCheckpointWeights(filepath.Join(dir, "a"), newMLP(t).Store()); err != nil {
		t.Errorf("checkpoint named without .npz: %v", err)
	}
}

// TestMetaFieldsChecked: every field a loader uses is validated; no JSON makes it panic.
func TestMetaFieldsChecked(t *testing.T) {
	data := spirals(t)
	c := config()
	c.Steps, c.EvalEvery = 20, 20
	c.Save = filepath.Join(t.TempDir(), "m.npz")
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(strings.TrimSuffix(c.Save, ".npz") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(path string, v any) []byte {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		keys := strings.Split(path, ".")
		obj := m
		for _, k := range keys[:len(keys)-1] {
			obj = obj[k].(map[string]any)
		}
		obj[keys[len(keys)-1]] = v
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		path string
		v    any
		want string
	}{
		{"step", -5, "step -5"},
		{"step", "x", "step"},
		{"step", 1e300, "step"},
		{"config.batch", 0, "config.batch"},
		{"config.batch", 99999999999, "config.batch"},
		{"config.replicas", 100000, "config.replicas"},
		{"config.lr", "NaN", "lr"},
		{"solver.steps", -1, "solver.steps"},
		{"solver.slots", []string{"m", "a/b"}, "solver.slots"},
		{"history", []map[string]any{{"step": 999}}, "history[0].step"},
		{"files.params.sha256", "zz", "sha256"},
		{"files.params.size", -3, "size"},
		{"files", nil, "files"},
		{"format", "other", "format"},
	} {
		_, err := train.DecodeMeta("m.json", edit(tc.path, tc.v))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s = %v: %v", tc.path, tc.v, err)
		}
	}
	bad := strings.Replace(string(raw), `"step": 20`, `"step": -5`, 1)
	if err := os.WriteFile(strings.TrimSuffix(c.Save, ".npz")+".json", []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Resume, c.Steps = c.Save, 40
	if _, err := train.Fit(newMLP(t), data, c); err == nil || !strings.Contains(err.Error(), "step -5") {
		t.Errorf("resuming from step -5: %v", err)
	}
}

// FuzzDecodeMeta: no checkpoint JSON makes the decoder panic.
func FuzzDecodeMeta(f *testing.F) {
	f.Add([]byte(`{"format": "gorgonia-zoo checkpoint v2", "step": -5, "config": {"batch": 1}}`))
	f.Add([]byte(`{"format": "gorgonia-zoo checkpoint v1", "step": 3, "config": {"batch": 4, "lr": 0.1}, "history": [{"step": 1, "val": {"ppl": "+Inf"}}]}`))
	f.Add([]byte(`{"format": "gorgonia-zoo checkpoint v2", "step": 3, "config": {"batch": 4}, "files": {"params": {"size": 1, "sha256": "00"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		meta, err := train.DecodeMeta("fuzz.json", b)
		if err != nil {
			return
		}
		if meta.Step < 0 || meta.Config.Batch <= 0 {
			t.Fatalf("accepted step %d, batch %d", meta.Step, meta.Config.Batch)
		}
	})
}

// TestResumeRefusesOtherRun: a checkpoint of another batch or seed is refused, naming the flag.
func TestResumeRefusesOtherRun(t *testing.T) {
	data := spirals(t)
	c := config()
	c.Steps, c.EvalEvery = 20, 20
	c.Save = filepath.Join(t.TempDir(), "r.npz")
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	c.Resume, c.Steps = c.Save, 40
	c.Batch = 32
	if _, err := train.Fit(newMLP(t), data, c); err == nil || !strings.Contains(err.Error(), "train.Config.Batch 16") {
		t.Errorf("other batch: %v", err)
	}
	c.Batch, c.Seed = 16, 77
	if _, err := train.Fit(newMLP(t), data, c); err == nil || !strings.Contains(err.Error(), "train.Config.Seed") {
		t.Errorf("other seed: %v", err)
	}
}

// TestLogHasNoDuplicatesAfterResume: records an interrupted run wrote after its last checkpoint
// are dropped when the run resumes, so every step appears once.
func TestLogHasNoDuplicatesAfterResume(t *testing.T) {
	data := spirals(t)
	dir := t.TempDir()
	c := config()
	c.Save, c.LogJSONL = filepath.Join(dir, "l.npz"), filepath.Join(dir, "log.jsonl")
	crashAt := 0
	defer train.SetCheckpointHook(func(stage string) error {
		if stage == "params" {
			crashAt++
			if crashAt == 2 {
				return errCrash
			}
		}
		return nil
	})()
	if _, err := train.Fit(newMLP(t), data, c); !errors.Is(err, errCrash) {
		t.Fatalf("want the simulated crash, got %v", err)
	}
	train.SetCheckpointHook(nil)
	c.Resume = c.Save
	if _, err := train.Fit(newMLP(t), data, c); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(c.LogJSONL)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r train.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, r.Step)
	}
	if fmt.Sprint(steps) != "[20 40 60]" {
		t.Errorf("logged steps %v, want [20 40 60]", steps)
	}
}

// TestUnwritableSaveFailsFirst: a Config.Save under a regular file is refused before any step.
func TestUnwritableSaveFailsFirst(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := config()
	c.Save = filepath.Join(blocker, "x.npz")
	steps := 0
	c.OnEval = func(train.Record) { steps++ }
	_, err := train.Fit(newMLP(t), spirals(t), c)
	if err == nil || !strings.HasPrefix(err.Error(), "train.Config.Save: ") || steps != 0 {
		t.Errorf("unwritable Config.Save: %v after %d evaluations", err, steps)
	}
}
