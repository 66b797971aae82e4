//go:build !amd64

package vecmath

// archKernels lists the assembly implementations this processor can run: none off amd64.
func archKernels() []*kernels { return nil }
