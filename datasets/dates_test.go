package datasets

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFormatDateHand(t *testing.T) {
	d := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for f, want := range DateFormats {
		if got := FormatDate(d, f); got != want {
			t.Errorf("format %d: %q, want %q", f, got, want)
		}
	}
	if FormatDate(d, len(DateFormats)) != "" || FormatDate(d, -1) != "" {
		t.Error("a format out of range does not give \"\"")
	}
	// 1 January 1950 was a Sunday; 7 March 2005 a Monday; 29 February 2000 a Tuesday.
	for _, c := range []struct {
		d    time.Time
		f    int
		want string
	}{
		{DateFirst, 3, "sunday, january 1, 1950"},
		{DateFirst, 2, "01/01/50"},
		{DateFirst, 8, "1/1/1950"},
		{time.Date(2005, 3, 7, 0, 0, 0, 0, time.UTC), 9, "Mon 7 Mar 2005"},
		{time.Date(2005, 3, 7, 0, 0, 0, 0, time.UTC), 5, "07.03.2005"},
		{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 4, "Tuesday, February 29, 2000"},
		{DateLast, 7, "31 DEC 2049"},
		{DateLast, 10, "2049.12.31"},
		{DateLast, 11, "31-12-2049"},
	} {
		if got := FormatDate(c.d, c.f); got != c.want {
			t.Errorf("%s format %d: %q, want %q", c.d.Format("2006-01-02"), c.f, got, c.want)
		}
	}
	if dateDays != 36525 {
		t.Errorf("%d days in 1950–2049, want 36525", dateDays)
	}
}

func TestDatesTask(t *testing.T) {
	ds, err := Dates(3000, 1, DateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info := ds.Info()
	if info.Kind != Seq2Seq || info.Vocab.Size() != 68 || info.TgtVocab.Size() != 14 || info.Classes != 14 {
		t.Fatalf("info: kind %v, vocab %d, target vocab %d, classes %d", info.Kind, info.Vocab.Size(), info.TgtVocab.Size(), info.Classes)
	}
	tv := info.TgtVocab
	if tv.BOS != 11 || tv.EOS != 12 || tv.PAD != 13 || info.Vocab.PAD != 0 {
		t.Errorf("special ids: BOS %d EOS %d PAD %d, source PAD %d", tv.BOS, tv.EOS, tv.PAD, info.Vocab.PAD)
	}
	// Reference ids: space 1, "0" 5, "A" 15, "a" 41.
	for sym, id := range map[string]int{" ": 1, "0": 5, "A": 15, "a": 41, "z": 66, "-": 67} {
		if got, _ := info.Vocab.ID(sym); got != id {
			t.Errorf("source id of %q: %d, want %d", sym, got, id)
		}
	}
	formats := map[int]int{}
	minLen, maxLen := 100, 0
	for i := 0; i < ds.Len(); i++ {
		d, src, iso := ds.Example(i)
		if d.Before(DateFirst) || d.After(DateLast) {
			t.Fatalf("example %d: date %v out of range", i, d)
		}
		if iso != d.Format("2006-01-02") {
			t.Fatalf("example %d: target %q for %v", i, iso, d)
		}
		f := -1
		for k := 0; k < RefDateFormats; k++ {
			if FormatDate(d, k) == src {
				f = k
				break
			}
		}
		if f < 0 {
			t.Fatalf("example %d: %q is no reference format of %s", i, src, iso)
		}
		formats[f]++
		minLen, maxLen = min(minLen, len(src)), max(maxLen, len(src))
	}
	for f := 0; f < RefDateFormats; f++ {
		if formats[f] < 200 || formats[f] > 400 { // 300 expected
			t.Errorf("format %d drawn %d times of 3000", f, formats[f])
		}
	}
	if minLen < 8 || maxLen > 29 {
		t.Errorf("source lengths %d…%d, outside 8…29", minLen, maxLen)
	}

	b := ds.Batch([]int{0, 1})
	_, src0, iso0 := ds.Example(0)
	_, src1, _ := ds.Example(1)
	if b.N != 2 || b.TgtT != 11 || b.SrcT != max(len(src0), len(src1)) || b.SrcLen[0] != len(src0) || b.TgtLen[0] != 11 {
		t.Fatalf("batch N %d TgtT %d SrcT %d SrcLen %v TgtLen %v", b.N, b.TgtT, b.SrcT, b.SrcLen, b.TgtLen)
	}
	got, _ := info.Vocab.Decode(b.Src[:b.SrcLen[0]])
	if strings.Join(got, "") != src0 {
		t.Errorf("source row 0 decodes to %q, want %q", strings.Join(got, ""), src0)
	}
	for j := b.SrcLen[0]; j < b.SrcT; j++ {
		if b.Src[j] != 0 {
			t.Errorf("source row 0 position %d: %d, want PAD", j, b.Src[j])
		}
	}
	want := append(encodeChars(tv, iso0), tv.EOS)
	if !reflect.DeepEqual(b.Tgt[:11], want) {
		t.Errorf("Tgt row 0 %v, want %v", b.Tgt[:11], want)
	}
	if wantIn := append([]int{tv.BOS}, want[:10]...); !reflect.DeepEqual(b.TgtIn[:11], wantIn) {
		t.Errorf("TgtIn row 0 %v, want %v", b.TgtIn[:11], wantIn)
	}

	again, _ := Dates(3000, 1, DateOptions{})
	if !reflect.DeepEqual(All(again), All(ds)) {
		t.Error("same seed, different examples")
	}
	if _, err := Dates(1, 1, DateOptions{Formats: []int{12}}); err == nil {
		t.Error("format 12: no error")
	}
	if _, err := Dates(1, 1, DateOptions{Formats: []int{}}); err == nil {
		t.Error("no formats: no error")
	}
}

func TestDatesExclude(t *testing.T) {
	test, _ := Dates(1000, 100, DateOptions{})
	held := map[string]bool{}
	for i := 0; i < test.Len(); i++ {
		_, _, iso := test.Example(i)
		held[iso] = true
	}
	train, err := Dates(5000, 1, DateOptions{Exclude: test, Formats: []int{10, 11}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < train.Len(); i++ {
		d, src, iso := train.Example(i)
		if held[iso] {
			t.Fatalf("training example %d is held-out date %s", i, iso)
		}
		if src != FormatDate(d, 10) && src != FormatDate(d, 11) {
			t.Fatalf("training example %d: %q is not in format 10 or 11", i, src)
		}
	}
	// Without the exclusion some of 5000 draws would hit the ~1000 held-out dates (expected ~136).
	plain, _ := Dates(5000, 1, DateOptions{})
	hits := 0
	for i := 0; i < plain.Len(); i++ {
		if _, _, iso := plain.Example(i); held[iso] {
			hits++
		}
	}
	if hits < 80 {
		t.Errorf("only %d of 5000 unrestricted draws are held-out dates; the check above proves nothing", hits)
	}
}
