package nn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// embeddingGraph builds a training graph looking up n tokens (with repeats) in a (num, dim) table
// through the single op or G.ByIndices, with a weighted sum as the loss.
func embeddingGraph(t *testing.T, fused bool, num, dim, n int) (*Graph, *G.Node, *G.Node, *G.Node) {
	t.Helper()
	s := NewStore(tensor.Float64, 4)
	e, err := NewEmbedding(s, "emb", num, dim)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, n, true)
	idx := g.IntInput("ids", n)
	ids := make([]int, n)
	rng := NewRNG(8, 1, 0)
	for i := range ids {
		ids[i] = rng.IntN(num / 2) // about two lookups of each row used, half the rows unused
	}
	if err := idx.SetInts(ids); err != nil {
		t.Fatal(err)
	}
	w := g.Bind(e.Weight)
	var y *G.Node
	if fused {
		y, err = EmbeddingLookup(w, idx.Node)
	} else {
		y, err = G.ByIndices(w, idx.Node, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	return g, weighted(t, g, y, 9), y, w
}

// TestEmbeddingLookupMatchesByIndices holds the lookup op equal to G.ByIndices in the looked-up
// rows and the table's gradient, at 300 lookups into a (260, 270) table with repeated rows.
func TestEmbeddingLookupMatchesByIndices(t *testing.T) {
	run := func(fused bool) ([][]float64, [][]float64) {
		g, loss, y, w := embeddingGraph(t, fused, 260, 270, 300)
		return forwardBackward(t, g, loss, []*G.Node{y}, []*G.Node{w})
	}
	fv, fg := run(true)
	cv, cg := run(false)
	assertClose(t, "rows", fv[0], cv[0], 0)
	assertClose(t, "dW", fg[0], cg[0], 1e-12)
}

// TestEmbeddingLookupGradient checks the lookup's scatter-add gradient by finite differences.
func TestEmbeddingLookupGradient(t *testing.T) {
	g, loss, _, w := embeddingGraph(t, true, 260, 3, 300)
	mustCheck(t, g, loss, []*G.Node{w}, 40, 1e-6)
}

// TestEmbeddingLookupIndexError checks that an index outside the table is an error of the run.
func TestEmbeddingLookupIndexError(t *testing.T) {
	s := NewStore(tensor.Float32, 1)
	e, err := NewEmbedding(s, "emb", 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGraph(s, 2, false)
	idx := g.IntInput("ids", 2)
	y, err := EmbeddingLookup(g.Bind(e.Weight), idx.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.SetInts([]int{1, 4}); err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(G.Must(G.Sum(y)), y)
	if err := g.Run(nil); err == nil {
		t.Error("index 4 of a 4-row table was accepted")
	}
	if _, err := EmbeddingLookup(g.Bind(e.Weight), g.Input("f", 2).Node); err == nil {
		t.Error("float indices were accepted")
	}
}
