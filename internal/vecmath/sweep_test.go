package vecmath

import "os"

// sweepStride is the step between sampled bit patterns in TestSweep: about 2.2·10^9 float32 lie
// in [−105, 105], so a stride near 200 samples ≥ 10^7 of them per function.
const sweepStride = 200

func fullSweep() bool { return os.Getenv("ZOO_VECMATH_SWEEP") == "full" }
