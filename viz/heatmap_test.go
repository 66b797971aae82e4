package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// cellCentre is the pixel at the centre of cell (i, j) of h's image, found from the layout
// (gonum/plot measures y upwards, the image downwards).
func cellCentre(t *testing.T, h Heatmap, i, j int) image.Point {
	t.Helper()
	l, err := h.plan()
	if err != nil {
		t.Fatal(err)
	}
	dc := l.heat.DataCanvas(dcAt(l.heatRect))
	x := dc.Min.X + vg.Length(float64(j)+0.5)*vg.Length(l.cell)
	y := dc.Max.Y - vg.Length(float64(i)+0.5)*vg.Length(l.cell)
	return image.Pt(int(x), int(l.h-y))
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// TestHeatmapPNG: the PNG has the size Size reports, every cell is Cell pixels square and shaded
// by its weight on the white→dark blue ramp, a NaN cell is NaNColor and nothing else is.
func TestHeatmapPNG(t *testing.T) {
	nan := math.NaN()
	h := Heatmap{
		Values:    [][]float64{{1, 0, 0.5, 0.25}, {0.1, 0.9, nan, 0}, {0.3, 1.7, -0.2, 0.1}},
		RowLabels: []string{"2026", "-", "<eos>"},
		ColLabels: []string{"Nov", "28", ",", "2026"},
		Title:     "attention", XLabel: "source", YLabel: "output",
		Cell: 20,
	}
	var buf bytes.Buffer
	if err := h.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w, ht, err := h.Size()
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != ht {
		t.Fatalf("PNG of %v, Size says %d×%d", b, w, ht)
	}
	// One more column and one more row add exactly one cell each way.
	h2 := h
	h2.Values = [][]float64{{1, 0, 0.5, 0.25, 0}, {0.1, 0.9, nan, 0, 0}, {0.3, 1.7, -0.2, 0.1, 0}, {0, 0, 0, 0, 0}}
	h2.RowLabels, h2.ColLabels = append(h.RowLabels, "-"), append(h.ColLabels, ",")
	if w2, ht2, err := h2.Size(); err != nil || w2 != w+20 || ht2 != ht+20 {
		t.Errorf("5×4 cells: %d×%d (%v), want %d×%d", w2, ht2, err, w+20, ht+20)
	}

	want := func(v float64) color.RGBA {
		switch {
		case math.IsNaN(v):
			return NaNColor
		case v <= 0:
			return LowColor
		case v >= 1:
			return HighColor
		}
		return shade(math.Floor(v*(paletteColors-1)+0.5) / (paletteColors - 1)) // the palette entry
	}
	var nanBox image.Rectangle
	for i, row := range h.Values {
		for j, v := range row {
			p := cellCentre(t, h, i, j)
			// the whole cell but a pixel at each edge (anti-aliasing) has the one colour
			for dy := -8; dy <= 8; dy++ {
				for dx := -8; dx <= 8; dx++ {
					if got := rgba(img.At(p.X+dx, p.Y+dy)); got != want(v) {
						t.Fatalf("cell (%d,%d) = %v: pixel %v drawn %v, want %v", i, j, v, p.Add(image.Pt(dx, dy)), got, want(v))
					}
				}
			}
			if math.IsNaN(v) {
				nanBox = image.Rect(p.X-11, p.Y-11, p.X+11, p.Y+11)
			}
		}
	}
	if want(1) != (color.RGBA{8, 48, 107, 255}) || want(0) != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("ramp ends %v, %v: want white and (8, 48, 107)", want(0), want(1))
	}
	if c := want(0.5); c != (color.RGBA{131, 151, 181, 255}) {
		t.Errorf("weight 0.5 drawn %v, want (131, 151, 181) (the RGB midpoint, palette entry 128 of 256)", c)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if rgba(img.At(x, y)) == NaNColor && !image.Pt(x, y).In(nanBox) {
				t.Fatalf("pixel (%d,%d) outside the NaN cell is NaNColor", x, y)
			}
		}
	}
}

// TestHeatmapErrors: a matrix that is not rectangular, label counts that do not match, and sizes
// or ranges out of bounds are errors naming what is wrong, not panics or empty images.
func TestHeatmapErrors(t *testing.T) {
	ok := [][]float64{{0.5, 0.5}, {1, 0}}
	tall := make([][]float64, MaxSide+1)
	for i := range tall {
		tall[i] = []float64{0}
	}
	for _, c := range []struct {
		h    Heatmap
		want string
	}{
		{Heatmap{}, "no rows"},
		{Heatmap{Values: [][]float64{{}}}, "row 0 is empty"},
		{Heatmap{Values: [][]float64{{1, 0}, {1}}}, "row 1 has 1 values, row 0 has 2"},
		{Heatmap{Values: ok, RowLabels: []string{"a"}}, "1 row labels for 2 rows"},
		{Heatmap{Values: ok, ColLabels: []string{"a", "b", "c"}}, "3 column labels for 2 columns"},
		{Heatmap{Values: ok, Cell: 5}, "cell of 5 pixels"},
		{Heatmap{Values: ok, Cell: 500}, "cell of 500 pixels"},
		{Heatmap{Values: ok, Min: 1, Max: 1}, "colour range"},
		{Heatmap{Values: ok, Min: 0, Max: math.Inf(1)}, "colour range"},
		{Heatmap{Values: tall}, "513×1 cells: at most 512"},
		{Heatmap{Values: [][]float64{make([]float64, MaxSide+1)}}, "at most 512"},
	} {
		var buf bytes.Buffer
		err := c.h.WritePNG(&buf)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.h, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%+v: %d bytes written with the error", c.h, buf.Len())
		}
	}
	path := filepath.Join(t.TempDir(), "bad.png")
	if err := (Heatmap{Values: [][]float64{{1}, {1, 2}}}).SavePNG(path); err == nil {
		t.Error("ragged matrix saved")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a heatmap that cannot be drawn left a file (%v)", err)
	}
}

// TestHeatmapDefaults: nil labels number the rows and columns, Cell 0 is DefaultCell, Min = Max = 0
// is [0, 1], and SavePNG writes the same bytes as WritePNG.
func TestHeatmapDefaults(t *testing.T) {
	h := Heatmap{Values: [][]float64{{0, 1}, {1, 0}}}
	path := filepath.Join(t.TempDir(), "h.png")
	if err := h.SavePNG(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := h.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Error("SavePNG and WritePNG differ")
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	p := cellCentre(t, h, 0, 1)
	if c := rgba(img.At(p.X, p.Y)); c != HighColor {
		t.Errorf("weight 1 of the default range drawn %v, want %v", c, HighColor)
	}
	l, _ := h.plan()
	if l.cell != DefaultCell {
		t.Errorf("cell %d, want DefaultCell %d", l.cell, DefaultCell)
	}
}
