package datasets

import (
	"reflect"
	"testing"
)

// TestEvalExamplesHand: 27 tokens in 2 streams of L = 13 (one left out), T = 5: two whole
// batches and a third of the 12 − 10 = 2 targets left, padded to 5; every target of each stream
// is scored once, in order, and each row continues the same row of the batch before.
func TestEvalExamplesHand(t *testing.T) {
	tokens, v := seqInts(27), numVocab(27)
	s, err := Stream(tokens, v, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	ds := s.EvalExamples()
	if ds.Streams() != 2 || ds.Len() != 6 {
		t.Fatalf("%d streams, %d examples; want 2 and 6 (3 batches)", ds.Streams(), ds.Len())
	}
	var rows [2][]int
	for k := range 3 {
		b := ds.Batch([]int{2 * k, 2*k + 1})
		scored := 5
		if k == 2 {
			scored = 2
			if b.Scored != 2 {
				t.Errorf("last batch: Scored %d, want 2", b.Scored)
			}
			if want := []int{10, 11, 0, 0, 0, 23, 24, 0, 0, 0}; !reflect.DeepEqual(b.Tokens, want) {
				t.Errorf("last batch tokens %v, want %v", b.Tokens, want)
			}
		} else if b.Scored != 0 {
			t.Errorf("batch %d: Scored %d, want 0 (whole)", k, b.Scored)
		}
		if k < 2 && !reflect.DeepEqual(b.Tokens, s.Batch(k).Tokens) {
			t.Errorf("batch %d differs from the stream's: %v vs %v", k, b.Tokens, s.Batch(k).Tokens)
		}
		for j := range 2 {
			rows[j] = append(rows[j], b.Targets[j*5:j*5+scored]...)
		}
	}
	for j, want := range [][]int{seqInts(13)[1:], seqInts(26)[14:]} {
		if !reflect.DeepEqual(rows[j], want) {
			t.Errorf("stream %d: targets %v, want %v (each once)", j, rows[j], want)
		}
	}

	// When the targets fill whole batches, nothing is padded: the batches of Examples.
	s, err = Stream(seqInts(11), numVocab(11), 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	ds = s.EvalExamples()
	if ds.Len() != s.Len() || ds.Len() != 2 {
		t.Fatalf("10 targets in windows of 5: %d batches, want 2", ds.Len())
	}
	if b := ds.Batch([]int{1}); b.Scored != 0 || !reflect.DeepEqual(b.Targets, []int{6, 7, 8, 9, 10}) {
		t.Errorf("last whole batch: Scored %d, targets %v", b.Scored, b.Targets)
	}
}
