package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// The text commands stand on the library's string API: zoo sample prints what a model's Sample
// generates, zoo translate what its Translate returns, and their limits are the library's.

// TestSamplePrintsSample: zoo sample prints the prime and then what Sample of the prebuilt model,
// with its own tokenizer, generates from the same arguments.
func TestSamplePrintsSample(t *testing.T) {
	m, _, err := lstm.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	lm, err := transformer.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model  string
		sample func(prime string, n int, temperature float64, seed uint64) (string, error)
	}{{"lstm", m.Sample}, {"transformer", lm.Sample}} {
		prime, n, temp, seed := "Light is ", 40, 0.7, uint64(4)
		want, err := tc.sample(prime, n, temp, seed)
		if err != nil {
			t.Fatal(err)
		}
		code, out, errOut := zoo("sample", tc.model, "--prime", prime, "--len", strconv.Itoa(n),
			"--temperature", fmt.Sprint(temp), "--seed", fmt.Sprint(seed))
		if code != 0 || out != prime+want+"\n" {
			t.Errorf("zoo sample %s: exit %d, %q %q; want %q", tc.model, code, out, errOut, prime+want+"\n")
		}
	}
}

// TestTranslatePrintsTranslate: zoo translate prints the output and the score Translate of the
// prebuilt model gives, and labels the heatmap's rows as the translation's tokens.
func TestTranslatePrintsTranslate(t *testing.T) {
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	for _, beam := range []int{1, 3} {
		tr, err := m.Translate("Nov 28, 2026", beam)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s\t(log-probability %.4f)\n", tr.Output, tr.Score)
		code, out, errOut := zoo("translate", "seq2seq", "--input", "Nov 28, 2026", "--beam", strconv.Itoa(beam))
		if code != 0 || out != want {
			t.Errorf("zoo translate --beam %d: exit %d, %q %q; want %q", beam, code, out, errOut, want)
		}
		if !tr.Ended || len(tr.Attention) != len(tr.OutputTokens) {
			t.Fatalf("beam %d: ended %v, %d attention rows for %d output tokens", beam, tr.Ended, len(tr.Attention), len(tr.OutputTokens))
		}
		h := attentionHeatmap(tr)
		if len(h.RowLabels) != len(tr.Attention) || h.RowLabels[len(h.RowLabels)-1] != datasets.EOSSymbol || len(h.ColLabels) != len("Nov 28, 2026") || h.ColLabels[3] != `" "` {
			t.Errorf("beam %d: heatmap rows %q, columns %q", beam, h.RowLabels, h.ColLabels)
		}
	}
}

// TestTextCommandLimits: the command refuses, as usage errors (exit status 2, one line naming the
// flag), what the library would refuse: a beam outside [1, seq2seq.MaxBeam], a length outside
// [0, seqmodel.MaxSampleLength], a prime or an input with a character outside the vocabulary or
// with no character at all, an input longer than the model reads. The widest beam is taken.
func TestTextCommandLimits(t *testing.T) {
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("1", m.Config.MaxSrc+1)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"translate", "seq2seq", "--input", "May 1, 2020", "--beam", "0"}, fmt.Sprintf("--beam 0: must be in [1, %d]", seq2seq.MaxBeam)},
		{[]string{"translate", "seq2seq", "--input", "May 1, 2020", "--beam", strconv.Itoa(seq2seq.MaxBeam + 1)},
			fmt.Sprintf("--beam %d: must be in [1, %d]", seq2seq.MaxBeam+1, seq2seq.MaxBeam)},
		{[]string{"translate", "seq2seq", "--input", "May 1, 2020 ~"}, `--input: character "~" at position 12`},
		{[]string{"translate", "seq2seq", "--input", long}, fmt.Sprintf("--input has %d symbols; the model reads at most %d", len(long), m.Config.MaxSrc)},
		{[]string{"sample", "lstm", "--len", "-1"}, fmt.Sprintf("--len -1: must be in [0, %d]", seqmodel.MaxSampleLength)},
		{[]string{"sample", "lstm", "--len", strconv.Itoa(seqmodel.MaxSampleLength + 1)}, fmt.Sprintf("--len %d: must be in", seqmodel.MaxSampleLength+1)},
		{[]string{"sample", "lstm", "--prime", "x~y"}, `--prime: character "~" at position 1`},
		{[]string{"sample", "transformer", "--prime", "été"}, `--prime: character "é" at position 0`},
		{[]string{"sample", "lstm", "--prime", ""}, "--prime: at least one character is needed"},
	} {
		code, _, errOut := zoo(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("zoo %q: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	code, out, errOut := zoo("translate", "seq2seq", "--input", "May 1, 2020", "--beam", strconv.Itoa(seq2seq.MaxBeam))
	if code != 0 || !strings.HasPrefix(out, "2020-05-01\t") {
		t.Errorf("--beam %d: exit %d, %q %q", seq2seq.MaxBeam, code, out, errOut)
	}
}

// TestAttentionNote: the note under a heatmap counts its rows and columns and says whether the
// last row is the step that wrote EOS (an output cut at the longest length has none).
func TestAttentionNote(t *testing.T) {
	rows := func(n int) [][]float64 { return make([][]float64, n) }
	for _, tc := range []struct {
		tr   seq2seq.Translation
		want string
	}{
		{seq2seq.Translation{Output: "ab", Ended: true, Attention: rows(3), InputTokens: []string{"x", "y"}, OutputTokens: []string{"a", "b", datasets.EOSSymbol}},
			"attention: f.png (rows: the 3 output tokens with EOS; columns: the 2 source symbols)"},
		{seq2seq.Translation{Output: "abc", Attention: rows(3), InputTokens: []string{"x"}, OutputTokens: []string{"a", "b", "c"}},
			"attention: f.png (rows: the 3 output tokens without EOS: the output reached the longest length; columns: the 1 source symbols)"},
	} {
		if got := attentionNote("f.png", tc.tr); got != tc.want {
			t.Errorf("ended %v: %q, want %q", tc.tr.Ended, got, tc.want)
		}
	}
}
