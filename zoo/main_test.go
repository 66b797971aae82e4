package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zoo runs the command in-process and returns its exit status, stdout and stderr.
func zoo(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// lastJSON decodes the last line of stdout.
func lastJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, stdout)
	}
	return v
}

// TestMLPDefaultReachesTarget runs `zoo mlp` with its defaults: spirals to ≥ 97% validation
// accuracy; then `zoo eval` reproduces the figures from the checkpoint.
func TestMLPDefaultReachesTarget(t *testing.T) {
	ck := filepath.Join(t.TempDir(), "mlp.npz")
	code, out, errOut := zoo("mlp", "--quiet", "--json", "--save", ck)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res := lastJSON(t, out)
	val := res["val"].(map[string]any)
	if acc := val["accuracy"].(float64); acc < 0.97 {
		t.Errorf("validation accuracy %.4f < 0.97", acc)
	}
	if !strings.Contains(out, "checkpoint: "+ck) {
		t.Errorf("output does not say where the checkpoint went:\n%s", out)
	}
	code, evalOut, errOut := zoo("eval", "mlp", "--checkpoint", ck, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errOut)
	}
	ev := lastJSON(t, evalOut)["validation"].(map[string]any)
	if ev["accuracy"] != val["accuracy"] || ev["loss"] != val["loss"] {
		t.Errorf("eval gives %v, training ended with %v", ev, val)
	}
}

func TestSameSeedSameOutput(t *testing.T) {
	args := []string{"mlp", "--quiet", "--save", "", "--epochs", "2", "--dropout", "0.1", "--batchnorm", "--seed", "4", "--json"}
	var runs [2]string
	for i := range runs {
		_, out, _ := zoo(args...)
		res := lastJSON(t, out)
		delete(res, "elapsed_s")
		b, _ := json.Marshal(res)
		runs[i] = string(b)
	}
	if runs[0] != runs[1] || !strings.Contains(runs[0], "train_loss") {
		t.Errorf("two runs with one seed differ:\n%s\n%s", runs[0], runs[1])
	}
}

