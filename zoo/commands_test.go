package main

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// TestHelpListsEveryCommand: `zoo help` has a usage line for every command of the table, in its
// order, and nothing else; every command but help runs from the table.
func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := zoo("help")
	if code != 0 {
		t.Fatalf("zoo help: exit %d", code)
	}
	var usage []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  zoo ") {
			usage = append(usage, l)
		}
	}
	if len(usage) != len(commands) {
		t.Errorf("zoo help has %d usage lines, the table %d commands:\n%s", len(usage), len(commands), out)
	}
	for i, c := range commands {
		if !strings.HasPrefix(c.usage, "zoo "+c.name) {
			t.Errorf("command %s: usage %q does not start with its name", c.name, c.usage)
		}
		if i >= len(usage) || !strings.HasPrefix(strings.TrimSpace(usage[i]), c.usage+" ") || !strings.HasSuffix(usage[i], c.summary) {
			t.Errorf("zoo help does not list %s (%q) as line %d:\n%s", c.name, c.usage, i+1, out)
		}
		if (c.run == nil) != (c.name == "help") {
			t.Errorf("command %s: run set %v; only help is answered by dispatch", c.name, c.run != nil)
		}
	}
	for _, want := range []string{"list", "train", "eval", "sample", "translate", "compare", "bench", "serve", "help"} {
		if !slices.Contains(commandNames(), want) {
			t.Errorf("the command table lacks %s", want)
		}
	}
	// Without a command, the same overview goes to stderr with status 2.
	if code, _, errOut := zoo(); code != 2 || !strings.HasPrefix(errOut, out) {
		t.Errorf("zoo without a command: exit %d, stderr %q", code, errOut)
	}
}

// TestUnknownCommandListsEveryCommand: the message for an unknown command names every command
// of the table and every model.
func TestUnknownCommandListsEveryCommand(t *testing.T) {
	code, _, errOut := zoo("nosuchcommand")
	want := "(commands: " + strings.Join(commandNames(), ", ") + "; models: " + strings.Join(modelNames(), ", ") + ")"
	if code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("unknown command: exit %d, %q; want status 2 and %q", code, errOut, want)
	}
}

// TestPackageDocListsEveryCommand: the package doc of main.go has a line `zoo NAME …` for every
// command of the table.
func TestPackageDocListsEveryCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	for _, c := range commands {
		if !strings.Contains(doc, "\tzoo "+c.name+" ") {
			t.Errorf("the package doc does not list zoo %s:\n%s", c.name, doc)
		}
	}
}

// TestModelAndTaskTables: every model trains on tasks of the table, with a default among them;
// a task has a --bptt default exactly when its kind is a sequence, and a text exactly when it
// is a text; no model is named as a command.
func TestModelAndTaskTables(t *testing.T) {
	seen := map[string]bool{}
	for _, tk := range tasks {
		if tk.name == "" || seen[tk.name] || tk.load == nil || tk.about == "" {
			t.Errorf("task %q: empty or repeated name, no loader or no description", tk.name)
		}
		seen[tk.name] = true
		if (tk.length > 0) == (tk.kind == featureTask) {
			t.Errorf("task %s of kind %d has default length %d", tk.name, tk.kind, tk.length)
		}
		if (tk.text != nil) != tk.isText() {
			t.Errorf("task %s: a text loader is set %v, kind %d", tk.name, tk.text != nil, tk.kind)
		}
	}
	for name, m := range models {
		if slices.Contains(commandNames(), name) {
			t.Errorf("model %s has the name of a command", name)
		}
		if !slices.Contains(m.tasks, m.defaultTask) {
			t.Errorf("model %s: default task %q is not among its tasks %v", name, m.defaultTask, m.tasks)
		}
		for _, tn := range m.tasks {
			tk := taskNamed(tn)
			if tk.name == "" {
				t.Errorf("model %s trains on %q, which is not in the task table", name, tn)
			}
			if m.sequence != (tk.kind != featureTask) {
				t.Errorf("model %s (sequence %v) trains on %s of kind %d", name, m.sequence, tn, tk.kind)
			}
		}
		if m.Name != name || m.About == "" || m.New == nil || m.flags == nil || m.checkConfig == nil {
			t.Errorf("model %s: named %q in the catalog; or no description, constructor, flags or config check", name, m.Name)
		}
	}
	for _, cm := range catalog.Models {
		if _, ok := models[cm.Name]; !ok {
			t.Errorf("the catalog's model %s is not in the command's table", cm.Name)
		}
	}
	for _, tn := range []string{"opticks", "text", "adding", "copy", "parity"} {
		if !slices.Contains(models["lstm"].tasks, tn) || slices.Contains(models["transformer"].tasks, tn) != taskNamed(tn).isText() {
			t.Errorf("lstm trains on %v, transformer on %v: %s missing", models["lstm"].tasks, models["transformer"].tasks, tn)
		}
	}
}

