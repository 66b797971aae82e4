package seq2seq

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/pkg/errors"
)

// Heatmap draws attention weights as an image: row t is output token t, column j source position
// j, each a cell×cell square shaded from white (weight 0) to dark blue (weight 1), with a
// one-pixel grey grid between cells. Rows may be shorter than the longest; missing cells stay
// white.
func Heatmap(weights [][]float64, cell int) (*image.RGBA, error) {
	if len(weights) == 0 {
		return nil, errors.New("seq2seq: no attention weights to draw (a model without attention has none)")
	}
	if cell < 1 {
		return nil, errors.Errorf("seq2seq: heatmap cell size %d must be positive", cell)
	}
	cols := 0
	for _, r := range weights {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return nil, errors.New("seq2seq: attention rows are empty")
	}
	step := cell + 1
	img := image.NewRGBA(image.Rect(0, 0, cols*step+1, len(weights)*step+1))
	grid := color.RGBA{200, 200, 200, 255}
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			img.SetRGBA(x, y, grid)
		}
	}
	for t, row := range weights {
		for j := 0; j < cols; j++ {
			w := 0.0
			if j < len(row) && !math.IsNaN(row[j]) {
				w = math.Max(0, math.Min(1, row[j]))
			}
			c := Shade(w)
			for y := 0; y < cell; y++ {
				for x := 0; x < cell; x++ {
					img.SetRGBA(1+j*step+x, 1+t*step+y, c)
				}
			}
		}
	}
	return img, nil
}

// Shade is the colour of weight w in [0, 1]: white at 0, dark blue (8, 48, 107) at 1.
func Shade(w float64) color.RGBA {
	lerp := func(a, b float64) uint8 { return uint8(math.Round(a + (b-a)*w)) }
	return color.RGBA{lerp(255, 8), lerp(255, 48), lerp(255, 107), 255}
}

// WriteHeatmap writes Heatmap(weights, cell) as PNG.
func WriteHeatmap(w io.Writer, weights [][]float64, cell int) error {
	img, err := Heatmap(weights, cell)
	if err != nil {
		return err
	}
	return errors.Wrap(png.Encode(w, img), "seq2seq: writing the heatmap")
}
