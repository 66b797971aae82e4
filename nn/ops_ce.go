package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// softmaxCrossEntropy is the softmax cross-entropy of logits z (N, K) against integer labels y (N)
// as one op, the op behind the heads of loss.go (NewCrossEntropy, NewMaskedCrossEntropy):
//
//	CE_n = log Σ_k exp(z[n, k]) − z[n, y_n]
//	loss = Σ_n w_n·CE_n / Σ_n w_n
//
// with w_n = 1 when weights is nil (the mean, as torch.nn.CrossEntropyLoss) and otherwise the
// float vector weights (N): a row of weight 0 is masked out (its label is not read), so 0/1
// weights give the mean over the real rows of a padded batch. With Σ w_n = 0 the loss is 0.
// Weights must not be negative, and the label of every row of non-zero weight must lie in
// [0, K); a run that breaks either returns an error naming the row.
//
// The forward pass keeps the softmax it computes, and the gradient op, one pass over it,
// produces ∂loss/∂z[n, ·] = (softmax(z_n) − onehot(y_n))·w_n/Σw, scaled by the incoming gradient.
func softmaxCrossEntropy(logits, labels, weights *G.Node) (*G.Node, error) {
	if logits.Dims() != 2 {
		return nil, errors.Errorf("nn: cross-entropy expects (N, K) logits, got %v", logits.Shape())
	}
	if err := checkFloatDtype("cross-entropy", logits.Dtype()); err != nil {
		return nil, err
	}
	n := logits.Shape()[0]
	if labels.Dtype() != tensor.Int || !labels.Shape().Eq(tensor.Shape{n}) {
		return nil, errors.Errorf("nn: cross-entropy over %v logits needs (%d) int labels, got %v %v", logits.Shape(), n, labels.Dtype(), labels.Shape())
	}
	op := &ceOp{id: opSerial.Add(1), weighted: weights != nil}
	in := []*G.Node{logits, labels}
	if weights != nil {
		if weights.Dtype() != logits.Dtype() || !weights.Shape().Eq(tensor.Shape{n}) {
			return nil, errors.Errorf("nn: cross-entropy over %v logits needs (%d) %v weights, got %v %v", logits.Shape(), n, logits.Dtype(), weights.Dtype(), weights.Shape())
		}
		in = append(in, weights)
	}
	y, err := G.ApplyOp(op, in...)
	return y, errors.Wrap(err, "nn: cross-entropy")
}

// ceOp is the forward op: (logits, labels[, weights]) → loss. It keeps the softmax of the rows
// for the gradient.
type ceOp struct {
	id       uint64
	weighted bool
	prob     *tensor.Dense // softmax of the last run's logits (rows of weight 0 are stale)
	wsum     float64       // Σ w_n of the last run
}

func (op *ceOp) Arity() int {
	if op.weighted {
		return 3
	}
	return 2
}
func (op *ceOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := []hm.Type{G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: tensor.Int}}
	if op.weighted {
		ts = append(ts, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(append(ts, a)...)
}
func (op *ceOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, errors.Errorf("nn: cross-entropy takes %d inputs, got %d", op.Arity(), len(ds))
	}
	return tensor.ScalarShape(), nil
}

// ceInputs unpacks and checks the inputs shared by the forward and gradient ops.
func ceInputs(weighted bool, vs []G.Value) (z *tensor.Dense, labels []int, w *tensor.Dense, err error) {
	if z, err = denseOf("cross-entropy logits", vs[0]); err != nil {
		return nil, nil, nil, err
	}
	if z.Shape().Dims() != 2 {
		return nil, nil, nil, errors.Errorf("nn: cross-entropy logits of shape %v, want (N, K)", z.Shape())
	}
	n := z.Shape()[0]
	ld, err := denseOf("cross-entropy labels", vs[1])
	if err != nil {
		return nil, nil, nil, err
	}
	labels, ok := intsOf(ld)
	if !ok || len(labels) != n {
		return nil, nil, nil, errors.Errorf("nn: cross-entropy labels %v %v for %d rows: want %d ints", ld.Dtype(), ld.Shape(), n, n)
	}
	if weighted {
		if w, err = denseOf("cross-entropy weights", vs[2]); err != nil {
			return nil, nil, nil, err
		}
		if w.Dtype() != z.Dtype() || w.DataSize() != n {
			return nil, nil, nil, errors.Errorf("nn: cross-entropy weights %v %v for %d rows of %v", w.Dtype(), w.Shape(), n, z.Dtype())
		}
	}
	return z, labels, w, nil
}

