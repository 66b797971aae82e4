package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gorgonia-zoo/modelzoo/internal/vecmath"
)

// batchNormOp is BatchNorm over the rows of x (N, C) as one op.
//
// In training (inputs x, γ, β) it normalises with the batch's mean and biased variance and keeps
// both for the running statistics; in evaluation (inputs x, γ, β, running mean, running
// variance) it normalises with the running ones:
//
//	x̂ = (x − μ)/√(σ² + ε),   y = γ·x̂ + β.
//
// Sums are accumulated in float64 for float32 inputs too. The op keeps x̂ and 1/√(σ² + ε) for its
// gradient, batchNormGradOp.
type batchNormOp struct {
	id    uint64
	train bool
	eps   float64
	gDims int // dims of γ and β (and the running statistics): (1, C) or (C)

	out, xhat  *tensor.Dense
	mean, vari []float64 // the last run's batch mean and biased variance (training)
	invstd     []float64 // 1/√(σ² + ε) of the last run
	n          int       // rows of the last run
	ranOnce    bool
	coef       any // per-feature coefficients in the element type
}

// batchNorm applies a batchNormOp: x (N, C); gamma, beta, and in evaluation runMean and runVar,
// of shape (1, C) or (C). In training runMean and runVar must be nil.
func batchNorm(x, gamma, beta, runMean, runVar *G.Node, eps float64) (*G.Node, *batchNormOp, error) {
	if x.Dims() != 2 {
		return nil, nil, errors.Errorf("nn: batchnorm expects (N, C) input, got %v", x.Shape())
	}
	if err := checkFloatDtype("batchnorm", x.Dtype()); err != nil {
		return nil, nil, err
	}
	c := x.Shape()[1]
	train := runMean == nil
	in := []*G.Node{x, gamma, beta}
	if !train {
		if runVar == nil {
			return nil, nil, errors.New("nn: batchnorm in evaluation needs the running mean and variance")
		}
		in = append(in, runMean, runVar)
	}
	for _, p := range in[1:] {
		if p.Shape().TotalSize() != c || p.Dims() != gamma.Dims() || p.Dtype() != x.Dtype() {
			return nil, nil, errors.Errorf("nn: batchnorm of %v %v input: parameter %s is %v %v", x.Dtype(), x.Shape(), p.Name(), p.Dtype(), p.Shape())
		}
	}
	op := &batchNormOp{id: opSerial.Add(1), train: train, eps: eps, gDims: gamma.Dims()}
	y, err := G.ApplyOp(op, in...)
	return y, op, errors.Wrap(err, "nn: batchnorm")
}

