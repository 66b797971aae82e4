package main

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"gorgonia.org/tensor"
)

// TestFlagTerms: the library's names become flags where they stand as whole names, and only
// there.
func TestFlagTerms(t *testing.T) {
	for _, c := range []struct{ lib, cmd string }{
		{"train.Config.Batch 0: must be positive", "--batch 0: must be positive"},
		{"train.Config.Clip NaN / train.Config.ClipValue 0: must be finite", "--clip NaN / --clip-value 0: must be finite"},
		{"train.Config.Replicas 3: must divide train.Config.Batch 32", "--replicas 3: must divide --batch 32"},
		{"transformer.Config.D 0: must be positive", "--d-model 0: must be positive"},
		{"transformer.Config.Dropout 1: outside [0, 1)", "--dropout 1: outside [0, 1)"},
		{"the model reads windows of 64 (transformer.Config.Context)", "the model reads windows of 64 (--bptt)"},
		{"step 3: training loss is NaN (try a smaller train.Config.LR or train.Config.Clip)", "step 3: training loss is NaN (try a smaller --lr or --clip)"},
		{"compare: compare.ParseShard(s) \"3/3\": want i/n", "compare: --shard \"3/3\": want i/n"},
		{"seq2seq.BeamSearch(k) 0: must be at least 1", "--beam 0: must be at least 1"},
		// Not whole names: left alone.
		{"transformer.Config.DModel 0", "transformer.Config.DModel 0"},
		{"xtrain.Config.Batch 1", "xtrain.Config.Batch 1"},
		{"my.train.Config.Batch 1", "my.train.Config.Batch 1"},
		{"train.Config.Batch_2", "train.Config.Batch_2"},
		{"", ""},
	} {
		if got := inFlagTerms(c.lib); got != c.cmd {
			t.Errorf("%q: got %q, want %q", c.lib, got, c.cmd)
		}
	}
	// The translated error keeps the chain: the exit status and the cause are still found.
	err := flagTerms(errors.Join(usagef("bad"), nn.WrapField(fs.ErrNotExist, "train.Config.Save", nil)))
	var ue usageError
	if !errors.As(err, &ue) || !errors.Is(err, fs.ErrNotExist) || err.Error() != "bad\n--save: file does not exist" {
		t.Errorf("flagTerms lost the chain or the text: %q", err)
	}
	if flagTerms(nil) != nil {
		t.Error("flagTerms(nil) is not nil")
	}
}

// libraryStrings returns the string literals of the module's packages other than this command's,
// tests left out: those that are arguments of errors.New/Errorf/Wrap/Wrapf, fmt.Errorf and
// nn.BadField/WrapField in errs, each with where it is, and all of them in all.
func libraryStrings(t *testing.T) (errs map[string]string, all []string) {
	t.Helper()
	calls := map[string]bool{"New": true, "Errorf": true, "Wrap": true, "Wrapf": true, "BadField": true, "WrapField": true}
	errs = map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == filepath.Join("..", "zoo") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				all = append(all, s)
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !calls[sel.Sel.Name] {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "errors" && x.Name != "fmt" && x.Name != "nn" {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					errs[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return errs, all
}

// TestLibraryErrorsNameNoFlags: a Go caller of the library has no flags, so no error of the
// library names one; and every name of flagNames is one the library says.
func TestLibraryErrorsNameNoFlags(t *testing.T) {
	strs, all := libraryStrings(t)
	if len(strs) < 100 {
		t.Fatalf("found only %d error strings in the library", len(strs))
	}
	flag := regexp.MustCompile(`(^|[^-\w])--[a-z]`)
	for s, at := range strs {
		if flag.MatchString(s) {
			t.Errorf("%s: the error %q names a flag", at, s)
		}
	}
	for name := range flagNames {
		found := false
		for _, s := range all {
			if strings.Contains(s, name) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("flagNames has %q, which no error of the library says", name)
		}
	}
}

// TestDeepErrorsSayPrefixesOnce: errors made deep in the recurrent layers reach the caller with
// every prefix said once, without oneLine's help.
func TestDeepErrorsSayPrefixesOnce(t *testing.T) {
	errs := map[string]error{}
	errs["zoo rnn --activation sigmoid"] = dispatch([]string{"rnn", "--activation", "sigmoid", "--save", ""}, io.Discard, io.Discard)
	s := nn.NewStore(tensor.Float32, 1)
	_, errs["rnn.New"] = rnn.New(s, "rnn", 0, 8, rnn.Config{})
	_, errs["rnn.NewCell"] = rnn.NewCell(s, "cell", 4, 8, "sigmoid")
	_, errs["lstm.New"] = lstm.New(s, "lstm", 4, 0, lstm.DefaultConfig())
	_, errs["lstm.NewCell"] = lstm.NewCell(s, "cell", 0, 8, lstm.DefaultConfig())
	_, errs["gru.New"] = gru.New(s, "gru", 0, 8, gru.Config{})
	_, errs["gru.NewCell"] = gru.NewCell(s, "cell", 4, 0, gru.Config{})
	for what, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", what)
			continue
		}
		msg := err.Error()
		parts := strings.Split(msg, ": ")
		for i := 1; i < len(parts); i++ {
			if parts[i] == parts[i-1] {
				t.Errorf("%s: %q says %q twice in a row", what, msg, parts[i])
			}
		}
		for _, p := range []string{"rnn:", "lstm:", "gru:", "recurrent:"} {
			if n := strings.Count(msg, p); n > 1 {
				t.Errorf("%s: %q says %s %d times", what, msg, p, n)
			}
		}
	}
	if got, want := errs["zoo rnn --activation sigmoid"].Error(), `rnn: activation "sigmoid", want tanh or relu`; got != want {
		t.Errorf("zoo rnn --activation sigmoid: %q, want %q", got, want)
	}
	if _, err := os.Stat("../zoo"); err != nil {
		t.Fatal(err)
	}
}
