package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/internal/npz"
)

// files returns the contents of every file in dir.
func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			out[e.Name()] = b
		}
	}
	return out
}

// TestDivergingResumeKeepsCheckpoint is finding 1 of the reliability report: a resumed run that
// diverges stops with status 1 naming the step, the checkpoint stays that of step 30, and zoo eval
// still scores it with finite figures.
func TestDivergingResumeKeepsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	g := filepath.Join(dir, "g.npz")
	if code, _, e := zoo("mlp", "--quiet", "--steps", "30", "--eval-every", "10", "--save", g); code != 0 {
		t.Fatal(e)
	}
	before := dirFiles(t, dir)
	code, _, errOut := zoo("mlp", "--quiet", "--steps", "60", "--eval-every", "1", "--resume", g, "--save", g, "--lr", "1e30")
	if code != 1 || !strings.Contains(errOut, "step 31") || !strings.Contains(errOut, "keeps step 30") {
		t.Fatalf("diverging run: exit %d, %q", code, errOut)
	}
	after := dirFiles(t, dir)
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed", name)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
	code, out, errOut := zoo("eval", "mlp", "--checkpoint", g, "--json")
	if code != 0 {
		t.Fatalf("eval: exit %d, %q", code, errOut)
	}
	if l := lastJSON(t, out)["validation"].(map[string]any)["loss"].(float64); math.IsNaN(l) || l > 2 {
		t.Errorf("validation loss %v", l)
	}
}

// rewriteNPZ replaces the arrays of a checkpoint's .npz by edit's and updates the sums its JSON
// records, as a checkpoint saved from such weights would look.
func rewriteNPZ(t *testing.T, stem string, edit func([]npz.Array)) {
	t.Helper()
	arrays, err := npz.Read(stem + ".npz")
	if err != nil {
		t.Fatal(err)
	}
	edit(arrays)
	var buf bytes.Buffer
	if err := npz.Write(&buf, arrays); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stem+".npz", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	editJSON(t, stem+".json", func(m map[string]any) {
		p := m["files"].(map[string]any)["params"].(map[string]any)
		p["size"], p["sha256"] = buf.Len(), hex.EncodeToString(sum[:])
	})
}

