package compare

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// TestQuickReproducible runs the quick variant of every experiment three times — twice whole and
// once as two shards that are then merged — and requires byte-identical runs.csv, curves.csv and
// table.md from all three. It logs the time the three passes took (the quick suite is meant to
// stay within about two minutes on 2 cores; a test does not hold it to a time).
func TestQuickReproducible(t *testing.T) {
	start := time.Now()
	o := Options{Quick: true}
	base := t.TempDir()
	ran := 0
	for _, name := range Names() {
		e := registry[name]
		if e.Pending != "" {
			continue
		}
		ran++
		dirA, dirB, shards, merged := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "shards"), filepath.Join(base, "merged")
		for _, dir := range []string{dirA, dirB} {
			rs, err := Execute(e, o, All, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Render(dir, e, o, rs, ""); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ {
			sh := Shard{i, 2}
			rs, err := Execute(e, o, sh, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Index%2 != i {
					t.Errorf("%s shard %v ran run %d", name, sh, r.Index)
				}
			}
			if err := WriteShard(shards, e, o, sh, rs); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := ReadResults(e, o, shards)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Render(merged, e, o, rs, ""); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"runs.csv", "curves.csv", "table.md"} {
			a := readFile(t, filepath.Join(dirA, name, f))
			if b := readFile(t, filepath.Join(dirB, name, f)); !bytes.Equal(a, b) {
				t.Errorf("%s/%s differs between two runs of the same command", name, f)
			}
			if m := readFile(t, filepath.Join(merged, name, f)); !bytes.Equal(a, m) {
				t.Errorf("%s/%s of the merged shards differs from the unsharded run", name, f)
			}
		}
		if n := bytes.Count(readFile(t, filepath.Join(dirA, name, "runs.csv")), []byte("\n")); n != len(e.Runs(o))+1 {
			t.Errorf("%s: runs.csv has %d lines, want %d runs and a header", name, n, len(e.Runs(o)))
		}
	}
	if ran < 9 {
		t.Errorf("only %d experiments ran", ran)
	}
	t.Logf("quick variants, three times each: %v", time.Since(start))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/1", Shard{0, 1}, true}, {"3/8", Shard{3, 8}, true}, {"7/8", Shard{7, 8}, true},
		{"8/8", Shard{}, false}, {"-1/4", Shard{}, false}, {"1/0", Shard{}, false}, {"2", Shard{}, false}, {"a/b", Shard{}, false},
	} {
		got, err := ParseShard(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	s := Shard{1, 3}
	var have []int
	for k := 0; k < 10; k++ {
		if s.Has(k) {
			have = append(have, k)
		}
	}
	if len(have) != 3 || have[0] != 1 || have[1] != 4 || have[2] != 7 {
		t.Errorf("shard 1/3 of 10 runs = %v, want [1 4 7]", have)
	}
}

func TestFormatFloat(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0.1234567, "0.123457"}, {1e-7, "1e-07"}, {2000, "2000"}, {math.NaN(), "NaN"}, {math.Inf(1), "+Inf"}, {-3.5, "-3.5"},
	} {
		if got := FormatFloat(c.v); got != c.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", c.v, got, c.want)
		}
		if r := round(c.v); FormatFloat(r) != c.want {
			t.Errorf("round trip of %v gives %q", c.v, FormatFloat(r))
		}
	}
}

