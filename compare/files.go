package compare

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
)

// Execute performs the runs of e that belong to shard, in index order, and returns their results
// rounded as the result files hold them. log, when not nil, gets one line per run.
func Execute(e *Experiment, o Options, shard Shard, log io.Writer) ([]Result, error) {
	if e.Pending != "" {
		return nil, errors.Errorf("experiment %s is pending: %s", e.Name, e.Pending)
	}
	var rs []Result
	for _, s := range e.Runs(o) {
		if !shard.Has(s.Index) {
			continue
		}
		start := time.Now()
		out, err := e.Exec(s)
		if err != nil {
			return nil, errors.Wrapf(err, "%s run %d (%s)", e.Name, s.Index, s.ID)
		}
		if log != nil {
			fmt.Fprintf(log, "%s: run %d (%s) done in %.1fs\n", e.Name, s.Index, s.ID, time.Since(start).Seconds())
		}
		rs = append(rs, Result{Spec: s, Outcome: normalize(out)})
	}
	return rs, nil
}

// runsCSV renders the runs table: index, run, variant, seed, the parameters and the metrics, in the
// order they first appear.
func runsCSV(rs []Result, variant string) []byte {
	var params, metrics []string
	seenP, seenM := map[string]bool{}, map[string]bool{}
	for _, r := range rs {
		for _, p := range r.Params {
			if !seenP[p.Key] {
				seenP[p.Key] = true
				params = append(params, p.Key)
			}
		}
		for _, m := range r.Metrics {
			if !seenM[m.Name] {
				seenM[m.Name] = true
				metrics = append(metrics, m.Name)
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := append([]string{"index", "run", "variant", "seed"}, params...)
	for _, m := range metrics {
		head = append(head, "m:"+m)
	}
	_ = w.Write(head)
	for _, r := range rs {
		row := []string{strconv.Itoa(r.Index), r.ID, variant, strconv.FormatUint(r.Seed, 10)}
		for _, k := range params {
			row = append(row, r.Param(k))
		}
		for _, k := range metrics {
			v, ok := r.Metric(k)
			if ok {
				row = append(row, FormatFloat(v))
			} else {
				row = append(row, "")
			}
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// curvesCSV renders every point of every curve: index, run, curve, x, y.
func curvesCSV(rs []Result) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"index", "run", "curve", "x", "y"})
	for _, r := range rs {
		for _, c := range r.Curves {
			for i := range c.X {
				_ = w.Write([]string{strconv.Itoa(r.Index), r.ID, c.Name, FormatFloat(c.X[i]), FormatFloat(c.Y[i])})
			}
		}
	}
	w.Flush()
	return buf.Bytes()
}

// WriteShard writes the result files of one shard of e (runs and curves) into dir/<experiment>/.
func WriteShard(dir string, e *Experiment, o Options, shard Shard, rs []Result) error {
	d := filepath.Join(dir, e.Name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return nn.WrapField(err, "compare.WriteShard(dir)", nil)
	}
	sortResults(rs)
	if err := os.WriteFile(filepath.Join(d, "runs"+shard.suffix()+".csv"), runsCSV(rs, o.Variant()), 0o644); err != nil {
		return nn.WrapField(err, "compare.WriteShard(dir)", nil)
	}
	return nn.WrapField(os.WriteFile(filepath.Join(d, "curves"+shard.suffix()+".csv"), curvesCSV(rs), 0o644), "compare.WriteShard(dir)", nil)
}

// ReadResults reads every result file of e under the given directories (each either the dir of
// WriteShard or its <experiment> folder): runs*.csv with the curves*.csv beside them.
// A run found twice must be the same both times.
func ReadResults(e *Experiment, o Options, dirs ...string) ([]Result, error) {
	byIndex := map[int]*Result{}
	var files int
	for _, dir := range dirs {
		d := filepath.Join(dir, e.Name)
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			d = dir
		}
		runs, _ := filepath.Glob(filepath.Join(d, "runs*.csv"))
		sort.Strings(runs)
		for _, rf := range runs {
			cf := filepath.Join(filepath.Dir(rf), "curves"+strings.TrimPrefix(filepath.Base(rf), "runs"))
			rs, err := readPair(rf, cf, o.Variant())
			if err != nil {
				return nil, err
			}
			files++
			for i := range rs {
				r := rs[i]
				if old, ok := byIndex[r.Index]; ok {
					if !bytes.Equal(runsCSV([]Result{*old}, ""), runsCSV([]Result{r}, "")) || !bytes.Equal(curvesCSV([]Result{*old}), curvesCSV([]Result{r})) {
						return nil, errors.Errorf("%s: run %d (%s) differs from the same run in another file", rf, r.Index, r.ID)
					}
					continue
				}
				byIndex[r.Index] = &r
			}
		}
	}
	if files == 0 {
		return nil, errors.Errorf("compare.ReadResults(dirs) %s: no result files of %s (runs*.csv) found", strings.Join(dirs, " "), e.Name)
	}
	var rs []Result
	for _, r := range byIndex {
		rs = append(rs, *r)
	}
	sortResults(rs)
	return rs, nil
}

// readPair reads a runs file and its curves file.
func readPair(runsPath, curvesPath, variant string) ([]Result, error) {
	rows, err := readCSV(runsPath)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || len(rows[0]) < 4 || rows[0][0] != "index" || rows[0][3] != "seed" {
		return nil, errors.Errorf("%s: not a runs file (header index,run,variant,seed,…)", runsPath)
	}
	head := rows[0]
	var rs []Result
	at := map[int]int{}
	for li, row := range rows[1:] {
		line := li + 2
		if len(row) != len(head) {
			return nil, errors.Errorf("%s:%d: %d fields, the header has %d", runsPath, line, len(row), len(head))
		}
		idx, err := strconv.Atoi(row[0])
		if err != nil || idx < 0 {
			return nil, errors.Errorf("%s:%d: index %q is not a run number", runsPath, line, row[0])
		}
		if row[2] != variant {
			return nil, errors.Errorf("%s:%d: a %s run, but merging the %s variant (compare.Options.Quick must match)", runsPath, line, row[2], variant)
		}
		seed, err := strconv.ParseUint(row[3], 10, 64)
		if err != nil {
			return nil, errors.Errorf("%s:%d: seed %q", runsPath, line, row[3])
		}
		r := Result{Spec: Spec{Index: idx, ID: row[1], Seed: seed}}
		for j := 4; j < len(head); j++ {
			if name, ok := strings.CutPrefix(head[j], "m:"); ok {
				if row[j] == "" {
					continue
				}
				v, err := strconv.ParseFloat(row[j], 64)
				if err != nil {
					return nil, errors.Errorf("%s:%d: metric %s: %q is not a number", runsPath, line, name, row[j])
				}
				r.Metrics = append(r.Metrics, Metric{name, v})
			} else if row[j] != "" {
				r.Params = append(r.Params, Param{head[j], row[j]})
			}
		}
		at[idx] = len(rs)
		rs = append(rs, r)
	}
	crows, err := readCSV(curvesPath)
	if err != nil {
		return nil, err
	}
	for li, row := range crows[min(1, len(crows)):] {
		line := li + 2
		if len(row) != 5 {
			return nil, errors.Errorf("%s:%d: want 5 fields (index,run,curve,x,y)", curvesPath, line)
		}
		idx, err := strconv.Atoi(row[0])
		k, ok := at[idx]
		if err != nil || !ok {
			return nil, errors.Errorf("%s:%d: run %q is not in %s", curvesPath, line, row[0], runsPath)
		}
		x, err1 := strconv.ParseFloat(row[3], 64)
		y, err2 := strconv.ParseFloat(row[4], 64)
		if err1 != nil || err2 != nil {
			return nil, errors.Errorf("%s:%d: x %q, y %q: not numbers", curvesPath, line, row[3], row[4])
		}
		c := rs[k].Outcome.Curve(row[2])
		if c == nil {
			rs[k].Curves = append(rs[k].Curves, Curve{Name: row[2]})
			c = &rs[k].Curves[len(rs[k].Curves)-1]
		}
		c.X = append(c.X, x)
		c.Y = append(c.Y, y)
	}
	return rs, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nn.WrapField(err, "compare.ReadResults(dirs)", nil)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	return rows, errors.Wrapf(err, "%s", path)
}

// Complete checks that rs holds every run of the variant, each under its own identity.
func Complete(e *Experiment, o Options, rs []Result) error {
	want := e.Runs(o)
	have := map[int]string{}
	for _, r := range rs {
		have[r.Index] = r.ID
	}
	var missing []string
	for _, s := range want {
		id, ok := have[s.Index]
		switch {
		case !ok:
			missing = append(missing, strconv.Itoa(s.Index))
		case id != s.ID:
			return errors.Errorf("%s: run %d is %q in the files but %q in this variant (same compare.Options.Seeds and compare.Options.Quick as the shards?)", e.Name, s.Index, id, s.ID)
		}
	}
	if len(missing) > 0 {
		return errors.Errorf("%s: %d of %d runs missing (index %s): run their shards first", e.Name, len(missing), len(want), strings.Join(missing, ", "))
	}
	if len(rs) != len(want) {
		return errors.Errorf("%s: the files hold %d runs, this variant has %d (same compare.Options.Seeds as the shards?)", e.Name, len(rs), len(want))
	}
	return nil
}

// Render writes the complete results of e into dir/<experiment>/: runs.csv, curves.csv, the
// plots and table.md, and returns the section (Markdown) for a report whose image links start with
// link (the path from the report's folder to dir, ending in "/", or "").
func Render(dir string, e *Experiment, o Options, rs []Result, link string) (string, error) {
	if err := Complete(e, o, rs); err != nil {
		return "", err
	}
	d := filepath.Join(dir, e.Name)
	if err := WriteShard(dir, e, o, All, rs); err != nil {
		return "", err
	}
	body, plots, err := e.Report(rs, o, d)
	if err != nil {
		return "", errors.Wrapf(err, "%s: report", e.Name)
	}
	md := Section(e, o, body, plots, link+e.Name+"/")
	if err := os.WriteFile(filepath.Join(d, "table.md"), []byte(Section(e, o, body, plots, "")), 0o644); err != nil {
		return "", nn.WrapField(err, "compare.Render(dir)", nil)
	}
	return md, nil
}

// Section is the report text of one experiment: title, claim, setup, result and plots (linked
// under prefix).
func Section(e *Experiment, o Options, body string, plots []string, prefix string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s: %s\n\n", e.Name, e.Title)
	fmt.Fprintf(&b, "**Claim.** %s\n\n", e.Claim)
	if e.Pending != "" {
		fmt.Fprintf(&b, "**Pending.** %s\n\n", e.Pending)
		return b.String()
	}
	fmt.Fprintf(&b, "**Setup** (`zoo compare %s%s`). %s\n\n", e.Name, flagsOf(o), e.Setup(o))
	fmt.Fprintf(&b, "**Result.**\n\n%s\n", strings.TrimSpace(body))
	if e.Anchor != "" {
		fmt.Fprintf(&b, "\n**PyTorch.** %s\n", e.Anchor)
	}
	for _, p := range plots {
		fmt.Fprintf(&b, "\n![%s](%s%s)\n", strings.TrimSuffix(p, ".png"), prefix, p)
	}
	return b.String() + "\n"
}

func flagsOf(o Options) string {
	s := ""
	if o.Quick {
		s += " --quick"
	}
	if o.Seeds > 1 {
		s += fmt.Sprintf(" --seeds %d", o.Seeds)
	}
	return s
}
