package seqmodel

import "github.com/gorgonia-zoo/modelzoo/nn"

// initUniform redraws every trainable tensor of s from U(−a, a), in creation order, from the
// stream nn.StreamInit of seed with counter 1 (the layers' own initialisation draws from counter
// 0), the same draws in float32 and float64.
func initUniform(s *nn.Store, a float64, seed uint64) {
	rng := nn.NewRNG(seed, nn.StreamInit, 1)
	for _, t := range s.Params() {
		switch d := t.Value.Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32((2*rng.Float64() - 1) * a)
			}
		case []float64:
			for i := range d {
				d[i] = (2*rng.Float64() - 1) * a
			}
		}
	}
}