// TestReadResultsErrors checks that merging refuses files of another variant, a run that differs
// between two files, and an incomplete set of runs.
func TestReadResultsErrors(t *testing.T) {
	e := &Experiment{Name: "toy", Runs: func(o Options) []Spec {
		return specs([]Spec{{ID: "a", Seed: 1, Params: []Param{{"k", "1"}}}, {ID: "b", Seed: 1, Params: []Param{{"k", "2"}}}})
	}}
	o := Options{}
	rs := []Result{{Spec: e.Runs(o)[0], Outcome: Outcome{Metrics: []Metric{{"m", 0.5}}, Curves: []Curve{{"c", []float64{1, 2}, []float64{3, 4}}}}}}
	dir := t.TempDir()
	if err := WriteShard(dir, e, o, Shard{0, 2}, rs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResults(e, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "a seed=1" || got[0].Param("k") != "1" {
		t.Fatalf("read back %+v", got)
	}
	if v, _ := got[0].Metric("m"); v != 0.5 {
		t.Errorf("metric m = %v, want 0.5", v)
	}
	if c := got[0].Curve("c"); c == nil || len(c.X) != 2 || c.Y[1] != 4 {
		t.Errorf("curve c = %+v", c)
	}
	if err := Complete(e, o, got); err == nil || !strings.Contains(err.Error(), "missing (index 1)") {
		t.Errorf("incomplete results: err = %v", err)
	}
	if _, err := ReadResults(e, Options{Quick: true}, dir); err == nil || !strings.Contains(err.Error(), "compare.Options.Quick must match") {
		t.Errorf("variant mismatch: err = %v", err)
	}
	other := t.TempDir()
	rs[0].Metrics[0].Value = 0.25
	if err := WriteShard(other, e, o, Shard{1, 2}, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResults(e, o, dir, other); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("conflicting duplicate: err = %v", err)
	}
	if _, err := ReadResults(e, o, t.TempDir()); err == nil {
		t.Error("empty directory: no error")
	}
}

// TestHiddenGradNorms checks the probe measurement against values derived by hand: at the last
// step ∂L/∂h_T = (2/N)(ŷ − y)·w_outᵀ for the MSE loss; with the recurrent weights zeroed, no
// gradient reaches any earlier step.
func TestHiddenGradNorms(t *testing.T) {
	const n, T, H = 4, 6, 5
	ds, err := datasets.Adding(n, T, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, cell := range cells {
		m, err := newSeqModel(cell, seqmodel.Config{Hidden: H, Seed: 3, Float64: true}.FromInfo(ds.Info()), 1)
		if err != nil {
			t.Fatal(err)
		}
		b := ds.Batch(seq(n))
		norms, err := hiddenGradNorms(m, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(norms) != T {
			t.Fatalf("%s: %d norms, want %d", cell, len(norms), T)
		}
		pred := predict(t, m, b)
		w := nn.Float64s(m.Store().Get("decoder.weight").Value)
		sum := 0.0
		for i := 0; i < n; i++ {
			for j := 0; j < H; j++ {
				g := 2 / float64(n) * (pred[i] - b.Y[i]) * w[j]
				sum += g * g
			}
		}
		if want := math.Sqrt(sum); math.Abs(norms[T-1]-want) > 1e-9*math.Max(1, want) {
			t.Errorf("%s: ‖∂L/∂h_T‖ = %v, by hand %v", cell, norms[T-1], want)
		}
		for t0 := 0; t0 < T-1; t0++ {
			if !(norms[t0] > 0) {
				t.Errorf("%s: ‖∂L/∂h_%d‖ = %v, want positive", cell, t0+1, norms[t0])
			}
		}
	}
	m, err := newSeqModel("rnn", seqmodel.Config{Hidden: H, Seed: 3, Float64: true}.FromInfo(ds.Info()), 0)
	if err != nil {
		t.Fatal(err)
	}
	whh := m.Store().Get("rnn.weight_hh_l0")
	if err := nn.SetFloat64s(whh.Value, make([]float64, H*H)); err != nil {
		t.Fatal(err)
	}
	norms, err := hiddenGradNorms(m, ds.Batch(seq(n)))
	if err != nil {
		t.Fatal(err)
	}
	for t0 := 0; t0 < T-1; t0++ {
		if norms[t0] != 0 {
			t.Errorf("W_hh = 0: ‖∂L/∂h_%d‖ = %v, want 0", t0+1, norms[t0])
		}
	}
	if norms[T-1] == 0 {
		t.Error("W_hh = 0: no gradient at the last step")
	}
}

func predict(t *testing.T, m *seqmodel.Model, b datasets.Batch) []float64 {
	t.Helper()
	gs := train.NewGraphs(m)
	defer gs.Close()
	g, err := gs.Get(b.N, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Feed(b); err != nil {
		t.Fatal(err)
	}
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	return nn.Float64s(g.Output())
}

// TestWidthFor checks the equal-budget widths against the store's own parameter count.
func TestWidthFor(t *testing.T) {
	text := seqmodel.Config{Hidden: 32, Embed: 8, Vocab: opticksVocab, Classes: opticksVocab, T: 4, Seed: 1}
	for _, cell := range cells {
		m, err := newSeqModel(cell, text, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := seqParams(cell, 32, 8, opticksVocab), m.Store().NumParams(); got != want {
			t.Errorf("%s: seqParams = %d, the store has %d", cell, got, want)
		}
	}
	budget := seqParams("lstm", 256, 64, opticksVocab)
	for _, cell := range []string{"gru", "rnn"} {
		h := widthFor(cell, budget, 64)
		lo, hi := seqParams(cell, h-1, 64, opticksVocab), seqParams(cell, h+1, 64, opticksVocab)
		if !(h > 256 && lo < budget && hi > budget) {
			t.Errorf("%s: width %d for %d parameters (neighbours %d, %d)", cell, h, budget, lo, hi)
		}
	}
}

func TestLookup(t *testing.T) {
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "vanishing") {
		t.Errorf("Lookup(nope) = %v, want an error listing the experiments", err)
	}
	pending := &Experiment{Name: "p", Pending: "not yet"}
	if _, err := Execute(pending, Options{Quick: true}, All, nil); err == nil || !strings.Contains(err.Error(), "pending") {
		t.Errorf("a pending experiment: err = %v", err)
	}
	if got := len(Names()); got != 9 {
		t.Errorf("%d experiments, want 9", got)
	}
}
