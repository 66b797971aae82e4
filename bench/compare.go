package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// TorchInstall is the command that installs PyTorch with the BLAS it is fast with on Debian.
const TorchInstall = "apt-get update && apt-get install -y python3-torch python3-numpy libopenblas0-openmp"

// Stats is one side's figures for one workload over the rounds of a comparison.
type Stats struct {
	// UnitsPerS is the median over rounds of each round's throughput (itself the per-step median).
	UnitsPerS float64 `json:"units_per_s"`
	// Rounds holds each round's throughput, in the order run.
	Rounds []float64 `json:"rounds_units_per_s"`
	// PeakRSS is the largest peak resident set of the side's child processes, in bytes (0 where
	// the system does not say).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// AllocBytesPerStep and AllocsPerStep are the medians over rounds of the bytes and objects
	// the Go heap allocated per timed step (Go side only).
	AllocBytesPerStep float64 `json:"alloc_bytes_per_step,omitempty"`
	AllocsPerStep     float64 `json:"allocs_per_step,omitempty"` // see AllocBytesPerStep
}

// Row is the comparison of one workload.
type Row struct {
	Workload string `json:"workload"`        // W1 … W6
	Unit     string `json:"unit"`            // what the throughputs count: tokens or examples
	Go       Stats  `json:"go"`              // the Go side
	Torch    *Stats `json:"torch,omitempty"` // the PyTorch side; nil when it did not run
	// Ratio is Go's throughput over PyTorch's (present with Torch).
	Ratio float64 `json:"ratio,omitempty"`
}

// Env is what the figures depend on: the machine and both sides' libraries and threads.
type Env struct {
	BLAS            string   `json:"blas"`                           // nn.BLAS of the Go side
	BLASLibs        []string `json:"blas_libs,omitempty"`            // the Go side's BLAS shared libraries (cgo builds)
	GOMAXPROCS      int      `json:"gomaxprocs"`                     // of the Go side
	OpenBLASThreads string   `json:"openblas_num_threads,omitempty"` // of the Go side
	CPU             string   `json:"cpu"`                            // the processor's model name (CPUModel)
	CPUs            int      `json:"cpus"`                           // runtime.NumCPU
	GoVersion       string   `json:"go"`                             // runtime.Version
	Torch           string   `json:"torch,omitempty"`                // PyTorch's version, when it ran
	TorchThreads    int      `json:"torch_threads,omitempty"`        // PyTorch's intra-op threads
	TorchBLAS       []string `json:"torch_blas,omitempty"`           // the BLAS shared libraries PyTorch loaded
	Steps           int      `json:"steps"`                          // timed steps per round
	Warmup          int      `json:"warmup"`                         // untimed steps before them
	Rounds          int      `json:"rounds"`                         // Go–PyTorch pairs per workload
	// LoadStart and LoadEnd are the machine's 1-minute load average before and after the runs
	// (from /proc/loadavg; 0 where unknown): above the number of CPUs, the figures are disturbed.
	LoadStart float64 `json:"load_start"`
	LoadEnd   float64 `json:"load_end"` // see LoadStart
}

// Report is a comparison's header and rows.
type Report struct {
	Env  Env   `json:"env"`  // the machine and the libraries
	Rows []Row `json:"rows"` // one per workload, in the order run
}

// Comparison runs workloads in child processes: each Go run in a process of its own (a clean heap
// and its own peak RSS), and with Torch set each PyTorch run too, alternating the two sides — Go,
// PyTorch, Go, PyTorch … for Rounds rounds — so that whatever else the machine does falls on both.
type Comparison struct {
	// Rounds is the number of Go–PyTorch pairs per workload (at least 1).
	Rounds int
	// Go returns the command of one Go run of w; it must print a Result as a JSON line.
	Go func(w Workload) *exec.Cmd
	// Torch returns the command of one PyTorch run of w, or is nil for Go alone.
	Torch func(w Workload) *exec.Cmd
	// Progress, when set, receives one line per child run.
	Progress io.Writer
}

