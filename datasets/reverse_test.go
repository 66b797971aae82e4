package datasets

import (
	"reflect"
	"slices"
	"testing"
)

func TestReverseHandBatch(t *testing.T) {
	ds, err := Reverse(500, 2, 5, 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	v := ds.Info().Vocab
	if v.Size() != 7 || v.PAD != 0 || v.BOS != 1 || v.EOS != 2 || ds.Info().TgtVocab != v || ds.Info().Kind != Seq2Seq {
		t.Fatalf("vocabulary %q PAD %d BOS %d EOS %d", v.Symbols(), v.PAD, v.BOS, v.EOS)
	}
	lens := map[int]bool{}
	for i := 0; i < ds.Len(); i++ {
		src, tgt := ds.Example(i)
		lens[len(src)] = true
		if len(src) < 2 || len(src) > 5 {
			t.Fatalf("example %d: length %d outside 2…5", i, len(src))
		}
		for j, s := range src {
			if s < 3 || s > 6 || tgt[len(src)-1-j] != s {
				t.Fatalf("example %d: %v reversed is not %v", i, src, tgt)
			}
		}
	}
	if len(lens) != 4 {
		t.Errorf("lengths drawn: %v; want all of 2…5", lens)
	}
	// A hand-built batch of two: [3 4 5] and [6 3] reversed.
	b := seq2seqBatch([][]int{{3, 4, 5}, {6, 3}}, [][]int{{5, 4, 3}, {3, 6}}, v, v)
	want := Batch{
		N: 2, SrcT: 3, TgtT: 4,
		Src:    []int{3, 4, 5, 6, 3, 0},
		SrcLen: []int{3, 2},
		Tgt:    []int{5, 4, 3, 2, 3, 6, 2, 0},
		TgtIn:  []int{1, 5, 4, 3, 1, 3, 6, 0},
		TgtLen: []int{4, 3},
	}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("batch\n%+v\nwant\n%+v", b, want)
	}
	for _, bad := range [][3]int{{0, 3, 4}, {4, 3, 4}, {2, 3, 0}} {
		if _, err := Reverse(1, bad[0], bad[1], bad[2], 1); err == nil {
			t.Errorf("lengths %d…%d, %d symbols: no error", bad[0], bad[1], bad[2])
		}
	}
}

func TestSortList(t *testing.T) {
	ds, err := SortList(200, 1, 12, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	b := All(ds)
	for n := 0; n < b.N; n++ {
		src := b.Src[n*b.SrcT : n*b.SrcT+b.SrcLen[n]]
		tgt := b.Tgt[n*b.TgtT : n*b.TgtT+b.TgtLen[n]-1]
		want := slices.Clone(src)
		slices.Sort(want)
		if !reflect.DeepEqual(tgt, want) {
			t.Fatalf("example %d: %v sorted gives %v, want %v", n, src, tgt, want)
		}
	}
	again, _ := SortList(200, 1, 12, 10, 3)
	if !reflect.DeepEqual(All(again), b) {
		t.Error("same seed, different examples")
	}
}
