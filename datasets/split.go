package datasets

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
)

// subset is a view of some examples of another dataset.
type subset struct {
	ds  Dataset
	idx []int
}

// Subset returns a view of the examples of ds at the given indices, in that order: example i of
// the view is example idx[i] of ds. The indices are copied; the examples are not. A subset of a
// subset refers straight to the underlying dataset. Indices must lie in [0, ds.Len()); Batch
// panics on one that does not, as slice indexing does.
func Subset(ds Dataset, idx []int) Dataset {
	own := append([]int(nil), idx...)
	if s, ok := ds.(*subset); ok {
		for i, j := range own {
			own[i] = s.idx[j]
		}
		return &subset{ds: s.ds, idx: own}
	}
	return &subset{ds: ds, idx: own}
}

// Info describes the examples; it is the underlying dataset's.
func (s *subset) Info() Info { return s.ds.Info() }

// Len is the number of examples in the view.
func (s *subset) Len() int { return len(s.idx) }

// Batch gathers the view's examples at the given indices.
func (s *subset) Batch(indices []int) Batch {
	under := make([]int, len(indices))
	for i, j := range indices {
		under[i] = s.idx[j]
	}
	return s.ds.Batch(under)
}

// Split shuffles the examples of ds with rng and cuts them into len(fracs) parts of the given
// fractions, e.g. Split(ds, rng, 0.8, 0.1, 0.1) for train, validation and test. A nil rng keeps the
// original order.
//
// Rounding: part i ends at round(n·(f_0+…+f_i)), so each part is within one example of its exact
// share and no example is in two parts. When the fractions sum to 1 (within 1e-9) the last part
// ends at n, so every example is in exactly one part; when they sum to less, the examples past the
// last part are left out.
//
// It is an error to give no fractions, a negative or non-finite fraction, or fractions summing to
// more than 1 + 1e-9.
func Split(ds Dataset, rng *rand.Rand, fracs ...float64) ([]Dataset, error) {
	if len(fracs) == 0 {
		return nil, errors.New("split: no fractions given")
	}
	sum := 0.0
	for i, f := range fracs {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return nil, errors.Errorf("split: fraction %d is %v; fractions must be finite and non-negative", i, f)
		}
		sum += f
	}
	if sum > 1+1e-9 {
		return nil, errors.Errorf("split: fractions %v sum to %v, more than 1", fracs, sum)
	}
	n := ds.Len()
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	if rng != nil {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	parts := make([]Dataset, len(fracs))
	start, cum := 0, 0.0
	for i, f := range fracs {
		cum += f
		end := int(math.Round(float64(n) * cum))
		if i == len(fracs)-1 && math.Abs(sum-1) <= 1e-9 {
			end = n
		}
		end = min(max(end, start), n)
		parts[i] = Subset(ds, perm[start:end])
		start = end
	}
	return parts, nil
}
