package train

import (
	"encoding/json"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// A checkpoint is three files beside each other, each written to a temporary file and renamed:
//
//	NAME.npz        the parameters and buffers (BatchNorm running statistics) under PyTorch-style
//	                names and layouts: numpy.load(NAME.npz) gives a state_dict for the same model;
//	NAME.optim.npz  the solver's per-parameter slots, as "SLOT/PARAM" (e.g. "m/fc1.weight");
//	NAME.json       Meta: the run's configuration, step, solver and RNG state, history.
//
// The JSON is written last, so a checkpoint whose JSON names step k has files of step k.

// CheckpointFormat identifies the layout above in Meta.Format.
const CheckpointFormat = "gorgonia-zoo checkpoint v1"

// Meta is the JSON part of a checkpoint.
type Meta struct {
	Format  string   `json:"format"`
	Step    int      `json:"step"`
	Seed    uint64   `json:"seed"`
	BestVal *float64 `json:"best_val_loss"`
	Config  Config   `json:"config"`
	// RNG describes the run's random state: every draw comes from a PCG generator derived from
	// the seed, a stream and a counter (nn.NewRNG), so the step alone restores it.
	RNG     RNGState   `json:"rng"`
	Solver  SolverMeta `json:"solver"`
	History []Record   `json:"history,omitempty"`
}

// RNGState records how a run's generators are derived.
type RNGState struct {
	Seed    uint64 `json:"seed"`
	Scheme  string `json:"scheme"`
	Shuffle int    `json:"next_epoch"` // the counter of the shuffle stream for the current epoch
	Dropout int    `json:"next_step"`  // the counter of the dropout stream for the next step
}

// SolverMeta is the scalar part of a solver's state.
type SolverMeta struct {
	Name    string        `json:"name"`
	Steps   int           `json:"steps"`
	Options optim.Options `json:"options"`
	Slots   []string      `json:"slots,omitempty"`
}

// Checkpoint is a loaded checkpoint.
type Checkpoint struct {
	Meta  Meta
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
// the same model) into the store. Every store tensor must be present with its shape.
func LoadWeights(path string, s *nn.Store) error {
	arrays, err := npz.Read(path)
	if err != nil {
		return err
	}
	return loadArrays(path, arrays, s)
}

// LoadWeightsFrom is LoadWeights from an .npz held in memory (prebuilt weights embedded in a
// binary); name labels errors.
func LoadWeightsFrom(r io.ReaderAt, size int64, name string, s *nn.Store) error {
	arrays, err := npz.ReadFrom(r, size)
	if err != nil {
		return errors.Wrap(err, name)
	}
	return loadArrays(name, arrays, s)
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
		if !sameShape(a.Shape, want) {
			return errors.Errorf("%s: array %q has shape %v, the model expects %v", path, t.Name, a.Shape, want)
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

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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

// SaveCheckpoint writes the store, the solver's state and meta as the checkpoint named path;
// params are the tensors in the order the solver is given their gradients.
func SaveCheckpoint(path string, s *nn.Store, params []*nn.Tensor, solver optim.Solver, meta Meta) error {
	pp, op, mp := paths(path)
	if err := SaveWeights(pp, s); err != nil {
		return err
	}
	st := solver.State()
	meta.Format = CheckpointFormat
	meta.Solver = SolverMeta{Name: solver.Name(), Steps: st.Steps, Options: solver.Options()}
	meta.RNG = RNGState{Seed: meta.Seed, Scheme: "PCG(seed, stream<<40 ^ counter); streams: 1 init, 2 shuffle per epoch, 3 dropout per step",
		Dropout: meta.Step}
	if meta.BestVal != nil && math.IsInf(*meta.BestVal, 0) {
		meta.BestVal = nil
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
			arrays = append(arrays, a)
		}
	}
	sort.Strings(meta.Solver.Slots)
	sort.Slice(arrays, func(i, j int) bool { return arrays[i].Name < arrays[j].Name })
	if err := npz.WriteFileAtomic(op, func(w io.Writer) error { return npz.Write(w, arrays) }); err != nil {
		return err
	}
	return npz.WriteFileAtomic(mp, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(meta)
	})
}

// ReadMeta reads the JSON part of the checkpoint named path.
func ReadMeta(path string) (Meta, error) {
	_, _, mp := paths(path)
	var meta Meta
	raw, err := os.ReadFile(mp)
	if err != nil {
		return meta, errors.Wrap(err, "reading checkpoint")
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return meta, errors.Wrapf(err, "%s", mp)
	}
	if meta.Format != CheckpointFormat {
		return meta, errors.Errorf("%s: format %q, expected %q", mp, meta.Format, CheckpointFormat)
	}
	return meta, nil
}

// LoadCheckpoint reads the checkpoint named path, puts its parameters and buffers into s, and
// keeps the solver state for the run that resumes.
func LoadCheckpoint(path string, s *nn.Store) (*Checkpoint, error) {
	pp, op, _ := paths(path)
	meta, err := ReadMeta(path)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Meta: meta, slots: map[string]map[string]*tensor.Dense{}}
	if err := LoadWeights(pp, s); err != nil {
		return nil, err
	}
	if len(ck.Meta.Solver.Slots) == 0 {
		return ck, nil
	}
	arrays, err := npz.Read(op)
	if err != nil {
		return nil, err
	}
	for _, a := range arrays {
		slot, param, ok := strings.Cut(a.Name, "/")
		if !ok {
			return nil, errors.Errorf("%s: array %q is not SLOT/PARAM", op, a.Name)
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
