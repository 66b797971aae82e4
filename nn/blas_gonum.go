//go:build !openblas

package nn

// BLAS names the matrix library in use: gonum's pure-Go BLAS unless built with -tags openblas.
const BLAS = "gonum"
