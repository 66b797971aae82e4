// Package viz draws the zoo's pictures that are not curves: a matrix as a heatmap with a label on
// every row and column and a colour bar, drawn with gonum/plot's plotter.HeatMap.
//
// Its use is the attention map of a sequence model: row i is output (query) token i, column j
// source (key) token j, and the cell shows how much of token i's attention went to token j. The
// model packages return the matrix (seq2seq.Hypothesis.Attention, transformer.LM.AttentionMap);
// this package draws it, so every heatmap of the zoo has one grid, one palette and one NaN colour.
//
// Colours: a weight at Heatmap.Min is white, at Heatmap.Max dark blue (8, 48, 107), linearly in
// RGB between; weights outside [Min, Max] take the colour of the nearer end, and a NaN weight is
// drawn in NaNColor (pure red), so a weight that was never computed cannot pass for a zero.
package viz

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The colours of a heatmap.
var (
	// LowColor is the colour of a weight at Heatmap.Min (and below): white.
	LowColor = color.RGBA{R: 255, G: 255, B: 255, A: 255}
	// HighColor is the colour of a weight at Heatmap.Max (and above): dark blue.
	HighColor = color.RGBA{R: 8, G: 48, B: 107, A: 255}
	// NaNColor is the colour of a NaN weight: pure red.
	NaNColor = color.RGBA{R: 255, A: 255}
)

// Limits of a heatmap's size.
const (
	// DefaultCell is the side of a cell in pixels when Heatmap.Cell is 0.
	DefaultCell = 24
	// MinCell and MaxCell bound Heatmap.Cell: below 12 pixels the labels overlap.
	MinCell, MaxCell = 12, 96
	// MaxSide is the most rows or columns a heatmap may have.
	MaxSide = 512
)

// Heatmap is a matrix to draw. Values[i][j] is the cell of row i (counted from the top) and
// column j (from the left); every row must have the same length.
type Heatmap struct {
	// Values is the matrix, one slice per row; rows of unequal length are an error.
	Values [][]float64
	// RowLabels names the rows, top to bottom, on the left axis (the output tokens of an
	// attention map); nil numbers them from 0, otherwise it needs one label per row.
	RowLabels []string
	// ColLabels names the columns, left to right, under the cells, written upwards (the source
	// tokens); nil numbers them from 0, otherwise it needs one label per column.
	ColLabels []string
	// Title is written above the map; empty: none.
	Title string
	// XLabel and YLabel name the column and row axes; empty: none.
	XLabel, YLabel string
	// Min and Max are the weights drawn white and dark blue; both 0 means [0, 1], the range of
	// attention weights. Min must be below Max.
	Min, Max float64
	// Cell is the side of a cell in pixels, from MinCell to MaxCell; 0 means DefaultCell.
	Cell int
}

// check validates the heatmap and returns its rows, columns, cell side and colour range.
func (h *Heatmap) check() (rows, cols, cell int, lo, hi float64, err error) {
	rows = len(h.Values)
	if rows == 0 {
		return 0, 0, 0, 0, 0, errors.New("viz: heatmap has no rows")
	}
	cols = len(h.Values[0])
	if cols == 0 {
		return 0, 0, 0, 0, 0, errors.New("viz: heatmap row 0 is empty")
	}
	for i, r := range h.Values {
		if len(r) != cols {
			return 0, 0, 0, 0, 0, errors.Errorf("viz: heatmap row %d has %d values, row 0 has %d (the matrix must be rectangular)", i, len(r), cols)
		}
	}
	if rows > MaxSide || cols > MaxSide {
		return 0, 0, 0, 0, 0, errors.Errorf("viz: heatmap of %d×%d cells: at most %d a side", rows, cols, MaxSide)
	}
	if h.RowLabels != nil && len(h.RowLabels) != rows {
		return 0, 0, 0, 0, 0, errors.Errorf("viz: %d row labels for %d rows", len(h.RowLabels), rows)
	}
	if h.ColLabels != nil && len(h.ColLabels) != cols {
		return 0, 0, 0, 0, 0, errors.Errorf("viz: %d column labels for %d columns", len(h.ColLabels), cols)
	}
	cell = h.Cell
	if cell == 0 {
		cell = DefaultCell
	}
	if cell < MinCell || cell > MaxCell {
		return 0, 0, 0, 0, 0, errors.Errorf("viz: heatmap cell of %d pixels: want %d to %d", h.Cell, MinCell, MaxCell)
	}
	lo, hi = h.Min, h.Max
	if lo == 0 && hi == 0 {
		hi = 1
	}
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return 0, 0, 0, 0, 0, errors.Errorf("viz: heatmap colour range [%v, %v]: want finite Min < Max", h.Min, h.Max)
	}
	return rows, cols, cell, lo, hi, nil
}

