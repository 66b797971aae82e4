package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareCommand runs the quick dropout experiment whole and as two shards merged through the
// command, and requires the same files; it also checks list and the usage errors.
func TestCompareCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"compare", "list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "vanishing") || !strings.Contains(out.String(), "lstm-vs-gru") {
		t.Fatalf("compare list: status %d, %q %q", code, out.String(), errb.String())
	}
	for _, bad := range [][]string{
		{"compare"}, {"compare", "nope"}, {"compare", "dropout", "--shard", "2/2"}, {"compare", "dropout", "--merge"},
		{"compare", "dropout", "--seeds", "0"}, {"compare", "dropout", "--shard", "0/2", "--merge", "x"},
	} {
		out.Reset()
		errb.Reset()
		if code := run(bad, &out, &errb); code != 2 {
			t.Errorf("%v: status %d (%s), want 2", bad, code, errb.String())
		}
	}
	dir := t.TempDir()
	whole, shards, merged := filepath.Join(dir, "whole"), filepath.Join(dir, "shards"), filepath.Join(dir, "merged")
	cmds := [][]string{
		{"compare", "dropout", "--quick", "--out", whole},
		{"compare", "dropout", "--quick", "--out", shards, "--shard", "0/2"},
		{"compare", "dropout", "--quick", "--out", shards, "--shard", "1/2"},
		{"compare", "dropout", "--quick", "--out", merged, "--merge", shards},
	}
	for _, c := range cmds {
		out.Reset()
		errb.Reset()
		if code := run(c, &out, &errb); code != 0 {
			t.Fatalf("%v: status %d: %s", c, code, errb.String())
		}
	}
	for _, f := range []string{"runs.csv", "curves.csv", "table.md", "dropout_loss.png"} {
		a, err := os.ReadFile(filepath.Join(whole, "dropout", f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(merged, "dropout", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: merged shards differ from the whole run", f)
		}
	}
	if code := run([]string{"compare", "dropout", "--out", merged, "--merge", shards}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "--quick must match") {
		t.Errorf("merging quick shards as the full variant: status %d, %s", code, errb.String())
	}
}
