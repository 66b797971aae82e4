package viz_test

import (
	"fmt"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/gorgonia-zoo/modelzoo/viz"
)

// An attention map of a date translation: each output token (rows) against the source tokens
// (columns). A weight that was never computed is NaN and comes out red.
func ExampleHeatmap() {
	h := viz.Heatmap{
		Values: [][]float64{
			{0.05, 0.05, 0.10, 0.80},
			{0.70, 0.10, 0.10, 0.10},
			{0.10, 0.80, 0.05, math.NaN()},
		},
		RowLabels: []string{"2026", "-11", "-28"},
		ColLabels: []string{"Nov", "28", ",", "2026"},
		XLabel:    "source",
		YLabel:    "output",
	}
	path := filepath.Join(os.TempDir(), "viz-example-attention.png")
	defer os.Remove(path)
	if err := h.SavePNG(path); err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	w, ht, _ := h.Size()
	fmt.Println(cfg.Width == w, cfg.Height == ht)

	h.ColLabels = h.ColLabels[:3]
	fmt.Println(h.SavePNG(path))
	// Output:
	// true true
	// viz: 3 column labels for 4 columns
}
