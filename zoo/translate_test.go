package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// zoo translate takes the transformer encoder–decoder through the code path of seq2seq: what it
// prints is what the model's Translate returns, and bad input is a usage error.

// TestTranslateTransformerSeq2Seq: translate with the prebuilt transformer encoder–decoder and with
// a checkpoint trained here prints the output and the score of Translate of the same model, and
// --plot draws a heatmap of Translate's attention.
func TestTranslateTransformerSeq2Seq(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "ts.npz")
	code, _, errOut := zoo("train", "transformer-seq2seq", "--task", "dates", "--n", "400", "--steps", "20", "--batch", "16",
		"--d-model", "16", "--heads", "2", "--layers", "1", "--ff", "32", "--quiet", "--save", ck)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	fromCk := loadTransformerSeq2Seq(t, ck)
	prebuilt, err := transformer.PretrainedSeq2Seq()
	if err != nil {
		t.Fatal(err)
	}
	input := "Nov 28, 2026"
	for _, tc := range []struct {
		what  string
		model *transformer.Seq2Seq
		args  []string
	}{{"prebuilt", prebuilt, nil}, {"checkpoint", fromCk, []string{"--checkpoint", ck}}} {
		for _, beam := range []int{1, 4} {
			tr, err := tc.model.Translate(input, beam)
			if err != nil {
				t.Fatal(err)
			}
			plot := filepath.Join(dir, fmt.Sprintf("%s-%d.png", tc.what, beam))
			want := fmt.Sprintf("%s\t(log-probability %.4f)\n%s\n", tr.Output, tr.Score, attentionNote(plot, tr))
			args := append([]string{"translate", "transformer-seq2seq", "--input", input, "--beam", strconv.Itoa(beam), "--plot", plot}, tc.args...)
			code, out, errOut := zoo(args...)
			if code != 0 || out != want {
				t.Errorf("%s, beam %d: exit %d, %q %q; want %q", tc.what, beam, code, out, errOut, want)
			}
			if len(tr.Attention) != len(tr.OutputTokens) || len(tr.Attention[0]) != len(input) {
				t.Errorf("%s, beam %d: %d attention rows of %d for %d output tokens and %d input symbols", tc.what, beam,
					len(tr.Attention), len(tr.Attention[0]), len(tr.OutputTokens), len(input))
			}
		}
	}
	if tr, err := prebuilt.Translate(input, 1); err != nil || tr.Output != "2026-11-28" {
		t.Errorf("prebuilt: %q, %v; want 2026-11-28", tr.Output, err)
	}
	// --eval scores the checkpoint's test split as seq2seq.Evaluate does.
	code, out, errOut := zoo("translate", "transformer-seq2seq", "--checkpoint", ck, "--eval")
	if code != 0 || !strings.HasPrefix(out, "test (greedy): 1000 examples, exact match ") || !strings.Contains(out, "source length") {
		t.Errorf("--eval: exit %d, %q %q", code, out, errOut)
	}
}

// loadTransformerSeq2Seq builds the transformer encoder–decoder a checkpoint records, with its
// weights and its task's tokenizers.
func loadTransformerSeq2Seq(t *testing.T, ck string) *transformer.Seq2Seq {
	t.Helper()
	rec, err := readRunRecord(ck, "transformer-seq2seq")
	if err != nil {
		t.Fatal(err)
	}
	var cfg transformer.Seq2SeqConfig
	if err := json.Unmarshal(rec.ModelConfig, &cfg); err != nil {
		t.Fatal(err)
	}
	m, err := transformer.NewSeq2Seq(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.LoadCheckpointWeights(ck, m.Store()); err != nil {
		t.Fatal(err)
	}
	data, err := loadTask(rec.Task)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := datasets.TaskTokenizers(data.Train.Info())
	if err != nil {
		t.Fatal(err)
	}
	return m.WithTokenizers(tt)
}

// TestTranslateModelsFromTable: translate takes the models whose entry decodes, and names them
// when given another.
func TestTranslateModelsFromTable(t *testing.T) {
	var want []string
	for name, m := range models {
		if m.decode != nil {
			want = append(want, name)
		}
	}
	got := translateModels()
	if len(got) != len(want) || len(got) < 2 {
		t.Fatalf("translate takes %q; the table's decoding models are %q", got, want)
	}
	for _, name := range []string{"seq2seq", "transformer-seq2seq"} {
		if !strings.Contains(strings.Join(got, ","), name) {
			t.Errorf("translate does not take %s: %q", name, got)
		}
	}
	for _, args := range [][]string{{"translate", "lstm", "--input", "x"}, {"translate", "nosuch"}, {"translate"}} {
		code, _, errOut := zoo(args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut)
		}
		for _, name := range got {
			if !strings.Contains(errOut, name) {
				t.Errorf("%q: the message %q does not list %s", args, errOut, name)
			}
		}
	}
}

// TestTranslateTransformerBadInput: bad input to translate transformer-seq2seq is one line and
// exit status 2, naming what is wrong.
func TestTranslateTransformerBadInput(t *testing.T) {
	m, err := transformer.PretrainedSeq2Seq()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("1", m.Config.MaxSrc+1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--input", "May 1, 2020", "--beam", "0"}, "--beam 0: must be in ["},
		{[]string{"--input", "May 1, 2020", "--beam", strconv.Itoa(seq2seq.MaxBeam + 1)}, fmt.Sprintf("--beam %d", seq2seq.MaxBeam+1)},
		{[]string{"--input", "May 1, 2020 ~"}, `--input: character "~" at position 12`},
		{[]string{"--input", long}, fmt.Sprintf("the model reads at most %d", m.Config.MaxSrc)},
		{nil, "give --input TEXT or --eval"},
		{[]string{"--input", "May 1, 2020", "--checkpoint"}, "flag needs an argument"},
	} {
		code, out, errOut := zoo(append([]string{"translate", "transformer-seq2seq"}, tc.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q %q; want status 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
