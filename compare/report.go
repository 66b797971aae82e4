package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// ReportHeader is the beginning of REPORT.md.
func ReportHeader(o Options, out string) string {
	var b strings.Builder
	b.WriteString("# The lecture's claims, reproduced\n\n")
	b.WriteString("Every claim of lecture 10 (recurrent networks) that can be measured is an experiment of `zoo compare`; this report is what\n")
	fmt.Fprintf(&b, "`go run ./zoo compare all%s --out %s` writes, tables and plots included. Every run is a pure function of (experiment,\n", flagsOf(o), out)
	b.WriteString("configuration, seed): the same command gives the same CSV files byte for byte, and the runs can be split into shards\n")
	b.WriteString("(`--shard i/n`, see the README for a Slurm array and a Kubernetes Indexed Job) whose files merge (`--merge DIR…`) into\n")
	fmt.Fprintf(&b, "exactly these tables. The numbers of every run are in `%s/<experiment>/runs.csv`, the curves in `curves.csv`.\n\n", out)
	b.WriteString("The experiments are sized for two CPU cores (pure-Go Gorgonia, float32); where a PyTorch run of the same configuration\n")
	b.WriteString("exists (`../shared/anchors/`), its figure is quoted beside ours.\n\n")
	for _, n := range Names() {
		e := registry[n]
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", n, anchorOf(e), e.Title)
	}
	b.WriteString("\n")
	return b.String()
}

// anchorOf is the GitHub heading anchor of an experiment's section.
func anchorOf(e *Experiment) string {
	h := strings.ToLower(e.Name + ": " + e.Title)
	var b strings.Builder
	for _, r := range h {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '–' && r != '—' && r != '’':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteReport writes the report file: the header and the sections in the experiments' order.
func WriteReport(path string, o Options, out string, sections map[string]string) error {
	var b strings.Builder
	b.WriteString(ReportHeader(o, out))
	for _, n := range Names() {
		s, ok := sections[n]
		if !ok {
			e := registry[n]
			if e.Pending == "" {
				return errors.Errorf("report: experiment %s has no results", n)
			}
			s = Section(e, o, "", nil, "")
		}
		b.WriteString(s)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nn.WrapField(err, "compare.WriteReport(path)", nil)
		}
	}
	return nn.WrapField(os.WriteFile(path, []byte(b.String()), 0o644), "compare.WriteReport(path)", nil)
}