// Run compares the workloads ws; env is completed with what the PyTorch runs report about
// themselves (version, threads, BLAS libraries).
func (c Comparison) Run(ws []Workload, env Env) (Report, error) {
	if c.Rounds < 1 {
		return Report{}, errors.Errorf("bench: %d rounds; want at least 1", c.Rounds)
	}
	if c.Go == nil {
		return Report{}, errors.New("bench: no command for the Go side")
	}
	rep := Report{Env: env}
	rep.Env.Rounds = c.Rounds
	rep.Env.LoadStart = LoadAverage()
	for _, w := range ws {
		row := Row{Workload: w.Name, Unit: w.Unit}
		var goRes, torchRes []Measurement
		for r := 0; r < c.Rounds; r++ {
			m, err := c.child(w, "go", r, c.Go(w))
			if err != nil {
				return rep, err
			}
			goRes = append(goRes, m)
			if rep.Env.BLASLibs == nil {
				rep.Env.BLASLibs = m.BLASLibs
			}
			if c.Torch == nil {
				continue
			}
			m, err = c.child(w, "pytorch", r, c.Torch(w))
			if err != nil {
				return rep, err
			}
			torchRes = append(torchRes, m)
			if rep.Env.Torch == "" {
				rep.Env.Torch, rep.Env.TorchThreads, rep.Env.TorchBLAS = m.Torch, m.Threads, m.BLASLibs
			}
		}
		row.Go = summarize(goRes)
		if c.Torch != nil {
			t := summarize(torchRes)
			t.AllocBytesPerStep, t.AllocsPerStep = 0, 0
			row.Torch = &t
			if t.UnitsPerS > 0 {
				row.Ratio = row.Go.UnitsPerS / t.UnitsPerS
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Env.LoadEnd = LoadAverage()
	return rep, nil
}

// Measurement is one child process's result and its peak resident set.
type Measurement struct {
	Result
	PeakRSS int64 // bytes
}

func (c Comparison) child(w Workload, side string, round int, cmd *exec.Cmd) (Measurement, error) {
	m, err := RunChild(cmd, w)
	if err != nil {
		return m, errors.Wrapf(err, "%s, %s side, round %d", w.Name, side, round+1)
	}
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "%-7s %-7s round %d: %s %s/s, median step %.1f ms, peak RSS %s\n",
			w.Name, side, round+1, Human(m.UnitsPerS), w.Unit, 1e3*m.MedianStepS, Bytes(m.PeakRSS))
	}
	return m, nil
}

// RunChild runs cmd, which must print the Result of workload w as a JSON line on its standard
// output (the last such line counts), and returns it with the process's peak resident set.
func RunChild(cmd *exec.Cmd, w Workload) (Measurement, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	name := strings.Join(cmd.Args, " ")
	if err := cmd.Run(); err != nil {
		return Measurement{}, errors.Errorf("%s: %v%s", name, err, tail(stderr.String(), stdout.String()))
	}
	var m Measurement
	found := false
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return Measurement{}, errors.Wrapf(err, "%s: result line %q", name, clip(string(line), 200))
		}
		m.Result, found = r, true
	}
	if !found {
		return Measurement{}, errors.Errorf("%s: printed no JSON result%s", name, tail(stderr.String(), stdout.String()))
	}
	switch {
	case m.Workload != w.Name:
		return Measurement{}, errors.Errorf("%s: result of workload %q; want %s", name, m.Workload, w.Name)
	case m.Unit != w.Unit:
		return Measurement{}, errors.Errorf("%s: result in %s; want %s", name, m.Unit, w.Unit)
	case !(m.UnitsPerS > 0) || math.IsInf(m.UnitsPerS, 0):
		return Measurement{}, errors.Errorf("%s: throughput %v %s/s", name, m.UnitsPerS, m.Unit)
	}
	m.PeakRSS = peakRSS(cmd.ProcessState)
	return m, nil
}

// summarize takes the medians over rounds and the largest peak RSS.
func summarize(ms []Measurement) Stats {
	var s Stats
	var bytes, allocs []float64
	for _, m := range ms {
		s.Rounds = append(s.Rounds, m.UnitsPerS)
		bytes = append(bytes, m.AllocBytesPerStep)
		allocs = append(allocs, m.AllocsPerStep)
		s.PeakRSS = max(s.PeakRSS, m.PeakRSS)
	}
	s.UnitsPerS = Median(s.Rounds)
	s.AllocBytesPerStep, s.AllocsPerStep = Median(bytes), Median(allocs)
	return s
}

// tail is the last lines of a failed child's error output (or of its standard output when it
// wrote no errors), for the error message.
func tail(stderr, stdout string) string {
	s := strings.TrimSpace(stderr)
	if s == "" {
		s = strings.TrimSpace(stdout)
	}
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 8 {
		lines = lines[len(lines)-8:]
	}
	return ":\n  " + strings.Join(lines, "\n  ")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// LocalEnv describes this process's side: BLAS (pass nn.BLAS), GOMAXPROCS, CPU, Go version and
// OPENBLAS_NUM_THREADS.
func LocalEnv(blas string) Env {
	return Env{BLAS: blas, GOMAXPROCS: runtime.GOMAXPROCS(0), OpenBLASThreads: os.Getenv("OPENBLAS_NUM_THREADS"),
		CPU: CPUModel(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
}

// LoadAverage is the machine's 1-minute load average (0 where /proc/loadavg is not there).
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	x, _ := strconv.ParseFloat(f[0], 64)
	return x
}

// CPUModel is the processor's model name from /proc/cpuinfo ("unknown" where there is none).
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
