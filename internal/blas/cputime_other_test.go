//go:build !unix

package blas

// cpuSeconds is the CPU time this process has used, or 0 if unknown.
func cpuSeconds() float64 { return 0 }
