//go:build amd64

package vecmath

// archKernels lists the assembly implementations this processor can run, best first.
func archKernels() []*kernels { return nil }
