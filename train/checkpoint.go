package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A checkpoint is three files beside each other:
//
//	NAME.npz        the parameters and buffers (BatchNorm running statistics) under PyTorch-style
//	                names and layouts: numpy.load(NAME.npz) gives a state_dict for the same model;
//	NAME.optim.npz  the solver's per-parameter slots, as "SLOT/PARAM" (e.g. "exp_avg/hidden.0.weight":
//	                Adam's m of the first layer of an MLP);
//	NAME.json       Meta: the run's configuration, step, solver and RNG state, history, and the
//	                size and SHA-256 of the two .npz files of the same step.
//
// The .npz archives carry the step in their zip comment. A save writes the step's two .npz
// files under pending names (.NAME.step-K.npz, .NAME.step-K.optim.npz), then commits the step
// by renaming NAME.json into place, then renames the pending files over NAME.npz and
// NAME.optim.npz and removes what earlier interrupted saves left behind. Every write goes to a
// temporary file first. Whenever a save stops, NAME.json names either the previous step, whose
// files are still in place, or the new one, whose files are in place or still pending; loading
// checks the sizes and sums, takes the pending file where the renamed one is not yet there, and
// refuses (naming the file) anything that belongs to another step.

// CheckpointFormat identifies the layout above in Meta.Format.
const CheckpointFormat = "gorgonia-zoo checkpoint v2"

// checkpointFormatV1 is the layout without file sums; such checkpoints load unverified.
const checkpointFormatV1 = "gorgonia-zoo checkpoint v1"

// Limits on what a checkpoint's JSON may declare, so that a damaged or hostile file is refused
// before anything is allocated from it.
const (
	// MaxCheckpointBytes bounds the size of one .npz file of a checkpoint.
	MaxCheckpointBytes = 16 << 30
	maxStep            = 1 << 40
	maxHistory         = 1 << 20
	maxBatch           = 1 << 24
	maxReplicas        = 256
	maxSlots           = 16
)

// Meta is the JSON part of a checkpoint.
type Meta struct {
	Format  string   `json:"format"`        // CheckpointFormat
	Step    int      `json:"step"`          // steps taken when it was written
	Seed    uint64   `json:"seed"`          // the run's seed (Config.Seed)
	BestVal *float64 `json:"best_val_loss"` // lowest validation loss so far; null when there was none
	Config  Config   `json:"config"`        // the training configuration, Run included
	// RNG describes the run's random state: every draw comes from a PCG generator derived from
	// the seed, a stream and a counter (nn.NewRNG), so the step alone restores it.
	RNG     RNGState   `json:"rng"`
	Solver  SolverMeta `json:"solver"`            // the solver's scalar state; its slots are NAME.optim.npz
	History []Record   `json:"history,omitempty"` // every evaluation so far
	// Files are the sizes and sums of the step's .npz files (absent in v1 checkpoints).
	Files *Files `json:"files,omitempty"`
}

// Files records the data files a checkpoint's JSON belongs with.
type Files struct {
	Params FileSum  `json:"params"`          // NAME.npz
	Optim  *FileSum `json:"optim,omitempty"` // NAME.optim.npz, when the solver has state
}

// FileSum identifies the contents of a file.
type FileSum struct {
	Size   int64  `json:"size"`   // bytes
	SHA256 string `json:"sha256"` // hex
}

// RNGState records how a run's generators are derived.
type RNGState struct {
	Seed    uint64 `json:"seed"`       // the run's seed
	Scheme  string `json:"scheme"`     // how a generator follows from seed, stream and counter (for a reader)
	Shuffle int    `json:"next_epoch"` // the counter of the shuffle stream for the current epoch
	Dropout int    `json:"next_step"`  // the counter of the dropout stream for the next step
}

