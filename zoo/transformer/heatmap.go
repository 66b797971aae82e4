package transformer

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"github.com/pkg/errors"
)

// Heatmap draws a rows×cols matrix of weights in [0, 1] (row-major, an attention map: row i is
// query i, column j key j) as an image of cell×cell pixels per entry: weight 0 is white, weight 1
// dark blue, linearly between. Values outside [0, 1] are clamped; NaN is drawn red.
func Heatmap(weights []float64, rows, cols, cell int) (*image.RGBA, error) {
	if rows <= 0 || cols <= 0 || len(weights) != rows*cols {
		return nil, errors.Errorf("transformer: heatmap of %d weights is not %d×%d", len(weights), rows, cols)
	}
	if cell <= 0 || cell > 64 {
		return nil, errors.Errorf("transformer: heatmap cell of %d pixels: want 1 to 64", cell)
	}
	img := image.NewRGBA(image.Rect(0, 0, cols*cell, rows*cell))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			c := heatColor(weights[i*cols+j])
			for y := i * cell; y < (i+1)*cell; y++ {
				for x := j * cell; x < (j+1)*cell; x++ {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	return img, nil
}

// heatColor maps a weight to white (0) … dark blue (1).
func heatColor(v float64) color.RGBA {
	if math.IsNaN(v) {
		return color.RGBA{R: 255, A: 255}
	}
	v = math.Max(0, math.Min(1, v))
	lerp := func(a, b float64) uint8 { return uint8(math.Round(a + (b-a)*v)) }
	return color.RGBA{R: lerp(255, 8), G: lerp(255, 48), B: lerp(255, 107), A: 255}
}

// WriteAttentionPNG runs the model on tokens (1 to Context of them) and writes the attention map
// of one head of one layer (both counted from 0) as a PNG heatmap, cell pixels per entry: row i
// shows how position i spreads its attention over positions 0…i.
func (m *LM) WriteAttentionPNG(w io.Writer, tokens []int, layer, head, cell int) error {
	if layer < 0 || layer >= m.Config.Layers {
		return errors.Errorf("transformer: --layer %d: the model has layers 0 to %d", layer, m.Config.Layers-1)
	}
	if head < 0 || head >= m.Config.Heads {
		return errors.Errorf("transformer: --head %d: the model has heads 0 to %d", head, m.Config.Heads-1)
	}
	maps, err := m.Attention(tokens)
	if err != nil {
		return err
	}
	img, err := Heatmap(maps[layer][head], len(tokens), len(tokens), cell)
	if err != nil {
		return err
	}
	return errors.Wrap(png.Encode(w, img), "transformer: writing the attention PNG")
}
