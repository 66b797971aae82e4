package bench

import (
	"embed"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

//go:embed pytorch/*.py
var torchScripts embed.FS

// OpenMPBLASDir holds Debian's OpenMP build of OpenBLAS (package libopenblas0-openmp). PyTorch is
// run against it when it exists: the reference BLAS that python3-torch brings alone is 8–17×
// slower, and the pthread OpenBLAS fights torch's own threads.
const OpenMPBLASDir = "/usr/lib/x86_64-linux-gnu/openblas-openmp"

// DefaultPython is the interpreter Debian's python3-torch is installed for.
const DefaultPython = "/usr/bin/python3"

// WriteTorchScripts writes the PyTorch scripts of the workloads (one per workload and their shared
// module, bench_common.py) into dir.
func WriteTorchScripts(dir string) error {
	ents, err := torchScripts.ReadDir("pytorch")
	if err != nil {
		return errors.Wrap(err, "bench: embedded scripts")
	}
	for _, e := range ents {
		b, err := torchScripts.ReadFile("pytorch/" + e.Name())
		if err != nil {
			return errors.Wrap(err, "bench: embedded scripts")
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return errors.Wrap(err, "bench: writing the PyTorch scripts")
		}
	}
	return nil
}

// Torch runs the PyTorch side: the scripts written by WriteTorchScripts into Dir, under Python.
type Torch struct {
	Python  string // interpreter; DefaultPython when empty
	Dir     string // where the scripts are
	Threads int    // torch.set_num_threads
	Warmup  int    // untimed steps
	Steps   int    // timed steps
	Seed    uint64 // the scripts' --seed
	Corpus  string // the Opticks text, for W1, W2 and W5
}

func (t Torch) python() string {
	if t.Python == "" {
		return DefaultPython
	}
	return t.Python
}

// Env is the environment of a PyTorch child: this process's, less the variables that configure
// the Go side's threads (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, GOMAXPROCS), and with OpenMPBLASDir
// first on LD_LIBRARY_PATH when it exists.
func (t Torch) Env() []string {
	var env []string
	ld := ""
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOMAXPROCS":
			continue
		case "LD_LIBRARY_PATH":
			ld = v
			continue
		}
		env = append(env, kv)
	}
	if st, err := os.Stat(OpenMPBLASDir); err == nil && st.IsDir() {
		if ld == "" {
			ld = OpenMPBLASDir
		} else {
			ld = OpenMPBLASDir + ":" + ld
		}
	}
	if ld != "" {
		env = append(env, "LD_LIBRARY_PATH="+ld)
	}
	return env
}

// Command is the PyTorch run of w.
func (t Torch) Command(w Workload) *exec.Cmd {
	cmd := exec.Command(t.python(), filepath.Join(t.Dir, w.Script),
		"--steps", strconv.Itoa(t.Steps), "--warmup", strconv.Itoa(t.Warmup),
		"--threads", strconv.Itoa(t.Threads), "--seed", strconv.FormatUint(t.Seed, 10), "--corpus", t.Corpus)
	cmd.Env = t.Env()
	return cmd
}

// Check says whether PyTorch imports under the interpreter, and its version. The error names the
// command that installs it.
func (t Torch) Check() (string, error) {
	cmd := exec.Command(t.python(), "-c", "import torch; print(torch.__version__)")
	cmd.Env = t.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.Errorf("bench.Torch.Check: PyTorch does not import under %s (%s); install it with: %s", t.python(), msg, TorchInstall)
	}
	return strings.TrimSpace(string(out)), nil
}
