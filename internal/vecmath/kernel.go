package vecmath

import (
	"os"

	"github.com/pkg/errors"
)

// kernels is one implementation of the float32 loops. The exported functions have checked the
// lengths before they call one.
type kernels struct {
	name          string
	exp32         func(dst, x []float32)
	sigmoid32     func(dst, x []float32)
	tanh32        func(dst, x []float32)
	addBias32     func(dst, bias []float32)
	sumRows32     func(dst, src []float32)
	max32         func(x []float32) float32
	sum32         func(x []float32) float32
	scale32       func(dst []float32, a float32)
	axpy32        func(dst []float32, a float32, x []float32)
	mul32         func(dst, a, b []float32)
	lstmForward32 func(pre, cPrev, c, tc, h []float32, B, H int)

	lstmBackward32 func(gates, cPrev, tc, dh, dc, dpre, dcPrev []float32, B, H int)
	gruForward32   func(xp, hp, hPrev, h []float32, B, H int)
	gruBackward32  func(gates, hp, hPrev, dh, dxp, dhp, dhPrev []float32, B, H int)
	shiftExp32     func(dst, x []float32, s float32) // dst = e^(x+s)
	dot32          func(x, y []float32) float32
	tanhBackward32 func(dx, y, dy []float32)
	sigBackward32  func(dx, y, dy []float32)
	momentum32     func(w, g, v []float32, lr, mu float32)
	colSum64       func(acc []float64, x []float32)
	colSqDev64     func(acc []float64, x []float32, mean []float64)
	colSumProd64   func(s1, s2 []float64, x, y []float32)
	bnRow32        func(xh, y, x, mu, inv, gamma, beta []float32)
	bnGradRow32    func(dx, dy, xh, k, a, b []float32)
	relu32         func(dst, x []float32)
}

// kern is the implementation in use: the best the processor supports, or the one named by the
// environment variable ZOO_VECMATH_KERNEL (go, avx2 or avx512).
var kern, kernErr = chooseKernels()

// EnvKernel is the environment variable that forces one implementation of the float32 loops:
// "go" (the portable loops), "avx2" (AVX2+FMA assembly) or "avx512" (AVX-512 assembly). An
// unknown name, or one the processor cannot run, is ignored (the best implementation runs) and
// reported by KernelError; the package's tests fail on it.
const EnvKernel = "ZOO_VECMATH_KERNEL"

// Kernel reports the name of the implementation in use: "go", "avx2" or "avx512".
func Kernel() string { return kern.name }

// KernelError reports why the implementation named by ZOO_VECMATH_KERNEL is not the one in use,
// or nil.
func KernelError() error { return kernErr }

func chooseKernels() (*kernels, error) {
	best := available()[0]
	name := os.Getenv(EnvKernel)
	if name == "" {
		return best, nil
	}
	k, err := kernelByName(name)
	if err != nil {
		return best, err
	}
	return k, nil
}

// available lists the implementations this processor can run, best first; the portable one is
// always last.
func available() []*kernels {
	ks := archKernels()
	return append(ks, &goKernels)
}

func kernelByName(name string) (*kernels, error) {
	for _, k := range available() {
		if k.name == name {
			return k, nil
		}
	}
	names := []string{}
	for _, k := range available() {
		names = append(names, k.name)
	}
	return nil, errors.Errorf("vecmath: %s=%q: this processor runs only %v", EnvKernel, name, names)
}
