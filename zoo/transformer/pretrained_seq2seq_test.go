package transformer

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// TestPretrainedSeq2SeqReproducesItsExactMatch decodes the 1000 held-out test dates of the
// task the record names with the shipped weights, greedily and 100 at a time as zoo eval does:
// the exact match is the one the record states (the README's figure), and at least 99%.
func TestPretrainedSeq2SeqReproducesItsExactMatch(t *testing.T) {
	m, err := PretrainedSeq2Seq()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := PretrainedSeq2SeqRecord()
	if err != nil {
		t.Fatal(err)
	}
	var task struct {
		Name     string `json:"task"`
		DataSeed uint64 `json:"data_seed"`
	}
	if err := json.Unmarshal(rec.Task, &task); err != nil {
		t.Fatal(err)
	}
	if rec.Model != "transformer-seq2seq" || task.Name != "dates" || !strings.Contains(rec.Command, fmt.Sprintf("--steps %d ", rec.Steps)) {
		t.Fatalf("record %+v: want the transformer-seq2seq of the dates task and the command of its %d steps", rec, rec.Steps)
	}
	data, err := seq2seq.DateSplits(1, task.DataSeed)
	if err != nil {
		t.Fatal(err)
	}
	// The command's default model for the task: Seq2SeqFor the date vocabularies and lengths.
	want, err := Seq2SeqFor(data.Train.Info(), seq2seq.DateMaxSrc, seq2seq.DateMaxTgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config != want {
		t.Errorf("prebuilt config %+v, want Seq2SeqFor the date task: %+v", m.Config, want)
	}
	sc, dec, err := seq2seq.Evaluate(m, data.Test, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Exact is a count over 1000 dates: the same count is within half a date of the figure.
	if sc.N != seq2seq.DateTest || math.Abs(sc.Exact-rec.Exact) > 0.5/seq2seq.DateTest {
		t.Errorf("exact match %.4f on %d test dates, the record states %.4f", sc.Exact, sc.N, rec.Exact)
	}
	if sc.Exact < 0.99 {
		t.Errorf("exact match %.4f < 0.99", sc.Exact)
	}
	src, tgt := m.Tokenizers.Source, m.Tokenizers.Target
	for _, d := range dec {
		if !d.Out.Ended || !slices.Equal(d.Out.Tokens, d.Tgt) {
			in, _ := src.Decode(d.Src)
			out, _ := tgt.Decode(d.Out.Tokens)
			want, _ := tgt.Decode(d.Tgt)
			t.Logf("wrong: %q → %q (want %q)", in, out, want)
		}
	}
}
