//go:build !linux

package bench

import "os"

// peakRSS is unknown (0) outside Linux.
func peakRSS(*os.ProcessState) int64 { return 0 }
