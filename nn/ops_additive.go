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

// additiveScoresOp is the weights of one step of additive (Bahdanau) attention as one op:
//
//	E = tanh(q_b + K_bj),  score_bj = E_bj·va + vb,  P_b = softmax_j(score_b + masks),
//
// from q (B, A), the keys K (B, Tk, A), va (A elements), vb (1 element) and additive masks
// broadcast to (B, 1, Tk); P is (B, 1, Tk). The forward pass keeps E for the gradient ops, which
// run after it in every pass: with dS = P∘(dP − rowsum(dP∘P)) and G = dS·va∘(1 − E²),
//
//	dq_b = Σ_j G_bj,  dK = G,  dva = Σ_bj dS_bj·E_bj,  dvb = Σ dS.
type additiveScoresOp struct {
	id       uint64
	b, tk, a int
	masks    []tensor.Shape
	vDims    [2]int        // axes of va and vb
	e        *tensor.Dense // E, (B, Tk, A), left for the gradient
	out      *tensor.Dense
}

// additiveFused returns the weights (B, 1, Tk) of additive attention of q over keys.
func additiveFused(q, keys, va, vb *G.Node, masks []*G.Node) (*G.Node, error) {
	qs, ks := q.Shape(), keys.Shape()
	if q.Dims() != 2 || keys.Dims() != 3 || ks[0] != qs[0] || ks[2] != qs[1] || va.Shape().TotalSize() != qs[1] || vb.Shape().TotalSize() != 1 {
		return nil, errors.Errorf("nn: additive attention of q %v over keys %v with v %v, %v: want (B, A), (B, Tk, A), A and 1 elements", qs, ks, va.Shape(), vb.Shape())
	}
	op := &additiveScoresOp{id: fusedID(), b: qs[0], tk: ks[1], a: qs[1], vDims: [2]int{va.Dims(), vb.Dims()}}
	for i, m := range masks {
		s := m.Shape()
		if m.Dims() != 3 || (s[0] != op.b && s[0] != 1) || s[1] != 1 || (s[2] != op.tk && s[2] != 1) {
			return nil, errors.Errorf("nn: attention mask %d of shape %v does not broadcast to scores (%d, 1, %d)", i, s, op.b, op.tk)
		}
		op.masks = append(op.masks, s.Clone())
	}
	p, err := G.ApplyOp(op, append([]*G.Node{q, keys, va, vb}, masks...)...)
	return p, errors.Wrap(err, "nn: additive attention scores")
}