// TestBadInput: each mistake gives one line naming what is wrong, and the right exit status.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b,y\n1,2,x\n3,oops,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lstmx"}, 2, `unknown command or model "lstmx"`},
		{[]string{"train", "nosuch"}, 2, `unknown model "nosuch"`},
		{[]string{"mlp", "--bogus"}, 2, "-bogus"},
		{[]string{"mlp", "--lr", "abc"}, 2, "-lr"},
		{[]string{"mlp", "--task", "nope"}, 2, `--task "nope"`},
		{[]string{"mlp", "--optimizer", "adamax"}, 2, `--optimizer "adamax"`},
		{[]string{"mlp", "--hidden", "64,x"}, 2, "--hidden"},
		{[]string{"mlp", "--schedule", "step:x"}, 2, "--schedule"},
		{[]string{"mlp", "--schedule", "warmup:10,cosine", "--batch", "0"}, 2, "--batch 0"}, // a good schedule passes
		{[]string{"mlp", "--batch", "0", "--save", ""}, 2, "--batch 0"},
		{[]string{"mlp", "--task", "csv", "--data", filepath.Join(dir, "missing.csv"), "--target", "y"}, 1, "missing.csv"},
		{[]string{"mlp", "--task", "csv", "--data", bad, "--target", "y", "--save", ""}, 1, "bad.csv:3"},
		{[]string{"eval", "mlp", "--checkpoint", filepath.Join(dir, "none.npz")}, 1, "none"},
		{[]string{"eval", "mlp"}, 2, "--checkpoint"},
	} {
		code, _, errOut := zoo(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("zoo %s: exit %d, stderr %q; want exit %d and one line containing %q",
				strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
	}
}

func TestHelpListsEveryFlag(t *testing.T) {
	code, out, _ := zoo("train", "mlp", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"task", "epochs", "steps", "batch", "lr", "optimizer", "clip", "seed", "save", "resume",
		"json", "hidden", "batchnorm", "dropout", "residual", "schedule", "log"} {
		if !strings.Contains(out, "  -"+f+" ") && !strings.Contains(out, "  -"+f+"\n") {
			t.Errorf("--help does not list -%s", f)
		}
	}
	if !strings.Contains(out, `(default "spirals")`) {
		t.Error("--help does not give the default task")
	}
}

func TestList(t *testing.T) {
	code, out, _ := zoo("list")
	if code != 0 || !strings.Contains(out, "mlp") || !strings.Contains(out, "spirals") || !strings.Contains(out, "housing") {
		t.Errorf("zoo list: exit %d\n%s", code, out)
	}
}

// TestResumeFromCommand interrupts nothing but checks that --resume of a finished run's
// checkpoint with more epochs continues from its step.
func TestResumeFromCommand(t *testing.T) {
	ck := filepath.Join(t.TempDir(), "r.npz")
	if code, _, e := zoo("mlp", "--quiet", "--epochs", "1", "--save", ck); code != 0 {
		t.Fatal(e)
	}
	code, out, e := zoo("mlp", "--quiet", "--epochs", "2", "--save", ck, "--resume", ck, "--json")
	if code != 0 {
		t.Fatal(e)
	}
	if steps := lastJSON(t, out)["steps"].(float64); steps != 150 {
		t.Errorf("resumed run ended at step %v, want 150 (2 epochs of 75)", steps)
	}
}

// TestRecurrentCommands trains tiny recurrent models through the command: a GRU on the adding
// problem (eval reproduces its figures) and an LSTM language model (bits per character, a sample,
// and zoo sample from its checkpoint).
func TestRecurrentCommands(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "gru.npz")
	code, out, errOut := zoo("gru", "--task", "adding", "--steps", "20", "--bptt", "10", "--hidden", "16", "--quiet", "--json", "--save", ck)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	val := lastJSON(t, out)["val"].(map[string]any)
	if _, ok := val["mse"]; !ok {
		t.Fatalf("adding problem without MSE: %v", val)
	}
	code, evalOut, errOut := zoo("eval", "gru", "--checkpoint", ck, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errOut)
	}
	if ev := lastJSON(t, evalOut)["validation"].(map[string]any); ev["mse"] != val["mse"] {
		t.Errorf("eval gives %v, training ended with %v", ev, val)
	}
	if code, _, errOut := zoo("sample", "gru", "--checkpoint", ck); code != 2 || !strings.Contains(errOut, "not on text") {
		t.Errorf("sampling an adding-problem model: exit %d, %q", code, errOut)
	}

	ck = filepath.Join(dir, "lstm.npz")
	code, out, errOut = zoo("lstm", "--steps", "3", "--bptt", "16", "--hidden", "32", "--embed", "8", "--batch", "8", "--quiet", "--json", "--save", ck)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	val = lastJSON(t, out)["val"].(map[string]any)
	if bpc := val["bpc"].(float64); bpc < 3 || bpc > 7.5 {
		t.Errorf("bits per character after 3 steps: %v", bpc)
	}
	if !strings.Contains(out, `sample (temperature 0.8): "The `) {
		t.Errorf("no sample after training:\n%s", out)
	}
	code, s1, errOut := zoo("sample", "lstm", "--checkpoint", ck, "--len", "40", "--seed", "3")
	_, s2, _ := zoo("sample", "lstm", "--checkpoint", ck, "--len", "40", "--seed", "3")
	if code != 0 || s1 != s2 || len(s1) < 44 {
		t.Errorf("zoo sample: exit %d %q; same seed again %q", code, s1, s2)
	}
	if code, _, errOut := zoo("sample", "lstm", "--checkpoint", ck, "--prime", "\u00e9t\u00e9"); code == 0 || !strings.Contains(errOut, "--prime") {
		t.Errorf("prime with characters outside the vocabulary: exit %d, %q", code, errOut)
	}
}
