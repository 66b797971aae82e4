package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// idTable is a classification table whose row i has the single feature i, so batches reveal
// which examples they hold.
func idTable(t *testing.T, n int) *Table {
	t.Helper()
	x := make([][]float64, n)
	labels := make([]int, n)
	for i := range x {
		x[i] = []float64{float64(i)}
		labels[i] = i % 3
	}
	tab, err := NewClassTable("ids", x, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func ids(b Batch) []int {
	out := make([]int, b.N)
	for i := range out {
		out[i] = int(b.X[i])
	}
	return out
}

func TestSubsetMapsIndices(t *testing.T) {
	tab := idTable(t, 10)
	s := Subset(tab, []int{7, 2, 5, 9})
	if s.Len() != 4 {
		t.Fatalf("Len = %d, want 4", s.Len())
	}
	if got := ids(s.Batch([]int{3, 0, 1})); !slices.Equal(got, []int{9, 7, 2}) {
		t.Errorf("Batch = %v, want [9 7 2]", got)
	}
	ss := Subset(s, []int{2, 0})
	if got := ids(All(ss)); !slices.Equal(got, []int{5, 7}) {
		t.Errorf("subset of subset = %v, want [5 7]", got)
	}
	if got := All(ss).Labels; !slices.Equal(got, []int{5 % 3, 7 % 3}) {
		t.Errorf("labels = %v", got)
	}
	if ss.(*subset).ds != Dataset(tab) {
		t.Error("subset of subset does not refer to the table")
	}
}

func TestSplitPartitions(t *testing.T) {
	tab := idTable(t, 101)
	parts, err := Split(tab, rand.New(rand.NewPCG(1, 2)), 0.8, 0.1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	// Boundaries round(80.8)=81, round(90.9)=91, then 101.
	wantLens := []int{81, 10, 10}
	seen := make([]int, 101)
	for i, p := range parts {
		if p.Len() != wantLens[i] {
			t.Errorf("part %d has %d examples, want %d", i, p.Len(), wantLens[i])
		}
		for _, id := range ids(All(p)) {
			seen[id]++
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("example %d is in %d parts", id, c)
		}
	}
	if got := ids(All(parts[0])); slices.IsSorted(got) {
		t.Error("training part is not shuffled")
	}
}

func TestSplitSeeds(t *testing.T) {
	tab := idTable(t, 50)
	get := func(seed uint64) []int {
		p, err := Split(tab, rand.New(rand.NewPCG(seed, 0)), 0.5, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		return ids(All(p[0]))
	}
	if !slices.Equal(get(3), get(3)) {
		t.Error("same seed gave different splits")
	}
	if slices.Equal(get(3), get(4)) {
		t.Error("different seeds gave the same split")
	}
	p, err := Split(tab, nil, 0.3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(All(p[0])); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}) {
		t.Errorf("nil rng part 0 = %v", got)
	}
	if p[1].Len() != 25 {
		t.Errorf("part 1 has %d, want 25 (sum < 1 leaves the rest out)", p[1].Len())
	}
}

func TestSplitErrors(t *testing.T) {
	tab := idTable(t, 10)
	for _, fr := range [][]float64{nil, {-0.1, 0.5}, {0.7, 0.4}} {
		if _, err := Split(tab, nil, fr...); err == nil {
			t.Errorf("Split(%v) gave no error", fr)
		}
	}
	if _, err := Split(tab, nil, 0.1, 0.2, 0.7+5e-10); err != nil {
		t.Errorf("sum within 1e-9 of 1 rejected: %v", err)
	}
}

func TestEpochCoversEachIndexOnce(t *testing.T) {
	for _, drop := range []bool{false, true} {
		batches := Epoch(103, 10, rand.New(rand.NewPCG(9, 9)), drop)
		count := make([]int, 103)
		for i, b := range batches {
			if i < len(batches)-1 && len(b) != 10 {
				t.Errorf("dropLast=%v: batch %d has %d", drop, i, len(b))
			}
			for _, j := range b {
				count[j]++
			}
		}
		total := 0
		for _, c := range count {
			if c > 1 {
				t.Fatalf("dropLast=%v: an index appears %d times", drop, c)
			}
			total += c
		}
		if drop && (len(batches) != 10 || total != 100) {
			t.Errorf("dropLast: %d batches, %d indices; want 10, 100", len(batches), total)
		}
		if !drop && (len(batches) != 11 || total != 103 || len(batches[10]) != 3) {
			t.Errorf("keep last: %d batches, %d indices; want 11, 103, last of 3", len(batches), total)
		}
	}
}

func TestEpochOrder(t *testing.T) {
	flat := func(bs [][]int) []int { return slices.Concat(bs...) }
	a := flat(Epoch(40, 8, rand.New(rand.NewPCG(1, 1)), false))
	b := flat(Epoch(40, 8, rand.New(rand.NewPCG(1, 1)), false))
	c := flat(Epoch(40, 8, rand.New(rand.NewPCG(2, 1)), false))
	if !slices.Equal(a, b) {
		t.Error("same seed, different order")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same order")
	}
	if got := flat(Epoch(5, 2, nil, false)); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("nil rng order = %v", got)
	}
	if Epoch(5, 8, nil, true) != nil || Epoch(0, 8, nil, false) != nil || Epoch(5, 0, nil, false) != nil {
		t.Error("expected no batches")
	}
	// Successive epochs from one generator differ.
	rng := rand.New(rand.NewPCG(5, 5))
	if slices.Equal(flat(Epoch(40, 8, rng, false)), flat(Epoch(40, 8, rng, false))) {
		t.Error("two epochs from one generator have the same order")
	}
}

func TestBatchAppendDoesNotClobber(t *testing.T) {
	bs := Epoch(10, 4, nil, false)
	bs[0] = append(bs[0], 99)
	if bs[1][0] != 4 {
		t.Errorf("appending to batch 0 changed batch 1: %v", bs[1])
	}
}
