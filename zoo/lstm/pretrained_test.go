package lstm_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
)

// TestPretrainedReproducesREADME evaluates the prebuilt weights on the Opticks validation windows
// and requires exactly the bits per character of the record, which the README states.
func TestPretrainedReproducesREADME(t *testing.T) {
	m, rec, err := lstm.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	text, err := datasets.Opticks()
	if err != nil {
		t.Skip(err)
	}
	_, valid := text.Split(datasets.TextTrainFrac)
	val, err := datasets.Windows(valid, text.Vocab, m.Config.T, m.Config.T)
	if err != nil {
		t.Fatal(err)
	}
	gs := train.NewGraphs(m)
	defer gs.Close()
	met, err := train.Evaluate(gs, val, 32)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.4f", met["bpc"]); got != fmt.Sprintf("%.4f", rec.ValBPC) {
		t.Errorf("validation bits/char %s, the record says %.4f", got, rec.ValBPC)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("| lstm | %.4f |", rec.ValBPC); !strings.Contains(string(readme), want) {
		t.Errorf("README.md has no row %q", want)
	}
}
