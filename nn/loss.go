package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tensorLike is what Float64s reads.
type tensorLike = tensor.Tensor

// CrossEntropy is the softmax cross-entropy head over logits (N, K): loss = −(1/N)·Σ_n log
// softmax(z_n)[y_n], as torch.nn.CrossEntropyLoss, or, built by NewMaskedCrossEntropy, the
// weighted mean Σ_n w_n·CE_n / Σ_n w_n whose 0/1 weights mask out the padding of a batch of
// sequences. It is one op (softmaxCrossEntropy in ops_ce.go) fed integer labels, and
// NewCrossEntropy and NewMaskedCrossEntropy are the package's one way to build it.
type CrossEntropy struct {
	Loss    *G.Node // the scalar loss
	labels  *Input
	weights *Input // nil for the plain mean
	lbuf    []int
	wbuf    []float64
	k       int
}

// NewCrossEntropy builds the head over logits of shape (N, K): the mean over all N rows.
func NewCrossEntropy(g *Graph, logits *G.Node) (*CrossEntropy, error) {
	return newCrossEntropy(g, logits, false)
}

// NewMaskedCrossEntropy builds the weighted head over logits of shape (N, K), fed through
// SetMasked: loss = Σ_n w_n·CE_n / Σ_n w_n, so weights of 1 at real rows and 0 at padding give the
// mean over the real rows (torch's ignore_index with reduction "mean").
func NewMaskedCrossEntropy(g *Graph, logits *G.Node) (*CrossEntropy, error) {
	return newCrossEntropy(g, logits, true)
}

func newCrossEntropy(g *Graph, logits *G.Node, masked bool) (*CrossEntropy, error) {
	if logits.Dims() != 2 {
		return nil, errors.Errorf("nn: cross-entropy expects (N, K) logits, got %v", logits.Shape())
	}
	n, k := logits.Shape()[0], logits.Shape()[1]
	h := &CrossEntropy{labels: g.IntInput("labels", n), lbuf: make([]int, n), k: k}
	var w *G.Node
	if masked {
		h.weights = g.Input("label_weights", n)
		h.wbuf = make([]float64, n)
		w = h.weights.Node
	}
	var err error
	h.Loss, err = softmaxCrossEntropy(logits, h.labels.Node, w)
	return h, err
}

// SetLabels feeds the class of each row; a label outside [0, K) is an error naming the row. A
// masked head gets weight 1 on every row.
func (h *CrossEntropy) SetLabels(labels []int) error {
	if len(labels) != len(h.lbuf) {
		return errors.Errorf("nn: cross-entropy built for %d rows, fed %d labels", len(h.lbuf), len(labels))
	}
	for n, y := range labels {
		if y < 0 || y >= h.k {
			return errors.Errorf("nn: label %d of row %d outside [0, %d)", y, n, h.k)
		}
	}
	if h.weights != nil {
		for i := range h.wbuf {
			h.wbuf[i] = 1
		}
		if err := h.weights.Set(h.wbuf); err != nil {
			return err
		}
	}
	return h.labels.SetInts(labels)
}

// SetMasked feeds the class and the weight of each row of a head built by NewMaskedCrossEntropy.
// A row of weight 0 does not count and its label is not read (any value will do); the others
// need a label in [0, K) and a weight ≥ 0. Errors name the row.
func (h *CrossEntropy) SetMasked(labels []int, weights []float64) error {
	if h.weights == nil {
		return errors.New("nn: SetMasked on a cross-entropy head built without weights (use NewMaskedCrossEntropy)")
	}
	if len(labels) != len(h.lbuf) || len(weights) != len(h.lbuf) {
		return errors.Errorf("nn: cross-entropy built for %d rows, fed %d labels and %d weights", len(h.lbuf), len(labels), len(weights))
	}
	for n, y := range labels {
		w := weights[n]
		if !(w >= 0) || math.IsInf(w, 0) {
			return errors.Errorf("nn: weight %v of row %d: weights must be finite and ≥ 0", w, n)
		}
		h.lbuf[n] = y
		if w == 0 {
			h.lbuf[n] = 0
			continue
		}
		if y < 0 || y >= h.k {
			return errors.Errorf("nn: label %d of row %d outside [0, %d)", y, n, h.k)
		}
	}
	if err := h.weights.Set(weights); err != nil {
		return err
	}
	return h.labels.SetInts(h.lbuf)
}

// MSE is the mean squared error head: loss = (1/(N·D))·Σ (ŷ − y)², as torch.nn.MSELoss.
type MSE struct {
	Loss   *G.Node // the scalar loss
	target *Input
}

// NewMSE builds the head over predictions of shape (N, D).
func NewMSE(g *Graph, pred *G.Node) (*MSE, error) {
	if pred.Dims() != 2 {
		return nil, errors.Errorf("nn: MSE expects (N, D) predictions, got %v", pred.Shape())
	}
	h := &MSE{target: g.Input("target", pred.Shape().Clone()...)}
	d, err := G.Sub(pred, h.target.Node)
	if err == nil {
		d, err = G.Square(d)
	}
	if err == nil {
		h.Loss, err = G.Mean(d)
	}
	return h, errors.Wrap(err, "nn: MSE")
}

// SetTargets feeds the targets, N×D row-major.
func (h *MSE) SetTargets(y []float64) error { return h.target.Set(y) }
