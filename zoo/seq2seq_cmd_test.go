package main

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/viz"
)

// TestSeq2seqPairFileErrors: a pair file with a missing tab, an empty side or bad UTF-8 is
// refused with the file and line named.
func TestSeq2seqPairFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text, want string
	}{
		{"notab.tsv", "Go.\tVa !\nRun.  Cours !\n", "notab.tsv:2: no tab"},
		{"empty.tsv", "Go.\tVa !\n\nHi.\tSalut.\n  \t Bonjour\n", "empty.tsv:4: the first sentence is empty"},
		{"utf8.tsv", "Go.\tVa !\nHi.\tSal\xffut\n", "utf8.tsv:2: not valid UTF-8"},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := zoo("train", "seq2seq", "--task", "pairs", "--data", path, "--quiet", "--save", "")
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want an error containing %q", c.name, code, errOut, c.want)
		}
	}
}

// TestSeq2seqTrainTranslateEval trains a small model on a pair file, then translates with a
// beam and a heatmap, and scores the test split with BLEU, from the checkpoint.
func TestSeq2seqTrainTranslateEval(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	words := []string{"red", "green", "blue", "cat", "dog", "big", "small"}
	fr := map[string]string{"red": "rouge", "green": "vert", "blue": "bleu", "cat": "chat", "dog": "chien", "big": "grand", "small": "petit"}
	for i := 0; i < 60; i++ {
		a, b := words[i%7], words[(i/7)%7]
		lines = append(lines, a+" "+b+".\t"+fr[b]+" "+fr[a]+".\tCC-BY 2.0 (France)")
	}
	data := filepath.Join(dir, "fra.txt")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "s2s.npz")
	code, out, errOut := zoo("train", "seq2seq", "--task", "pairs", "--data", data, "--bptt", "4", "--steps", "30",
		"--batch", "8", "--hidden", "8", "--embed", "4", "--attn-dim", "4", "--quiet", "--save", ck)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "checkpoint: "+ck) {
		t.Errorf("train output does not name the checkpoint:\n%s", out)
	}
	plot := filepath.Join(dir, "att.png")
	code, out, errOut = zoo("translate", "seq2seq", "--checkpoint", ck, "--input", "Red cat.", "--beam", "3", "--plot", plot)
	if code != 0 {
		t.Fatalf("translate: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "log-probability") || !strings.Contains(out, "attention: "+plot) {
		t.Errorf("translate output:\n%s", out)
	}
	f, err := os.Open(plot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// 3 source tokens ("red", "cat", ".") by as many rows as output tokens with EOS, plus the labels
	// and the colour bar.
	var rows int
	if _, err := fmt.Sscanf(out[strings.Index(out, "(rows: "):], "(rows: the %d", &rows); err != nil || rows < 1 {
		t.Fatalf("translate output %q: no row count (%v)", out, err)
	}
	if b := img.Bounds(); b.Dx() < 3*viz.DefaultCell+40 || b.Dx() > 3*viz.DefaultCell+400 || b.Dy() < rows*viz.DefaultCell+20 || b.Dy() > rows*viz.DefaultCell+300 {
		t.Errorf("heatmap of %v pixels, want about 3×%d cells of %d", b, rows, viz.DefaultCell)
	}
	code, out, errOut = zoo("translate", "seq2seq", "--checkpoint", ck, "--eval")
	if code != 0 {
		t.Fatalf("translate --eval: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "BLEU") || !strings.Contains(out, "source length") {
		t.Errorf("translate --eval output:\n%s", out)
	}
	for _, args := range [][]string{
		{"translate", "seq2seq"},
		{"translate", "seq2seq", "--checkpoint", ck, "--input", "red cat", "--beam", "0"},
		{"translate", "mlp", "--input", "x"},
	} {
		if code, _, _ := zoo(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestSeq2seqPrebuiltTranslates: without a checkpoint, translate uses the shipped date
// normaliser.
func TestSeq2seqPrebuiltTranslates(t *testing.T) {
	code, out, errOut := zoo("translate", "seq2seq", "--input", "Nov 28, 2026", "--beam", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "2026-11-28\t") {
		t.Errorf("translate gave %q, want 2026-11-28", out)
	}
	if code, _, errOut := zoo("translate", "seq2seq", "--input", "Nov 28, 2026 €"); code != 2 || !strings.Contains(errOut, "€") {
		t.Errorf("a symbol outside the vocabulary: exit %d, %q", code, errOut)
	}
}
