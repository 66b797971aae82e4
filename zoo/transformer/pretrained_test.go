package transformer

import (
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// TestPretrained evaluates the prebuilt model on the Opticks validation split, as training
// evaluated it (886 windows of 64 characters, batches of 32), and checks it reproduces the stated
// bits per character; then it generates text from it.
func TestPretrained(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates the prebuilt model on the validation split")
	}
	m, err := Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	text, err := datasets.Opticks()
	if err != nil {
		t.Fatal(err)
	}
	_, valid := text.Split(datasets.TextTrainFrac)
	val, err := datasets.Windows(valid, text.Vocab, 64, 64)
	if err != nil {
		t.Fatal(err)
	}
	gs := train.NewGraphs(m)
	defer gs.Close()
	met, err := train.Evaluate(gs, val, 32)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("prebuilt transformer: validation %.4f bits/char (%.4f nats) on %d windows", met["bpc"], met["loss"], val.Len())
	if math.Abs(met["bpc"]-PretrainedValBPC) > 5e-5 {
		t.Errorf("validation %.5f bits/char, the README states %.4f", met["bpc"], PretrainedValBPC)
	}
	prime, err := text.Encode([]byte("The Light "))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := m.Generate(prime, 80, 0.5, nn.NewRNG(1, nn.StreamSample, 0))
	if err != nil {
		t.Fatal(err)
	}
	s, err := text.Decode(gen)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sample: %q", "The Light "+string(s))
	// A trained model writes word-like text: most of its characters are lower-case letters or
	// spaces.
	letters := 0
	for _, c := range string(s) {
		if c == ' ' || (c >= 'a' && c <= 'z') {
			letters++
		}
	}
	if letters < 60 || strings.Count(string(s), " ") < 5 {
		t.Errorf("sample %q does not look like English", s)
	}
}
