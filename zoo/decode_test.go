package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// progressLine is the line `zoo train` prints after decoding the validation split.
var progressLine = regexp.MustCompile(`(?m)^  step (\d+): validation exact match (\S+), token accuracy (\S+)$`)

// TestDecodeProgressLine trains every model that decodes (seq2seq with and without attention,
// the transformer encoder–decoder) for two tiny steps, on list reversal and on a file of sentence
// pairs, and reads what `zoo train` reports of its decoding: the progress line at step 2 must give
// the exact match and token accuracy that `zoo eval` then computes from the checkpoint of step 2,
// under the metric names seq2seq exports, and the test metrics of the run must be eval's. On one
// task every model reports the same set of metrics, BLEU included on the sentence pairs.
func TestDecodeProgressLine(t *testing.T) {
	tiny := map[string][]string{
		"seq2seq":               {"--hidden", "8", "--embed", "4", "--attn-dim", "8", "--attention", "additive"},
		"seq2seq, no attention": {"--hidden", "8", "--embed", "4", "--attention", "none"},
		"transformer-seq2seq":   {"--d-model", "8", "--heads", "2", "--layers", "1", "--ff", "16"},
	}
	for name, m := range models {
		if _, ok := tiny[name]; m.decode != nil && !ok {
			t.Errorf("model %s decodes but is not tested here", name)
		}
	}
	var lines []string
	words := []string{"red", "green", "blue", "cat", "dog", "big", "small"}
	for i := 0; i < 60; i++ {
		lines = append(lines, words[i%7]+" "+words[(i/7)%7]+"\t"+words[(i/7)%7]+" "+words[i%7])
	}
	pairs := filepath.Join(t.TempDir(), "pairs.txt")
	if err := os.WriteFile(pairs, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tasks := map[string][]string{"reverse": {"--task", "reverse", "--bptt", "5"}, "pairs": {"--task", "pairs", "--data", pairs, "--bptt", "4"}}
	wantKeys := map[string][]string{
		"reverse": {seq2seq.MetricExact, "loss", seq2seq.MetricTokenAcc},
		"pairs":   {seq2seq.MetricBLEU, seq2seq.MetricExact, "loss", seq2seq.MetricTokenAcc},
	}
	for _, task := range slices.Sorted(maps.Keys(tasks)) {
		for _, run := range slices.Sorted(maps.Keys(tiny)) {
			name, _, _ := strings.Cut(run, ",")
			what := task + ", " + run
			ck := filepath.Join(t.TempDir(), "m.npz")
			args := append([]string{"train", name, "--steps", "2", "--batch", "8", "--eval-every", "2", "--save", ck, "--json"}, tasks[task]...)
			code, out, errOut := zoo(append(args, tiny[run]...)...)
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", what, code, errOut)
			}
			progress := progressLine.FindAllStringSubmatch(errOut, -1)
			if len(progress) != 1 || progress[0][1] != "2" {
				t.Fatalf("%s: progress lines %q in\n%s", what, progress, errOut)
			}
			trainTest, _ := lastJSON(t, out)["test"].(map[string]any)

			code, out, errOut = zoo("eval", name, "--checkpoint", ck, "--json")
			if code != 0 {
				t.Fatalf("%s: eval exit %d: %s", what, code, errOut)
			}
			res := lastJSON(t, out)
			val, _ := res["validation"].(map[string]any)
			test, _ := res["test"].(map[string]any)
			for i, k := range []string{seq2seq.MetricExact, seq2seq.MetricTokenAcc} {
				v, ok := val[k].(float64)
				if !ok {
					t.Errorf("%s: eval's validation metrics %v lack %q", what, val, k)
					continue
				}
				if got := fmt.Sprintf("%.4f", v); got != progress[0][2+i] {
					t.Errorf("%s: the progress line gives %s %s, eval of the same weights %s", what, k, progress[0][2+i], got)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(val)) {
				if k != "loss" && trainTest[k] != test[k] {
					t.Errorf("%s: %s on test: %v after training, %v in eval", what, k, trainTest[k], test[k])
				}
			}
			if got := slices.Sorted(maps.Keys(val)); !slices.Equal(got, wantKeys[task]) {
				t.Errorf("%s: eval reports the metrics %v, want %v", what, got, wantKeys[task])
			}
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
