package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// TestCellParams holds Cell.Params to the parameters the built models hold, for token and
// real-valued inputs, one to three layers, softmax and regression heads.
func TestCellParams(t *testing.T) {
	seqs := []seqmodel.Config{
		{Hidden: 32, Embed: 16, T: 4, Vocab: 93, Classes: 93, Seed: 1},
		{Hidden: 7, Layers: 2, T: 3, Dim: 2, Regression: true, YDim: 1, Seed: 1},
		{Hidden: 5, Layers: 3, Embed: 3, T: 2, Vocab: 11, Classes: 4, Seed: 1},
	}
	for _, c := range catalog.Cells {
		for _, seq := range seqs {
			m, err := c.NewModel(seq, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Params(seq), m.Store().NumParams(); got != want {
				t.Errorf("%s %+v: Params %d, the model holds %d", c.Name, seq, got, want)
			}
		}
	}
	// By hand: embedding 93·16, LSTM 4·(16·32 + 32·32 + 2·32), output layer 32·93 + 93.
	lstm, err := catalog.FindCell("lstm")
	if err != nil {
		t.Fatal(err)
	}
	if got := lstm.Params(seqs[0]); got != 1488+6400+3069 {
		t.Errorf("lstm params %d, want %d", got, 1488+6400+3069)
	}
}

// TestCellConfig: the cell configuration's fields override the cell's defaults, absent ones keep
// them, and a configuration that is not JSON is an error naming the cell.
func TestCellConfig(t *testing.T) {
	cell, err := catalog.FindCell("lstm")
	if err != nil {
		t.Fatal(err)
	}
	const H = 4
	seq := seqmodel.Config{Hidden: H, Embed: 2, T: 2, Vocab: 3, Classes: 3, Seed: 1}
	for _, tc := range []struct {
		raw  string
		want float64 // the forget block of bias_ih (gates i, f, g, o)
	}{{"", 1}, {`{"TorchInit": false}`, 1}, {`{"ForgetBias": 0}`, 0}, {`{"ForgetBias": 2.5}`, 2.5}} {
		m, err := cell.NewModel(seq, json.RawMessage(tc.raw))
		if err != nil {
			t.Fatal(err)
		}
		b := m.Store().Get("rnn.bias_ih_l0")
		if b == nil {
			t.Fatal("no rnn.bias_ih_l0")
		}
		for i, v := range nn.Float64s(b.Value)[H : 2*H] {
			if v != tc.want {
				t.Errorf("cell config %q: forget bias %d is %v, want %v", tc.raw, i, v, tc.want)
			}
		}
	}
	if _, err := cell.NewModel(seq, json.RawMessage(`{"ForgetBias": "one"}`)); err == nil || !strings.Contains(err.Error(), "lstm cell config") {
		t.Errorf("a bad cell config gave %v", err)
	}
}

// TestFind: every model and cell is found by its name, names are unique, a recurrent model
// names its cell, and an unknown name is an error that lists the names.
func TestFind(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range catalog.Models {
		if seen[m.Name] || m.About == "" || m.New == nil {
			t.Errorf("model %q: repeated, or without About or New", m.Name)
		}
		seen[m.Name] = true
		if f, err := catalog.Find(m.Name); err != nil || f.Name != m.Name {
			t.Errorf("Find(%q) = %q, %v", m.Name, f.Name, err)
		}
		if m.Cell != nil && (m.Cell.Name != m.Name || m.Cell.About != m.About) {
			t.Errorf("model %q has the cell %q", m.Name, m.Cell.Name)
		}
	}
	for _, c := range catalog.Cells {
		m, err := catalog.Find(c.Name)
		if err != nil || m.Cell == nil || m.Cell.Gates != c.Gates {
			t.Errorf("cell %q has no sequence model in Models (%v)", c.Name, err)
		}
	}
	if _, err := catalog.Find("lstn"); err == nil || !strings.Contains(err.Error(), "mlp, rnn, lstm, gru, seq2seq") {
		t.Errorf("Find(lstn): %v", err)
	}
	if _, err := catalog.FindCell("mlp"); err == nil || !strings.Contains(err.Error(), "rnn, lstm, gru") {
		t.Errorf("FindCell(mlp): %v", err)
	}
	for _, m := range catalog.Models {
		if _, err := m.New(json.RawMessage(`[1, 2]`)); err == nil {
			t.Errorf("%s: a config that is not an object built a model", m.Name)
		}
	}
}

// TestPrebuilt loads every prebuilt model, rebuilds it from its configuration with New (the
// path of a checkpoint) and checks its record: the same parameters, a task, a figure.
func TestPrebuilt(t *testing.T) {
	n := 0
	for _, m := range catalog.Models {
		if m.Prebuilt == nil {
			continue
		}
		n++
		mdl, rec, err := m.Prebuilt()
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		var cfg any
		switch v := mdl.(type) {
		case *seqmodel.Model:
			_, prec, err := m.Cell.Prebuilt()
			if err != nil {
				t.Fatal(err)
			}
			cfg = prec.ModelConfig
			if rec.Value != prec.ValBPC || rec.Steps != prec.Steps || rec.Command != prec.Command {
				t.Errorf("%s: record %+v, the model package's %+v", m.Name, rec, prec)
			}
		case *seq2seq.Model:
			cfg = v.Config
		case *transformer.LM:
			cfg = v.Config
		case *transformer.Seq2Seq:
			cfg = v.Config
		default:
			t.Fatalf("%s: prebuilt %T", m.Name, mdl)
		}
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := m.New(raw)
		if err != nil {
			t.Fatalf("%s: New from the prebuilt config: %v", m.Name, err)
		}
		if a, b := fresh.Store().NumParams(), mdl.Store().NumParams(); a != b || a == 0 {
			t.Errorf("%s: New built %d parameters, the prebuilt model has %d", m.Name, a, b)
		}
		var task struct {
			Name     string `json:"task"`
			DataSeed uint64 `json:"data_seed"`
		}
		if err := json.Unmarshal(rec.Task, &task); err != nil || task.Name == "" || task.DataSeed == 0 {
			t.Errorf("%s: task record %s (%v)", m.Name, rec.Task, err)
		}
		if rec.Value <= 0 || rec.Steps <= 0 || rec.Command == "" || (rec.Metric != catalog.MetricValBPC && rec.Metric != catalog.MetricExact) {
			t.Errorf("%s: record %+v", m.Name, rec)
		}
	}
	if n != 6 {
		t.Errorf("%d prebuilt models, want 6 (rnn, lstm, gru, seq2seq, transformer, transformer-seq2seq)", n)
	}
}
