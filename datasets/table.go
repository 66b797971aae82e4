package datasets

import (
	"math"

	"github.com/pkg/errors"
)

// Table is an in-memory dataset of real-valued feature rows with either a class label or a vector
// of real targets per row. The synthetic generators and the file loaders all return tables.
type Table struct {
	info       Info
	x          []float64 // N×Dim, row-major
	y          []float64 // N×YDim (regression)
	labels     []int     // N (classification)
	classNames []string
}

// NewClassTable builds a classification table from feature rows x and class labels in
// [0, classes). When classes is 0 it is taken as the largest label plus one. All rows must have the
// same, non-zero length and no value may be NaN or infinite.
func NewClassTable(name string, x [][]float64, labels []int, classes int) (*Table, error) {
	if len(labels) != len(x) {
		return nil, errors.Errorf("table %q: %d rows but %d labels", name, len(x), len(labels))
	}
	flat, dim, err := flatten(name, "x", x)
	if err != nil {
		return nil, err
	}
	return newClassTable(name, flat, dim, append([]int(nil), labels...), classes)
}

// NewRegressionTable builds a regression table from feature rows x and target rows y (one per row
// of x, all of the same non-zero length). No value may be NaN or infinite.
func NewRegressionTable(name string, x, y [][]float64) (*Table, error) {
	if len(y) != len(x) {
		return nil, errors.Errorf("table %q: %d rows but %d target rows", name, len(x), len(y))
	}
	fx, dim, err := flatten(name, "x", x)
	if err != nil {
		return nil, err
	}
	fy, ydim, err := flatten(name, "y", y)
	if err != nil {
		return nil, err
	}
	return newRegressionTable(name, fx, dim, fy, ydim, 0), nil
}

// flatten copies equal-length rows into one row-major slice, checking every value is finite.
func flatten(name, what string, rows [][]float64) ([]float64, int, error) {
	if len(rows) == 0 {
		return nil, 0, errors.Errorf("table %q: no rows", name)
	}
	dim := len(rows[0])
	if dim == 0 {
		return nil, 0, errors.Errorf("table %q: %s row 0 is empty", name, what)
	}
	flat := make([]float64, 0, len(rows)*dim)
	for i, r := range rows {
		if len(r) != dim {
			return nil, 0, errors.Errorf("table %q: %s row %d has %d values, row 0 has %d", name, what, i, len(r), dim)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, errors.Errorf("table %q: %s row %d column %d is %v", name, what, i, j, v)
			}
		}
		flat = append(flat, r...)
	}
	return flat, dim, nil
}

// newClassTable takes ownership of flat and labels.
func newClassTable(name string, flat []float64, dim int, labels []int, classes int) (*Table, error) {
	maxLabel := -1
	for i, l := range labels {
		if l < 0 {
			return nil, errors.Errorf("table %q: label %d of row %d is negative", name, l, i)
		}
		maxLabel = max(maxLabel, l)
	}
	if classes == 0 {
		classes = maxLabel + 1
	}
	if classes < 0 || maxLabel >= classes {
		return nil, errors.Errorf("table %q: label %d does not fit %d classes", name, maxLabel, classes)
	}
	return &Table{
		info:   Info{Name: name, Kind: Classification, Dim: dim, Classes: classes},
		x:      flat,
		labels: labels,
	}, nil
}

// newRegressionTable takes ownership of x and y.
func newRegressionTable(name string, x []float64, dim int, y []float64, ydim int, noiseVar float64) *Table {
	return &Table{
		info: Info{Name: name, Kind: Regression, Dim: dim, YDim: ydim, NoiseVar: noiseVar},
		x:    x,
		y:    y,
	}
}

// Info describes the table.
func (t *Table) Info() Info { return t.info }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.x) / t.info.Dim }

// Row returns the features of row i. The slice shares the table's storage; do not modify it.
func (t *Table) Row(i int) []float64 { return t.x[i*t.info.Dim : (i+1)*t.info.Dim : (i+1)*t.info.Dim] }