func (op *batchNormOp) Arity() int {
	if op.train {
		return 3
	}
	return 5
}
func (op *batchNormOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	ts := []hm.Type{G.TensorType{Dims: 2, Of: a}}
	for i := 1; i < op.Arity(); i++ {
		ts = append(ts, G.TensorType{Dims: op.gDims, Of: a})
	}
	return hm.NewFnType(append(ts, G.TensorType{Dims: 2, Of: a})...)
}
func (op *batchNormOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.Arity() {
		return nil, errors.Errorf("nn: batchnorm takes %d inputs, got %d", op.Arity(), len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, errors.Errorf("nn: batchnorm: input shape %v is not (N, C)", ds[0])
	}
	return s.Clone(), nil
}

// bnInputs unpacks and checks x and the (1, C) parameters of both BatchNorm ops.
func bnInputs(what string, vs []G.Value) (*tensor.Dense, []*tensor.Dense, error) {
	x, err := denseOf(what+" input", vs[0])
	if err != nil {
		return nil, nil, err
	}
	s := x.Shape()
	if s.Dims() != 2 {
		return nil, nil, errors.Errorf("nn: %s input of shape %v, want (N, C)", what, s)
	}
	ps := make([]*tensor.Dense, len(vs)-1)
	for i, v := range vs[1:] {
		if ps[i], err = denseOf(what+" parameter", v); err != nil {
			return nil, nil, err
		}
		if ps[i].DataSize() != s[1] || ps[i].Dtype() != x.Dtype() {
			return nil, nil, errors.Errorf("nn: %s parameter %d is %v %v for input %v %v", what, i+1, ps[i].Dtype(), ps[i].Shape(), x.Dtype(), s)
		}
	}
	return x, ps, nil
}

func (op *batchNormOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.Arity() {
		return nil, errors.Errorf("nn: batchnorm takes %d inputs, got %d", op.Arity(), len(vs))
	}
	x, ps, err := bnInputs("batchnorm", vs)
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	n, c := s[0], s[1]
	if op.train && n < 2 {
		return nil, errors.Errorf("nn: batchnorm needs at least 2 examples per batch in training, got %d", n)
	}
	if len(op.invstd) != c {
		op.mean, op.vari, op.invstd = make([]float64, c), make([]float64, c), make([]float64, c)
	}
	op.n = n
	y := ownBuffer(&op.out, x.Dtype(), n, c)
	xh := ownBuffer(&op.xhat, x.Dtype(), n, c)
	if xd, ok := float32sOf(x); ok {
		var rm, rv []float32
		if !op.train {
			rm, rv = f32(ps[2]), f32(ps[3])
		}
		bnForward(op, xd, f32(ps[0]), f32(ps[1]), rm, rv, f32(xh), f32(y), n, c)
	} else if xd, ok := float64sOf(x); ok {
		var rm, rv []float64
		if !op.train {
			rm, rv = f64(ps[2]), f64(ps[3])
		}
		bnForward(op, xd, f64(ps[0]), f64(ps[1]), rm, rv, f64(xh), f64(y), n, c)
	} else {
		return nil, errors.Errorf("nn: batchnorm of %v: only float32 and float64", x.Dtype())
	}
	op.ranOnce = true
	return y, nil
}

// bnForward computes the statistics (training) or reads the running ones (evaluation), then x̂
// and y, row by row.
func bnForward[T float](op *batchNormOp, x, gamma, beta, rm, rv, xh, y []T, n, c int) {
	mean, vari, invstd := op.mean, op.vari, op.invstd
	if op.train {
		// Every slice is cut to the row's length so that the loops run without bounds checks.
		mean, vari = mean[:c], vari[:c]
		clear(mean)
		clear(vari)
		if x32, ok := any(x).([]float32); ok {
			// The same sums, row by row, in vector loops over the columns.
			for r := 0; r < n; r++ {
				vecmath.ColSum64(mean, x32[r*c:(r+1)*c])
			}
			for j := range mean {
				mean[j] /= float64(n)
			}
			for r := 0; r < n; r++ {
				vecmath.ColSqDev64(vari, x32[r*c:(r+1)*c], mean)
			}
		} else {
			bnStats(x, mean, vari, n, c)
		}
		for j := range vari {
			vari[j] /= float64(n)
			invstd[j] = 1 / math.Sqrt(vari[j]+op.eps)
		}
	} else {
		for j := range mean {
			mean[j] = float64(rm[j])
			vari[j] = float64(rv[j])
			invstd[j] = 1 / math.Sqrt(vari[j]+op.eps)
		}
	}
	bnNormalize(op, x, gamma, beta, xh, y, n, c)
}

// bnStats sets mean (zeroed) to the column means of x and adds the squared deviations from them
// to vari (zeroed).
func bnStats[T float](x []T, mean, vari []float64, n, c int) {
	for r := 0; r < n; r++ {
		for j, v := range x[r*c : (r+1)*c : (r+1)*c] {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for r := 0; r < n; r++ {
		for j, v := range x[r*c : (r+1)*c : (r+1)*c] {
			d := float64(v) - mean[j]
			vari[j] += d * d
		}
	}
}

// bnNormalize writes x̂ and y from the statistics in op.
func bnNormalize[T float](op *batchNormOp, x, gamma, beta, xh, y []T, n, c int) {
	mean, invstd := op.mean, op.invstd
	// The normalisation in T, from per-feature coefficients: x̂ = (x − μ)·invstd, y = γ·x̂ + β.
	cf := columns[T](&op.coef, 2*c)
	mu, inv := cf[:c], cf[c:2*c]
	for j := range mu {
		mu[j], inv[j] = T(mean[j]), T(invstd[j])
	}
	gamma, beta = gamma[:c], beta[:c]
	if x32, ok := any(x).([]float32); ok {
		mu32, inv32, g32, b32 := any(mu).([]float32), any(inv).([]float32), any(gamma).([]float32), any(beta).([]float32)
		xh32, y32 := any(xh).([]float32), any(y).([]float32)
		for r := 0; r < n; r++ {
			vecmath.BatchNormRow32(xh32[r*c:(r+1)*c], y32[r*c:(r+1)*c], x32[r*c:(r+1)*c], mu32, inv32, g32, b32)
		}
		return
	}
	for r := 0; r < n; r++ {
		xr, hr, yr := x[r*c:(r+1)*c], xh[r*c:(r+1)*c:(r+1)*c], y[r*c:(r+1)*c:(r+1)*c]
		hr, yr = hr[:len(xr)], yr[:len(xr)]
		mu, inv, gamma, beta := mu[:len(xr)], inv[:len(xr)], gamma[:len(xr)], beta[:len(xr)]
		for j, v := range xr {
			h := (v - mu[j]) * inv[j]
			hr[j] = h
			yr[j] = gamma[j]*h + beta[j]
		}
	}
}

// columns returns a slice of n T from *buf, reallocating it when it is of another type or short.
func columns[T float](buf *any, n int) []T {
	if s, ok := (*buf).([]T); ok && len(s) >= n {
		return s[:n]
	}
	s := make([]T, n)
	*buf = s
	return s
}

func (op *batchNormOp) ReturnsPtr() bool      { return false }
func (op *batchNormOp) CallsExtern() bool     { return false }
func (op *batchNormOp) OverwritesInput() int  { return -1 }
func (op *batchNormOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.batchnorm", op.id) }
func (op *batchNormOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *batchNormOp) String() string {
	mode := "eval"
	if op.train {
		mode = "train"
	}
	return fmt.Sprintf("BatchNorm(%s)#%d", mode, op.id)
}

func (op *batchNormOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := 0; i < inputs && i < 3; i++ {
		d[i] = true
	}
	return d
}

// SymDiff returns dx as a batchNormGradOp, which computes dγ and dβ in the same pass; two small
// ops read those out of it.
func (op *batchNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("nn: batchnorm gradient: %d inputs expected, got %d", op.Arity(), len(inputs))
	}
	gop := &batchNormGradOp{id: opSerial.Add(1), fwd: op}
	dx, err := G.ApplyOp(gop, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, errors.Wrap(err, "nn: batchnorm gradient")
	}
	ds := make(G.Nodes, len(inputs))
	ds[0] = dx
	for i, which := range []int{1, 2} {
		if ds[which], err = G.ApplyOp(&bnParamGradOp{id: opSerial.Add(1), src: gop, beta: i == 1, shape: inputs[which].Shape().Clone()}, dx); err != nil {
			return nil, errors.Wrap(err, "nn: batchnorm gradient")
		}
	}
	return ds, nil
}

// batchNormGradOp is (x, γ, y, dy) → dx, the gradient of batchNormOp, from the forward op's x̂
// and 1/√(σ² + ε). With Σdy and Σdy·x̂ the column sums over the batch (which are also dβ and dγ),
//
//	training:   dx = γ·invstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂))
//	evaluation: dx = γ·invstd · dy
type batchNormGradOp struct {
	id            uint64
	fwd           *batchNormOp
	out           *tensor.Dense
	dgamma, dbeta []float64
	coef          any // per-feature coefficients in the element type
}

func (op *batchNormGradOp) Arity() int { return 4 }
func (op *batchNormGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: op.fwd.gDims, Of: a}, m, m, m)
}
func (op *batchNormGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 4 {
		return nil, errors.Errorf("nn: batchnorm gradient takes 4 inputs, got %d", len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || s.Dims() != 2 {
		return nil, errors.Errorf("nn: batchnorm gradient: input shape %v is not (N, C)", ds[0])
	}
	return s.Clone(), nil
}
func (op *batchNormGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 4 {
		return nil, errors.Errorf("nn: batchnorm gradient takes 4 inputs, got %d", len(vs))
	}
	x, ps, err := bnInputs("batchnorm gradient", vs[:2])
	if err != nil {
		return nil, err
	}
	dy, err := denseOf("batchnorm incoming gradient", vs[3])
	if err != nil {
		return nil, err
	}
	s := x.Shape()
	n, c := s[0], s[1]
	f := op.fwd
	if !f.ranOnce || f.xhat == nil || !f.xhat.Shape().Eq(s) || len(f.invstd) != c {
		return nil, errors.New("nn: batchnorm gradient run before its forward pass")
	}
	if !dy.Shape().Eq(s) || dy.Dtype() != x.Dtype() {
		return nil, errors.Errorf("nn: batchnorm gradient %v %v for input %v %v", dy.Dtype(), dy.Shape(), x.Dtype(), s)
	}
	if len(op.dgamma) != c {
		op.dgamma, op.dbeta = make([]float64, c), make([]float64, c)
	}
	dx := ownBuffer(&op.out, x.Dtype(), n, c)
	if d, ok := float32sOf(dy); ok {
		bnBackward(op, d, f32(ps[0]), f32(f.xhat), f32(dx), n, c)
	} else if d, ok := float64sOf(dy); ok {
		bnBackward(op, d, f64(ps[0]), f64(f.xhat), f64(dx), n, c)
	} else {
		return nil, errors.Errorf("nn: batchnorm gradient of %v: only float32 and float64", dy.Dtype())
	}
	return dx, nil
}

func bnBackward[T float](op *batchNormGradOp, dy, gamma, xh, dx []T, n, c int) {
	sdy, sdyx := op.dbeta[:c], op.dgamma[:c]
	clear(sdy)
	clear(sdyx)
	dy32, f32 := any(dy).([]float32)
	for r := 0; r < n && f32; r++ {
		vecmath.ColSumProd64(sdy, sdyx, dy32[r*c:(r+1)*c], any(xh).([]float32)[r*c:(r+1)*c])
	}
	for r := 0; r < n && !f32; r++ {
		dr := dy[r*c : (r+1)*c : (r+1)*c]
		hr, sdy, sdyx := xh[r*c : (r+1)*c : (r+1)*c][:len(dr)], sdy[:len(dr)], sdyx[:len(dr)]
		for j, v := range dr {
			sdy[j] += float64(v)
			sdyx[j] += float64(v) * float64(hr[j])
		}
	}
	// Per feature, k = γ·invstd, and in training a = k·mean(dy), b = k·mean(dy·x̂):
	// dx = k·dy − a − b·x̂ (training), k·dy (evaluation).
	invstd := op.fwd.invstd
	cf := columns[T](&op.coef, 3*c)
	k, a, b := cf[:c], cf[c:2*c], cf[2*c:]
	nf := float64(n)
	for j := range k {
		kj := float64(gamma[j]) * invstd[j]
		k[j] = T(kj)
		a[j], b[j] = 0, 0
		if op.fwd.train {
			a[j], b[j] = T(kj*sdy[j]/nf), T(kj*sdyx[j]/nf)
		}
	}
	if f32 {
		xh32, dx32 := any(xh).([]float32), any(dx).([]float32)
		k32, a32, b32 := any(k).([]float32), any(a).([]float32), any(b).([]float32)
		for r := 0; r < n; r++ {
			vecmath.BatchNormGradRow32(dx32[r*c:(r+1)*c], dy32[r*c:(r+1)*c], xh32[r*c:(r+1)*c], k32, a32, b32)
		}
		return
	}
	for r := 0; r < n; r++ {
		dyr := dy[r*c : (r+1)*c : (r+1)*c]
		hr, dr := xh[r*c : (r+1)*c : (r+1)*c][:len(dyr)], dx[r*c : (r+1)*c : (r+1)*c][:len(dyr)]
		k, a, b := k[:len(dyr)], a[:len(dyr)], b[:len(dyr)]
		for j, v := range dyr {
			dr[j] = k[j]*v - a[j] - b[j]*hr[j]
		}
	}
}

func (op *batchNormGradOp) ReturnsPtr() bool      { return false }
func (op *batchNormGradOp) CallsExtern() bool     { return false }
func (op *batchNormGradOp) OverwritesInput() int  { return -1 }
func (op *batchNormGradOp) WriteHash(h hash.Hash) { writeStateHash(h, "nn.batchnorm'", op.id) }
func (op *batchNormGradOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *batchNormGradOp) String() string        { return fmt.Sprintf("BatchNorm'#%d", op.id) }

// bnParamGradOp reads dγ (or dβ) out of the batchNormGradOp that computed it; its input is that
// op's dx node, so that it runs after it.
type bnParamGradOp struct {
	id    uint64
	src   *batchNormGradOp
	beta  bool
	shape tensor.Shape
	out   *tensor.Dense
}

func (op *bnParamGradOp) Arity() int { return 1 }
func (op *bnParamGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: op.shape.Dims(), Of: a})
}
func (op *bnParamGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, errors.Errorf("nn: batchnorm parameter gradient takes 1 input, got %d", len(ds))
	}
	return op.shape.Clone(), nil
}
func (op *bnParamGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != 1 {
		return nil, errors.Errorf("nn: batchnorm parameter gradient takes 1 input, got %d", len(vs))
	}
	dx, err := denseOf("batchnorm gradient", vs[0])
	if err != nil {
		return nil, err
	}
	src := op.src.dgamma
	if op.beta {
		src = op.src.dbeta
	}
	if len(src) != op.shape.TotalSize() {
		return nil, errors.New("nn: batchnorm parameter gradient run before the batchnorm gradient")
	}
	out := ownBuffer(&op.out, dx.Dtype(), op.shape...)
	if d, ok := float32sOf(out); ok {
		for i, v := range src {
			d[i] = float32(v)
		}
	} else if d, ok := float64sOf(out); ok {
		copy(d, src)
	} else {
		return nil, errors.Errorf("nn: batchnorm parameter gradient of %v: only float32 and float64", dx.Dtype())
	}
	return out, nil
}
func (op *bnParamGradOp) ReturnsPtr() bool     { return false }
func (op *bnParamGradOp) CallsExtern() bool    { return false }
func (op *bnParamGradOp) OverwritesInput() int { return -1 }
func (op *bnParamGradOp) kind() string {
	if op.beta {
		return "nn.batchnorm'beta"
	}
	return "nn.batchnorm'gamma"
}
func (op *bnParamGradOp) WriteHash(h hash.Hash) { writeStateHash(h, op.kind(), op.id) }
func (op *bnParamGradOp) Hashcode() uint32      { return stateHash(op.id) }
func (op *bnParamGradOp) String() string {
	if op.beta {
		return fmt.Sprintf("BatchNorm'β#%d", op.id)
	}
	return fmt.Sprintf("BatchNorm'γ#%d", op.id)
}
