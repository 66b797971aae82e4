package datasets

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The loaders' fuzz tests: whatever the bytes, a loader returns a dataset or an error, never
// panics, and allocates no more than the input justifies. `go test` runs each on its seeds;
// `go test -fuzz FuzzX` explores further.

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,y\n1,2,x\n3,4,z\n"), "y", false)
	f.Add([]byte("a, b ,y\n1,2,0.5\n3,NaN,1\n"), "y", true)
	f.Add([]byte("y\n1\n"), "y", false)
	f.Add([]byte("a,\"b\nc\",y\n1,2\n"), "y", true)
	f.Add([]byte("a,a,y\n1,2,3\n"), "y", false)
	f.Fuzz(func(t *testing.T, data []byte, target string, regression bool) {
		kind := Classification
		if regression {
			kind = Regression
		}
		tb, err := ReadCSV(bytes.NewReader(data), "fuzz.csv", target, kind)
		if err != nil {
			return
		}
		if tb.Len() == 0 || tb.Info().Dim == 0 {
			t.Fatalf("accepted a table of %d rows, %d features", tb.Len(), tb.Info().Dim)
		}
		all := make([]int, tb.Len())
		for i := range all {
			all[i] = i
		}
		b := tb.Batch(all)
		if len(b.X) != tb.Len()*tb.Info().Dim {
			t.Fatalf("batch of %d values for %d×%d", len(b.X), tb.Len(), tb.Info().Dim)
		}
	})
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(idxImagesMagic, []uint32{2, 2, 2}, []byte{0, 1, 2, 3, 4, 5, 6, 7}))
	f.Add(idxBytes(idxLabelsMagic, []uint32{3}, []byte{1, 2, 3}))
	f.Add(idxBytes(idxImagesMagic, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(idxBytes(idxLabelsMagic, []uint32{100000}, []byte{1}))
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if im, err := ReadIDXImages(bytes.NewReader(data), "fuzz-images"); err == nil {
			if len(im.Pixels) != im.N*im.Rows*im.Cols {
				t.Fatalf("%d pixels for %d×%d×%d", len(im.Pixels), im.N, im.Rows, im.Cols)
			}
		}
		if lb, err := ReadIDXLabels(bytes.NewReader(data), "fuzz-labels"); err == nil && len(lb) > len(data)*1100 {
			t.Fatalf("%d labels from %d bytes", len(lb), len(data))
		}
	})
}

func FuzzText(f *testing.F) {
	f.Add([]byte("The quick brown fox.\n"), 4, []byte("The "))
	f.Add([]byte{0, 255, 0, 1}, 1, []byte{2})
	f.Add([]byte("ab"), 5, []byte(""))
	f.Fuzz(func(t *testing.T, data []byte, T int, prime []byte) {
		tx, err := NewText("fuzz", data)
		if err != nil {
			return
		}
		if ids, err := tx.Encode(prime); err == nil {
			back, err := tx.Decode(ids)
			if err != nil || !bytes.Equal(back, prime) {
				t.Fatalf("%q encodes and decodes as %q, %v", prime, back, err)
			}
		}
		if _, err := tx.Decode([]int{-1, tx.Vocab.Size()}); err == nil {
			t.Fatal("ids outside the vocabulary decoded")
		}
		trainTok, validTok := tx.Split(0.9)
		for _, toks := range [][]int{trainTok, validTok} {
			if w, err := Windows(toks, tx.Vocab, T, max(T, 1)); err == nil && w.Len() > 0 {
				w.Batch([]int{0, w.Len() - 1})
			}
			if w, err := RandomWindows(toks, tx.Vocab, T, 3, 1); err == nil {
				w.Batch([]int{0, 1, 2})
			}
			if s, err := Stream(toks, tx.Vocab, 2, T); err == nil && s.Len() > 0 {
				s.Batch(0)
			}
		}
	})
}

// writeFuzzFile writes data to a file of the test's temporary directory.
func writeFuzzFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzLoadPairs(f *testing.F) {
	f.Add([]byte("Go.\tVa !\tCC-BY\nHi.\tSalut.\n"), 5, 10, false)
	f.Add([]byte("a\tb\n\n\tc\n"), 0, 0, true)
	f.Add([]byte("\xff\tb\n"), 1, 1, false)
	f.Fuzz(func(t *testing.T, data []byte, maxLen, maxVocab int, swap bool) {
		p, err := LoadPairs(writeFuzzFile(t, "pairs.txt", data), PairOptions{MaxLen: maxLen, MaxVocab: maxVocab, Swap: swap})
		if err != nil {
			return
		}
		if p.Len() == 0 {
			t.Fatal("accepted no pairs")
		}
		idx := make([]int, p.Len())
		for i := range idx {
			idx[i] = i
		}
		p.Batch(idx)
	})
}

func FuzzLoadWordCorpus(f *testing.F) {
	f.Add([]byte(" the cat sat \n the <unk> ran\n"), []byte(" the dog sat\n"))
	f.Add([]byte("<eos> <unk>\n"), []byte("x\n"))
	f.Add([]byte("\n\n"), []byte(""))
	f.Fuzz(func(t *testing.T, trainText, validText []byte) {
		tr := writeFuzzFile(t, "train.txt", trainText)
		va := writeFuzzFile(t, "valid.txt", validText)
		c, err := LoadWordCorpus(tr, va, "")
		if err != nil {
			return
		}
		for _, id := range append(append([]int(nil), c.Train...), c.Valid...) {
			if id < 0 || id >= c.Vocab.Size() {
				t.Fatalf("id %d outside the vocabulary of %d", id, c.Vocab.Size())
			}
		}
	})
}

// TestCSVErrorsAreBrief: a binary file read as CSV gives an error of a line, not a dump of the
// file, and a header of many columns is checked in linear time.
func TestCSVErrorsAreBrief(t *testing.T) {
	bin := make([]byte, 5000)
	for i := range bin {
		bin[i] = byte(i*7 + 3)
		if bin[i] == '\n' || bin[i] == '\r' || bin[i] == '"' {
			bin[i] = 0
		}
	}
	_, err := ReadCSV(bytes.NewReader(bin), "bin.csv", "y", Classification)
	if err == nil || len(err.Error()) > 1000 {
		t.Fatalf("error of %d bytes: %.300v", len(err.Error()), err)
	}
	var wide bytes.Buffer
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&wide, "c%d,", i)
	}
	_, err = ReadCSV(bytes.NewReader(wide.Bytes()), "wide.csv", "y", Classification)
	if err == nil || len(err.Error()) > 1000 {
		t.Fatalf("wide header: %.300v", err)
	}
}
