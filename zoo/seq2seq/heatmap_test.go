package seq2seq

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"
)

// TestHeatmapPixels: the PNG has one cell per (output, source) pair, shaded by weight, rows of
// different lengths padded white, and it decodes back to the same pixels.
func TestHeatmapPixels(t *testing.T) {
	w := [][]float64{{1, 0, 0.5}, {0.25, 0.75}}
	var buf bytes.Buffer
	if err := WriteHeatmap(&buf, w, 4); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 3*5+1 || b.Dy() != 2*5+1 {
		t.Fatalf("size %v, want 16×11", b)
	}
	rgba := func(x, y int) color.RGBA {
		r, g, b, a := img.At(x, y).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
	for _, c := range []struct {
		row, col int
		want     color.RGBA
	}{
		{0, 0, color.RGBA{8, 48, 107, 255}},
		{0, 1, color.RGBA{255, 255, 255, 255}},
		{0, 2, color.RGBA{132, 152, 181, 255}}, // 255 + (8−255)/2 rounded, …
		{1, 2, color.RGBA{255, 255, 255, 255}}, // missing: white
	} {
		x, y := 1+c.col*5+2, 1+c.row*5+2
		if got := rgba(x, y); got != c.want {
			t.Errorf("cell (%d, %d): %v, want %v", c.row, c.col, got, c.want)
		}
	}
	if got := rgba(0, 0); got != (color.RGBA{200, 200, 200, 255}) {
		t.Errorf("grid pixel %v", got)
	}
	if err := WriteHeatmap(&buf, nil, 4); err == nil {
		t.Error("no weights accepted")
	}
}
