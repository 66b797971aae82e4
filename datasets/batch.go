package datasets

import "math/rand/v2"

// Epoch returns the index batches of one pass over n examples, batchSize indices each. When rng is
// not nil the indices are shuffled with it first; when it is nil they come in order 0…n-1.
//
// The last batch is short when batchSize does not divide n. With dropLast it is left out, so every
// step of training sees the same batch shape (and the examples it would have held are seen in
// other epochs, as the shuffle moves them); without it the short batch is kept, which evaluation
// wants so that every example counts exactly once. With dropLast and batchSize > n there are no
// batches at all.
//
// It returns nil when n ≤ 0 or batchSize ≤ 0.
func Epoch(n, batchSize int, rng *rand.Rand, dropLast bool) [][]int {
	if n <= 0 || batchSize <= 0 {
		return nil
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	if rng != nil {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	var batches [][]int
	for start := 0; start < n; start += batchSize {
		end := start + batchSize
		if end > n {
			if dropLast {
				break
			}
			end = n
		}
		batches = append(batches, perm[start:end:end])
	}
	return batches
}

// Gather returns the examples of ds at the given indices as one batch; it is ds.Batch(idx).
func Gather(ds Dataset, idx []int) Batch { return ds.Batch(idx) }

// All returns every example of ds, in order, as one batch.
func All(ds Dataset) Batch {
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	return ds.Batch(idx)
}
