package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tensorLike is what Float64s reads.
type tensorLike = tensor.Tensor

// CrossEntropy is the softmax cross-entropy head: loss = −(1/N)·Σ_n log softmax(z_n)[y_n], as
// torch.nn.CrossEntropyLoss. Labels are fed as one-hot rows.
type CrossEntropy struct {
	Loss   *G.Node
	onehot *Input
	buf    []float64
	k      int
}

// NewCrossEntropy builds the head over logits of shape (N, K).
func NewCrossEntropy(g *Graph, logits *G.Node) (*CrossEntropy, error) {
	if logits.Dims() != 2 {
		return nil, errors.Errorf("nn: cross-entropy expects (N, K) logits, got %v", logits.Shape())
	}
	n, k := logits.Shape()[0], logits.Shape()[1]
	h := &CrossEntropy{onehot: g.Input("labels_onehot", n, k), buf: make([]float64, n*k), k: k}
	var err error
	must := func(v *G.Node, e error) *G.Node {
		if err == nil {
			err = e
		}
		return v
	}
	logp := must(G.LogSoftMax(logits, 1))
	sum := must(G.Sum(must(G.HadamardProd(logp, h.onehot.Node))))
	h.Loss = must(G.HadamardProd(sum, g.Scalar(-1/float64(n))))
	return h, errors.Wrap(err, "nn: cross-entropy")
}

// SetLabels feeds the class of each row; a label outside [0, K) is an error naming the row.
func (h *CrossEntropy) SetLabels(labels []int) error {
	if len(labels)*h.k != len(h.buf) {
		return errors.Errorf("nn: cross-entropy built for %d rows, fed %d labels", len(h.buf)/h.k, len(labels))
	}
	for i := range h.buf {
		h.buf[i] = 0
	}
	for n, y := range labels {
		if y < 0 || y >= h.k {
			return errors.Errorf("nn: label %d of row %d outside [0, %d)", y, n, h.k)
		}
		h.buf[n*h.k+y] = 1
	}
	return h.onehot.Set(h.buf)
}

// MSE is the mean squared error head: loss = (1/(N·D))·Σ (ŷ − y)², as torch.nn.MSELoss.
type MSE struct {
	Loss   *G.Node
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
