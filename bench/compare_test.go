package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeChild is a shell script standing in for a benchmark process: it appends "SIDE NAME" to LOG
// and prints a result whose throughput is the k-th of its VALUES on its k-th run for that side
// and workload.
const fakeChild = `#!/bin/sh
side=$1 name=$2 unit=$3 log=$4
shift 4
echo "$side $name" >> "$log"
k=$(grep -c "^$side $name\$" "$log")
eval v=\${$k}
echo "some progress line"
printf '{"workload":"%s","unit":"%s","units_per_s":%s,"median_step_s":0.5,"allocs_per_step":%s,"alloc_bytes_per_step":1000,"torch":"9.9","threads":2,"blas_libs":["/lib/libfake.so"]}\n' "$name" "$unit" "$v" "$v"
`

func fakeSide(t *testing.T, side, log string, values ...string) func(w Workload) *exec.Cmd {
	t.Helper()
	script := filepath.Join(t.TempDir(), "fake.sh")
	if err := os.WriteFile(script, []byte(fakeChild), 0o755); err != nil {
		t.Fatal(err)
	}
	return func(w Workload) *exec.Cmd {
		return exec.Command("/bin/sh", append([]string{script, side, w.Name, w.Unit, log}, values...)...)
	}
}

// The comparison alternates the sides round by round, takes the median over rounds on each side,
// and divides them for the ratio.
func TestComparisonAlternatesAndTakesMedians(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake children")
	}
	log := filepath.Join(t.TempDir(), "log")
	ws, err := Select([]string{"W1", "W4"})
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	c := Comparison{Rounds: 3, Go: fakeSide(t, "go", log, "100", "300", "200"),
		Torch: fakeSide(t, "torch", log, "50", "400", "100"), Progress: &progress}
	rep, err := c.Run(ws, Env{BLAS: "gonum", Steps: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("go W1\ntorch W1\n", 3) + strings.Repeat("go W4\ntorch W4\n", 3)
	if string(b) != want {
		t.Fatalf("children ran in the order\n%s\nwant\n%s", b, want)
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Workload != "W1" || rep.Rows[1].Workload != "W4" || rep.Rows[1].Unit != Samples {
		t.Fatalf("rows %+v", rep.Rows)
	}
	for _, row := range rep.Rows {
		if row.Go.UnitsPerS != 200 || row.Torch == nil || row.Torch.UnitsPerS != 100 || row.Ratio != 2 {
			t.Errorf("%s: Go %v, PyTorch %+v, ratio %v; want medians 200 and 100, ratio 2", row.Workload, row.Go.UnitsPerS, row.Torch, row.Ratio)
		}
		if got := fmt.Sprint(row.Go.Rounds); got != "[100 300 200]" {
			t.Errorf("%s: Go rounds %s; want [100 300 200], in the order run", row.Workload, got)
		}
		if row.Go.AllocsPerStep != 200 || row.Torch.AllocsPerStep != 0 {
			t.Errorf("%s: allocations per step: Go %v (want the median 200), PyTorch %v (want none)", row.Workload, row.Go.AllocsPerStep, row.Torch.AllocsPerStep)
		}
		if row.Go.PeakRSS <= 0 || row.Torch.PeakRSS <= 0 {
			t.Errorf("%s: peak RSS %d and %d bytes", row.Workload, row.Go.PeakRSS, row.Torch.PeakRSS)
		}
	}
	if rep.Env.Torch != "9.9" || rep.Env.TorchThreads != 2 || len(rep.Env.TorchBLAS) != 1 || rep.Env.Rounds != 3 || rep.Env.Steps != 7 {
		t.Errorf("env %+v does not carry the PyTorch side's report", rep.Env)
	}
	if n := strings.Count(progress.String(), "\n"); n != 12 {
		t.Errorf("%d progress lines; want 12:\n%s", n, progress.String())
	}
}

// Without a PyTorch side there are no PyTorch figures.
func TestComparisonGoOnly(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake children")
	}
	log := filepath.Join(t.TempDir(), "log")
	ws, _ := Select([]string{"W3"})
	rep, err := Comparison{Rounds: 2, Go: fakeSide(t, "go", log, "10", "30")}.Run(ws, Env{})
	if err != nil {
		t.Fatal(err)
	}
	if row := rep.Rows[0]; row.Torch != nil || row.Ratio != 0 || row.Go.UnitsPerS != 20 {
		t.Fatalf("row %+v; want Go's median 20 alone", row)
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "PyTorch") {
		t.Fatalf("a Go-only table speaks of PyTorch:\n%s", out.String())
	}
}

// A child that fails, prints no result, or the result of another workload stops the comparison
// with an error that says which and why.
func TestComparisonChildErrors(t *testing.T) {
	ws, _ := Select([]string{"W4"})
	for _, c := range []struct {
		script, want string
	}{
		{`echo "Traceback: no module named torch" >&2; exit 3`, "no module named torch"},
		{`echo not json`, "printed no JSON result"},
		{`echo '{"workload":"W1","unit":"samples","units_per_s":5}'`, `workload "W1"`},
		{`echo '{"workload":"W4","unit":"tokens","units_per_s":5}'`, "result in tokens"},
		{`echo '{"workload":"W4","unit":"samples","units_per_s":0}'`, "throughput 0"},
		{`echo '{"workload":"W4",'`, "result line"},
	} {
		cmp := Comparison{Rounds: 1,
			Go: func(Workload) *exec.Cmd {
				return exec.Command("/bin/sh", "-c", `echo '{"workload":"W4","unit":"samples","units_per_s":5}'`)
			},
			Torch: func(Workload) *exec.Cmd { return exec.Command("/bin/sh", "-c", c.script) }}
		_, err := cmp.Run(ws, Env{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "W4, pytorch side, round 1") {
			t.Errorf("child %q: error %v; want one naming W4, the side, the round and %q", c.script, err, c.want)
		}
	}
	if _, err := (Comparison{Rounds: 0}).Run(ws, Env{}); err == nil {
		t.Error("0 rounds accepted")
	}
}

func testReport() Report {
	return Report{
		Env: Env{BLAS: "openblas", OpenBLASThreads: "1", GOMAXPROCS: 2, CPU: "Test CPU", CPUs: 2, GoVersion: "go1.26",
			Torch: "1.13.1", TorchThreads: 2, TorchBLAS: []string{"/usr/lib/openblas-openmp/libopenblasp-r0.3.21.so", "/usr/lib/libgomp.so.1"},
			BLASLibs: []string{"/usr/lib/openblas-pthread/libopenblas.so.0"},
			Steps:    50, Warmup: 10, Rounds: 3, LoadStart: 1.5, LoadEnd: 2.25},
		Rows: []Row{
			{Workload: "W1", Unit: Tokens, Go: Stats{UnitsPerS: 3612, PeakRSS: 412 << 20, AllocBytesPerStep: 248.8 * (1 << 20), AllocsPerStep: 98475},
				Torch: &Stats{UnitsPerS: 27200, PeakRSS: 300 << 20}, Ratio: 3612.0 / 27200},
			{Workload: "W6", Unit: Samples, Go: Stats{UnitsPerS: 96.4, PeakRSS: 1536 << 20, AllocBytesPerStep: 900, AllocsPerStep: 12},
				Torch: &Stats{UnitsPerS: 672, PeakRSS: 250 << 20}, Ratio: 96.4 / 672},
		},
	}
}

func TestWriteTable(t *testing.T) {
	var out bytes.Buffer
	if err := testReport().WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines; want header, column names and 2 rows:\n%s", len(lines), out.String())
	}
	for _, want := range []string{"BLAS openblas (openblas-pthread/libopenblas.so.0, OPENBLAS_NUM_THREADS=1)", "GOMAXPROCS 2", "CPU Test CPU (2 CPUs)", "go1.26",
		"PyTorch 1.13.1, 2 threads, BLAS openblas-openmp/libopenblasp-r0.3.21.so lib/libgomp.so.1", "50 timed steps after 10 warm-up, 3 rounds",
		"load average 1.50 before, 2.25 after"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("header %q lacks %q", lines[0], want)
		}
	}
	for i, want := range [][]string{
		{"workload", "unit", "Go/s", "PyTorch/s", "Go/PyTorch", "Go peak RSS", "PyTorch peak RSS", "Go alloc/step", "Go allocs/step"},
		{"W1", "tokens", "3.61k", "27.2k", "0.13×", "412.0 MiB", "300.0 MiB", "248.8 MiB", "98.5k"},
		{"W6", "samples", "96.4", "672", "0.14×", "1.50 GiB", "250.0 MiB", "900 B", "12.0"},
	} {
		fields := splitColumns(lines[i+1])
		if strings.Join(fields, "|") != strings.Join(want, "|") {
			t.Errorf("line %d: %q\nwant columns %q", i+2, fields, want)
		}
	}
	// Columns line up: every line of the table is as wide as the column names.
	for _, l := range lines[2:] {
		if len([]rune(l)) != len([]rune(lines[1])) {
			t.Errorf("ragged table:\n%s", out.String())
			break
		}
	}
}

