package main

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/mirrortest"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// topicPTB writes a word corpus in PTB's format whose structure reaches further back than a
// window of 20 words: paragraphs of 8 to 12 sentences "noun verb noun" on one of four topics,
// each topic with nouns of its own and the verbs shared. After a verb or an <eos> the next noun
// is one of the paragraph's three, which only the words before tell: a model scoring a window
// from a zero state, at a window that starts there, has to guess among all twelve.
func topicPTB(words int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 11))
	nouns := [4][3]string{{"cat", "dog", "mouse"}, {"bank", "share", "bond"}, {"ship", "sea", "port"}, {"rain", "snow", "wind"}}
	verbs := []string{"saw", "had", "sold", "met"}
	var b strings.Builder
	for n := 0; n < words; {
		topic := nouns[rng.IntN(4)]
		for range 8 + rng.IntN(5) {
			b.WriteString(" " + topic[rng.IntN(3)] + " " + verbs[rng.IntN(4)] + " " + topic[rng.IntN(3)] + " \n")
			n += 4
		}
	}
	return []byte(b.String())
}

// TestPTBCarriedEvaluation trains `zoo train lstm --task ptb` (contiguous streams, the state
// carried) on a corpus with structure longer than a window and checks that the validation and
// test figures are scored with the state carried through each part: lower than the same weights
// score on windows of 20 words from a zero state, the figure `zoo eval` of the checkpoint gives
// again, whatever its --batch.
func TestPTBCarriedEvaluation(t *testing.T) {
	files := map[string][]byte{
		"ptb.train.txt": topicPTB(6000, 1),
		"ptb.valid.txt": topicPTB(1000, 2),
		"ptb.test.txt":  topicPTB(1000, 3),
	}
	sums := map[string]datasets.Sum{}
	for name, b := range files {
		sums[name] = datasets.Sum{SHA256: sha256Hex(b)}
	}
	useCorpora(t, mirrortest.New(t, files), sums)

	ck := filepath.Join(t.TempDir(), "ptb.npz")
	code, out, errOut := zoo("train", "lstm", "--task", "ptb", "--quiet", "--json", "--save", ck,
		"--hidden", "48", "--embed", "16", "--layers", "1", "--batch", "10", "--epochs", "12",
		"--optimizer", "adam", "--lr", "0.01", "--schedule", "constant")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res := lastJSON(t, out)
	run := res["config"].(map[string]any)["run"].(map[string]any)
	if task := run["task"].(map[string]any); task["stream"] != true || task["eval_stream"] != true {
		t.Errorf("task %v: want stream and eval_stream", task)
	}
	if seq := run["model_config"].(map[string]any)["seq"].(map[string]any); seq["carry"] != true || seq["eval_carry"] != true {
		t.Errorf("model %v: want carry and eval_carry", seq)
	}

	// The same weights on windows of 20 words, each from a zero state.
	rec, err := readRunRecord(ck, "lstm")
	if err != nil {
		t.Fatal(err)
	}
	var mc seqmodel.ModelConfig
	if err := json.Unmarshal(rec.ModelConfig, &mc); err != nil {
		t.Fatal(err)
	}
	mc.Seq.Carry, mc.Seq.EvalCarry = false, false
	raw, _ := json.Marshal(mc)
	mdl, err := models["lstm"].New(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.LoadCheckpointWeights(ck, mdl.Store()); err != nil {
		t.Fatal(err)
	}
	ta := rec.Task
	ta.EvalStream = false
	windows, err := loadTask(ta)
	if err != nil {
		t.Fatal(err)
	}
	gs := train.NewGraphs(mdl)
	defer gs.Close()
	for _, split := range []struct {
		name, key string
		ds        datasets.Dataset
	}{{"validation", "val", windows.Val}, {"test", "test", windows.Test}} {
		carried := res[split.key].(map[string]any)["ppl"].(float64)
		w, err := train.Evaluate(gs, split.ds, 20)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s perplexity: carried %.4f, windows from a zero state %.4f", split.name, carried, w["ppl"])
		if !(carried < w["ppl"]) {
			t.Errorf("%s: carried-state perplexity %.4f, not below the windowed %.4f", split.name, carried, w["ppl"])
		}
	}

	// eval reproduces the carried figures, whatever --batch it is given.
	for _, batch := range []string{"0", "1", "7"} {
		code, evalOut, errOut := zoo("eval", "lstm", "--checkpoint", ck, "--json", "--batch", batch)
		if code != 0 {
			t.Fatalf("eval --batch %s: exit %d: %s", batch, code, errOut)
		}
		ev := lastJSON(t, evalOut)
		for split, key := range map[string]string{"validation": "val", "test": "test"} {
			got := ev[split].(map[string]any)["ppl"].(float64)
			want := res[key].(map[string]any)["ppl"].(float64)
			if math.Abs(got-want) > 1e-9*want {
				t.Errorf("eval --batch %s: %s perplexity %v, training reported %v", batch, split, got, want)
			}
		}
	}
}