// SolverMeta is the scalar part of a solver's state.
type SolverMeta struct {
	Name    string        `json:"name"`            // optim.New's name of the solver
	Steps   int           `json:"steps"`           // its State.Steps
	Options optim.Options `json:"options"`         // what it was created with
	Slots   []string      `json:"slots,omitempty"` // the names of its per-parameter slots, in NAME.optim.npz
}

// Checkpoint is a loaded checkpoint.
type Checkpoint struct {
	Meta  Meta                                // the JSON file
	slots map[string]map[string]*tensor.Dense // slot -> param name -> tensor
}

// paths returns the three file names of a checkpoint named path.
func paths(path string) (params, optimState, meta string) {
	base := strings.TrimSuffix(path, ".npz")
	return base + ".npz", base + ".optim.npz", base + ".json"
}

// exportShape is the PyTorch shape of a store tensor: transposed matrices turned back, and the
// (1, C) rows of biases and normalisation parameters as (C,) vectors.
func exportShape(t *nn.Tensor) []int {
	s := append([]int(nil), t.Value.Shape()...)
	if t.Transposed && len(s) == 2 {
		s[0], s[1] = s[1], s[0]
	}
	if len(s) == 2 && s[0] == 1 && !t.Transposed {
		s = s[1:]
	}
	return s
}

// exportArray returns t as PyTorch lays it out.
func exportArray(t *nn.Tensor) (npz.Array, error) {
	a, err := npz.FromDense(t.Name, t.Value)
	if err != nil {
		return a, err
	}
	if t.Transposed {
		a.Data = transpose(a.Data, t.Value.Shape()[0], t.Value.Shape()[1])
	}
	a.Shape = exportShape(t)
	return a, nil
}

// transpose returns the (c, r) transpose of an (r, c) row-major slice.
func transpose(data any, r, c int) any {
	switch d := data.(type) {
	case []float32:
		out := make([]float32, len(d))
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out[j*r+i] = d[i*c+j]
			}
		}
		return out
	case []float64:
		out := make([]float64, len(d))
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out[j*r+i] = d[i*c+j]
			}
		}
		return out
	}
	return data
}

// SaveWeights writes the store's tensors to one .npz file under PyTorch-style names and layouts.
func SaveWeights(path string, s *nn.Store) error {
	arrays := make([]npz.Array, 0, len(s.All()))
	for _, t := range s.All() {
		a, err := exportArray(t)
		if err != nil {
			return errors.Wrapf(err, "saving %s", t.Name)
		}
		arrays = append(arrays, a)
	}
	return npz.WriteFileAtomic(path, func(w io.Writer) error { return npz.Write(w, arrays) })
}

// LoadWeights reads a .npz file written by SaveWeights (or by numpy from a PyTorch state_dict of
// the same model) into the store. Every store tensor must be present with its shape and finite
// values; each entry's shape is compared with the model's before its data is decoded, and
// entries the model does not have are skipped.
func LoadWeights(path string, s *nn.Store) error {
	arrays, err := npz.ReadFiltered(path, shapeFilter(s))
	if err != nil {
		return err
	}
	return loadArrays(path, arrays, s)
}

// LoadWeightsFrom is LoadWeights from an .npz held in memory (prebuilt weights embedded in a
// binary); name labels errors.
func LoadWeightsFrom(r io.ReaderAt, size int64, name string, s *nn.Store) error {
	arrays, err := npz.ReadFromFiltered(r, size, shapeFilter(s))
	if err != nil {
		return errors.Wrap(err, name)
	}
	return loadArrays(name, arrays, s)
}

// shapeFilter accepts the entries of s's tensors with their export shapes, refuses the same names
// with other shapes and skips the rest.
func shapeFilter(s *nn.Store) npz.Filter {
	want := map[string][]int{}
	for _, t := range s.All() {
		want[t.Name] = exportShape(t)
	}
	return func(name string, shape []int) (bool, error) {
		w, ok := want[name]
		if !ok {
			return false, nil
		}
		if !slices.Equal(shape, w) {
			return false, errors.Errorf("array %q has shape %v, the model expects %v", name, shape, w)
		}
		return true, nil
	}
}