func TestLoadWarning(t *testing.T) {
	rep := testReport()
	rep.Env.LoadEnd = 7.5
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[1], "warning: load average 7.5 on 2 CPUs") || !strings.Contains(lines[1], "--torch-threads 1") {
		t.Errorf("a table measured at load 7.5 on 2 CPUs has no warning:\n%s", out.String())
	}
	if w := testReport().Env.LoadWarning(); w != "" {
		t.Errorf("warning at load 2.25 on 2 CPUs: %s", w)
	}
}

// splitColumns splits a table line at runs of two or more spaces.
func splitColumns(line string) []string {
	var cols []string
	for _, f := range strings.Split(line, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			cols = append(cols, f)
		}
	}
	return cols
}

func TestWriteJSON(t *testing.T) {
	var out bytes.Buffer
	rep := testReport()
	if err := rep.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines; want the env and 2 rows", len(lines))
	}
	var head struct{ Env Env }
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil || head.Env.BLAS != "openblas" || head.Env.Torch != "1.13.1" || head.Env.Rounds != 3 {
		t.Fatalf("first line %s: %+v, %v", lines[0], head, err)
	}
	for i, l := range lines[1:] {
		var row Row
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		want := rep.Rows[i]
		if row.Workload != want.Workload || row.Go.UnitsPerS != want.Go.UnitsPerS || row.Torch == nil ||
			row.Torch.UnitsPerS != want.Torch.UnitsPerS || math.Abs(row.Ratio-want.Ratio) > 1e-12 || row.Go.PeakRSS != want.Go.PeakRSS {
			t.Errorf("line %d: %s; want %+v", i+2, l, want)
		}
	}
	for _, key := range []string{`"units_per_s"`, `"peak_rss_bytes"`, `"ratio"`, `"alloc_bytes_per_step"`, `"allocs_per_step"`} {
		if !strings.Contains(lines[1], key) {
			t.Errorf("row line lacks %s: %s", key, lines[1])
		}
	}
}

