// Command zoo trains, evaluates and compares the models of the Gorgonia model zoo.
//
//	zoo list                          models, tasks and prebuilt weights
//	zoo train MODEL [flags]           train MODEL (zoo MODEL [flags] is the same)
//	zoo eval MODEL --checkpoint FILE  evaluate a checkpoint on its task's validation and test splits
//	zoo sample MODEL [flags]          generate text from a trained or prebuilt language model
//	zoo translate MODEL --input TEXT  decode one input with a seq2seq model, draw its attention, or score a test split
//	zoo compare EXPERIMENT|all|list   reproduce the lecture's claims: tables, CSV, plots
//	zoo bench W1…W6|all [--torch]     time training steps of the reference workloads, beside PyTorch
//	zoo serve [flags]                 serve the models over HTTP: a JSON API (sample, translate) and a web page
//	zoo help [COMMAND]                flags of a command, with their defaults
//
// These are the commands of the table in main.go (a test holds this list to it); a model's name
// is a command too: `zoo lstm` is `zoo train lstm`. Run `zoo train MODEL --help` for every flag.
// Bad input prints one line and exits with status 2; a failure while running exits with status
// 1; an internal error (a bug) with status 3.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// usageError is bad input from the user: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// command is one subcommand of zoo.
type command struct {
	name    string
	usage   string // the synopsis zoo help prints
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands is every subcommand, in the order zoo help lists them. help has no run: dispatch
// answers it from this table. A model's name is a command too: `zoo lstm` is `zoo train lstm`.
var commands = []command{
	{"list", "zoo list", "models, tasks and prebuilt weights",
		func(_ []string, stdout, _ io.Writer) error { return list(stdout) }},
	{"train", "zoo train MODEL [flags]", "train a model (zoo MODEL [flags] is the same)",
		onModel("train", modelNames, trainCmd)},
	{"eval", "zoo eval MODEL --checkpoint FILE", "evaluate a saved model",
		onModel("eval", modelNames, func(name string, args []string, stdout, _ io.Writer) error { return evalCmd(name, args, stdout) })},
	{"sample", "zoo sample MODEL [--checkpoint F]", "generate text from a trained or prebuilt text model",
		onModel("sample", modelNames, func(name string, args []string, stdout, _ io.Writer) error { return sampleCmd(name, args, stdout) })},
	{"translate", "zoo translate MODEL --input TEXT", "decode an input with an encoder–decoder (--beam K, --plot FILE), or score a test split (--eval)",
		onModel("translate", translateModels,
			func(name string, args []string, stdout, _ io.Writer) error { return translateCmd(name, args, stdout) })},
	{"compare", "zoo compare EXPERIMENT|all|list", "reproduce the lecture's claims: tables, CSV, plots", compareCmd},
	{"bench", "zoo bench W1…W6|all [--torch]", "time training steps of the reference workloads, beside PyTorch", benchCmd},
	{"serve", "zoo serve [--addr HOST:PORT]", "serve the models over HTTP: a JSON API and a web page", serveCmd},
	{"help", "zoo help [train|eval]", "every flag of a command, with its default", nil},
}

// onModel is the run of a command whose first argument names a model (one of valid()): a
// missing name is a usage error listing them.
func onModel(cmd string, valid func() []string, run func(name string, args []string, stdout, stderr io.Writer) error) func([]string, io.Writer, io.Writer) error {
	return func(args []string, stdout, stderr io.Writer) error {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return usagef("%s: name a model (%s)", cmd, strings.Join(valid(), ", "))
		}
		return run(args[0], args[1:], stdout, stderr)
	}
}

// overview is what zoo help prints: a usage line for every command of the table.
func overview() string {
	var b strings.Builder
	b.WriteString("zoo: the Gorgonia model zoo\n\nusage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-33s %s\n", c.usage, c.summary)
	}
	return b.String()
}

// commandNames lists the commands in the table's order.
func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// run is the whole command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) (status int) {
	// No input should reach a panic; if one does, it is a bug: one line and status 3, not a
	// stack trace that reads like a usage error.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "zoo: internal error: %v (please report it with the command line; ZOO_TRACEBACK=1 prints the stack)\n", p)
			if os.Getenv("ZOO_TRACEBACK") != "" {
				fmt.Fprintf(stderr, "%s\n", debug.Stack())
			}
			status = 3
		}
	}()
	err := dispatch(args, stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	err = flagTerms(err) // the library names config fields; the user set them by flags
	fmt.Fprintf(stderr, "zoo: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// oneLine makes an error message one line: newlines become spaces. (Every layer wraps an error
// once, so no prefix repeats; TestDeepErrorsSayPrefixesOnce checks it.)
func oneLine(msg string) string {
	return strings.ReplaceAll(msg, "\n", " ")
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, overview())
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && (rest[0] == "train" || rest[0] == "eval") {
			return dispatch([]string{rest[0], "mlp", "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, overview())
		return nil
	}
	for _, c := range commands {
		if c.name == cmd && c.run != nil {
			return c.run(rest, stdout, stderr)
		}
	}
	if _, ok := models[cmd]; ok {
		return trainCmd(cmd, rest, stdout, stderr)
	}
	return usagef("unknown command or model %q (commands: %s; models: %s)", cmd,
		strings.Join(commandNames(), ", "), strings.Join(modelNames(), ", "))
}

func modelNames() []string {
	var names []string
	for n := range models {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// list prints the models, tasks and prebuilt weights.
func list(w io.Writer) error {
	// One column of names, as wide as the longest.
	width := 0
	for _, n := range append(modelNames(), taskNames()...) {
		width = max(width, len(n))
	}
	fmt.Fprintln(w, "models:")
	for _, n := range modelNames() {
		m := models[n]
		fmt.Fprintf(w, "  %-*s %s\n  %-*s tasks: %s (default %s)\n", width, n, m.About, width, "", strings.Join(m.tasks, ", "), m.defaultTask)
	}
	fmt.Fprintln(w, "tasks:")
	for _, n := range taskNames() {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, taskNamed(n).about)
	}
	fmt.Fprintln(w, "prebuilt weights (zoo eval MODEL, zoo sample|translate MODEL, zoo serve):")
	for _, n := range modelNames() {
		if models[n].Prebuilt == nil {
			continue
		}
		p, err := models[n].pretrained()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %-*s %s\n", width, n, p.note)
	}
	return nil
}

// newFlagSet returns a flag set that reports errors as one line and prints help to stdout.
func newFlagSet(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // the flag package calls it on every error; help is printed by parseFlags
	helpOut[fs] = stdout
	return fs
}

// helpOut is where each flag set prints its --help.
var helpOut = map[*flag.FlagSet]io.Writer{}

// printHelp prints every flag of fs with its default.
func printHelp(fs *flag.FlagSet) {
	w := helpOut[fs]
	fmt.Fprintf(w, "usage: zoo %s [flags]\n\nflags:\n", fs.Name())
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parseFlags parses args, turning flag errors into one-line usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(fs)
			return err
		}
		return usagef("%s: %v (see zoo %s --help)", fs.Name(), err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (see zoo %s --help)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}
