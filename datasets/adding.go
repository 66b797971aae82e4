package datasets

import "github.com/pkg/errors"

// AddingBaselineMSE is the mean squared error of always predicting 1 on the adding problem: the
// target is the sum of two independent U(0, 1) values, of mean 1 and variance 1/6.
const AddingBaselineMSE = 1.0 / 6

// AddingSet is the adding problem (Hochreiter & Schmidhuber 1997, in the form of Le, Jaitly &
// Hinton 2015), generated on demand: example i depends only on the seed and i, so the set takes no
// memory and n may be as large as the training needs (one fresh batch per step: take the examples
// in order).
//
// An example has T steps of 2 features, a value v_t ~ U(0, 1) and a marker m_t ∈ {0, 1}. Exactly
// two markers are set: at p ~ U{0, …, ⌊T/2⌋−1} and at q ~ U{⌊T/2⌋, …, T−1}. The target is
// v_p + v_q, to be predicted after the last step. Batch layout (Info: Kind Regression, T, Dim 2,
// YDim 1):
//
//	X[(n*T+t)*2]   = v_t   of example n
//	X[(n*T+t)*2+1] = m_t
//	Y[n]           = v_p + v_q
//
// Predicting the constant 1 scores AddingBaselineMSE ≈ 0.167; a model that has learnt the task
// scores far below (0.01 is the usual bar).
type AddingSet struct {
	info Info
	n    int
	seed uint64
}

// Adding returns n examples of the adding problem of T steps (see AddingSet). It is an error for T
// to be below 2; n below 0 is treated as 0.
func Adding(n, T int, seed uint64) (*AddingSet, error) {
	if T < 2 {
		return nil, errors.Errorf("adding: T = %d steps; want at least 2 (one marker in each half)", T)
	}
	return &AddingSet{
		info: Info{Name: "adding", Kind: Regression, Dim: 2, YDim: 1, T: T},
		n:    max(n, 0),
		seed: seed,
	}, nil
}

// Info describes the task.
func (a *AddingSet) Info() Info { return a.info }

// Len is the number of examples.
func (a *AddingSet) Len() int { return a.n }

// Example returns example i: its 2·T features (value, marker per step) and its target.
func (a *AddingSet) Example(i int) (x []float64, y float64) {
	x = make([]float64, 2*a.info.T)
	y = a.fill(x, i)
	return x, y
}

func (a *AddingSet) fill(x []float64, i int) float64 {
	T := a.info.T
	rng := exampleRNG(a.seed, streamAdding, i)
	for t := 0; t < T; t++ {
		x[2*t] = rng.Float64()
		x[2*t+1] = 0
	}
	p := rng.IntN(T / 2)
	q := T/2 + rng.IntN(T-T/2)
	x[2*p+1], x[2*q+1] = 1, 1
	return x[2*p] + x[2*q]
}

// Batch generates the examples at the given indices (layout: see AddingSet). It panics on an index
// outside [0, Len()).
func (a *AddingSet) Batch(indices []int) Batch {
	T := a.info.T
	b := Batch{N: len(indices), T: T, Dim: 2, YDim: 1, X: make([]float64, len(indices)*T*2), Y: make([]float64, len(indices))}
	for k, i := range indices {
		if i < 0 || i >= a.n {
			panic(errors.Errorf("adding: index %d outside [0, %d)", i, a.n))
		}
		b.Y[k] = a.fill(b.X[k*T*2:(k+1)*T*2], i)
	}
	return b
}