func TestHumanAndBytes(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 0.5: "0.50", 9.994: "9.99", 96.44: "96.4", 672: "672", 999.4: "999",
		999.6: "1.00k", 3612: "3.61k", 27200: "27.2k", 133000: "133k", 1.05e6: "1.05M"} {
		if got := Human(x); got != want {
			t.Errorf("Human(%v) = %q; want %q", x, got, want)
		}
	}
	for n, want := range map[int64]string{0: "—", 512: "512 B", 1536: "1.5 KiB", 412 << 20: "412.0 MiB", 3 << 30: "3.00 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q; want %q", n, got, want)
		}
	}
}

// The embedded PyTorch scripts are written out whole, one per workload and the shared module.
func TestWriteTorchScripts(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTorchScripts(dir); err != nil {
		t.Fatal(err)
	}
	for _, w := range append(Workloads(), Workload{Script: "bench_common.py"}) {
		b, err := os.ReadFile(filepath.Join(dir, w.Script))
		if err != nil {
			t.Fatal(err)
		}
		if w.Name != "" && !strings.Contains(string(b), "'"+w.Name+"'") {
			t.Errorf("%s does not report workload %s", w.Script, w.Name)
		}
	}
}

// The PyTorch side runs with the OpenMP OpenBLAS first on LD_LIBRARY_PATH when it is installed,
// and without the Go side's thread settings.
func TestTorchEnv(t *testing.T) {
	t.Setenv("OPENBLAS_NUM_THREADS", "1")
	t.Setenv("GOMAXPROCS", "1")
	t.Setenv("LD_LIBRARY_PATH", "/opt/x")
	env := strings.Join(Torch{}.Env(), "\n") + "\n"
	if strings.Contains(env, "OPENBLAS_NUM_THREADS=") || strings.Contains(env, "GOMAXPROCS=") {
		t.Errorf("the PyTorch side inherits the Go side's thread settings:\n%s", env)
	}
	want := "LD_LIBRARY_PATH=/opt/x\n"
	if st, err := os.Stat(OpenMPBLASDir); err == nil && st.IsDir() {
		want = "LD_LIBRARY_PATH=" + OpenMPBLASDir + ":/opt/x\n"
	}
	if !strings.Contains(env, want) {
		t.Errorf("environment lacks %q", want)
	}
	cmd := Torch{Dir: "/d", Threads: 3, Steps: 4, Warmup: 5, Seed: 6, Corpus: "/c"}.Command(Workloads()[0])
	if got := strings.Join(cmd.Args, " "); got != DefaultPython+" /d/w1_lstm.py --steps 4 --warmup 5 --threads 3 --seed 6 --corpus /c" {
		t.Errorf("command %q", got)
	}
}

// Without PyTorch, Check names the command that installs it.
func TestTorchCheck(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake interpreter")
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "python-without-torch")
	present := filepath.Join(dir, "python-with-torch")
	if err := os.WriteFile(missing, []byte("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(present, []byte("#!/bin/sh\necho 2.5.0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Torch{Python: missing}.Check()
	if err == nil || !strings.Contains(err.Error(), TorchInstall) || !strings.Contains(err.Error(), "No module named 'torch'") {
		t.Errorf("error %v; want the reason and %q", err, TorchInstall)
	}
	if v, err := (Torch{Python: present}).Check(); err != nil || v != "2.5.0" {
		t.Errorf("Check() = %q, %v; want 2.5.0", v, err)
	}
}
