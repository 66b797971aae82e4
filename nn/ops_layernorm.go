package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// layerNormFused is LayerNorm as one op over the last axis of x (…, D): y = γ·x̂ + β with
// x̂ = (x − μ)·r, r = 1/√(σ² + ε), μ and σ² the row's mean and biased variance. The forward pass
// keeps μ and r of every row for the gradient ops, which run after it in every pass:
//
//	dx = r/D·(D·g − Σg − x̂·Σ(g·x̂)),  g = γ∘dy (sums over the row),
//	dγ = Σ_rows dy∘x̂,  dβ = Σ_rows dy.
func layerNormFused(x, gamma, beta *G.Node, eps float64) (*G.Node, error) {
	s := x.Shape()
	d := s[s.Dims()-1]
	if gamma.Shape().TotalSize() != d || beta.Shape().TotalSize() != d {
		return nil, errors.Errorf("nn: layernorm of %v with γ %v and β %v: want %d features", s, gamma.Shape(), beta.Shape(), d)
	}
	op := &layerNormOp{id: fusedID(), eps: eps, d: d, st: &lnStats{}, dims: [3]int{x.Dims(), gamma.Dims(), beta.Dims()}}
	y, err := G.ApplyOp(op, x, gamma, beta)
	return y, errors.Wrap(err, "nn: layernorm")
}

// lnStats are the per-row statistics the forward pass leaves for the gradient.
type lnStats struct {
	mean, rstd []float64
}

type layerNormOp struct {
	id   uint64
	eps  float64
	d    int
	dims [3]int
	st   *lnStats
	out  *tensor.Dense
}

func (op *layerNormOp) Arity() int { return 3 }
func (op *layerNormOp) Type() hm.Type {
	return fusedType(op.dims[0], op.dims[1], op.dims[2], op.dims[0])
}
func (op *layerNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 3 {
		return nil, errors.Errorf("nn: layernorm takes 3 inputs, got %d", len(ds))
	}
	return shapeOf("layernorm", ds[0])
}
func (op *layerNormOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *layerNormOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	in, err := fusedInputs("layernorm", 3, vs)
	if err != nil {
		return nil, err
	}
	x, g, b := in[0], in[1], in[2]
	if x.Shape()[x.Dims()-1] != op.d || g.DataSize() != op.d || b.DataSize() != op.d {
		return nil, errors.Errorf("nn: layernorm of %d features fed %v, γ %v, β %v", op.d, x.Shape(), g.Shape(), b.Shape())
	}
	y := fusedOut(prealloc, &op.out, x.Dtype(), x.Shape())
	rows := x.DataSize() / op.d
	if cap(op.st.mean) < rows {
		op.st.mean, op.st.rstd = make([]float64, rows), make([]float64, rows)
	}
	op.st.mean, op.st.rstd = op.st.mean[:rows], op.st.rstd[:rows]
	if xd, ok := float32sOf(x); ok {
		lnForward(xd, f32(g), f32(b), f32(y), op.d, op.eps, op.st)
	} else if xd, ok := float64sOf(x); ok {
		lnForward(xd, f64(g), f64(b), f64(y), op.d, op.eps, op.st)
	}
	return y, nil
}

func lnForward[T fnum](x, g, b, y []T, d int, eps float64, st *lnStats) {
	for r := range st.mean {
		xr, yr := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
		var sum float64
		for _, v := range xr {
			sum += float64(v)
		}
		mean := sum / float64(d)
		var ss float64
		for _, v := range xr {
			c := float64(v) - mean
			ss += c * c
		}
		rstd := 1 / math.Sqrt(ss/float64(d)+eps)
		st.mean[r], st.rstd[r] = mean, rstd
		for j, v := range xr {
			yr[j] = T((float64(v)-mean)*rstd)*g[j] + b[j]
		}
	}
}

