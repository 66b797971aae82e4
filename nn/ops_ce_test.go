package nn

import (
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// composedCrossEntropy is the cross-entropy composed of Gorgonia's ops, as the head was before
// the fused op: −Σ log softmax(z) ⊙ R with R the one-hot labels scaled by w_n/Σw.
func composedCrossEntropy(t testing.TB, g *Graph, z *G.Node, labels []int, w []float64) *G.Node {
	t.Helper()
	n, k := z.Shape()[0], z.Shape()[1]
	wsum := 0.0
	for i := range labels {
		wsum += w[i]
	}
	r := g.Input("onehot", n, k)
	buf := make([]float64, n*k)
	for i, y := range labels {
		if w[i] != 0 {
			buf[i*k+y] = w[i] / wsum
		}
	}
	if err := r.Set(buf); err != nil {
		t.Fatal(err)
	}
	logp := G.Must(G.LogSoftMax(z, 1))
	return G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(logp, r.Node))))))
}

// ceCase builds logits (n, k) from N(0, 2²), labels and weights (every fifth row masked).
func ceCase(n, k int) (labels []int, w []float64) {
	rng := NewRNG(7, 97, 0)
	labels = make([]int, n)
	w = make([]float64, n)
	for i := range labels {
		labels[i] = rng.IntN(k)
		w[i] = 1
		if i%5 == 3 {
			w[i], labels[i] = 0, -1 // masked rows: label not read
		}
	}
	return labels, w
}

// TestSoftmaxCrossEntropyMatchesComposed holds the fused op (plain and masked) equal to the
// composed form in the loss and the logits' gradient, at N = 300 rows of K = 260 classes.
func TestSoftmaxCrossEntropyMatchesComposed(t *testing.T) {
	const n, k = 300, 260
	labels, w := ceCase(n, k)
	for _, masked := range []bool{false, true} {
		run := func(fused bool) ([][]float64, [][]float64) {
			s := NewStore(tensor.Float64, 1)
			g := NewGraph(s, n, true)
			z := randomInput(g, "logits", 2, n, k)
			// Scale and shift the logits so that the softmax is far from uniform.
			zz := G.Must(G.Add(G.Must(G.Mul(z.Node, g.Scalar(3))), g.Scalar(1)))
			ww := w
			ls := append([]int(nil), labels...)
			if !masked {
				ww = make([]float64, n)
				for i := range ww {
					ww[i] = 1
					if ls[i] < 0 {
						ls[i] = i % k
					}
				}
			}
			var loss *G.Node
			if !fused {
				cl := append([]int(nil), ls...)
				for i := range cl {
					if cl[i] < 0 {
						cl[i] = 0
					}
				}
				loss = composedCrossEntropy(t, g, zz, cl, ww)
			} else {
				var h *CrossEntropy
				var err error
				if masked {
					h, err = NewMaskedCrossEntropy(g, zz)
					if err == nil {
						err = h.SetMasked(ls, ww)
					}
				} else {
					h, err = NewCrossEntropy(g, zz)
					if err == nil {
						err = h.SetLabels(ls)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				loss = h.Loss
			}
			// Scale the loss so that the incoming gradient is not 1.
			scaled := G.Must(G.Mul(loss, g.Scalar(1.7)))
			return forwardBackward(t, g, scaled, []*G.Node{loss}, []*G.Node{z.Node})
		}
		fv, fg := run(true)
		cv, cg := run(false)
		assertClose(t, "loss", fv[0], cv[0], 1e-12)
		assertClose(t, "dlogits", fg[0], cg[0], 1e-12)
		if math.Abs(fv[0][0]) < 1 {
			t.Errorf("loss %v: the test's logits are too tame", fv[0][0])
		}
	}
}

// TestSoftmaxCrossEntropyGradient checks the masked op by finite differences at K = 300 classes.
func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	const n, k = 20, 300
	labels, w := ceCase(n, k)
	s := NewStore(tensor.Float64, 1)
	g := NewGraph(s, n, true)
	z := randomInput(g, "logits", 3, n, k)
	h, err := NewMaskedCrossEntropy(g, z.Node)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w {
		w[i] *= 0.5 + float64(i%3) // unequal weights
	}
	if err := h.SetMasked(labels, w); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, g, h.Loss, []*G.Node{z.Node}, 60, 1e-5)
}

// TestSoftmaxCrossEntropyFloat32 compares the float32 op with a float64 computation and reruns
// it to check that the reused buffers give the same result.
func TestSoftmaxCrossEntropyFloat32(t *testing.T) {
	const n, k = 64, 93
	s := NewStore(tensor.Float32, 1)
	g := NewGraph(s, n, true)
	z := g.Input("logits", n, k)
	rng := NewRNG(3, 96, 0)
	zv := make([]float64, n*k)
	for i := range zv {
		zv[i] = float64(float32(4 * rng.NormFloat64()))
	}
	if err := z.Set(zv); err != nil {
		t.Fatal(err)
	}
	labels, _ := ceCase(n, k)
	for i := range labels {
		labels[i] = (i * 7) % k
	}
	h, err := NewCrossEntropy(g, z.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetLabels(labels); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i, y := range labels {
		row := zv[i*k : (i+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - m)
		}
		want += math.Log(sum) + m - row[y]
	}
	want /= n
	g.SetOutputs(h.Loss, nil)
	for run := 0; run < 2; run++ {
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		if got := g.Loss(); math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("run %d: float32 loss %v, float64 %v", run, got, want)
		}
	}
}

// TestSoftmaxCrossEntropyErrors checks that bad labels and weights are errors naming the row,
// whether fed through the head or straight into the op's inputs.
func TestSoftmaxCrossEntropyErrors(t *testing.T) {
	s := NewStore(tensor.Float64, 1)
	g := NewGraph(s, 3, true)
	z := randomInput(g, "logits", 1, 3, 4)
	h, err := NewMaskedCrossEntropy(g, z.Node)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.SetMasked([]int{0, 4, 1}, []float64{1, 1, 1}); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("label 4 of 4 classes: error %v, want one naming row 1", err)
	}
	if err := h.SetMasked([]int{0, 1, 1}, []float64{1, -1, 1}); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("negative weight: error %v, want one naming row 1", err)
	}
	if err := h.SetMasked([]int{0, 9, 1}, []float64{1, 0, 1}); err != nil {
		t.Errorf("masked row's label was read: %v", err)
	}
	// Straight into the inputs, past the head's checks: the run fails naming the row.
	if err := h.labels.SetInts([]int{0, 1, -2}); err != nil {
		t.Fatal(err)
	}
	if err := h.weights.Set([]float64{1, 1, 1}); err != nil {
		t.Fatal(err)
	}
	g.SetOutputs(h.Loss, nil)
	if err := g.Run(nil); err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("label −2 in the graph: error %v, want one naming row 2", err)
	}
	plain, err := NewCrossEntropy(NewGraph(s, 3, false), randomInput(g, "z2", 1, 3, 4).Node)
	if err == nil {
		err = plain.SetMasked([]int{0, 0, 0}, []float64{1, 1, 1})
	}
	if err == nil {
		t.Error("SetMasked on a plain head was accepted")
	}
}
