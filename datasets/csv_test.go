package datasets

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pkg/errors"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadCSVClassification(t *testing.T) {
	p := writeFile(t, "flowers.csv", "width, kind ,length\n1.5,setosa,2\n2.5, virginica,3e0\n-1,setosa,0.25\n4,versicolor,1\n")
	tab, err := LoadCSV(p, "kind", Classification)
	if err != nil {
		t.Fatal(err)
	}
	info := tab.Info()
	if info.Name != "flowers" || info.Dim != 2 || info.Classes != 3 || tab.Len() != 4 {
		t.Fatalf("info %+v len %d", info, tab.Len())
	}
	if got := tab.ClassNames(); !slices.Equal(got, []string{"setosa", "versicolor", "virginica"}) {
		t.Errorf("class names %v", got)
	}
	b := All(tab)
	if !slices.Equal(b.X, []float64{1.5, 2, 2.5, 3, -1, 0.25, 4, 1}) {
		t.Errorf("X = %v", b.X)
	}
	if !slices.Equal(b.Labels, []int{0, 2, 0, 1}) {
		t.Errorf("labels = %v", b.Labels)
	}
}

func TestReadCSVNumericClassOrder(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("x,digit\n0,10\n1,2\n2,-1\n3,2\n"), "d", "digit", Classification)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.ClassNames(); !slices.Equal(got, []string{"-1", "2", "10"}) {
		t.Errorf("class names %v, want numeric order", got)
	}
	if got := All(tab).Labels; !slices.Equal(got, []int{2, 1, 0, 1}) {
		t.Errorf("labels %v", got)
	}
}

func TestReadCSVRegression(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("price,area,rooms\n3.5,0.2,1\n\n4,0.4,2\n"), "houses", "price", Regression)
	if err != nil {
		t.Fatal(err)
	}
	b := All(tab)
	if tab.Info().Kind != Regression || b.YDim != 1 || !slices.Equal(b.Y, []float64{3.5, 4}) || !slices.Equal(b.X, []float64{0.2, 1, 0.4, 2}) {
		t.Errorf("batch %+v", b)
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct {
		name, text, target string
		kind               Kind
		want               string
	}{
		{"empty", "", "y", Regression, "data.csv: empty file"},
		{"no target", "a,b\n1,2\n", "y", Regression, `data.csv:1: no target column "y"`},
		{"only target", "y\n1\n", "y", Regression, "want at least one feature column"},
		{"duplicate", "a,y,a\n1,2,3\n", "y", Regression, `data.csv:1: column "a" appears twice`},
		{"no rows", "a,y\n", "y", Regression, "data.csv: header but no data rows"},
		{"short row", "a,y\n1,2\n3\n", "y", Regression, "data.csv:3: 1 fields, header has 2"},
		{"long row", "a,y\n1,2\n3,4,5\n", "y", Classification, "data.csv:3: 3 fields, header has 2"},
		{"not a number", "area,y\n1,2\n2,3\n3,4\n4,5\n5,6\n6,7\nabc,8\n", "y", Regression, `data.csv:8: column "area": parse "abc": not a number`},
		{"target not a number", "a,y\n1,two\n", "y", Regression, `data.csv:2: column "y": parse "two": not a number`},
		{"empty value", "a,y\n,1\n", "y", Classification, `data.csv:2: column "a": empty value`},
		{"empty class", "a,y\n1,\n", "y", Classification, `data.csv:2: column "y": empty class name`},
		{"infinite", "a,y\n1,2\nInf,3\n", "y", Regression, `data.csv:3: column "a": parse "Inf": not a finite number`},
		{"nan", "a,y\nNaN,3\n", "y", Regression, `parse "NaN": not a finite number`},
		{"range", "a,y\n1e999,3\n", "y", Regression, `parse "1e999": out of range`},
		{"bad quote", "a,y\n1,\"x\n", "y", Classification, "data.csv:2:"},
		{"sequence", "a,y\n1,2\n", "y", Sequence, "not sequence"},
	}
	for _, c := range cases {
		p := writeFile(t, "data.csv", c.text)
		_, err := LoadCSV(p, c.target, c.kind)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := strings.ReplaceAll(err.Error(), p, "data.csv")
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, msg, c.want)
		}
	}
}

func TestLoadCSVMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.csv")
	_, err := LoadCSV(p, "y", Regression)
	if err == nil || !strings.Contains(err.Error(), p) || !os.IsNotExist(errors.Cause(err)) {
		t.Errorf("error %v, want a not-exist error naming %s", err, p)
	}
}
