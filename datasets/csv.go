package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// LoadCSV reads a table from the CSV file at path; see ReadCSV for the format. Errors name the
// file as path, e.g. `data.csv:7: column "area": parse "abc": not a number`. The table is named
// after the file, without directory or extension.
func LoadCSV(path, target string, kind Kind) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrapf(err, "load csv %s", path)
	}
	defer f.Close()
	t, err := ReadCSV(f, path, target, kind)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	t.info.Name = strings.TrimSuffix(base, filepath.Ext(base))
	return t, nil
}

// ReadCSV reads a table from CSV text; name is used in error messages and as the table's name.
//
// The first row is a header naming the columns. The column named target holds what is to be
// predicted; every other column is a numeric feature. For Regression the target is a number. For
// Classification the target values are class names, and the classes are numbered 0…K-1 in sorted
// order — numerically when every name is an integer (so "2" comes before "10"), otherwise by
// string — and the names are kept (Table.ClassNames). Fields are trimmed of surrounding spaces.
//
// Errors name the source and line, and the column where there is one: an empty input, a header
// without the target column or with a repeated name, no feature columns, no data rows, a row with
// the wrong number of fields, and an empty, non-numeric or non-finite value.
func ReadCSV(r io.Reader, name, target string, kind Kind) (*Table, error) {
	if kind != Classification && kind != Regression {
		return nil, errors.Errorf("%s: csv tables are classification or regression, not %s", name, kind)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted here, to give a clearer message
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.Errorf("%s: empty file: want a header row", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	cols := make([]string, len(header))
	ti := -1
	seen := make(map[string]int, len(header))
	for i, h := range header {
		cols[i] = strings.TrimSpace(h)
		if j, dup := seen[cols[i]]; dup {
			return nil, errors.Errorf("%s:1: column %s appears twice (columns %d and %d)", name, brief(cols[i]), j+1, i+1)
		}
		seen[cols[i]] = i
		if cols[i] == target {
			ti = i
		}
	}
	if ti < 0 {
		return nil, errors.Errorf("%s:1: no target column %q in header %s", name, target, briefList(cols))
	}
	if len(cols) < 2 {
		return nil, errors.Errorf("%s:1: only the target column %q; want at least one feature column", name, target)
	}
	dim := len(cols) - 1
	var x, y []float64
	var names []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			return nil, errors.Errorf("%s:%d: %d fields, header has %d", name, line, len(rec), len(cols))
		}
		for i, f := range rec {
			f = strings.TrimSpace(f)
			if i == ti && kind == Classification {
				if f == "" {
					return nil, errors.Errorf("%s:%d: column %s: empty class name", name, line, brief(cols[i]))
				}
				names = append(names, f)
				continue
			}
			v, err := parseValue(f)
			if err != nil {
				return nil, errors.Errorf("%s:%d: column %s: %v", name, line, brief(cols[i]), err)
			}
			if i == ti {
				y = append(y, v)
			} else {
				x = append(x, v)
			}
		}
	}
	if len(x) == 0 {
		return nil, errors.Errorf("%s: header but no data rows", name)
	}
	if kind == Regression {
		return newRegressionTable(name, x, dim, y, 1, 0), nil
	}
	classes := sortedClassNames(names)
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	labels := make([]int, len(names))
	for i, n := range names {
		labels[i] = index[n]
	}
	t, err := newClassTable(name, x, dim, labels, len(classes))
	if err != nil {
		return nil, err
	}
	t.classNames = classes
	return t, nil
}

// parseValue parses one numeric field, with messages like `parse "abc": not a number`.
func parseValue(f string) (float64, error) {
	if f == "" {
		return 0, errors.New("empty value")
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, errors.Errorf("parse %s: out of range", brief(f))
		}
		return 0, errors.Errorf("parse %s: not a number", brief(f))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.Errorf("parse %s: not a finite number", brief(f))
	}
	return v, nil
}

// sortedClassNames returns the distinct names, in numeric order when all are integers and in
// string order otherwise.
func sortedClassNames(names []string) []string {
	set := slices.Clone(names)
	slices.Sort(set)
	set = slices.Compact(set)
	nums := make(map[string]int64, len(set))
	for _, s := range set {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return set
		}
		nums[s] = v
	}
	slices.SortStableFunc(set, func(a, b string) int {
		switch {
		case nums[a] < nums[b]:
			return -1
		case nums[a] > nums[b]:
			return 1
		}
		return strings.Compare(a, b)
	})
	return set
}

// brief quotes s for an error message, cut to 40 bytes: a binary file read as CSV must not fill
// the terminal.
func brief(s string) string {
	const most = 40
	if len(s) > most {
		return fmt.Sprintf("%q… (%d bytes)", s[:most], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// briefList quotes at most the first 10 names briefly.
func briefList(names []string) string {
	const most = 10
	parts := make([]string, 0, most+1)
	for i, n := range names {
		if i == most {
			parts = append(parts, fmt.Sprintf("… (%d columns)", len(names)))
			break
		}
		parts = append(parts, brief(n))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// csvError turns an encoding/csv error into one naming the source and line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errors.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return errors.Wrapf(err, "read csv %s", name)
}
