package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// addPositionsComposed is the reference form of AddPositions: the table broadcast over the batch
// by Gorgonia's BroadcastAdd.
func addPositionsComposed(x, pos *G.Node, batch int) (*G.Node, error) {
	t, d := pos.Shape()[0], pos.Shape()[1]
	c := &Chain{}
	x3 := c.Do(G.Reshape(x, tensor.Shape{batch, t, d}))
	p3 := c.Do(G.Reshape(pos, tensor.Shape{1, t, d}))
	y := c.Do(G.Reshape(c.Do(G.BroadcastAdd(p3, x3, []byte{0}, nil)), tensor.Shape{batch * t, d}))
	return y, c.Err
}

// TestAddPositionsMatchesBroadcastAdd holds the positions op equal to the broadcast add in value
// and in the gradients of the rows and the table, at 3 sequences of 260 steps of width 270, and
// checks it by finite differences.
func TestAddPositionsMatchesBroadcastAdd(t *testing.T) {
	build := func(fused bool, batch, steps, d int) (*Graph, *G.Node, *G.Node, []*G.Node) {
		s := NewStore(tensor.Float64, 1)
		pos, err := s.Add("pos", []int{steps, d}, true, Normal(1))
		if err != nil {
			t.Fatal(err)
		}
		g := NewGraph(s, batch, true)
		x := randomInput(g, "x", 11, batch*steps, d)
		var y *G.Node
		if fused {
			y, err = AddPositions(x.Node, g.Bind(pos), batch)
		} else {
			y, err = addPositionsComposed(x.Node, g.Bind(pos), batch)
		}
		if err != nil {
			t.Fatal(err)
		}
		return g, weighted(t, g, y, 12), y, []*G.Node{x.Node, g.Bind(pos)}
	}
	run := func(fused bool) ([][]float64, [][]float64) {
		g, loss, y, wrt := build(fused, 3, 260, 270)
		return forwardBackward(t, g, loss, []*G.Node{y}, wrt)
	}
	fv, fg := run(true)
	cv, cg := run(false)
	assertClose(t, "y", fv[0], cv[0], 0)
	assertClose(t, "dx", fg[0], cg[0], 0)
	assertClose(t, "dpos", fg[1], cg[1], 1e-12)

	g, _, y, wrt := build(true, 3, 260, 2) // narrow: the summed squares stay small for the differences
	loss := G.Must(G.Sum(G.Must(G.Square(y))))
	mustCheck(t, g, loss, wrt, 40, 1e-6)
}