func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if raw, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointDefects: NaN weights, a mixed step, a negative step, a config asking for 80 GB,
// a checkpoint of another model: each is an error with status 1 or 2, never a panic, an
// out-of-memory crash or figures of NaN with status 0.
func TestCheckpointDefects(t *testing.T) {
	dir := t.TempDir()
	stem := filepath.Join(dir, "d")
	// --save without .npz writes d.npz, and --checkpoint takes either name.
	if code, _, e := zoo("mlp", "--quiet", "--steps", "20", "--eval-every", "10", "--hidden", "8", "--save", stem); code != 0 {
		t.Fatal(e)
	}
	for _, ck := range []string{stem, stem + ".npz"} {
		if code, _, e := zoo("eval", "mlp", "--checkpoint", ck); code != 0 {
			t.Errorf("eval --checkpoint %s: %s", ck, e)
		}
	}
	pristine := dirFiles(t, dir)
	restore := func() {
		for name, b := range pristine {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		edit func()
		args []string
		code int
		want string
	}{
		{"NaN weights", func() {
			rewriteNPZ(t, stem, func(a []npz.Array) { a[0].Data.([]float32)[1] = float32(math.NaN()) })
		}, []string{"eval", "mlp", "--checkpoint", stem}, 1, "NaN"},
		{"npz of another step", func() {
			rewriteNPZ(t, stem, func([]npz.Array) {})
			editJSON(t, stem+".json", func(m map[string]any) { m["files"].(map[string]any)["params"].(map[string]any)["size"] = 10 })
		}, []string{"eval", "mlp", "--checkpoint", stem}, 1, "d.npz does not belong with"},
		{"negative step", func() {
			editJSON(t, stem+".json", func(m map[string]any) { m["step"] = -5 })
		}, []string{"mlp", "--quiet", "--steps", "40", "--hidden", "8", "--resume", stem, "--save", ""}, 1, "step -5"},
		{"80 GB model config", func() {
			editJSON(t, stem+".json", func(m map[string]any) {
				m["config"].(map[string]any)["run"].(map[string]any)["model_config"].(map[string]any)["hidden"] = []int{100000, 100000}
			})
		}, []string{"eval", "mlp", "--checkpoint", stem}, 1, "parameters"},
		{"other model on resume", func() {
			editJSON(t, stem+".json", func(m map[string]any) { m["config"].(map[string]any)["run"].(map[string]any)["model"] = "lstm" })
		}, []string{"mlp", "--quiet", "--steps", "40", "--hidden", "8", "--resume", stem, "--save", ""}, 2, "holds a lstm model"},
		{"other width on resume", func() {}, []string{"mlp", "--quiet", "--steps", "40", "--hidden", "16", "--resume", stem, "--save", ""}, 2, "hidden [8] in the checkpoint, [16] now"},
		{"other batch on resume", func() {}, []string{"mlp", "--quiet", "--steps", "40", "--hidden", "8", "--batch", "16", "--resume", stem, "--save", ""}, 1, "--batch 32"},
	} {
		restore()
		tc.edit()
		code, _, errOut := zoo(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, %q; want %d and %q", tc.name, code, errOut, tc.code, tc.want)
		}
	}
}

// TestBadValuesExit2: every bad flag value is a usage error (status 2) naming the flag, found
// before anything large is allocated.
func TestBadValuesExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lstm", "--bptt", "0"}, "--bptt 0"},
		{[]string{"mlp", "--replicas", "100"}, "--replicas 100"},
		{[]string{"mlp", "--momentum", "-5"}, "--momentum -5"},
		{[]string{"mlp", "--weight-decay", "-1"}, "--weight-decay -1"},
		{[]string{"mlp", "--kind", "bogus"}, `--kind "bogus"`},
		{[]string{"sample", "lstm", "--temperature", "-1"}, "--temperature -1"},
		{[]string{"mlp", "--hidden", "100000,100000"}, "parameters"},
		{[]string{"lstm", "--hidden", "2000000000"}, "--hidden 2000000000"},
		{[]string{"lstm", "--steps", "1000000000"}, "--steps 1000000000"},
		{[]string{"transformer", "--d-model", "65536", "--heads", "4"}, "parameters"},
		{[]string{"mlp", "--n", "-3"}, "--n -3"},
		{[]string{"translate", "seq2seq", "--beam", "100000", "--input", "May 1, 2020"}, "--beam 100000"},
	} {
		args := tc.args
		if _, ok := models[args[0]]; ok {
			args = append(args, "--save", "")
		}
		code, _, errOut := zoo(args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("zoo %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}

// TestChangedDataRefused: a text model's checkpoint records its text's size and SHA-256;
// evaluating or sampling it after the text changed is an error naming the file.
func TestChangedDataRefused(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "t.txt")
	body := strings.Repeat("the quick brown fox jumps over the lazy dog. ", 60)
	if err := os.WriteFile(text, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "lm.npz")
	if code, _, e := zoo("rnn", "--task", "text", "--data", text, "--steps", "2", "--bptt", "8", "--hidden", "8", "--embed", "4",
		"--batch", "4", "--quiet", "--save", ck); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := zoo("eval", "rnn", "--checkpoint", ck); code != 0 {
		t.Fatalf("eval on the same text: %s", e)
	}
	if err := os.WriteFile(text, []byte(strings.ToUpper(body)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"eval", "sample"} {
		code, _, errOut := zoo(cmd, "rnn", "--checkpoint", ck)
		if code != 1 || !strings.Contains(errOut, "t.txt") || !strings.Contains(errOut, "SHA-256") {
			t.Errorf("%s after the text changed: exit %d, %q", cmd, code, errOut)
		}
	}
}

// FuzzCommandLine: no command line makes the command panic (status 3). Every line ends in
// "--help --help", so a command parses its flags and stops without training.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{"train mlp --hidden 5,x", "eval lstm --checkpoint", "sample gru --temperature -1",
		"train lstm --bptt 0 --save", "translate seq2seq --beam 0", "mlp --task csv --kind", "help train"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := append(strings.Fields(line), "--help", "--help")
		switch args[0] {
		case "train", "eval", "sample", "translate", "help", "mlp", "rnn", "lstm", "gru", "transformer", "seq2seq":
		default:
			return
		}
		if code, _, errOut := zoo(args...); code == 3 {
			t.Fatalf("zoo %q: %s", args, errOut)
		}
	})
}

// TestErrorsSayPrefixesOnce: the command prints an error on one line, each prefix once.
func TestErrorsSayPrefixesOnce(t *testing.T) {
	if got := oneLine("rnn: activation \"x\": bad\nline"); got != "rnn: activation \"x\": bad line" {
		t.Errorf("oneLine: %q", got)
	}
	code, _, errOut := zoo("rnn", "--activation", "sigmoid", "--save", "")
	if code != 2 || strings.Count(errOut, "rnn:") != 1 || !strings.Contains(errOut, `"sigmoid"`) {
		t.Errorf("bad activation: exit %d, %q", code, errOut)
	}
}
