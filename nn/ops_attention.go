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

// The fused scaled dot-product attention is two ops and their gradients:
//
//	P = softmax(scale·Q·Kᵀ + masks)   (sdpaScoresOp, one row softmax per query)
//	O = P·V                           (sdpaApplyOp)
//
// with the backward pass dP = dO·Vᵀ, dV = Pᵀ·dO, dS = P∘(dP − rowsum(dP∘P)), dQ = scale·dS·K and
// dK = scale·dSᵀ·Q, every product one Sgemm/Dgemm of G.WhichBLAS per problem. P is a node of its
// own, so the attention weights can be read (heatmaps) and dropped out between the two ops.
//
// Q, K and V are read where they lie, through an attnView: problem n = b·H + h of N = B·H is the
// (T, dh) block at rows b·T … b·T+T−1 and columns off + h·dh … of a row-major source of C
// columns. A (N, T, d) tensor is the view {H: 1, dh: d, C: d, off: 0}; the (B·T, 3D) output of
// multi-head attention's fused input projection holds Q, K and V at offsets 0, D and 2D with
// H heads of dh = D/H each, so the heads are never split or merged by transposes. The output O
// is written in the same layout (B·Tq, H·dh), or (N, Tq, dh) for 3-D inputs.

// attnView says where the (T, dh) matrices of the N problems lie in a row-major source.
type attnView struct {
	T, C, Off, H, Dh int
}

// base is the offset of problem n's first element.
func (v attnView) base(n int) int { return (n/v.H)*v.T*v.C + v.Off + (n%v.H)*v.Dh }

// sdpaSource is one input node with the view of the matrix read from it.
type sdpaSource struct {
	node *G.Node
	view attnView
}

// viewOf returns the view of a 3-D (N, T, d) node as N problems of one head.
func viewOf3(n *G.Node) attnView {
	s := n.Shape()
	return attnView{T: s[1], C: s[2], Off: 0, H: 1, Dh: s[2]}
}

// sdpaFused is softmax(scale·q·kᵀ + masks)·v through the fused ops, over n problems; it returns
// the output (of shape outShape) and the weights (n, Tq, Tk). p > 0 drops out weights in
// training graphs, as the composed form does.
func sdpaFused(g *Graph, q, k, v sdpaSource, n int, scale, p float64, outShape tensor.Shape, masks []*G.Node) (out, weights *G.Node, err error) {
	if weights, err = sdpaWeights(q, k, n, scale, masks); err != nil {
		return nil, nil, err
	}
	w := weights
	if p > 0 {
		if w, err = Dropout(g, weights, p); err != nil {
			return nil, nil, err
		}
	}
	ao := &sdpaApplyOp{id: fusedID(), n: n, tq: q.view.T, tk: k.view.T, v: v.view, vDims: v.node.Dims(),
		o: attnView{T: q.view.T, C: v.view.H * v.view.Dh, H: v.view.H, Dh: v.view.Dh}, outShape: outShape.Clone()}
	out, err = G.ApplyOp(ao, w, v.node)
	return out, weights, errors.Wrap(err, "nn: attention output")
}

// sdpaWeights is softmax(scale·q·kᵀ + masks), (n, Tq, Tk), through an sdpaScoresOp.
func sdpaWeights(q, k sdpaSource, n int, scale float64, masks []*G.Node) (weights *G.Node, err error) {
	tq, tk := q.view.T, k.view.T
	var ms []*G.Node
	for i, m := range masks {
		if m == nil {
			continue
		}
		s := m.Shape()
		if m.Dims() != 3 {
			return nil, errors.Errorf("nn: attention mask %d of shape %v: want 3 axes for scores (%d, %d, %d)", i, s, n, tq, tk)
		}
		for a, want := range []int{n, tq, tk} {
			if s[a] != want && s[a] != 1 {
				return nil, errors.Errorf("nn: attention mask %d of shape %v does not broadcast to scores (%d, %d, %d) (axis %d)", i, s, n, tq, tk, a)
			}
		}
		ms = append(ms, m)
	}
	// Distinct source nodes, in order; q and k index into them.
	srcs := []*G.Node{q.node}
	ki := 0
	if k.node != q.node {
		srcs = append(srcs, k.node)
		ki = 1
	}
	so := &sdpaScoresOp{id: fusedID(), n: n, tq: tq, tk: tk, scale: scale, q: q.view, k: k.view, qi: 0, ki: ki, nsrc: len(srcs)}
	for _, s := range srcs {
		so.dims = append(so.dims, s.Dims())
	}
	for _, m := range ms {
		so.masks = append(so.masks, m.Shape().Clone())
	}
	weights, err = G.ApplyOp(so, append(append([]*G.Node{}, srcs...), ms...)...)
	return weights, errors.Wrap(err, "nn: attention scores")
}

