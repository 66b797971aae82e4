package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/bench"
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

const benchUsage = `usage: zoo bench [W1 … W6|W2|W2-gru|W2-rnn|all] [flags]

Times training steps of the reference workloads, each in a child process of its own (a clean heap,
its own peak RSS): throughput = units per step / median step time. With --torch, the project's
PyTorch scripts of the same workloads run too, alternating with Go (Go, PyTorch, Go, PyTorch … for
--rounds rounds), and the table shows the ratio Go/PyTorch measured in this run.

workloads:
`

// benchChild returns the command that runs this zoo binary as a child, to which the arguments of
// the worker are appended (tests replace it with their own binary).
var benchChild = func() (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, errors.Wrap(err, "bench: finding the zoo binary to run the workloads")
	}
	return exec.Command(exe), nil
}

// benchCmd is `zoo bench`.
func benchCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stdout)
	torch := fs.Bool("torch", false, "also run the PyTorch scripts of the workloads, alternating with Go (needs "+bench.DefaultPython+" with torch)")
	asJSON := fs.Bool("json", false, "print JSON lines instead of a table")
	steps := fs.Int("steps", 50, "timed training steps per run")
	warmup := fs.Int("warmup", 10, "untimed steps before them (compile, solver state)")
	rounds := fs.Int("rounds", 1, "Go–PyTorch pairs per workload; the table shows the median over rounds")
	threads := fs.Int("torch-threads", 2, "torch.set_num_threads of the PyTorch runs (on a busy machine 1 is fairer: OpenMP threads wait for each other)")
	python := fs.String("python", bench.DefaultPython, "interpreter of the PyTorch runs")
	worker := fs.String("worker", "", "") // hidden: run one workload in this process and print its result
	names, err := parseBenchArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *steps < 1:
		return usagef("bench: --steps %d: must be at least 1", *steps)
	case *warmup < 0:
		return usagef("bench: --warmup %d: must not be negative", *warmup)
	case *rounds < 1:
		return usagef("bench: --rounds %d: must be at least 1", *rounds)
	case *threads < 1:
		return usagef("bench: --torch-threads %d: must be at least 1", *threads)
	}
	opt := bench.Options{Steps: *steps, Warmup: *warmup, Seed: 1}
	if *worker != "" {
		return benchWorker(*worker, opt, stdout)
	}
	if len(names) == 0 {
		return usagef("bench: name a workload (%s, W2, all); see zoo bench --help", strings.Join(bench.Names(), ", "))
	}
	ws, err := bench.Select(names)
	if err != nil {
		return usagef("bench: %v", err)
	}
	cmp := bench.Comparison{Rounds: *rounds, Progress: stderr}
	workerArgs := []string{"--steps", strconv.Itoa(*steps), "--warmup", strconv.Itoa(*warmup)}
	self, err := benchChild()
	if err != nil {
		return err
	}
	cmp.Go = func(w bench.Workload) *exec.Cmd {
		args := append(slices.Clone(self.Args[1:]), "bench", "--worker", w.Name)
		cmd := exec.Command(self.Path, append(args, workerArgs...)...)
		cmd.Env = self.Env
		return cmd
	}
	env := bench.LocalEnv(fmt.Sprint(nn.BLAS))
	env.Steps, env.Warmup = *steps, *warmup
	if *torch {
		tr := bench.Torch{Python: *python, Threads: *threads, Steps: *steps, Warmup: *warmup, Seed: 1}
		if _, err := tr.Check(); err != nil {
			return err
		}
		if tr.Corpus, err = datasets.OpticksPath(); err != nil {
			return errors.Wrap(err, "bench: the PyTorch runs of W1, W2 and W5 read the Opticks text")
		}
		if tr.Dir, err = os.MkdirTemp("", "zoo-bench-"); err != nil {
			return errors.Wrap(err, "bench")
		}
		defer os.RemoveAll(tr.Dir)
		if err := bench.WriteTorchScripts(tr.Dir); err != nil {
			return err
		}
		cmp.Torch = tr.Command
	}
	rep, err := cmp.Run(ws, env)
	if err != nil {
		return err
	}
	if *asJSON {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteTable(stdout)
}

// benchWorker runs one workload in this process and prints its bench.Result as a JSON line.
func benchWorker(name string, opt bench.Options, stdout io.Writer) error {
	ws, err := bench.Select([]string{name})
	if err != nil || len(ws) != 1 {
		return usagef("bench: --worker %q: not one workload", name)
	}
	res, err := ws[0].Run(opt)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// parseBenchArgs parses flags placed before, between and after the workload names.
func parseBenchArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printBenchHelp(fs)
				return nil, err
			}
			return nil, usagef("bench: %v (see zoo bench --help)", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return names, nil
		}
		names, args = append(names, args[0]), args[1:]
	}
}

// printBenchHelp prints the usage, the workloads and the flags, less the hidden --worker.
func printBenchHelp(fs *flag.FlagSet) {
	w := helpOut[fs]
	fmt.Fprint(w, benchUsage)
	for _, wl := range bench.Workloads() {
		fmt.Fprintf(w, "  %-7s %s, %s/s\n", wl.Name, wl.About, wl.Unit)
	}
	fmt.Fprintln(w, "\nflags:")
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "worker" {
			return
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%-14s %s%s\n", f.Name, f.Usage, def)
	})
}
