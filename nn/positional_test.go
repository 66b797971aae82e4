package nn

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestSinusoidalTable(t *testing.T) {
	const d = 6
	pe := SinusoidalTable(3, d)
	want0 := []float64{0, 1, 0, 1, 0, 1}
	attnClose(t, "position 0", pe[:d], want0, 0)
	f1, f2 := math.Pow(10000, -2.0/6), math.Pow(10000, -4.0/6)
	want2 := []float64{math.Sin(2), math.Cos(2), math.Sin(2 * f1), math.Cos(2 * f1), math.Sin(2 * f2), math.Cos(2 * f2)}
	attnClose(t, "position 2", pe[2*d:], want2, 1e-15)
	odd := SinusoidalTable(2, 3)
	attnClose(t, "odd width", odd[3:], []float64{math.Sin(1), math.Cos(1), math.Sin(math.Pow(10000, -2.0/3))}, 1e-15)
}

func TestAddPositions(t *testing.T) {
	const tt, d = 3, 4
	for _, b := range []int{1, 2} {
		g := NewGraph(NewStore(tensor.Float64, 1), b, false)
		x := attnInput(t, g, "x", 1, nil, b*tt, d)
		pos, err := SinusoidalPositions(g, tt, d)
		if err != nil {
			t.Fatal(err)
		}
		y, err := AddPositions(x.Node, pos, b)
		if err != nil {
			t.Fatal(err)
		}
		xv, pe := Float64s(x.Value), SinusoidalTable(tt, d)
		vals, _ := attnRun(t, g, G.Must(G.Sum(y)), nil, y)
		want := make([]float64, len(xv))
		for i := range want {
			want[i] = xv[i] + pe[i%(tt*d)]
		}
		attnClose(t, "x + PE", vals[0], want, 1e-15)
		// Neither operand is written to by the run.
		attnClose(t, "x after the run", Float64s(x.Value), xv, 0)
		attnClose(t, "table after the run", Float64s(pos.Value().(tensor.Tensor)), pe, 0)
		if _, err := AddPositions(x.Node, pos, 3); err == nil {
			t.Error("rows that are not 3 sequences of 3 accepted")
		}
	}
}

func TestLearnedPositions(t *testing.T) {
	for _, c := range []struct{ maxLen, b, t, d, samples int }{{5, 2, 3, 4, 0}, {3, 1, 3, 2, 0}, {3, 2, 3, 2, 0}, {300, 2, 130, 3, 16}} {
		s := NewStore(tensor.Float64, 1)
		lp, err := NewLearnedPositions(s, "pos_embedding", c.maxLen, c.d, 0.02)
		if err != nil {
			t.Fatal(err)
		}
		w := Float64s(lp.Weight.Value)
		var ss float64
		for _, v := range w {
			ss += v * v
		}
		if std := math.Sqrt(ss / float64(len(w))); len(w) > 100 && (std < 0.015 || std > 0.025) {
			t.Errorf("init std %v, want ≈ 0.02", std)
		}
		g := NewGraph(s, c.b, true)
		x := attnInput(t, g, "x", 1, nil, c.b*c.t, c.d)
		y, err := lp.Forward(g, x.Node, c.b)
		if err != nil {
			t.Fatal(err)
		}
		// Value: x + rows 0..T−1 of the table for every sequence; neither x nor the table is
		// written to by the run.
		xv := Float64s(x.Value)
		vals, _ := attnRun(t, g, G.Must(G.Sum(y)), nil, y)
		attnClose(t, "x after the run", Float64s(x.Value), xv, 0)
		attnClose(t, "table after the run", Float64s(lp.Weight.Value), w, 0)
		for i := range xv {
			if want := xv[i] + w[i%(c.t*c.d)]; vals[0][i] != want {
				t.Fatalf("element %d: %v, want %v", i, vals[0][i], want)
			}
		}
		g2 := NewGraph(s, c.b, true)
		x2 := attnInput(t, g2, "x", 1, nil, c.b*c.t, c.d)
		y2, err := lp.Forward(g2, x2.Node, c.b)
		if err != nil {
			t.Fatal(err)
		}
		attnCheck(t, g2, attnLoss(t, g2, y2, 2, nil), []*G.Node{g2.Bind(lp.Weight)}, c.samples, 1e-5)
		if _, err := lp.Table(g2, c.maxLen+1); err == nil {
			t.Error("more positions than the table holds accepted")
		}
	}
}