// sdpaScoresOp computes the attention weights P (N, Tq, Tk) from its sources (one or two nodes
// holding Q and K) and additive 3-D masks broadcast to (N, Tq, Tk).
type sdpaScoresOp struct {
	id        uint64
	n, tq, tk int
	scale     float64
	q, k      attnView
	qi, ki    int // sources of Q and K among the inputs
	nsrc      int
	dims      []int          // axes of the sources
	masks     []tensor.Shape // shapes of the masks, after the sources
	out       *tensor.Dense
}

func (op *sdpaScoresOp) Arity() int { return op.nsrc + len(op.masks) }
func (op *sdpaScoresOp) Type() hm.Type {
	dims := append([]int{}, op.dims...)
	for range op.masks {
		dims = append(dims, 3)
	}
	return fusedType(append(dims, 3)...)
}
func (op *sdpaScoresOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.n, op.tq, op.tk}, nil
}
func (op *sdpaScoresOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *sdpaScoresOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	in, err := fusedInputs("attention scores", op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	if err := op.checkSources(in); err != nil {
		return nil, err
	}
	shape := tensor.Shape{op.n, op.tq, op.tk}
	p := fusedOut(prealloc, &op.out, in[0].Dtype(), shape)
	masks := in[op.nsrc:]
	if pd, ok := float32sOf(p); ok {
		ms := make([][]float32, len(masks))
		for i, m := range masks {
			ms[i] = f32(m)
		}
		sdpaScores(op, f32(in[op.qi]), f32(in[op.ki]), ms, pd)
	} else if pd, ok := float64sOf(p); ok {
		ms := make([][]float64, len(masks))
		for i, m := range masks {
			ms[i] = f64(m)
		}
		sdpaScores(op, f64(in[op.qi]), f64(in[op.ki]), ms, pd)
	}
	return p, nil
}

// checkSources checks that the views fit the sources fed.
func (op *sdpaScoresOp) checkSources(in []*tensor.Dense) error {
	for _, c := range []struct {
		name string
		v    attnView
		src  *tensor.Dense
	}{{"queries", op.q, in[op.qi]}, {"keys", op.k, in[op.ki]}} {
		if err := checkView(c.name, c.v, op.n, c.src); err != nil {
			return err
		}
	}
	for i, m := range in[op.nsrc:] {
		if !m.Shape().Eq(op.masks[i]) {
			return errors.Errorf("nn: attention mask %d fed %v, built for %v", i, m.Shape(), op.masks[i])
		}
	}
	return nil
}

// checkView checks that n problems of view v fit in src.
func checkView(what string, v attnView, n int, src *tensor.Dense) error {
	s := src.Shape()
	if s[s.Dims()-1] != v.C || src.DataSize() < (n/v.H)*v.T*v.C || v.Off+v.H*v.Dh > v.C {
		return errors.Errorf("nn: attention %s of shape %v do not hold %d problems of (%d, %d)", what, s, n, v.T, v.Dh)
	}
	return nil
}

// maskIndex returns the strides of a mask broadcast to (N, Tq, Tk): 0 along its axes of size 1.
func maskStrides(s tensor.Shape) (int, int, int) {
	s0, s1, s2 := s[1]*s[2], s[2], 1
	if s[0] == 1 {
		s0 = 0
	}
	if s[1] == 1 {
		s1 = 0
	}
	if s[2] == 1 {
		s2 = 0
	}
	return s0, s1, s2
}

func sdpaScores[T fnum](op *sdpaScoresOp, q, k []T, masks [][]T, p []T) {
	tq, tk := op.tq, op.tk
	for n := 0; n < op.n; n++ {
		pn := p[n*tq*tk : (n+1)*tq*tk]
		gemm(false, true, tq, tk, op.q.Dh, T(op.scale), q[op.q.base(n):], op.q.C, k[op.k.base(n):], op.k.C, 0, pn, tk)
		for mi, m := range masks {
			s0, s1, s2 := maskStrides(op.masks[mi])
			for i := 0; i < tq; i++ {
				row := pn[i*tk : (i+1)*tk]
				mb := n*s0 + i*s1
				if s2 == 1 {
					mr := m[mb : mb+tk]
					for j := range row {
						row[j] += mr[j]
					}
				} else {
					for j := range row {
						row[j] += m[mb]
					}
				}
			}
		}
		for i := 0; i < tq; i++ {
			softmaxRow(pn[i*tk : (i+1)*tk])
		}
	}
}

// softmaxRow replaces row by its softmax.
func softmaxRow[T fnum](row []T) {
	switch r := any(row).(type) {
	case []float32:
		m := vecmath.Max32(r)
		for j := range r {
			r[j] -= m
		}
		vecmath.Exp32(r, r)
		vecmath.Scale32(r, 1/vecmath.Sum32(r))
	case []float64:
		m := math.Inf(-1)
		for _, v := range r {
			m = math.Max(m, v)
		}
		var s float64
		for j, v := range r {
			e := math.Exp(v - m)
			r[j] = e
			s += e
		}
		for j := range r {
			r[j] /= s
		}
	}
}

func (op *sdpaScoresOp) ReturnsPtr() bool      { return false }
func (op *sdpaScoresOp) CallsExtern() bool     { return false }
func (op *sdpaScoresOp) OverwritesInput() int  { return -1 }
func (op *sdpaScoresOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.sdpa.scores", op.id) }
func (op *sdpaScoresOp) Hashcode() uint32      { return fusedHash("nn.sdpa.scores", op.id) }
func (op *sdpaScoresOp) String() string        { return fmt.Sprintf("AttentionWeights#%d", op.id) }
func (op *sdpaScoresOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := 0; i < op.nsrc && i < inputs; i++ {
		d[i] = true
	}
	return d
}
func (op *sdpaScoresOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("nn: attention scores gradient: %d inputs expected, got %d", op.Arity(), len(inputs))
	}
	grads := make(G.Nodes, len(inputs))
	srcs := inputs[:op.nsrc]
	for i, s := range srcs {
		gop := &sdpaScoresGradOp{id: fusedID(), fwd: op, which: i, shape: s.Shape().Clone()}
		d, err := G.ApplyOp(gop, append(append(G.Nodes{}, srcs...), output, grad)...)
		if err != nil {
			return nil, errors.Wrapf(err, "nn: attention scores gradient of input %d", i)
		}
		grads[i] = d
	}
	return grads, nil
}

// sdpaScoresGradOp is the gradient of source `which` of an sdpaScoresOp from (sources…, P, dP):
// the Q and K blocks that source holds get scale·dS·K and scale·dSᵀ·Q, everything else 0.
type sdpaScoresGradOp struct {
	id    uint64
	fwd   *sdpaScoresOp
	which int
	shape tensor.Shape
	ds    *tensor.Dense // dS, (N, Tq, Tk)
	out   *tensor.Dense
}

func (op *sdpaScoresGradOp) Arity() int { return op.fwd.nsrc + 2 }
func (op *sdpaScoresGradOp) Type() hm.Type {
	dims := append(append([]int{}, op.fwd.dims...), 3, 3, op.shape.Dims())
	return fusedType(dims...)
}
func (op *sdpaScoresGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *sdpaScoresGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *sdpaScoresGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	f := op.fwd
	in, err := fusedInputs("attention scores gradient", op.Arity(), vs)
	if err != nil {
		return nil, err
	}
	if err := f.checkSources(in[:f.nsrc]); err != nil {
		return nil, err
	}
	p, dp := in[f.nsrc], in[f.nsrc+1]
	if size := f.n * f.tq * f.tk; p.DataSize() != size || dp.DataSize() != size {
		return nil, errors.Errorf("nn: attention scores gradient: weights %v and their gradient %v, want (%d, %d, %d)", p.Shape(), dp.Shape(), f.n, f.tq, f.tk)
	}
	dt := p.Dtype()
	out := fusedOut(prealloc, &op.out, dt, op.shape)
	ds := fusedBuffer(&op.ds, dt, tensor.Shape{f.n, f.tq, f.tk})
	if o, ok := float32sOf(out); ok {
		sdpaScoresGrad(op, f32(in[f.qi]), f32(in[f.ki]), f32(p), f32(dp), f32(ds), o)
	} else if o, ok := float64sOf(out); ok {
		sdpaScoresGrad(op, f64(in[f.qi]), f64(in[f.ki]), f64(p), f64(dp), f64(ds), o)
	}
	return out, nil
}

func sdpaScoresGrad[T fnum](op *sdpaScoresGradOp, q, k, p, dp, ds, out []T) {
	f := op.fwd
	for i := range out {
		out[i] = 0
	}
	// dS = P∘(dP − rowsum(dP∘P)), row by row.
	for r := 0; r < f.n*f.tq; r++ {
		pr, dpr, dsr := p[r*f.tk:(r+1)*f.tk], dp[r*f.tk:(r+1)*f.tk], ds[r*f.tk:(r+1)*f.tk]
		var s T
		for j, v := range pr {
			s += v * dpr[j]
		}
		for j, v := range pr {
			dsr[j] = v * (dpr[j] - s)
		}
	}
	sc := T(f.scale)
	for n := 0; n < f.n; n++ {
		dsn := ds[n*f.tq*f.tk : (n+1)*f.tq*f.tk]
		if f.qi == op.which { // dQ = scale·dS·K
			gemm(false, false, f.tq, f.q.Dh, f.tk, sc, dsn, f.tk, k[f.k.base(n):], f.k.C, 1, out[f.q.base(n):], f.q.C)
		}
		if f.ki == op.which { // dK = scale·dSᵀ·Q
			gemm(true, false, f.tk, f.k.Dh, f.tq, sc, dsn, f.tk, q[f.q.base(n):], f.q.C, 1, out[f.k.base(n):], f.k.C)
		}
	}
}

func (op *sdpaScoresGradOp) ReturnsPtr() bool      { return false }
func (op *sdpaScoresGradOp) CallsExtern() bool     { return false }
func (op *sdpaScoresGradOp) OverwritesInput() int  { return -1 }
func (op *sdpaScoresGradOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.sdpa.scores.grad", op.id) }
func (op *sdpaScoresGradOp) Hashcode() uint32      { return fusedHash("nn.sdpa.scores.grad", op.id) }
func (op *sdpaScoresGradOp) String() string {
	return fmt.Sprintf("AttentionWeights'%d#%d", op.which, op.id)
}

// sdpaApplyOp is O = P·V from the weights P (N, Tq, Tk) and the source of V; O has the layout
// of view o.
type sdpaApplyOp struct {
	id        uint64
	n, tq, tk int
	v, o      attnView
	vDims     int
	outShape  tensor.Shape
	out       *tensor.Dense
}

func (op *sdpaApplyOp) Arity() int    { return 2 }
func (op *sdpaApplyOp) Type() hm.Type { return fusedType(3, op.vDims, op.outShape.Dims()) }
func (op *sdpaApplyOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.outShape.Clone(), nil
}
func (op *sdpaApplyOp) check(p, v *tensor.Dense) error {
	if p.DataSize() != op.n*op.tq*op.tk {
		return errors.Errorf("nn: attention output: weights %v, want (%d, %d, %d)", p.Shape(), op.n, op.tq, op.tk)
	}
	return checkView("values", op.v, op.n, v)
}
func (op *sdpaApplyOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *sdpaApplyOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	in, err := fusedInputs("attention output", 2, vs)
	if err != nil {
		return nil, err
	}
	if err := op.check(in[0], in[1]); err != nil {
		return nil, err
	}
	out := fusedOut(prealloc, &op.out, in[0].Dtype(), op.outShape)
	if o, ok := float32sOf(out); ok {
		sdpaApply(op, f32(in[0]), f32(in[1]), o)
	} else if o, ok := float64sOf(out); ok {
		sdpaApply(op, f64(in[0]), f64(in[1]), o)
	}
	return out, nil
}

func sdpaApply[T fnum](op *sdpaApplyOp, p, v, o []T) {
	for n := 0; n < op.n; n++ {
		gemm(false, false, op.tq, op.v.Dh, op.tk, 1, p[n*op.tq*op.tk:], op.tk, v[op.v.base(n):], op.v.C, 0, o[op.o.base(n):], op.o.C)
	}
}

func (op *sdpaApplyOp) ReturnsPtr() bool          { return false }
func (op *sdpaApplyOp) CallsExtern() bool         { return false }
func (op *sdpaApplyOp) OverwritesInput() int      { return -1 }
func (op *sdpaApplyOp) WriteHash(h hash.Hash)     { fusedWriteHash(h, "nn.sdpa.apply", op.id) }
func (op *sdpaApplyOp) Hashcode() uint32          { return fusedHash("nn.sdpa.apply", op.id) }
func (op *sdpaApplyOp) String() string            { return fmt.Sprintf("AttentionOutput#%d", op.id) }
func (op *sdpaApplyOp) DiffWRT(inputs int) []bool { return []bool{true, true} }
func (op *sdpaApplyOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("nn: attention output gradient: 2 inputs expected, got %d", len(inputs))
	}
	p, v := inputs[0], inputs[1]
	dp, err := G.ApplyOp(&sdpaApplyGradOp{id: fusedID(), fwd: op, which: 0, shape: p.Shape().Clone()}, p, v, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: attention output gradient of the weights")
	}
	dv, err := G.ApplyOp(&sdpaApplyGradOp{id: fusedID(), fwd: op, which: 1, shape: v.Shape().Clone()}, p, v, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: attention output gradient of the values")
	}
	return G.Nodes{dp, dv}, nil
}

// sdpaApplyGradOp is, from (P, V source, dO), dP = dO·Vᵀ (which 0) or the gradient of the V
// source (which 1): Pᵀ·dO in V's blocks, 0 elsewhere.
type sdpaApplyGradOp struct {
	id    uint64
	fwd   *sdpaApplyOp
	which int
	shape tensor.Shape
	out   *tensor.Dense
}

func (op *sdpaApplyGradOp) Arity() int { return 3 }
func (op *sdpaApplyGradOp) Type() hm.Type {
	return fusedType(3, op.fwd.vDims, op.fwd.outShape.Dims(), op.shape.Dims())
}
func (op *sdpaApplyGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op *sdpaApplyGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *sdpaApplyGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	f := op.fwd
	in, err := fusedInputs("attention output gradient", 3, vs)
	if err != nil {
		return nil, err
	}
	if err := f.check(in[0], in[1]); err != nil {
		return nil, err
	}
	if !in[2].Shape().Eq(f.outShape) {
		return nil, errors.Errorf("nn: attention output gradient of shape %v, want %v", in[2].Shape(), f.outShape)
	}
	out := fusedOut(prealloc, &op.out, in[0].Dtype(), op.shape)
	if o, ok := float32sOf(out); ok {
		sdpaApplyGrad(op, f32(in[0]), f32(in[1]), f32(in[2]), o)
	} else if o, ok := float64sOf(out); ok {
		sdpaApplyGrad(op, f64(in[0]), f64(in[1]), f64(in[2]), o)
	}
	return out, nil
}

func sdpaApplyGrad[T fnum](op *sdpaApplyGradOp, p, v, do, out []T) {
	f := op.fwd
	if op.which == 1 {
		for i := range out {
			out[i] = 0
		}
	}
	for n := 0; n < f.n; n++ {
		if op.which == 0 { // dP = dO·Vᵀ
			gemm(false, true, f.tq, f.tk, f.v.Dh, 1, do[f.o.base(n):], f.o.C, v[f.v.base(n):], f.v.C, 0, out[n*f.tq*f.tk:], f.tk)
		} else { // dV = Pᵀ·dO
			gemm(true, false, f.tk, f.v.Dh, f.tq, 1, p[n*f.tq*f.tk:], f.tk, do[f.o.base(n):], f.o.C, 1, out[f.v.base(n):], f.v.C)
		}
	}
}

func (op *sdpaApplyGradOp) ReturnsPtr() bool      { return false }
func (op *sdpaApplyGradOp) CallsExtern() bool     { return false }
func (op *sdpaApplyGradOp) OverwritesInput() int  { return -1 }
func (op *sdpaApplyGradOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.sdpa.apply.grad", op.id) }
func (op *sdpaApplyGradOp) Hashcode() uint32      { return fusedHash("nn.sdpa.apply.grad", op.id) }
func (op *sdpaApplyGradOp) String() string {
	return fmt.Sprintf("AttentionOutput'%d#%d", op.which, op.id)
}
