package serve

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/texttest"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// saveDates writes the prebuilt date model as a checkpoint of `zoo train seq2seq --task dates`
// and returns its path.
func saveDates(t *testing.T) string {
	t.Helper()
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	hist := []train.Record{{Step: 500, Val: train.Metrics{"exact": 1, "loss": 0.0125}}}
	return texttest.SaveDatesCheckpoint(t, "seq2seq", m, m.Config, 1, 500, hist)
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

// TestFromCheckpointTransformer serves a small, untrained transformer encoder–decoder of the
// date task from its checkpoint: every copy of the pool gives the same answer, whose attention
// has a row per output token and a column per input character.
func TestFromCheckpointTransformer(t *testing.T) {
	var cfg transformer.Seq2SeqConfig
	raw := `{"src_vocab":68,"tgt_vocab":14,"src_pad":0,"bos":11,"eos":12,"max_src":29,"max_tgt":11,"d_model":16,"heads":2,"layers":1,"ff":32,"activation":"relu","init_std":0.02,"seed":3}`
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	m, err := transformer.NewSeq2Seq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := texttest.SaveDatesCheckpoint(t, "transformer-seq2seq", m, cfg, 3, 1, nil)
	sm, err := FromCheckpoint("tdates", path)
	if err != nil {
		t.Fatal(err)
	}
	s, ts := newTestServer(t, Options{Models: []Model{sm}, Pool: 2})
	if k := s.models["tdates"].kind; k != KindTranslate {
		t.Fatalf("kind %q, want translate", k)
	}
	const in = "12 March 1998"
	var first []byte
	for i := 0; i < 4; i++ {
		code, b := call(t, ts, "POST", "/v1/translate", `{"model":"tdates","input":"`+in+`","beam":2}`)
		if code != 200 {
			t.Fatalf("translate: %d %s", code, b)
		}
		if first == nil {
			first = b
			tr := decodeAs[TranslateResponse](t, b)
			if len(tr.Attention) != len(tr.OutputTokens) || len(tr.InputTokens) != len(in) || len(tr.Attention[0]) != len(in) {
				t.Errorf("attention %d×%d for %d output and %d input tokens", len(tr.Attention), len(tr.Attention[0]), len(tr.OutputTokens), len(tr.InputTokens))
			}
		} else if string(b) != string(first) {
			t.Errorf("answer %d differs from the first: %s against %s", i, b, first)
		}
	}
}