// Label returns the class label of row i of a classification table, and 0 for other tables.
func (t *Table) Label(i int) int {
	if t.labels == nil {
		return 0
	}
	return t.labels[i]
}

// Target returns the targets of row i of a regression table, and nil for other tables. The slice
// shares the table's storage; do not modify it.
func (t *Table) Target(i int) []float64 {
	if t.y == nil {
		return nil
	}
	d := t.info.YDim
	return t.y[i*d : (i+1)*d : (i+1)*d]
}

// ClassNames returns the names of the classes, indexed by label, or nil when the table has none.
func (t *Table) ClassNames() []string { return append([]string(nil), t.classNames...) }

// SetClassNames names the classes of a classification table; there must be one name per class.
func (t *Table) SetClassNames(names []string) error {
	if t.info.Kind != Classification {
		return errors.Errorf("table %q: class names given for a %s table", t.info.Name, t.info.Kind)
	}
	if len(names) != t.info.Classes {
		return errors.Errorf("table %q: %d class names for %d classes", t.info.Name, len(names), t.info.Classes)
	}
	t.classNames = append([]string(nil), names...)
	return nil
}

// Batch gathers the rows at the given indices, in that order. It panics on an index outside
// [0, Len()), as slice indexing does.
func (t *Table) Batch(indices []int) Batch {
	d := t.info.Dim
	b := Batch{N: len(indices), Dim: d, X: make([]float64, 0, len(indices)*d)}
	for _, i := range indices {
		b.X = append(b.X, t.x[i*d:(i+1)*d]...)
	}
	switch {
	case t.labels != nil:
		b.Labels = make([]int, len(indices))
		for k, i := range indices {
			b.Labels[k] = t.labels[i]
		}
	case t.y != nil:
		yd := t.info.YDim
		b.YDim = yd
		b.Y = make([]float64, 0, len(indices)*yd)
		for _, i := range indices {
			b.Y = append(b.Y, t.y[i*yd:(i+1)*yd]...)
		}
	}
	return b
}

// Standardizer maps every feature to zero mean and unit variance with statistics measured on one
// dataset (the training part), so that the same map can be applied to the others.
type Standardizer struct {
	Mean []float64 // per-feature mean
	Std  []float64 // per-feature standard deviation; 1 where the feature is constant
}

// FitStandardizer measures the per-feature mean and (population) standard deviation of ds.
func FitStandardizer(ds Dataset) Standardizer {
	b := All(ds)
	d := b.Dim
	s := Standardizer{Mean: make([]float64, d), Std: make([]float64, d)}
	if b.N == 0 {
		for j := range s.Std {
			s.Std[j] = 1
		}
		return s
	}
	for i := 0; i < b.N; i++ {
		for j := 0; j < d; j++ {
			s.Mean[j] += b.X[i*d+j]
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(b.N)
	}
	for i := 0; i < b.N; i++ {
		for j := 0; j < d; j++ {
			v := b.X[i*d+j] - s.Mean[j]
			s.Std[j] += v * v
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / float64(b.N))
		if s.Std[j] < 1e-12 {
			s.Std[j] = 1
		}
	}
	return s
}

// Apply returns a view of ds whose features are standardised: (x - Mean) / Std. Its Dim must be
// len(s.Mean).
func (s Standardizer) Apply(ds Dataset) (Dataset, error) {
	if d := ds.Info().Dim; d != len(s.Mean) || d != len(s.Std) {
		return nil, errors.Errorf("standardize %q: dataset has %d features, standardizer %d", ds.Info().Name, d, len(s.Mean))
	}
	return standardized{ds: ds, s: s}, nil
}

type standardized struct {
	ds Dataset
	s  Standardizer
}

func (v standardized) Info() Info { return v.ds.Info() }
func (v standardized) Len() int   { return v.ds.Len() }
func (v standardized) Batch(indices []int) Batch {
	b := v.ds.Batch(indices)
	d := b.Dim
	for i := range b.X {
		j := i % d
		b.X[i] = (b.X[i] - v.s.Mean[j]) / v.s.Std[j]
	}
	return b
}
