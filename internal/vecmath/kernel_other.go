//go:build !amd64 || purego

package vecmath

// archKernels lists the assembly implementations this processor can run: none off amd64 or with
// the purego build tag.
func archKernels() []*kernels { return nil }