func (op *layerNormOp) ReturnsPtr() bool          { return false }
func (op *layerNormOp) CallsExtern() bool         { return false }
func (op *layerNormOp) OverwritesInput() int      { return -1 }
func (op *layerNormOp) WriteHash(h hash.Hash)     { fusedWriteHash(h, "nn.layernorm", op.id) }
func (op *layerNormOp) Hashcode() uint32          { return fusedHash("nn.layernorm", op.id) }
func (op *layerNormOp) String() string            { return fmt.Sprintf("LayerNorm#%d", op.id) }
func (op *layerNormOp) DiffWRT(inputs int) []bool { return []bool{true, true, true} }
func (op *layerNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, errors.Errorf("nn: layernorm gradient: 3 inputs expected, got %d", len(inputs))
	}
	x, gamma, beta := inputs[0], inputs[1], inputs[2]
	dx, err := G.ApplyOp(&lnGradOp{id: fusedID(), d: op.d, st: op.st, which: 0, shape: x.Shape().Clone(), dims: [3]int{x.Dims(), gamma.Dims(), x.Dims()}}, x, gamma, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: layernorm gradient of x")
	}
	dg, err := G.ApplyOp(&lnGradOp{id: fusedID(), d: op.d, st: op.st, which: 1, shape: gamma.Shape().Clone(), dims: [3]int{x.Dims(), gamma.Dims(), x.Dims()}}, x, gamma, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: layernorm gradient of γ")
	}
	db, err := G.ApplyOp(&lnGradOp{id: fusedID(), d: op.d, st: op.st, which: 2, shape: beta.Shape().Clone(), dims: [3]int{x.Dims(), gamma.Dims(), x.Dims()}}, x, gamma, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: layernorm gradient of β")
	}
	return G.Nodes{dx, dg, db}, nil
}

// lnGradOp is one of LayerNorm's gradients from (x, γ, dy): dx (which 0), dγ (1) or dβ (2). It
// reads the statistics its forward op left in st.
type lnGradOp struct {
	id    uint64
	d     int
	which int
	shape tensor.Shape
	dims  [3]int
	st    *lnStats
	out   *tensor.Dense
}

var lnGradNames = [3]string{"dx", "dγ", "dβ"}

func (op *lnGradOp) Arity() int { return 3 }
func (op *lnGradOp) Type() hm.Type {
	return fusedType(op.dims[0], op.dims[1], op.dims[2], op.shape.Dims())
}
func (op *lnGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 3 {
		return nil, errors.Errorf("nn: layernorm %s takes 3 inputs, got %d", lnGradNames[op.which], len(ds))
	}
	return op.shape.Clone(), nil
}
func (op *lnGradOp) Do(vs ...G.Value) (G.Value, error) { return op.UsePreallocDo(nil, vs...) }
func (op *lnGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	what := "layernorm " + lnGradNames[op.which]
	in, err := fusedInputs(what, 3, vs)
	if err != nil {
		return nil, err
	}
	x, g, dy := in[0], in[1], in[2]
	rows := x.DataSize() / op.d
	if dy.DataSize() != x.DataSize() || g.DataSize() != op.d || len(op.st.mean) != rows {
		return nil, errors.Errorf("nn: %s: x %v, γ %v, dy %v, %d rows of statistics", what, x.Shape(), g.Shape(), dy.Shape(), len(op.st.mean))
	}
	out := fusedOut(prealloc, &op.out, x.Dtype(), op.shape)
	if xd, ok := float32sOf(x); ok {
		lnBackward(op.which, xd, f32(g), f32(dy), f32(out), op.d, op.st)
	} else if xd, ok := float64sOf(x); ok {
		lnBackward(op.which, xd, f64(g), f64(dy), f64(out), op.d, op.st)
	}
	return out, nil
}

func lnBackward[T fnum](which int, x, g, dy, out []T, d int, st *lnStats) {
	if which != 0 {
		for j := range out {
			out[j] = 0
		}
	}
	fd := float64(d)
	for r, mean := range st.mean {
		rstd := st.rstd[r]
		xr, dyr := x[r*d:(r+1)*d], dy[r*d:(r+1)*d]
		switch which {
		case 0:
			var sg, sgx float64
			for j, v := range xr {
				gj := float64(dyr[j]) * float64(g[j])
				sg += gj
				sgx += gj * (float64(v) - mean) * rstd
			}
			sg, sgx = sg/fd, sgx/fd
			o := out[r*d : (r+1)*d]
			for j, v := range xr {
				xh := (float64(v) - mean) * rstd
				o[j] = T(rstd * (float64(dyr[j])*float64(g[j]) - sg - xh*sgx))
			}
		case 1:
			for j, v := range xr {
				out[j] += dyr[j] * T((float64(v)-mean)*rstd)
			}
		case 2:
			for j := range xr {
				out[j] += dyr[j]
			}
		}
	}
}

func (op *lnGradOp) ReturnsPtr() bool      { return false }
func (op *lnGradOp) CallsExtern() bool     { return false }
func (op *lnGradOp) OverwritesInput() int  { return -1 }
func (op *lnGradOp) WriteHash(h hash.Hash) { fusedWriteHash(h, "nn.layernorm.grad", op.id) }
func (op *lnGradOp) Hashcode() uint32      { return fusedHash("nn.layernorm.grad", op.id) }
func (op *lnGradOp) String() string {
	return fmt.Sprintf("LayerNorm.%s#%d", lnGradNames[op.which], op.id)
}
