package nn_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestEmbedding looks up rows, including a repeated one, and checks the values, the scatter-add
// gradient (the repeated row gets the sum of its rows' gradients, unused rows zero) and the
// refusal of indices outside the vocabulary.
func TestEmbedding(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 3)
	emb, err := nn.NewEmbedding(store, "emb", 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p := store.Get("emb.weight"); p == nil || !p.Value.Shape().Eq(tensor.Shape{5, 2}) || p.Transposed {
		t.Fatalf("emb.weight: %+v", p)
	}
	table := []float64{0, 1, 10, 11, 20, 21, 30, 31, 40, 41}
	if err := nn.SetFloat64s(emb.Weight.Value, table); err != nil {
		t.Fatal(err)
	}
	g := nn.NewGraph(store, 3, true)
	ids, vecs, err := emb.Lookup(g, "ids", 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Set([]int{3, 1, 3}); err != nil {
		t.Fatal(err)
	}
	if err := ids.Set([]int{0, 5, 1}); err == nil || !strings.Contains(err.Error(), "position 1") {
		t.Errorf("token 5 of a 5-token vocabulary: err = %v", err)
	}
	if err := ids.Set([]int{-1, 0, 1}); err == nil {
		t.Error("token -1 accepted")
	}
	w := g.Input("w", 3, 2)
	if err := w.Set([]float64{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(vecs, w.Node))))
	g.SetOutputs(loss, vecs)
	if err := g.Run(nil); err != nil {
		t.Fatal(err)
	}
	got := nn.Float64s(g.Output())
	want := []float64{30, 31, 10, 11, 30, 31}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("looked-up rows %v, want %v", got, want)
		}
	}
	gv, err := g.Nodes()[0].Grad()
	if err != nil {
		t.Fatal(err)
	}
	grad := nn.Float64s(gv.(tensor.Tensor))
	wantGrad := []float64{0, 0, 3, 4, 0, 0, 1 + 5, 2 + 6, 0, 0}
	for i := range wantGrad {
		if grad[i] != wantGrad[i] {
			t.Fatalf("table gradient %v, want %v", grad, wantGrad)
		}
	}
}

// TestEmbeddingInit checks torch.nn.Embedding's N(0, 1) initialisation and the size errors.
func TestEmbeddingInit(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 1)
	emb, err := nn.NewEmbedding(store, "e", 200, 50)
	if err != nil {
		t.Fatal(err)
	}
	v := nn.Float64s(emb.Weight.Value)
	var s, ss float64
	for _, x := range v {
		s += x
		ss += x * x
	}
	mean := s / float64(len(v))
	std := math.Sqrt(ss/float64(len(v)) - mean*mean)
	if math.Abs(mean) > 0.05 || math.Abs(std-1) > 0.05 {
		t.Errorf("initial table mean %.3f std %.3f, want 0 and 1", mean, std)
	}
	if _, err := nn.NewEmbedding(store, "f", 0, 3); err == nil {
		t.Error("an empty vocabulary accepted")
	}
	if _, err := nn.NewEmbedding(store, "e", 3, 3); err == nil {
		t.Error("a second table named e accepted")
	}
	g := nn.NewGraph(store, 2, false)
	x := g.Input("x", 2, 3)
	if _, err := emb.Forward(g, x.Node); err == nil {
		t.Error("a matrix of indices accepted")
	}
}

// A table of 10 tokens of dimension 4, looked up for a batch of 3 tokens.
func ExampleNewEmbedding() {
	store := nn.NewStore(tensor.Float32, 1)
	emb, err := nn.NewEmbedding(store, "tok", 10, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := nn.NewGraph(store, 3, false)
	ids, vecs, err := emb.Lookup(g, "ids", 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(emb.Weight.Name, emb.Weight.Value.Shape(), "->", vecs.Shape())
	fmt.Println(ids.Set([]int{2, 9, 10}))
	// Output:
	// tok.weight (10, 4) -> (3, 4)
	// nn: token 10 at position 2 of input ids outside the vocabulary [0, 10)
}