// TestBuildReadsParsedTaskArgs: a model's build takes --bptt and --stream from the parsed task
// arguments it is given (the padded lengths of a list task, the carried state of truncated BPTT).
func TestBuildReadsParsedTaskArgs(t *testing.T) {
	for _, name := range []string{"seq2seq", "transformer-seq2seq"} {
		ta := taskArgs{Name: "reverse", Length: 7, Examples: 10, DataSeed: 1}
		data, err := loadTask(ta)
		if err != nil {
			t.Fatal(err)
		}
		fs := newFlagSet("train "+name, &strings.Builder{})
		build := models[name].flags(fs, ta.Name)
		if err := parseFlags(fs, nil); err != nil {
			t.Fatal(err)
		}
		_, cfg, err := build(data.Train.Info(), ta, 1)
		if err != nil {
			t.Fatal(err)
		}
		var maxSrc, maxTgt int
		switch c := cfg.(type) {
		case seq2seq.Config:
			maxSrc, maxTgt = c.MaxSrc, c.MaxTgt
		case transformer.Seq2SeqConfig:
			maxSrc, maxTgt = c.MaxSrc, c.MaxTgt
		default:
			t.Fatalf("%s records a %T", name, cfg)
		}
		if maxSrc != 7 || maxTgt != 8 {
			t.Errorf("%s on reverse with --bptt 7: padded lengths %d, %d; want 7, 8", name, maxSrc, maxTgt)
		}
	}

	for _, stream := range []bool{false, true} {
		ta := taskArgs{Name: "opticks", Length: 8, Stream: stream, Batch: 2, Examples: 4, DataSeed: 1}
		data, err := loadTask(ta)
		if err != nil {
			t.Fatal(err)
		}
		fs := newFlagSet("train lstm", &strings.Builder{})
		build := models["lstm"].flags(fs, ta.Name)
		if err := parseFlags(fs, []string{"--hidden", "4", "--embed", "2"}); err != nil {
			t.Fatal(err)
		}
		_, cfg, err := build(data.Train.Info(), ta, 1)
		if err != nil {
			t.Fatal(err)
		}
		if rc := cfg.(seqmodel.ModelConfig); rc.Seq.Carry != stream || rc.Seq.Hidden != 4 || rc.Seq.T != 8 {
			t.Errorf("lstm with stream %v: carry %v, hidden %d, T %d", stream, rc.Seq.Carry, rc.Seq.Hidden, rc.Seq.T)
		}
	}
}

// TestPairTasksWriteTheirSymbols: a pair task's symbol style writes a sequence as the task's
// tokenizer (datasets.TaskTokenizers), which reads a user's input, cuts it.
func TestPairTasksWriteTheirSymbols(t *testing.T) {
	data, err := loadTask(taskArgs{Name: "dates", Examples: 10, DataSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	v := data.Train.Info().Vocab
	tt, err := datasets.TaskTokenizers(data.Train.Info())
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tt.Source.Encode("May 1")
	if err != nil || len(ids) != 5 {
		t.Fatalf("dates read %q as %v, %v; want 5 characters", "May 1", ids, err)
	}
	if got := render(v, ids, "dates"); got != "May 1" {
		t.Errorf("dates write %v as %q", ids, got)
	}
	lists, err := loadTask(taskArgs{Name: "sort", Length: 6, Examples: 10, DataSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	lv := lists.Train.Info().Vocab
	sym := lv.Symbol(lists.Train.Info().Vocab.Size() - 1)
	if tt, err = datasets.TaskTokenizers(lists.Train.Info()); err != nil {
		t.Fatal(err)
	}
	ids, err = tt.Source.Encode(sym + " " + sym)
	if err != nil || len(ids) != 2 {
		t.Fatalf("sort read %q as %v, %v; want 2 symbols", sym+" "+sym, ids, err)
	}
	if got := render(lv, ids, "sort"); got != sym+" "+sym {
		t.Errorf("sort writes %v as %q", ids, got)
	}
}
