package blas

// available lists the kernel sets this CPU runs, fastest first.
func available() []kernelSet { return []kernelSet{goKernels} }
