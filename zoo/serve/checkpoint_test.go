package serve

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// saveDates writes the prebuilt date model as a checkpoint of `zoo train seq2seq --task dates`
// and returns its path.
func saveDates(t *testing.T) string {
	t.Helper()
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	sgd, err := optim.New("sgd", optim.Options{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	run := map[string]any{"model": "seq2seq", "task": map[string]any{"task": "dates", "data_seed": 1}, "model_config": m.Config}
	meta := train.Meta{Step: 500, Seed: 1, Config: train.Config{Batch: 64, Steps: 500, Optimizer: "sgd", LR: 0.1, Seed: 1, Run: run},
		History: []train.Record{{Step: 500, Val: train.Metrics{"exact": 1, "loss": 0.0125}}}}
	path := filepath.Join(t.TempDir(), "dates.npz")
	if err := train.SaveCheckpoint(path, m.Store(), m.Store().Params(), sgd, meta); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFromCheckpoint(t *testing.T) {
	path := saveDates(t)
	m, err := FromCheckpoint("dates", path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "dates" || !strings.Contains(m.Trained, "seq2seq on task dates, step 500") || m.Validation != "validation at step 500: exact 1.0000, loss 0.0125" {
		t.Errorf("checkpoint model %+v", m)
	}
	pre, err := Prebuilt("seq2seq")
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint answers as the prebuilt model does, bit for bit.
	_, ts := newTestServer(t, Options{Models: []Model{m, pre}, Pool: 2})
	for _, in := range []string{"Nov 28, 2026", "3/14/1979"} {
		code, b := call(t, ts, "POST", "/v1/translate", `{"model":"dates","input":"`+in+`","beam":2}`)
		code2, b2 := call(t, ts, "POST", "/v1/translate", `{"model":"seq2seq","input":"`+in+`","beam":2}`)
		var tr, want TranslateResponse
		if err := json.Unmarshal(b, &tr); code != 200 || err != nil {
			t.Fatalf("translate %q with the checkpoint: %d %s", in, code, b)
		}
		if err := json.Unmarshal(b2, &want); code2 != 200 || err != nil {
			t.Fatalf("translate %q with the prebuilt model: %d %s", in, code2, b2)
		}
		tr.Model, want.Model = "", ""
		if !reflect.DeepEqual(tr, want) {
			t.Errorf("translate %q: the checkpoint gives %+v, the prebuilt model %+v", in, tr, want)
		}
	}

	for _, c := range []struct{ name, file, says string }{
		{"x", filepath.Join(t.TempDir(), "none.npz"), "none"},
		{"x", "prebuilt.go", "prebuilt.go"},
	} {
		if _, err := FromCheckpoint(c.name, c.file); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("FromCheckpoint(%q, %q): %v, want an error naming %q", c.name, c.file, err, c.says)
		}
	}
}
