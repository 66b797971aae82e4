package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Header is the report's first line: what the figures depend on.
func (e Env) Header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "BLAS %s", e.BLAS)
	var notes []string
	if len(e.BLASLibs) > 0 {
		notes = append(notes, libNames(e.BLASLibs))
	}
	if e.OpenBLASThreads != "" {
		notes = append(notes, "OPENBLAS_NUM_THREADS="+e.OpenBLASThreads)
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, ", "))
	}
	fmt.Fprintf(&b, ", GOMAXPROCS %d, %s, CPU %s (%d CPUs)", e.GOMAXPROCS, e.GoVersion, e.CPU, e.CPUs)
	if e.Torch != "" {
		fmt.Fprintf(&b, "; PyTorch %s, %d threads, BLAS %s", e.Torch, e.TorchThreads, libNames(e.TorchBLAS))
	}
	fmt.Fprintf(&b, "; %d timed steps after %d warm-up, %d round", e.Steps, e.Warmup, e.Rounds)
	if e.Rounds != 1 {
		b.WriteString("s")
	}
	if e.LoadStart > 0 || e.LoadEnd > 0 {
		fmt.Fprintf(&b, "; load average %.2f before, %.2f after", e.LoadStart, e.LoadEnd)
	}
	return b.String()
}

// LoadWarning is a warning when the machine's load average, before or after the runs, was above
// 1.5 per CPU: other processes then took CPU time from the benchmarks (a comparison's own children
// account for about one per thread). Empty otherwise.
func (e Env) LoadWarning() string {
	if e.CPUs <= 0 {
		return ""
	}
	load := max(e.LoadStart, e.LoadEnd)
	if load <= 1.5*float64(e.CPUs) {
		return ""
	}
	w := fmt.Sprintf("warning: load average %.1f on %d CPUs: other processes shared the machine, the throughputs and ratios are disturbed", load, e.CPUs)
	if e.Torch != "" && e.TorchThreads > 1 {
		// PyTorch's OpenMP threads wait for each other at every parallel op: when a core is
		// taken away, each wait can cost a time slice, and workloads of many small ops (W3,
		// W2-gru, W6) run 10–50× slower. One thread does not wait.
		w += fmt.Sprintf("; PyTorch's %d OpenMP threads slow down far more than Go on a busy machine: compare with --torch-threads 1", e.TorchThreads)
	}
	return w
}

// libNames is the libraries' paths shortened to their folder and name:
// openblas-pthread/libopenblas.so.0.
func libNames(paths []string) string {
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p)))
	}
	return strings.Join(names, " ")
}

// WriteTable prints the report as a table under its header line. The PyTorch columns are there
// only when the report has PyTorch figures.
func (r Report) WriteTable(w io.Writer) error {
	torch := false
	for _, row := range r.Rows {
		torch = torch || row.Torch != nil
	}
	if _, err := fmt.Fprintln(w, r.Env.Header()); err != nil {
		return err
	}
	if warn := r.Env.LoadWarning(); warn != "" {
		if _, err := fmt.Fprintln(w, warn); err != nil {
			return err
		}
	}
	var table [][]string
	cols := []string{"workload", "unit", "Go/s"}
	if torch {
		cols = append(cols, "PyTorch/s", "Go/PyTorch")
	}
	cols = append(cols, "Go peak RSS")
	if torch {
		cols = append(cols, "PyTorch peak RSS")
	}
	table = append(table, append(cols, "Go alloc/step", "Go allocs/step"))
	for _, row := range r.Rows {
		f := []string{row.Workload, row.Unit, Human(row.Go.UnitsPerS)}
		if torch {
			if row.Torch != nil {
				f = append(f, Human(row.Torch.UnitsPerS), fmt.Sprintf("%.2f×", row.Ratio))
			} else {
				f = append(f, "—", "—")
			}
		}
		f = append(f, Bytes(row.Go.PeakRSS))
		if torch {
			if row.Torch != nil {
				f = append(f, Bytes(row.Torch.PeakRSS))
			} else {
				f = append(f, "—")
			}
		}
		table = append(table, append(f, Bytes(int64(math.Round(row.Go.AllocBytesPerStep))), Human(row.Go.AllocsPerStep)))
	}
	width := make([]int, len(table[0]))
	for _, f := range table {
		for i, c := range f {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, f := range table {
		var b strings.Builder
		for i, c := range f {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i < 2: // names left-aligned, numbers right-aligned
				b.WriteString(c + pad + "  ")
			default:
				b.WriteString("  " + pad + c)
			}
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints the report as JSON lines: {"env": …} first, then one Row per line.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(struct {
		Env Env `json:"env"`
	}{r.Env}); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}

// Human writes x with three significant digits and a k or M suffix: 987, 3.61k, 27.2k, 1.05M.
func Human(x float64) string {
	switch ax := math.Abs(x); {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return fmt.Sprint(x)
	case ax >= 999.5e3:
		return sig3(x/1e6) + "M"
	case ax >= 999.5:
		return sig3(x/1e3) + "k"
	}
	return sig3(x)
}

// sig3 writes x (below 1000 in magnitude) with three significant digits, whole numbers plain.
func sig3(x float64) string {
	switch ax := math.Abs(x); {
	case ax >= 99.95:
		return fmt.Sprintf("%.0f", x)
	case ax >= 9.995:
		return fmt.Sprintf("%.1f", x)
	case ax == 0:
		return "0"
	}
	return fmt.Sprintf("%.2f", x)
}

// Bytes writes n bytes in B, KiB, MiB or GiB; "—" for 0 (unknown).
func Bytes(n int64) string {
	const k = 1024
	switch {
	case n <= 0:
		return "—"
	case n < k:
		return fmt.Sprintf("%d B", n)
	case n < k*k:
		return fmt.Sprintf("%.1f KiB", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.1f MiB", float64(n)/(k*k))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(k*k*k))
}