func (op *ceOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, errors.Errorf("nn: cross-entropy takes %d inputs, got %d", op.Arity(), len(vs))
	}
	z, labels, w, err := ceInputs(op.weighted, vs)
	if err != nil {
		return nil, err
	}
	s := z.Shape()
	p := ownBuffer(&op.prob, z.Dtype(), s[0], s[1])
	var loss float64
	if zd, ok := float32sOf(z); ok {
		var wd []float32
		if w != nil {
			wd = f32(w)
		}
		loss, op.wsum, err = ceForward32(zd, labels, wd, f32(p), s[1])
	} else if zd, ok := float64sOf(z); ok {
		var wd []float64
		if w != nil {
			wd = f64(w)
		}
		loss, op.wsum, err = ceForward64(zd, labels, wd, f64(p), s[1])
	} else {
		return nil, errors.Errorf("nn: cross-entropy of %v logits: only float32 and float64", z.Dtype())
	}
	if err != nil {
		return nil, err
	}
	return scalarValue(z.Dtype(), loss), nil
}

// ceRow checks row n's label and weight and returns the weight (0: the row does not count).
func ceRow[T float](n int, labels []int, w []T, k int) (float64, error) {
	wn := 1.0
	if w != nil {
		wn = float64(w[n])
		if !(wn >= 0) {
			return 0, errors.Errorf("nn: cross-entropy weight %v of row %d: weights must be ≥ 0", wn, n)
		}
		if wn == 0 {
			return 0, nil
		}
	}
	if y := labels[n]; y < 0 || y >= k {
		return 0, errors.Errorf("nn: cross-entropy label %d of row %d outside [0, %d)", y, n, k)
	}
	return wn, nil
}

// ceForward32 writes the softmax of every counted row of z (rows of k) into p and returns the
// weighted mean cross-entropy and the sum of the weights.
func ceForward32(z []float32, labels []int, w []float32, p []float32, k int) (loss, wsum float64, err error) {
	for n := range labels {
		wn, err := ceRow(n, labels, w, k)
		if err != nil {
			return 0, 0, err
		}
		if wn == 0 {
			continue
		}
		zr, pr := z[n*k:(n+1)*k], p[n*k:(n+1)*k]
		m := vecmath.Max32(zr)
		for j, v := range zr {
			pr[j] = v - m
		}
		vecmath.Exp32(pr, pr)
		sum := vecmath.Sum32(pr)
		vecmath.Scale32(pr, 1/sum)
		loss += wn * (math.Log(float64(sum)) + float64(m) - float64(zr[labels[n]]))
		wsum += wn
	}
	if wsum == 0 {
		return 0, 0, nil
	}
	return loss / wsum, wsum, nil
}

// ceForward64 is ceForward32 in float64.
func ceForward64(z []float64, labels []int, w []float64, p []float64, k int) (loss, wsum float64, err error) {
	for n := range labels {
		wn, err := ceRow(n, labels, w, k)
		if err != nil {
			return 0, 0, err
		}
		if wn == 0 {
			continue
		}
		zr, pr := z[n*k:(n+1)*k], p[n*k:(n+1)*k]
		m := math.Inf(-1)
		for _, v := range zr {
			m = math.Max(m, v)
		}
		sum := 0.0
		for j, v := range zr {
			e := math.Exp(v - m)
			pr[j] = e
			sum += e
		}
		inv := 1 / sum
		for j := range pr {
			pr[j] *= inv
		}
		loss += wn * (math.Log(sum) + m - zr[labels[n]])
		wsum += wn
	}
	if wsum == 0 {
		return 0, 0, nil
	}
	return loss / wsum, wsum, nil
}