// grid adapts a rectangular [][]float64 to plotter.GridXYZ: column c at x = c, row r at y = r
// (the y axis is inverted, so row 0 is at the top).
type grid [][]float64

func (g grid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g grid) Z(c, r int) float64 { return g[r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// ramp is the colour map from LowColor at min to HighColor at max, linear in RGB.
type ramp struct{ min, max float64 }

func (m *ramp) At(v float64) (color.Color, error) {
	switch {
	case math.IsNaN(v):
		return nil, palette.ErrNaN
	case v < m.min:
		return nil, palette.ErrUnderflow
	case v > m.max:
		return nil, palette.ErrOverflow
	}
	return shade((v - m.min) / (m.max - m.min)), nil
}
func (m *ramp) Max() float64       { return m.max }
func (m *ramp) SetMax(v float64)   { m.max = v }
func (m *ramp) Min() float64       { return m.min }
func (m *ramp) SetMin(v float64)   { m.min = v }
func (m *ramp) Alpha() float64     { return 1 }
func (m *ramp) SetAlpha(a float64) {}
func (m *ramp) Palette(n int) palette.Palette {
	p := make(colors, n)
	for i := range p {
		p[i] = shade(float64(i) / float64(max(n-1, 1)))
	}
	return p
}

// colors is a palette.Palette of fixed colours.
type colors []color.Color

func (c colors) Colors() []color.Color { return c }

// shade is the colour at fraction f in [0, 1] of the way from LowColor to HighColor.
func shade(f float64) color.RGBA {
	lerp := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*f)) }
	return color.RGBA{lerp(LowColor.R, HighColor.R), lerp(LowColor.G, HighColor.G), lerp(LowColor.B, HighColor.B), 255}
}

// paletteColors is the number of colours the cells are drawn with.
const paletteColors = 256

// Layout constants, in pixels (the canvas is drawn at 72 dots per inch, one pixel a point).
const (
	dpi      = 72
	pad      = 8  // blank border around the drawing
	barGap   = 16 // between the map and the colour bar's labels
	barWidth = 16
	fontSize = 11
)

// layout is a heatmap's plots and where they go.
type layout struct {
	heat, bar  *plot.Plot
	w, h       vg.Length // the image
	heatRect   vg.Rectangle
	barRect    vg.Rectangle
	rows, cols int
	cell       int
}

