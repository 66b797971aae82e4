package vecmath

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time of the calling thread, in ns.
func threadCPU(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano()
}

// cpuNsPerElem runs op until it has used at least 20 ms of this thread's CPU, five times, and
// returns the least CPU time per element: time the thread spent descheduled on a busy machine
// does not count, unlike the wall clock of go test -bench.
func cpuNsPerElem(t *testing.T, op func()) float64 {
	op() // warm the caches
	best := 0.0
	for rep := 0; rep < 5; rep++ {
		start, n := threadCPU(t), 0
		for threadCPU(t)-start < 20e6 {
			op()
			n++
		}
		v := float64(threadCPU(t)-start) / float64(n) / benchN
		if rep == 0 || v < best {
			best = v
		}
	}
	return best
}

// TestCPUTimeTable prints the benchmark table measured in thread CPU time, with
// ZOO_VECMATH_CPUTABLE=1 (about a minute):
//
//	ZOO_VECMATH_CPUTABLE=1 go test -run CPUTimeTable -v ./internal/vecmath
func TestCPUTimeTable(t *testing.T) {
	if os.Getenv("ZOO_VECMATH_CPUTABLE") == "" {
		t.Skip("set ZOO_VECMATH_CPUTABLE=1 to measure the table")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	saved := kern
	defer func() { kern = saved }()
	var out strings.Builder
	fmt.Fprintf(&out, "\n| function | %s | plain loop | %s speed-up |\n|---|", kernelNames(), available()[0].name)
	for range available() {
		out.WriteString("---|")
	}
	out.WriteString("---|---|\n")
	for _, c := range benchCases() {
		fmt.Fprintf(&out, "| %s |", c.name)
		var first float64
		for i, k := range available() {
			kern = k
			v := cpuNsPerElem(t, c.op)
			if i == 0 {
				first = v
			}
			fmt.Fprintf(&out, " %.3g |", v)
		}
		names := make([]string, 0, len(c.loops))
		for n := range c.loops {
			names = append(names, n)
		}
		sort.Strings(names)
		best, bestName := 0.0, ""
		var parts []string
		for _, n := range names {
			v := cpuNsPerElem(t, c.loops[n])
			parts = append(parts, fmt.Sprintf("%.3g (%s)", v, n))
			if bestName == "" || v < best {
				best, bestName = v, n
			}
		}
		fmt.Fprintf(&out, " %s | %.1f× |\n", strings.Join(parts, ", "), best/first)
	}
	t.Log("ns per element (per unit for the LSTM/GRU steps), least thread CPU time of 5 runs, 64K elements:" + out.String())
}

func kernelNames() string {
	var s []string
	for _, k := range available() {
		s = append(s, k.name)
	}
	return strings.Join(s, " | ")
}