func loadArrays(path string, arrays []npz.Array, s *nn.Store) error {
	byName := map[string]npz.Array{}
	for _, a := range arrays {
		byName[a.Name] = a
	}
	for _, t := range s.All() {
		a, ok := byName[t.Name]
		if !ok {
			return errors.Errorf("%s: no array %q (the model expects %d tensors)", path, t.Name, len(s.All()))
		}
		want := exportShape(t)
		if !slices.Equal(a.Shape, want) {
			return errors.Errorf("%s: array %q has shape %v, the model expects %v", path, t.Name, a.Shape, want)
		}
		if i, bad := firstNonFinite(a.Data); i >= 0 {
			return errors.Errorf("%s: array %q holds %v at element %d: the weights are not finite (saved from a diverged run?)", path, t.Name, bad, i)
		}
		vals, err := float64Data(a.Data)
		if err != nil {
			return errors.Wrapf(err, "%s: array %q", path, t.Name)
		}
		if t.Transposed {
			vals = transpose(vals, want[0], want[1]).([]float64)
		}
		if err := nn.SetFloat64s(t.Value, vals); err != nil {
			return errors.Wrapf(err, "%s: array %q", path, t.Name)
		}
	}
	return nil
}

func float64Data(d any) ([]float64, error) {
	switch v := d.(type) {
	case []float64:
		return append([]float64(nil), v...), nil
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, errors.Errorf("holds %T, not floats", d)
}

// checkpointHook, when set (by tests), is called after each stage of a save ("params", "optim",
// "json", "rename-params", "rename-optim"); an error it returns stops the save there, leaving the
// files as a crash at that moment would.
var checkpointHook func(stage string) error

// wrapWriter, when set (by tests), wraps the writer of every checkpoint file (to simulate a full
// disk).
var wrapWriter func(w io.Writer) io.Writer

func hook(stage string) error {
	if checkpointHook == nil {
		return nil
	}
	return checkpointHook(stage)
}

// pendingPaths are the names a save of step writes the two .npz files under before it commits.
func pendingPaths(path string, step int) (params, optimState string) {
	dir, base := filepath.Split(strings.TrimSuffix(path, ".npz"))
	stem := filepath.Join(dir, fmt.Sprintf(".%s.step-%d", base, step))
	return stem + ".npz", stem + ".optim.npz"
}

// leftovers lists what interrupted saves of the checkpoint named path may have left: pending
// files of any step and temporary files.
func leftovers(path string) []string {
	dir, base := filepath.Split(strings.TrimSuffix(path, ".npz"))
	esc := globEscape(base)
	var out []string
	for _, pat := range []string{"." + esc + ".step-*", ".." + esc + ".step-*.tmp-*",
		"." + esc + ".npz.tmp-*", "." + esc + ".optim.npz.tmp-*", "." + esc + ".json.tmp-*"} {
		m, _ := filepath.Glob(filepath.Join(globEscape(dir), pat))
		out = append(out, m...)
	}
	return out
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeSummed writes a file atomically through write and returns its size and SHA-256.
func writeSummed(path string, write func(io.Writer) error) (FileSum, error) {
	var sum FileSum
	err := npz.WriteFileAtomic(path, func(w io.Writer) error {
		if wrapWriter != nil {
			w = wrapWriter(w)
		}
		h := sha256.New()
		cw := &countWriter{w: io.MultiWriter(w, h)}
		if err := write(cw); err != nil {
			return err
		}
		sum = FileSum{Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	return sum, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// stepComment is the zip comment of a checkpoint's .npz files.
func stepComment(step int) string { return fmt.Sprintf("gorgonia-zoo checkpoint step %d", step) }

// CheckWritable tells whether a checkpoint named path can be written: its directory exists (or
// can be made) and takes a new file. Training checks it before the first step.
func CheckWritable(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "checkpoint directory %s", dir)
	}
	f, err := os.CreateTemp(dir, ".zoo-write-test-*")
	if err != nil {
		return errors.Wrapf(err, "checkpoint directory %s is not writable", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// SaveCheckpoint writes the store, the solver's state and meta as the checkpoint named path;
// params are the tensors in the order the solver is given their gradients. It refuses to write
// parameters, solver state or figures that are not finite, leaving the previous checkpoint as
// it was.
func SaveCheckpoint(path string, s *nn.Store, params []*nn.Tensor, solver optim.Solver, meta Meta) error {
	pp, op, mp := paths(path)
	if meta.Step < 0 {
		return errors.Errorf("saving %s: negative step %d", mp, meta.Step)
	}
	if err := CheckFinite(s); err != nil {
		return errors.Wrapf(err, "saving %s at step %d", pp, meta.Step)
	}
	st := solver.State()
	meta.Format = CheckpointFormat
	meta.Solver = SolverMeta{Name: solver.Name(), Steps: st.Steps, Options: solver.Options()}
	meta.RNG = RNGState{Seed: meta.Seed, Scheme: "PCG(seed, stream<<40 ^ counter); streams: 1 init, 2 shuffle per epoch, 3 dropout per step",
		Dropout: meta.Step}
	if meta.BestVal != nil && (math.IsInf(*meta.BestVal, 0) || math.IsNaN(*meta.BestVal)) {
		meta.BestVal = nil
	}
	weights := make([]npz.Array, 0, len(s.All()))
	for _, t := range s.All() {
		a, err := exportArray(t)
		if err != nil {
			return errors.Wrapf(err, "saving %s", t.Name)
		}
		weights = append(weights, a)
	}
	var arrays []npz.Array
	for slot, ts := range st.Slots {
		meta.Solver.Slots = append(meta.Solver.Slots, slot)
		if len(ts) != len(params) {
			return errors.Errorf("saving %s: solver slot %q has %d tensors for %d parameters", op, slot, len(ts), len(params))
		}
		for i, t := range ts {
			a, err := npz.FromDense(slot+"/"+params[i].Name, t)
			if err != nil {
				return errors.Wrapf(err, "saving %s", op)
			}
			if i, bad := firstNonFinite(a.Data); i >= 0 {
				return errors.Errorf("saving %s at step %d: solver slot %s holds %v at element %d", op, meta.Step, a.Name, bad, i)
			}
			arrays = append(arrays, a)
		}
	}
	sort.Strings(meta.Solver.Slots)
	sort.Slice(arrays, func(i, j int) bool { return arrays[i].Name < arrays[j].Name })

	pendP, pendO := pendingPaths(path, meta.Step)
	comment := stepComment(meta.Step)
	var files Files
	var err error
	if files.Params, err = writeSummed(pendP, func(w io.Writer) error { return npz.WriteComment(w, weights, comment) }); err != nil {
		return err
	}
	if err := hook("params"); err != nil {
		return err
	}
	if len(arrays) > 0 {
		sum, err := writeSummed(pendO, func(w io.Writer) error { return npz.WriteComment(w, arrays, comment) })
		if err != nil {
			return err
		}
		files.Optim = &sum
		if err := hook("optim"); err != nil {
			return err
		}
	}
	meta.Files = &files
	raw, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", mp)
	}
	if _, err := writeSummed(mp, func(w io.Writer) error {
		_, err := w.Write(append(raw, '\n'))
		return err
	}); err != nil {
		return err
	}
	if err := hook("json"); err != nil {
		return err
	}
	// The step is committed; what follows only moves its files to their names.
	if err := os.Rename(pendP, pp); err != nil {
		return errors.Wrapf(err, "renaming %s to %s", pendP, pp)
	}
	if err := hook("rename-params"); err != nil {
		return err
	}
	if files.Optim != nil {
		if err := os.Rename(pendO, op); err != nil {
			return errors.Wrapf(err, "renaming %s to %s", pendO, op)
		}
		if err := hook("rename-optim"); err != nil {
			return err
		}
	} else {
		os.Remove(op)
	}
	syncDir(filepath.Dir(pp))
	for _, f := range leftovers(path) {
		os.Remove(f)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ReadMeta reads the JSON part of the checkpoint named path and checks every field.
func ReadMeta(path string) (Meta, error) {
	_, _, mp := paths(path)
	var meta Meta
	f, err := os.Open(mp)
	if err != nil {
		return meta, errors.Wrap(err, "reading checkpoint")
	}
	defer f.Close()
	const maxJSON = 256 << 20
	raw, err := io.ReadAll(io.LimitReader(f, maxJSON+1))
	if err != nil {
		return meta, errors.Wrapf(err, "reading %s", mp)
	}
	if len(raw) > maxJSON {
		return meta, errors.Errorf("%s: larger than %d bytes", mp, maxJSON)
	}
	return DecodeMeta(mp, raw)
}

// DecodeMeta decodes and checks a checkpoint's JSON; name labels errors.
func DecodeMeta(name string, raw []byte) (Meta, error) {
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return meta, errors.Wrapf(err, "%s", name)
	}
	if meta.Format != CheckpointFormat && meta.Format != checkpointFormatV1 {
		return meta, errors.Errorf("%s: format %q, expected %q", name, meta.Format, CheckpointFormat)
	}
	if err := meta.check(); err != nil {
		return meta, errors.Wrap(err, name)
	}
	return meta, nil
}

// check validates every field a run or a loader uses.
func (m Meta) check() error {
	c := m.Config
	switch {
	case m.Step < 0 || m.Step > maxStep:
		return errors.Errorf("step %d: must be in [0, %d]", m.Step, int64(maxStep))
	case m.BestVal != nil && (math.IsNaN(*m.BestVal) || math.IsInf(*m.BestVal, 0)):
		return errors.Errorf("best_val_loss %v is not finite", *m.BestVal)
	case c.Batch <= 0 || c.Batch > maxBatch:
		return errors.Errorf("config.batch %d: must be in [1, %d]", c.Batch, maxBatch)
	case c.EvalBatch < 0 || c.EvalBatch > maxBatch:
		return errors.Errorf("config.eval_batch %d: must be in [0, %d]", c.EvalBatch, maxBatch)
	case c.Epochs < 0 || c.Steps < 0 || c.Steps > maxStep || c.Epochs > maxStep:
		return errors.Errorf("config.epochs %d / config.steps %d: must be in [0, %d]", c.Epochs, c.Steps, int64(maxStep))
	case c.EvalEvery < 0 || c.Patience < 0:
		return errors.Errorf("config.eval_every %d / config.patience %d: must not be negative", c.EvalEvery, c.Patience)
	case c.Replicas < 0 || c.Replicas > maxReplicas:
		return errors.Errorf("config.replicas %d: must be in [0, %d]", c.Replicas, maxReplicas)
	case !finite(c.LR, c.Momentum, c.WeightDecay, c.Clip, c.ClipValue):
		return errors.New("config: lr, momentum, weight_decay, clip and clip_value must be finite numbers")
	case m.Solver.Steps < 0 || m.Solver.Steps > maxStep:
		return errors.Errorf("solver.steps %d: must be in [0, %d]", m.Solver.Steps, int64(maxStep))
	case len(m.Solver.Slots) > maxSlots:
		return errors.Errorf("solver.slots: %d slots, at most %d", len(m.Solver.Slots), maxSlots)
	case len(m.History) > maxHistory:
		return errors.Errorf("history: %d records, at most %d", len(m.History), maxHistory)
	}
	for i, slot := range m.Solver.Slots {
		if slot == "" || strings.Contains(slot, "/") {
			return errors.Errorf("solver.slots[%d] %q: must be a non-empty name without '/'", i, slot)
		}
	}
	for i, r := range m.History {
		if r.Step < 0 || r.Step > m.Step {
			return errors.Errorf("history[%d].step %d: must be in [0, %d]", i, r.Step, m.Step)
		}
	}
	if m.Format == CheckpointFormat {
		if m.Files == nil {
			return errors.New("files: missing (the sums of the .npz files)")
		}
		sums := []*FileSum{&m.Files.Params}
		if m.Files.Optim != nil {
			sums = append(sums, m.Files.Optim)
		}
		for _, fs := range sums {
			if fs.Size < 0 || fs.Size > MaxCheckpointBytes {
				return errors.Errorf("files: size %d must be in [0, %d]", fs.Size, int64(MaxCheckpointBytes))
			}
			if b, err := hex.DecodeString(fs.SHA256); err != nil || len(b) != sha256.Size {
				return errors.Errorf("files: sha256 %q is not 64 hex digits", fs.SHA256)
			}
		}
		if (m.Files.Optim != nil) != (len(m.Solver.Slots) > 0) {
			return errors.New("files.optim must be present exactly when solver.slots are")
		}
	}
	return nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// verifiedFile returns the contents of the checkpoint file at path that the JSON's sum names:
// the file itself, or the pending file of the same step where a save stopped before renaming it.
func verifiedFile(path, pending, jsonPath string, step int, want *FileSum) ([]byte, error) {
	if want == nil { // a v1 checkpoint: nothing to check against
		return readBounded(path, MaxCheckpointBytes)
	}
	var problem string
	for _, p := range []string{path, pending} {
		st, err := os.Stat(p)
		if err != nil {
			if p == path {
				problem = err.Error()
			}
			continue
		}
		if st.Size() != want.Size {
			if p == path {
				problem = fmt.Sprintf("%d bytes, %s records %d", st.Size(), jsonPath, want.Size)
			}
			continue
		}
		b, err := readBounded(p, MaxCheckpointBytes)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) == want.SHA256 {
			return b, nil
		}
		if p == path {
			problem = fmt.Sprintf("SHA-256 %x, %s records %.16s…", sum[:8], jsonPath, want.SHA256)
		}
	}
	held := ""
	if b, err := readBounded(path, MaxCheckpointBytes); err == nil {
		if c, err := npz.ReadComment(bytes.NewReader(b), int64(len(b))); err == nil && strings.HasPrefix(c, "gorgonia-zoo checkpoint step ") {
			held = fmt.Sprintf("; it holds step %s", strings.TrimPrefix(c, "gorgonia-zoo checkpoint step "))
		}
	}
	return nil, errors.Errorf("%s does not belong with %s (step %d): %s%s; the checkpoint's files come from different saves (an interrupted or concurrent save?): use another checkpoint",
		path, jsonPath, step, problem, held)
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "reading checkpoint")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, errors.Wrapf(err, "reading %s", path)
	}
	if int64(len(b)) > limit {
		return nil, errors.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// LoadCheckpointWeights reads the checkpoint named path (NAME or NAME.npz) and puts its
// parameters and buffers into s, after checking that its .npz belongs with its JSON.
func LoadCheckpointWeights(path string, s *nn.Store) (Meta, error) {
	pp, _, mp := paths(path)
	meta, err := ReadMeta(path)
	if err != nil {
		return meta, err
	}
	pendP, _ := pendingPaths(path, meta.Step)
	var want *FileSum
	if meta.Files != nil {
		want = &meta.Files.Params
	}
	b, err := verifiedFile(pp, pendP, mp, meta.Step, want)
	if err != nil {
		return meta, err
	}
	return meta, LoadWeightsFrom(bytes.NewReader(b), int64(len(b)), pp, s)
}

// LoadCheckpoint reads the checkpoint named path, puts its parameters and buffers into s, and
// keeps the solver state for the run that resumes. The files must belong together (see the
// layout above) and hold finite values of the shapes the model expects.
func LoadCheckpoint(path string, s *nn.Store) (*Checkpoint, error) {
	_, op, mp := paths(path)
	meta, err := LoadCheckpointWeights(path, s)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Meta: meta, slots: map[string]map[string]*tensor.Dense{}}
	if len(ck.Meta.Solver.Slots) == 0 {
		return ck, nil
	}
	_, pendO := pendingPaths(path, meta.Step)
	var want *FileSum
	if meta.Files != nil {
		want = meta.Files.Optim
	}
	b, err := verifiedFile(op, pendO, mp, meta.Step, want)
	if err != nil {
		return nil, err
	}
	shapes := map[string][]int{}
	for _, t := range s.Params() {
		shapes[t.Name] = t.Value.Shape()
	}
	slots := map[string]bool{}
	for _, sl := range meta.Solver.Slots {
		slots[sl] = true
	}
	arrays, err := npz.ReadFromFiltered(bytes.NewReader(b), int64(len(b)), func(name string, shape []int) (bool, error) {
		slot, param, ok := strings.Cut(name, "/")
		if !ok || !slots[slot] {
			return false, errors.Errorf("array %q is not SLOT/PARAM of the slots %v", name, meta.Solver.Slots)
		}
		want, ok := shapes[param]
		if !ok {
			return false, errors.Errorf("array %q: the model has no parameter %q", name, param)
		}
		if (npz.Array{Shape: shape}).Size() != (npz.Array{Shape: want}).Size() {
			return false, errors.Errorf("array %q has shape %v, the parameter has %v", name, shape, want)
		}
		return true, nil
	})
	if err != nil {
		return nil, errors.Wrap(err, op)
	}
	for _, a := range arrays {
		slot, param, _ := strings.Cut(a.Name, "/")
		if i, bad := firstNonFinite(a.Data); i >= 0 {
			return nil, errors.Errorf("%s: array %q holds %v at element %d", op, a.Name, bad, i)
		}
		d, err := npz.ToDense(a)
		if err != nil {
			return nil, errors.Wrapf(err, "%s: array %q", op, a.Name)
		}
		if ck.slots[slot] == nil {
			ck.slots[slot] = map[string]*tensor.Dense{}
		}
		ck.slots[slot][param] = d
	}
	return ck, nil
}

// firstNonFinite returns the index and value of the first NaN or ±Inf of float data, or -1.
func firstNonFinite(data any) (int, float64) {
	switch d := data.(type) {
	case []float32:
		for i, v := range d {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return i, f
			}
		}
	case []float64:
		for i, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return i, v
			}
		}
	}
	return -1, 0
}

// CheckFinite returns an error naming the first tensor of s that holds a NaN or ±Inf.
func CheckFinite(s *nn.Store) error {
	for _, t := range s.All() {
		if i, v := firstNonFinite(t.Value.Data()); i >= 0 {
			return errors.Errorf("%s holds %v at element %d", t.Name, v, i)
		}
	}
	return nil
}

// restoreSolver gives solver the saved state, its slots ordered as the graph's parameters.
func (ck *Checkpoint) restoreSolver(solver optim.Solver, g *nn.Graph) error {
	if ck.Meta.Solver.Name != solver.Name() {
		return errors.Errorf("checkpoint solver is %q, this run uses %q", ck.Meta.Solver.Name, solver.Name())
	}
	st := optim.State{Steps: ck.Meta.Solver.Steps, Slots: map[string][]*tensor.Dense{}}
	for _, slot := range ck.Meta.Solver.Slots {
		for _, p := range g.Params() {
			t, ok := ck.slots[slot][p.Name]
			if !ok {
				return errors.Errorf("solver slot %q has no entry for %q", slot, p.Name)
			}
			st.Slots[slot] = append(st.Slots[slot], t)
		}
	}
	return solver.SetState(st)
}