// plan builds the two plots (the map and its colour bar) and sizes the image so that every cell
// is Cell pixels square.
func (h *Heatmap) plan() (*layout, error) {
	rows, cols, cell, lo, hi, err := h.check()
	if err != nil {
		return nil, err
	}
	cm := &ramp{lo, hi}
	hm := plotter.NewHeatMap(grid(h.Values), cm.Palette(paletteColors))
	hm.Min, hm.Max = lo, hi
	hm.Underflow, hm.Overflow, hm.NaN = LowColor, HighColor, NaNColor

	p := plot.New()
	p.Title.Text = h.Title
	p.Title.TextStyle.Font.Size = fontSize + 1
	p.X.Label.Text, p.Y.Label.Text = h.XLabel, h.YLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = fontSize
		a.Tick.Label.Font.Size = fontSize
		a.Padding = 0
		a.Tick.Length = 3
	}
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	p.X.Tick.Marker = plot.ConstantTicks(ticks(h.ColLabels, cols))
	p.Y.Tick.Marker = plot.ConstantTicks(ticks(h.RowLabels, rows))
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Add(hm)

	b := plot.New()
	b.HideX()
	b.X.Padding, b.Y.Padding = 0, 0
	b.Y.Tick.Label.Font.Size = fontSize
	b.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: lo, Label: tickText(lo)}, {Value: (lo + hi) / 2, Label: tickText((lo + hi) / 2)}, {Value: hi, Label: tickText(hi)}})
	b.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true, Colors: paletteColors})

	// The axes' sizes depend on the labels only, so the margins around the data area are measured
	// on a probe canvas and the image made that much larger than the cells; the glyph padding of
	// gonum/plot makes the margins depend weakly on the size, hence a few rounds.
	dw, dh := vg.Length(cols*cell), vg.Length(rows*cell)
	w, ht := dw+200, dh+200
	var dc draw.Canvas
	for range 4 {
		dc = p.DataCanvas(dcAt(vg.Rectangle{Max: vg.Point{X: w, Y: ht}}))
		sw, sh := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		if math.Abs(float64(sw-dw)) < 0.01 && math.Abs(float64(sh-dh)) < 0.01 {
			break
		}
		w, ht = w+dw-sw, ht+dh-sh
	}
	// The colour bar's strip: its tick labels and the bar, as high as the cells.
	bw := b.DataCanvas(dcAt(vg.Rectangle{Max: vg.Point{X: 1000, Y: dh}}))
	barStrip := (1000 - (bw.Max.X - bw.Min.X)) + barWidth
	l := &layout{heat: p, bar: b, rows: rows, cols: cols, cell: cell}
	l.w = vg.Length(math.Ceil(float64(w + barGap + barStrip + 2*pad)))
	l.h = vg.Length(math.Ceil(float64(ht + 2*pad)))
	l.heatRect = vg.Rectangle{Min: vg.Point{X: pad, Y: l.h - pad - ht}, Max: vg.Point{X: pad + w, Y: l.h - pad}}
	// The bar spans the cells' rows (the data canvas's vertical extent, shifted into place) and
	// half a label more at either end, which gonum/plot keeps free for the end labels.
	y0 := l.heatRect.Min.Y + dc.Min.Y - fontSize/2
	l.barRect = vg.Rectangle{Min: vg.Point{X: pad + w + barGap, Y: y0}, Max: vg.Point{X: pad + w + barGap + barStrip, Y: y0 + dh + fontSize}}
	return l, nil
}

// ticks is one tick per index, labelled by labels or by the index.
func ticks(labels []string, n int) []plot.Tick {
	t := make([]plot.Tick, n)
	for i := range t {
		t[i].Value = float64(i)
		if labels != nil {
			t[i].Label = labels[i]
		} else {
			t[i].Label = tickText(float64(i))
		}
	}
	return t
}

// tickText is v in the shortest form that reads back as v.
func tickText(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Size is the width and height in pixels of the image Image draws: the cells (Cell pixels square
// each), the axes with their labels, the colour bar and a border of 8 pixels.
func (h Heatmap) Size() (w, ht int, err error) {
	l, err := h.plan()
	if err != nil {
		return 0, 0, err
	}
	return int(l.w), int(l.h), nil
}

// Image draws the heatmap: the cells, the row labels on the left, the column labels below
// (written upwards), the title above and a colour bar on the right.
func (h Heatmap) Image() (image.Image, error) {
	l, err := h.plan()
	if err != nil {
		return nil, err
	}
	c := vgimg.NewWith(vgimg.UseWH(l.w, l.h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	l.heat.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: l.heatRect})
	l.bar.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: l.barRect})
	return c.Image(), nil
}

// WritePNG writes the heatmap's Image as PNG.
func (h Heatmap) WritePNG(w io.Writer) error {
	img, err := h.Image()
	if err != nil {
		return err
	}
	return errors.Wrap(png.Encode(w, img), "viz: writing the heatmap PNG")
}

// SavePNG writes the heatmap's Image as a PNG file at path (created or truncated). The image is
// drawn before the file is opened, so a heatmap that cannot be drawn leaves no file.
func (h Heatmap) SavePNG(path string) error {
	var buf bytes.Buffer
	if err := h.WritePNG(&buf); err != nil {
		return err
	}
	return errors.Wrapf(os.WriteFile(path, buf.Bytes(), 0o644), "viz: heatmap")
}

// dcAt is a canvas for measuring only: a rectangle and no drawing surface.
func dcAt(r vg.Rectangle) draw.Canvas { return draw.Canvas{Rectangle: r} }