func (op *ceOp) ReturnsPtr() bool      { return false }
func (op *ceOp) CallsExtern() bool     { return false }
func (op *ceOp) OverwritesInput() int  { return -1 }
func (op *ceOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.softmaxce", op.id) }
func (op *ceOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *ceOp) String() string        { return fmt.Sprintf("SoftmaxCE#%d", op.id) }

func (op *ceOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	if inputs > 0 {
		d[0] = true
	}
	return d
}

// SymDiff returns the logits' gradient as a ceGradOp over the inputs, the loss (so that it runs
// after the forward pass whose softmax it reads) and the incoming gradient.
func (op *ceOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("nn: cross-entropy gradient: %d inputs expected, got %d", op.Arity(), len(inputs))
	}
	in := append(append(G.Nodes{}, inputs...), output, grad)
	dz, err := G.ApplyOp(&ceGradOp{id: opSerial.Add(1), fwd: op}, in...)
	if err != nil {
		return nil, errors.Wrap(err, "nn: cross-entropy gradient")
	}
	ds := make(G.Nodes, len(inputs))
	ds[0] = dz
	return ds, nil
}

// ceGradOp is ∂loss/∂logits from the forward op's softmax: (logits, labels[, weights], loss,
// grad) → (N, K).
type ceGradOp struct {
	id  uint64
	fwd *ceOp
	out *tensor.Dense
}

func (op *ceGradOp) Arity() int { return op.fwd.Arity() + 2 }
func (op *ceGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := []hm.Type{G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: tensor.Int}}
	if op.fwd.weighted {
		ts = append(ts, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(append(ts, a, a, G.TensorType{Dims: 2, Of: a})...)
}
func (op *ceGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, errors.Errorf("nn: cross-entropy gradient takes %d inputs, got %d", op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, errors.Errorf("nn: cross-entropy gradient: logits shape %v is not (N, K)", ds[0])
	}
	return s.Clone(), nil
}
func (op *ceGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, errors.Errorf("nn: cross-entropy gradient takes %d inputs, got %d", op.Arity(), len(vs))
	}
	z, labels, w, err := ceInputs(op.fwd.weighted, vs)
	if err != nil {
		return nil, err
	}
	dy, err := scalarOf("cross-entropy incoming gradient", vs[len(vs)-1])
	if err != nil {
		return nil, err
	}
	s := z.Shape()
	p := op.fwd.prob
	if p == nil || p.Dtype() != z.Dtype() || !p.Shape().Eq(s) {
		return nil, errors.New("nn: cross-entropy gradient run before its forward pass")
	}
	out := ownBuffer(&op.out, z.Dtype(), s[0], s[1])
	scale := 0.0
	if op.fwd.wsum != 0 {
		scale = dy / op.fwd.wsum
	}
	if pd, ok := float32sOf(p); ok {
		var wd []float32
		if w != nil {
			wd = f32(w)
		}
		ceBackward(pd, labels, wd, f32(out), s[1], scale)
	} else if pd, ok := float64sOf(p); ok {
		var wd []float64
		if w != nil {
			wd = f64(w)
		}
		ceBackward(pd, labels, wd, f64(out), s[1], scale)
	}
	return out, nil
}

// ceBackward writes (p − onehot)·w_n·scale into every row of dz, zero rows where w_n = 0.
func ceBackward[T float](p []T, labels []int, w []T, dz []T, k int, scale float64) {
	for n, y := range labels {
		c := scale
		if w != nil {
			c *= float64(w[n])
		}
		dr := dz[n*k : (n+1)*k]
		if c == 0 {
			clear(dr)
			continue
		}
		ct := T(c)
		for j, v := range p[n*k : (n+1)*k] {
			dr[j] = v * ct
		}
		dr[y] -= ct
	}
}

func (op *ceGradOp) ReturnsPtr() bool      { return false }
func (op *ceGradOp) CallsExtern() bool     { return false }
func (op *ceGradOp) OverwritesInput() int  { return -1 }
func (op *ceGradOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.softmaxce'", op.id) }
func (op *ceGradOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *ceGradOp) String() string        { return fmt.Sprintf("SoftmaxCE'#%d", op.id) }
