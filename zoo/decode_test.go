package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// progressLine is the line `zoo train` prints after decoding the validation split.
var progressLine = regexp.MustCompile(`(?m)^  step (\d+): validation exact match (\S+), token accuracy (\S+)$`)

// TestDecodeProgressLine trains every model that decodes (seq2seq with and without attention,
// the transformer encoder–decoder) for two tiny steps on list reversal and reads what `zoo train`
// reports of its decoding: the progress line at step 2 must give the exact match and token
// accuracy that `zoo eval` then computes from the checkpoint of step 2, under the metric names
// seq2seq exports, and the test metrics of the run must carry the same names. Every model must
// report the same set of metrics.
func TestDecodeProgressLine(t *testing.T) {
	tiny := map[string][]string{
		"seq2seq":               {"--hidden", "8", "--embed", "4", "--attn-dim", "8", "--attention", "additive"},
		"seq2seq, no attention": {"--hidden", "8", "--embed", "4", "--attention", "none"},
		"transformer-seq2seq":   {"--d-model", "8", "--heads", "2", "--layers", "1", "--ff", "16"},
	}
	var decoding []string
	for name, m := range models {
		if m.decode != nil {
			decoding = append(decoding, name)
		}
	}
	for _, name := range decoding {
		if _, ok := tiny[name]; !ok {
			t.Errorf("model %s decodes but is not tested here", name)
		}
	}
	keys := map[string][]string{}
	for _, run := range slices.Sorted(maps.Keys(tiny)) {
		name := regexp.MustCompile(`,.*`).ReplaceAllString(run, "")
		ck := filepath.Join(t.TempDir(), "m.npz")
		args := append([]string{"train", name, "--task", "reverse", "--bptt", "5", "--steps", "2", "--batch", "8",
			"--eval-every", "2", "--save", ck, "--json"}, tiny[run]...)
		code, out, errOut := zoo(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", run, code, errOut)
		}
		lines := progressLine.FindAllStringSubmatch(errOut, -1)
		if len(lines) != 1 || lines[0][1] != "2" {
			t.Fatalf("%s: progress lines %q in\n%s", run, lines, errOut)
		}
		trainTest, _ := lastJSON(t, out)["test"].(map[string]any)

		code, out, errOut = zoo("eval", name, "--checkpoint", ck, "--json")
		if code != 0 {
			t.Fatalf("%s: eval exit %d: %s", run, code, errOut)
		}
		res := lastJSON(t, out)
		val, _ := res["validation"].(map[string]any)
		test, _ := res["test"].(map[string]any)
		for i, k := range []string{seq2seq.MetricExact, seq2seq.MetricTokenAcc} {
			v, ok := val[k].(float64)
			if !ok {
				t.Errorf("%s: eval's validation metrics %v lack %q", run, val, k)
				continue
			}
			if got := fmt.Sprintf("%.4f", v); got != lines[0][2+i] {
				t.Errorf("%s: the progress line gives %s %s, eval of the same weights %s", run, k, lines[0][2+i], got)
			}
			if trainTest[k] != test[k] {
				t.Errorf("%s: %s on test: %v after training, %v in eval", run, k, trainTest[k], test[k])
			}
		}
		keys[run] = slices.Sorted(maps.Keys(val))
	}
	want := keys["seq2seq"]
	for run, k := range keys {
		if !slices.Equal(k, want) {
			t.Errorf("%s reports the metrics %v, seq2seq %v", run, k, want)
		}
	}
}

// TestDecodeMetrics: the names and the progress line of a decoding pass's figures, BLEU only
// where the task reports it.
func TestDecodeMetrics(t *testing.T) {
	sc := seq2seq.Scores{N: 4, Exact: 0.25, TokenAcc: 0.5, BLEU: 0.125}
	for _, c := range []struct {
		task string
		want train.Metrics
	}{
		{"reverse", train.Metrics{"exact": 0.25, "token_acc": 0.5}},
		{"dates", train.Metrics{"exact": 0.25, "token_acc": 0.5}},
		{"pairs", train.Metrics{"exact": 0.25, "token_acc": 0.5, "bleu": 0.125}},
	} {
		if got := decodeMetrics(sc, reportsBLEU(c.task)); !maps.Equal(got, c.want) {
			t.Errorf("%s: metrics %v, want %v", c.task, got, c.want)
		}
	}
	if got, want := decodeProgress(7, decodeMetrics(sc, false)),
		"  step 7: validation exact match 0.2500, token accuracy 0.5000\n"; got != want {
		t.Errorf("decodeProgress = %q, want %q", got, want)
	}
}
