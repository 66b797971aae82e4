package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/compare"
)

const compareUsage = `usage:
  zoo compare list                                       the experiments
  zoo compare EXPERIMENT [--seeds N] [--quick] [--out DIR] [--shard i/n]
  zoo compare EXPERIMENT [--seeds N] [--quick] [--out DIR] --merge DIR...
  zoo compare all [--seeds N] [--quick] [--out DIR] [--report FILE] [--shard i/n | --merge DIR...]

A run of EXPERIMENT writes DIR/EXPERIMENT/{runs.csv, curves.csv, table.md, *.png} (DIR: results,
or report for all). --shard i/n (0 ≤ i < n) runs only the runs k with k mod n = i and writes
runs.shard-i-of-n.csv and curves.shard-i-of-n.csv; --merge reads the shard files found under the
DIRs (give the same --seeds and --quick) and writes what the unsharded run writes. "all" also writes
the report (--report, default REPORT.md) with links to the plots.
`

// compareCmd is `zoo compare`.
func compareCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stdout, compareUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return nil
		}
		return usagef("compare: name an experiment (%s), all or list", strings.Join(compare.Names(), ", "))
	}
	name, rest := args[0], args[1:]
	if name == "list" {
		for _, n := range compare.Names() {
			e, _ := compare.Lookup(n)
			status := ""
			if e.Pending != "" {
				status = " (pending)"
			}
			fmt.Fprintf(stdout, "  %-12s %s%s\n", n, e.Title, status)
		}
		return nil
	}
	var merge []string
	for i, a := range rest {
		if a == "--merge" || a == "-merge" {
			for _, d := range rest[i+1:] {
				if strings.HasPrefix(d, "-") {
					return usagef("compare: --merge takes directories and comes last (found %q after it)", d)
				}
				merge = append(merge, d)
			}
			if len(merge) == 0 {
				return usagef("compare: --merge needs at least one directory")
			}
			rest = rest[:i]
			break
		}
	}
	fs := newFlagSet("compare", stdout)
	seeds := fs.Int("seeds", 1, "seeds per configuration (seed k = 1 … N)")
	quick := fs.Bool("quick", false, "the small variant: a few dozen steps, tiny widths")
	defOut := "results"
	if name == "all" {
		defOut = "report"
	}
	out := fs.String("out", defOut, "directory of the result files, tables and plots")
	shardFlag := fs.String("shard", "", "run only slice i of n (0 ≤ i < n) of the runs, e.g. 3/8")
	reportPath := fs.String("report", "REPORT.md", "report file written by \"all\"")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if *seeds < 1 {
		return usagef("compare: --seeds %d: must be at least 1", *seeds)
	}
	o := compare.Options{Quick: *quick, Seeds: *seeds}
	shard := compare.All
	if *shardFlag != "" {
		var err error
		if shard, err = compare.ParseShard(*shardFlag); err != nil {
			return usagef("compare: %v", err)
		}
		if merge != nil {
			return usagef("compare: --shard and --merge do not go together")
		}
	}
	var exps []*compare.Experiment
	if name == "all" {
		for _, n := range compare.Names() {
			e, _ := compare.Lookup(n)
			if e.Pending == "" {
				exps = append(exps, e)
			}
		}
	} else {
		e, err := compare.Lookup(name)
		if err != nil {
			return usagef("compare: %v", err)
		}
		if e.Pending != "" {
			return fmt.Errorf("compare %s: pending: %s", name, e.Pending)
		}
		exps = []*compare.Experiment{e}
	}
	link := ""
	if name == "all" {
		rel, err := filepath.Rel(filepath.Dir(*reportPath), *out)
		if err != nil {
			rel = *out
		}
		link = filepath.ToSlash(rel) + "/"
	}
	sections := map[string]string{}
	for _, e := range exps {
		var rs []compare.Result
		var err error
		if merge != nil {
			rs, err = compare.ReadResults(e, o, merge...)
		} else {
			rs, err = compare.Execute(e, o, shard, stderr)
		}
		if err != nil {
			return err
		}
		if shard.N > 1 {
			if err := compare.WriteShard(*out, e, o, shard, rs); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: shard %s: %d runs written to %s\n", e.Name, shard, len(rs), filepath.Join(*out, e.Name))
			continue
		}
		sec, err := compare.Render(*out, e, o, rs, link)
		if err != nil {
			return err
		}
		sections[e.Name] = sec
		if name != "all" {
			fmt.Fprint(stdout, sec)
		}
		fmt.Fprintf(stderr, "%s: written to %s\n", e.Name, filepath.Join(*out, e.Name))
	}
	if name == "all" && shard.N <= 1 {
		if err := compare.WriteReport(*reportPath, o, *out, sections); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report written to %s\n", *reportPath)
	}
	return nil
}
