//go:build openblas

// Package openblas links OpenBLAS for the openblas-tagged benchmarks of package blas, which
// call it through gonum.org/v1/netlib/blas/netlib. It is a package of its own because a
// package with cgo cannot hold Go assembly.
package openblas

// #cgo LDFLAGS: -lopenblas
import "C"
