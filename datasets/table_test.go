package datasets

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNewClassTable(t *testing.T) {
	tab, err := NewClassTable("t", [][]float64{{1, 2}, {3, 4}, {5, 6}}, []int{2, 0, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info := tab.Info(); info.Classes != 3 || info.Dim != 2 || tab.Len() != 3 {
		t.Errorf("info %+v", info)
	}
	b := tab.Batch([]int{2, 0, 2})
	if b.N != 3 || !slices.Equal(b.X, []float64{5, 6, 1, 2, 5, 6}) || !slices.Equal(b.Labels, []int{1, 2, 1}) || b.Y != nil {
		t.Errorf("batch %+v", b)
	}
	if !slices.Equal(tab.Row(1), []float64{3, 4}) || tab.Label(0) != 2 || tab.Target(0) != nil {
		t.Error("row accessors")
	}
	if err := tab.SetClassNames([]string{"a", "b"}); err == nil {
		t.Error("two names for three classes accepted")
	}
	if err := tab.SetClassNames([]string{"a", "b", "c"}); err != nil || tab.ClassNames()[2] != "c" {
		t.Errorf("SetClassNames: %v", err)
	}
}

func TestTableErrors(t *testing.T) {
	cases := []struct {
		x      [][]float64
		labels []int
		k      int
		want   string
	}{
		{[][]float64{{1}, {2}}, []int{0}, 0, "2 rows but 1 labels"},
		{nil, nil, 0, "no rows"},
		{[][]float64{{}}, []int{0}, 0, "x row 0 is empty"},
		{[][]float64{{1, 2}, {3}}, []int{0, 0}, 0, "x row 1 has 1 values, row 0 has 2"},
		{[][]float64{{1, math.NaN()}}, []int{0}, 0, "x row 0 column 1 is NaN"},
		{[][]float64{{1}}, []int{-1}, 0, "label -1 of row 0 is negative"},
		{[][]float64{{1}, {2}}, []int{0, 3}, 2, "label 3 does not fit 2 classes"},
	}
	for _, c := range cases {
		if _, err := NewClassTable("t", c.x, c.labels, c.k); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewClassTable(%v, %v, %d): %v, want %q", c.x, c.labels, c.k, err, c.want)
		}
	}
	if _, err := NewRegressionTable("r", [][]float64{{1}}, [][]float64{{1}, {2}}); err == nil || !strings.Contains(err.Error(), "1 rows but 2 target rows") {
		t.Errorf("regression count mismatch: %v", err)
	}
	if _, err := NewRegressionTable("r", [][]float64{{1}}, [][]float64{{math.Inf(1)}}); err == nil || !strings.Contains(err.Error(), "y row 0 column 0 is +Inf") {
		t.Errorf("infinite target: %v", err)
	}
}

func TestRegressionTableAndStandardizer(t *testing.T) {
	tab, err := NewRegressionTable("r", [][]float64{{1, 5}, {3, 5}, {5, 5}}, [][]float64{{1, 10}, {2, 20}, {3, 30}})
	if err != nil {
		t.Fatal(err)
	}
	if b := tab.Batch([]int{1}); b.YDim != 2 || !slices.Equal(b.Y, []float64{2, 20}) || b.Labels != nil {
		t.Errorf("batch %+v", b)
	}
	if err := tab.SetClassNames([]string{"x"}); err == nil {
		t.Error("class names on a regression table accepted")
	}
	s := FitStandardizer(tab)
	// Feature 0: mean 3, population std sqrt(8/3); feature 1 is constant, so its std is 1.
	if s.Mean[0] != 3 || math.Abs(s.Std[0]-math.Sqrt(8.0/3)) > 1e-12 || s.Mean[1] != 5 || s.Std[1] != 1 {
		t.Errorf("standardizer %+v", s)
	}
	v, err := s.Apply(tab)
	if err != nil {
		t.Fatal(err)
	}
	b := All(v)
	want := []float64{-2 / math.Sqrt(8.0/3), 0, 0, 0, 2 / math.Sqrt(8.0/3), 0}
	for i := range want {
		if math.Abs(b.X[i]-want[i]) > 1e-12 {
			t.Fatalf("standardised X = %v, want %v", b.X, want)
		}
	}
	if !slices.Equal(tab.Row(0), []float64{1, 5}) {
		t.Error("Apply modified the table")
	}
	if _, err := s.Apply(Housing(3, 1)); err == nil {
		t.Error("standardizer of 2 features applied to other data without error")
	}
}