func (op *additiveScoresOp) Arity() int { return 4 + len(op.masks) }
func (op *additiveScoresOp) Type() hm.Type {
	dims := []int{2, 3, op.vDims[0], op.vDims[1]}
	for range op.masks {
		dims = append(dims, 3)
	}
	return fusedType(append(dims, 3)...)
}
func (op *additiveScoresOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.b, 1, op.tk}, nil
}
func (op *additiveScoresOp) check(in []*tensor.Dense) error {
	q, k, va, vb := in[0], in[1], in[2], in[3]
	if q.DataSize() != op.b*op.a || k.DataSize() != op.b*op.tk*op.a || va.DataSize() != op.a || vb.DataSize() != 1 {
		return errors.Errorf("nn: additive attention fed q %v, keys %v, v %v, %v; built for (%d, %d) over %d keys", q.Shape(), k.Shape(), va.Shape(), vb.Shape(), op.b, op.a, op.tk)
	}
	for i, m := range in[4:] {
		if !m.Shape().Eq(op.masks[i]) {
			return errors.Errorf("nn: attention mask %d fed %v, built for %v", i, m.Shape(), op.masks[i])
		}
	}
	return nil
}
func (op *additiveScoresOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *additiveScoresOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	in, err := fusedInputs("additive attention", op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	if err := op.check(in); err != nil {
		return nil, err
	}
	dt := in[0].Dtype()
	p := fusedOut(prealloc, &op.out, dt, tensor.Shape{op.b, 1, op.tk})
	e := fusedBuffer(&op.e, dt, tensor.Shape{op.b, op.tk, op.a})
	if pd, ok := float32sOf(p); ok {
		additiveScores(op, in, f32(e), pd)
	} else if pd, ok := float64sOf(p); ok {
		additiveScores(op, in, f64(e), pd)
	}
	return p, nil
}

func additiveScores[T fnum](op *additiveScoresOp, in []*tensor.Dense, e, p []T) {
	q, k, va := floatsOf[T](in[0]), floatsOf[T](in[1]), floatsOf[T](in[2])
	vb := floatsOf[T](in[3])[0]
	for b := 0; b < op.b; b++ {
		qb := q[b*op.a : (b+1)*op.a]
		row := p[b*op.tk : (b+1)*op.tk]
		eb := e[b*op.tk*op.a : (b+1)*op.tk*op.a]
		for j := 0; j < op.tk; j++ {
			kj, ej := k[(b*op.tk+j)*op.a:], eb[j*op.a:(j+1)*op.a]
			for d, qd := range qb {
				ej[d] = qd + kj[d]
			}
		}
		tanhRow(eb)
		for j := range row {
			ej := eb[j*op.a : (j+1)*op.a]
			var s T
			for d, t := range ej {
				s += t * va[d]
			}
			row[j] = s + vb
		}
		for mi, m := range in[4:] {
			s0, _, s2 := maskStrides(op.masks[mi])
			md := floatsOf[T](m)
			for j := range row {
				row[j] += md[b*s0+j*s2]
			}
		}
		softmaxRow(row)
	}
}

func (op *additiveScoresOp) ReturnsPtr() bool      { return false }
func (op *additiveScoresOp) CallsExtern() bool     { return false }
func (op *additiveScoresOp) OverwritesInput() int  { return -1 }
func (op *additiveScoresOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.additive", op.id) }
func (op *additiveScoresOp) Hashcode() uint32      { return fusedHash("nn.additive", op.id) }
func (op *additiveScoresOp) String() string        { return fmt.Sprintf("AdditiveAttention#%d", op.id) }
func (op *additiveScoresOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := 0; i < 4 && i < inputs; i++ {
		d[i] = true
	}
	return d
}
func (op *additiveScoresOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("nn: additive attention gradient: %d inputs expected, got %d", op.Arity(), len(inputs))
	}
	grads := make(G.Nodes, len(inputs))
	for i := 0; i < 4; i++ {
		d, err := G.ApplyOp(&additiveGradOp{id: fusedID(), fwd: op, which: i, shape: inputs[i].Shape().Clone()}, inputs[2], output, grad)
		if err != nil {
			return nil, errors.Wrapf(err, "nn: additive attention gradient of input %d", i)
		}
		grads[i] = d
	}
	return grads, nil
}

// additiveGradOp is the gradient of input `which` (q, keys, va, vb) of an additiveScoresOp from
// (va, P, dP) and the E its forward op kept.
type additiveGradOp struct {
	id    uint64
	fwd   *additiveScoresOp
	which int
	shape tensor.Shape
	ds    []float64
	out   *tensor.Dense
}

var additiveGradNames = [4]string{"dq", "dK", "dva", "dvb"}

func (op *additiveGradOp) Arity() int { return 3 }
func (op *additiveGradOp) Type() hm.Type {
	return fusedType(op.fwd.vDims[0], 3, 3, op.shape.Dims())
}
func (op *additiveGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *additiveGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *additiveGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	f := op.fwd
	what := "additive attention " + additiveGradNames[op.which]
	in, err := fusedInputs(what, 3, vs)
	if err != nil {
		return nil, err
	}
	if in[0].DataSize() != f.a || in[1].DataSize() != f.b*f.tk || in[2].DataSize() != f.b*f.tk || f.e == nil {
		return nil, errors.Errorf("nn: %s: v %v, weights %v, their gradient %v for (%d, 1, %d)", what, in[0].Shape(), in[1].Shape(), in[2].Shape(), f.b, f.tk)
	}
	out := fusedOut(prealloc, &op.out, in[0].Dtype(), op.shape)
	if len(op.ds) != f.b*f.tk {
		op.ds = make([]float64, f.b*f.tk)
	}
	if o, ok := float32sOf(out); ok {
		additiveGrad(op, f32(in[0]), f32(in[1]), f32(in[2]), f32(f.e), o)
	} else if o, ok := float64sOf(out); ok {
		additiveGrad(op, f64(in[0]), f64(in[1]), f64(in[2]), f64(f.e), o)
	}
	return out, nil
}

func additiveGrad[T fnum](op *additiveGradOp, va, p, dp, e, out []T) {
	f := op.fwd
	for r := 0; r < f.b; r++ {
		pr, dpr := p[r*f.tk:(r+1)*f.tk], dp[r*f.tk:(r+1)*f.tk]
		var s float64
		for j, v := range pr {
			s += float64(v) * float64(dpr[j])
		}
		for j, v := range pr {
			op.ds[r*f.tk+j] = float64(v) * (float64(dpr[j]) - s)
		}
	}
	if op.which != 1 {
		for i := range out {
			out[i] = 0
		}
	}
	for bj, ds := range op.ds {
		ej := e[bj*f.a : (bj+1)*f.a]
		d := T(ds)
		switch op.which {
		case 0: // dq_b += G_bj
			o := out[(bj/f.tk)*f.a : (bj/f.tk+1)*f.a]
			for k, t := range ej {
				o[k] += d * va[k] * (1 - t*t)
			}
		case 1: // dK_bj = G_bj
			o := out[bj*f.a : (bj+1)*f.a]
			for k, t := range ej {
				o[k] = d * va[k] * (1 - t*t)
			}
		case 2: // dva += dS_bj·E_bj
			for k, t := range ej {
				out[k] += d * t
			}
		case 3:
			out[0] += d
		}
	}
}

func (op *additiveGradOp) ReturnsPtr() bool      { return false }
func (op *additiveGradOp) CallsExtern() bool     { return false }
func (op *additiveGradOp) OverwritesInput() int  { return -1 }
func (op *additiveGradOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.additive.grad", op.id) }
func (op *additiveGradOp) Hashcode() uint32      { return fusedHash("nn.additive.grad", op.id) }
func (op *additiveGradOp) String() string {
	return fmt.Sprintf("AdditiveAttention.%s#%d", additiveGradNames[op.which], op.id)
}

// tanhRow replaces every element of x by its tanh (float32 through vecmath.Tanh32).
func tanhRow[T fnum](x []T) {
	switch r := any(x).(type) {
	case []float32:
		vecmath.Tanh32(r, r)
	case []float64:
		for i, v := range r {
			r[i] = math.Tanh(v)
		}
	}
}
