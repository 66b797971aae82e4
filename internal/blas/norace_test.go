//go:build !race

package blas

// raceEnabled is set when the tests run under the race detector, which makes them slower: the
// sweeps then take a smaller sample.
const raceEnabled = false
