//go:build race

package vecmath

// raceEnabled: the race detector slows the float loops tenfold, so TestSweep samples fewer points.
const raceEnabled = true
