package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/bench"
)

// TestBenchHelperProcess is not a test: it is the zoo binary when the bench test runs the test
// binary as its child (ZOO_BENCH_HELPER set), with the zoo's arguments after "--".
func TestBenchHelperProcess(t *testing.T) {
	if os.Getenv("ZOO_BENCH_HELPER") != "1" {
		return
	}
	args := os.Args
	if i := slices.Index(args, "--"); i >= 0 {
		args = args[i+1:]
	}
	os.Exit(run(args, os.Stdout, os.Stderr))
}

func TestBenchUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "name a workload"},
		{[]string{"bench", "W9"}, `unknown workload "W9"`},
		{[]string{"bench", "W1", "lstm"}, `unknown workload "LSTM"`},
		{[]string{"bench", "W4", "--steps", "0"}, "--steps 0"},
		{[]string{"bench", "--warmup", "-1", "W4"}, "--warmup -1"},
		{[]string{"bench", "W4", "--rounds", "0"}, "--rounds 0"},
		{[]string{"bench", "W4", "--torch-threads", "0"}, "--torch-threads 0"},
		{[]string{"bench", "W4", "--steps", "many"}, "invalid value"},
		{[]string{"bench", "W4", "--fast"}, "flag provided but not defined: -fast"},
		{[]string{"bench", "--worker", "W0"}, `--worker "W0"`},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

func TestBenchHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	help := stdout.String()
	for _, want := range append(bench.Names(), "--torch", "--json", "--steps", "--warmup", "--rounds", "--torch-threads") {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %s:\n%s", want, help)
		}
	}
	if strings.Contains(help, "worker") {
		t.Errorf("help shows the hidden worker flag:\n%s", help)
	}
}

// The worker runs one workload in its own process and prints its result as a JSON line.
func TestBenchWorker(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--worker", "w4", "--steps", "2", "--warmup", "1"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res bench.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %q", err, stdout.String())
	}
	if res.Workload != "W4" || res.Unit != bench.Samples || res.Steps != 2 || !(res.UnitsPerS > 0) || !(res.AllocsPerStep > 0) {
		t.Fatalf("worker result %+v", res)
	}
}

// fakePython stands in for an interpreter with torch: it answers the import check with a version
// and runs any script as a benchmark that reports 1000 units/s for the workload named in it.
const fakePython = `#!/bin/sh
if [ "$1" = "-c" ]; then echo 0.0-fake; exit 0; fi
echo "$1 $*" >> "$FAKE_LOG"
name=$(sed -n "s/^bench_common.run('\([^']*\)', '\([^']*\)'.*/\1 \2/p" "$1")
set -- $name
printf '{"workload":"%s","unit":"%s","units_per_s":1000,"median_step_s":0.1,"torch":"0.0-fake","threads":2,"blas_libs":["/fake/libblas.so"]}\n' "$1" "$2"
`

// zoo bench --torch runs the Go worker in child processes (here the test binary as the zoo) and
// the PyTorch scripts under the interpreter given, round after round, and reports both sides.
func TestBenchTorchWithFakePython(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake interpreter")
	}
	dir := t.TempDir()
	python := filepath.Join(dir, "python3")
	if err := os.WriteFile(python, []byte(fakePython), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	t.Setenv("FAKE_LOG", log)
	saved := benchChild
	defer func() { benchChild = saved }()
	benchChild = func() (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchHelperProcess$", "--")
		cmd.Env = append(os.Environ(), "ZOO_BENCH_HELPER=1")
		return cmd, nil
	}
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "W4", "--torch", "--python", python, "--rounds", "2", "--steps", "2", "--warmup", "1", "--json"}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the env line and one row:\n%s", stdout.String())
	}
	var head struct{ Env bench.Env }
	var row bench.Row
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &row); err != nil {
		t.Fatal(err)
	}
	if head.Env.Torch != "0.0-fake" || head.Env.BLAS == "" || head.Env.Rounds != 2 || head.Env.Steps != 2 {
		t.Errorf("env %+v", head.Env)
	}
	if row.Workload != "W4" || len(row.Go.Rounds) != 2 || row.Torch == nil || len(row.Torch.Rounds) != 2 || row.Torch.UnitsPerS != 1000 {
		t.Fatalf("row %s", lines[1])
	}
	if !(row.Go.UnitsPerS > 0) || row.Ratio != row.Go.UnitsPerS/1000 || row.Go.PeakRSS <= 0 || !(row.Go.AllocsPerStep > 0) {
		t.Errorf("row %s: want Go's throughput, ratio to 1000, RSS and allocations", lines[1])
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if calls := strings.Count(string(b), "w4_mlp.py --steps 2 --warmup 1 --threads 2"); calls != 2 {
		t.Errorf("the PyTorch script ran %d times; want 2:\n%s", calls, b)
	}
	if n := strings.Count(stderr.String(), "round"); n != 4 {
		t.Errorf("%d progress lines; want 4:\n%s", n, stderr.String())
	}
	// The table form has both sides' columns.
	stdout.Reset()
	args[len(args)-1] = "--rounds" // replace --json: a table, one round
	args = append(args, "1")
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "PyTorch 0.0-fake") || !strings.Contains(out, "Go/PyTorch") || !strings.Contains(out, "W4") {
		t.Errorf("table:\n%s", out)
	}
}

// Asking for PyTorch where it is not installed says how to install it.
func TestBenchTorchMissing(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake interpreter")
	}
	python := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(python, []byte("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "W4", "--torch", "--python", python}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "apt-get install -y python3-torch") || !strings.Contains(stderr.String(), "No module named 'torch'") {
		t.Errorf("exit %d, %q; want 1 and the install command", code, stderr.String())
	}
}
