// Command zoo trains, evaluates and compares the models of the Gorgonia model zoo.
//
//	zoo list                          models, tasks and prebuilt weights
//	zoo train MODEL [flags]           train MODEL (zoo MODEL [flags] is the same)
//	zoo eval MODEL --checkpoint FILE  evaluate a checkpoint on its task's validation and test splits
//	zoo sample MODEL [flags]          generate text from a trained or prebuilt language model
//	zoo help [COMMAND]                flags of a command, with their defaults
//
// Run `zoo train MODEL --help` for every flag. Bad input prints one line and exits with status 2;
// a failure while running exits with status 1; an internal error (a bug) with status 3.
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

const overview = `zoo: the Gorgonia model zoo

usage:
  zoo list                          models, tasks and prebuilt weights
  zoo train MODEL [flags]           train a model (zoo MODEL [flags] is the same)
  zoo eval MODEL --checkpoint FILE  evaluate a saved model
  zoo sample MODEL [--checkpoint F] generate text from a trained or prebuilt text model
  zoo compare EXPERIMENT|all|list   reproduce the lecture's claims: tables, CSV, plots
  zoo bench W1…W6|all [--torch]     time training steps of the reference workloads, beside PyTorch
  zoo help [train|eval]             every flag of a command, with its default
`

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
	fmt.Fprintf(stderr, "zoo: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// oneLine makes an error message one line without repeats: a prefix added by every layer that
// wraps the error ("rnn: rnn: rnn: …") is said once, and newlines become spaces.
func oneLine(msg string) string {
	parts := strings.Split(strings.ReplaceAll(msg, "\n", " "), ": ")
	out := parts[:0]
	for _, p := range parts {
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, overview)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && (rest[0] == "train" || rest[0] == "eval") {
			return dispatch([]string{rest[0], "mlp", "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, overview)
		return nil
	case "list":
		return list(stdout)
	case "compare":
		return compareCmd(rest, stdout, stderr)
	case "bench":
		return benchCmd(rest, stdout, stderr)
	case "train":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usagef("train: name a model (%s)", strings.Join(modelNames(), ", "))
		}
		return trainCmd(rest[0], rest[1:], stdout, stderr)
	case "translate":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usagef("translate: name a model (seq2seq)")
		}
		return translateCmd(rest[0], rest[1:], stdout)
	case "eval", "sample":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usagef("%s: name a model (%s)", cmd, strings.Join(modelNames(), ", "))
		}
		if cmd == "sample" {
			return sampleCmd(rest[0], rest[1:], stdout)
		}
		return evalCmd(rest[0], rest[1:], stdout)
	}
	if _, ok := models[cmd]; ok {
		return trainCmd(cmd, rest, stdout, stderr)
	}
	return usagef("unknown command or model %q (commands: list, train, eval, sample, help; models: %s)", cmd, strings.Join(modelNames(), ", "))
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
	fmt.Fprintln(w, "models:")
	for _, n := range modelNames() {
		m := models[n]
		fmt.Fprintf(w, "  %-12s %s\n  %-12s tasks: %s (default %s)\n", n, m.about, "", strings.Join(m.tasks, ", "), m.defaultTask)
	}
	fmt.Fprintln(w, "tasks:")
	for _, n := range taskNames() {
		fmt.Fprintf(w, "  %-12s %s\n", n, tasks[n].about)
	}
	fmt.Fprintln(w, "prebuilt weights (zoo eval MODEL, zoo sample MODEL):")
	for _, n := range modelNames() {
		if models[n].pretrained == nil {
			continue
		}
		if _, _, err := models[n].pretrained(); err != nil {
			return err
		}
		about := "prebuilt"
		if note, ok := prebuiltNotes[n]; ok {
			about = note()
		}
		fmt.Fprintf(w, "  %-12s %s\n", n, about)
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
