package recurrent

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Kind is a recurrent formula the fused sequence op computes.
type Kind int

// The formulas of the fused op, each exactly as its cell package's Step (and torch.nn.RNN, LSTM,
// GRU) computes it.
const (
	KindTanh Kind = iota + 1 // h_t = tanh(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh)
	KindReLU                 // h_t = relu(x_t·W_ih + b_ih + h_{t−1}·W_hh + b_hh)
	KindLSTM                 // gates i, f, g, o; c_t = f∘c_{t−1} + i∘g; h_t = o∘tanh(c_t)
	KindGRU                  // gates r, z, n; n = tanh(x·W_in + b_in + r∘(h·W_hn + b_hn)); h_t = n + z∘(h_{t−1} − n)
)

// Gates is the number of H-wide blocks of the parameters.
func (k Kind) Gates() int {
	switch k {
	case KindLSTM:
		return 4
	case KindGRU:
		return 3
	}
	return 1
}

// States is the number of (B, H) state tensors: 2 for the LSTM ([h, c]), 1 otherwise.
func (k Kind) States() int {
	if k == KindLSTM {
		return 2
	}
	return 1
}

// String names the formula.
func (k Kind) String() string {
	switch k {
	case KindTanh:
		return "tanh"
	case KindReLU:
		return "relu"
	case KindLSTM:
		return "lstm"
	case KindGRU:
		return "gru"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// FusedCell is a Cell whose formula the fused sequence op can compute.
type FusedCell interface {
	Cell
	// FusedForm returns the cell's formula and parameters; ok is false when the cell computes a
	// form the fused op does not have (the GRU's ResetBefore candidate).
	FusedForm() (kind Kind, p *Params, ok bool)
}

// Fusable reports whether c runs on the fused op.
func Fusable(c Cell) bool {
	fc, ok := c.(FusedCell)
	if !ok {
		return false
	}
	_, _, ok = fc.FusedForm()
	return ok
}

// opIDs numbers the fused layer ops: a layer op owns the activations its gradient op reads, so no
// two layer nodes may ever be merged as equal expressions.
var opIDs atomic.Uint64

// layerOp is one recurrent layer over a whole sequence of T steps of B sequences, one node in
// the graph. Its inputs are
//
//	X (T·B, In)  time-major: row t·B+b is step t of sequence b
//	W_ih (In, G·H), W_hh (H, G·H), b_ih (1, G·H), b_hh (1, G·H)
//	h0 (B, H), and c0 (B, H) for the LSTM
//	mask (T·B, 1) of 0/1 when masked: where 0 the state is kept, s ← s + m∘(s̃ − s)
//
// and its output is one packed ((T+S)·B, H) tensor: rows [0, T·B) the state h after every step
// (row block t for step t, whatever the direction), then the final h and, for the LSTM, the final
// c. Extract them with rangeOp, never with Gorgonia's Slice.
//
// The forward pass is one product X·W_ih for all steps, then per step (t = 0…T−1, or T−1…0 when
// reverse) one product h·W_hh and one pointwise pass over the gates and the state update. The
// activations it saves for the backward pass live in the op instance (buffers reused across runs):
// an op instance belongs to exactly one node of one graph, and its gradient op (SymDiff) reads
// them, which is sound because the gradient node takes the layer's output as an input and so runs
// after it in every run.
type layerOp struct {
	id              uint64
	kind            Kind
	t, b, in, h     int
	reverse, masked bool
	dt              tensor.Dtype
	bufs            any // *layerBufs[float32] or *layerBufs[float64]
}

// layerBufs are a layer op's buffers, allocated on the first run and reused by every later one.
type layerBufs[F float] struct {
	out  []F // packed output ((T+S)·B, H)
	outT *tensor.Dense
	a    []F // (T·B, G·H): pre-activations, then the gate activations of every step
	hp   []F // (T·B, H): h before each step
	cp   []F // (T·B, H): c before each step (LSTM)
	tc   []F // (T·B, H): tanh(c̃) of each step (LSTM)
	hh   []F // (T·B, G·H): every step's hidden projection h·W_hh + b_hh (GRU)
	hcur []F // (B, H)
	ccur []F // (B, H)

	grad  []F // the gradient op's packed output
	gradT *tensor.Dense
	dpx   []F // (T·B, G·H): gradient of the input pre-activations
	dph   []F // (T·B, G·H): gradient of the hidden pre-activations (GRU; dpx otherwise)
	dh    []F // (B, H)
	dc    []F // (B, H)
	dd    []F // (B, H): the gradient reaching one step's new state
	dcm   []F // (B, H)
	tmp   []F // (B, H)
}

func (op *layerOp) gh() int     { return op.kind.Gates() * op.h }
func (op *layerOp) states() int { return op.kind.States() }

// gradSize is the length of the gradient op's packed output: dX, dW_ih, dW_hh, db_ih, db_hh and
// the initial states' gradients, flat, in that order.
func (op *layerOp) gradSize() int {
	gh := op.gh()
	return op.t*op.b*op.in + op.in*gh + op.h*gh + 2*gh + op.states()*op.b*op.h
}

func bufsOf[F float](op *layerOp) *layerBufs[F] {
	if bf, ok := op.bufs.(*layerBufs[F]); ok {
		return bf
	}
	tb, h, gh, s := op.t*op.b, op.h, op.gh(), op.states()
	bf := &layerBufs[F]{
		out:  make([]F, (op.t+s)*op.b*h),
		a:    make([]F, tb*gh),
		hp:   make([]F, tb*h),
		hcur: make([]F, op.b*h),
		ccur: make([]F, op.b*h),
	}
	bf.outT = tensor.New(tensor.WithShape((op.t+s)*op.b, h), tensor.WithBacking(bf.out))
	switch op.kind {
	case KindLSTM:
		bf.cp, bf.tc = make([]F, tb*h), make([]F, tb*h)
	case KindGRU:
		bf.hh = make([]F, tb*gh)
	}
	op.bufs = bf
	return bf
}

// values returns the float data of a value of n elements. what names the value in an error and
// is called only then: the ops call values on every run, which should format nothing.
func values[F float](v G.Value, n int, what func() string) ([]F, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("recurrent: %s is a %T, want a dense tensor", what(), v)
	}
	if d.RequiresIterator() {
		d = d.Materialize().(*tensor.Dense)
	}
	var raw any
	switch d.Dtype() {
	case tensor.Float64:
		raw = d.Float64s()
	case tensor.Float32:
		raw = d.Float32s()
	}
	s, ok := raw.([]F)
	if !ok || len(s) != n {
		return nil, errors.Errorf("recurrent: %s holds %d %v values, want %d of %T", what(), d.Shape().TotalSize(), d.Dtype(), n, *new(F))
	}
	return s, nil
}

func (op *layerOp) arity() int {
	n := 6 + op.states() - 1
	if op.masked {
		n++
	}
	return n
}

// Arity is 6, plus c0 for the LSTM, plus the mask when masked.
func (op *layerOp) Arity() int { return op.arity() }

// Type is 2-D tensors in, a 2-D tensor out.
func (op *layerOp) Type() hm.Type { return fnType(op.arity()) }

func fnType(arity int) hm.Type {
	tt := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, arity+1)
	for i := range ts {
		ts[i] = tt
	}
	return hm.NewFnType(ts...)
}

// InferShape checks every input's shape and returns the packed output's ((T+S)·B, H).
func (op *layerOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.arity() {
		return nil, errors.Errorf("recurrent: %v takes %d inputs, got %d", op, op.arity(), len(ds))
	}
	gh := op.gh()
	want := []tensor.Shape{{op.t * op.b, op.in}, {op.in, gh}, {op.h, gh}, {1, gh}, {1, gh}, {op.b, op.h}}
	if op.states() == 2 {
		want = append(want, tensor.Shape{op.b, op.h})
	}
	if op.masked {
		want = append(want, tensor.Shape{op.t * op.b, 1})
	}
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok || !s.Eq(want[i]) {
			return nil, errors.Errorf("recurrent: %v: input %d has shape %v, want %v", op, i, d, want[i])
		}
	}
	return tensor.Shape{(op.t + op.states()) * op.b, op.h}, nil
}

// Do runs the layer forward.
func (op *layerOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.arity() {
		return nil, errors.Errorf("recurrent: %v takes %d inputs, got %d", op, op.arity(), len(vs))
	}
	switch op.dt {
	case tensor.Float64:
		return layerForward[float64](op, vs)
	case tensor.Float32:
		return layerForward[float32](op, vs)
	}
	return nil, errors.Errorf("recurrent: %v: dtype %v, want float32 or float64", op, op.dt)
}

// UsePreallocDo ignores prealloc: the op writes into buffers it owns (the saved activations must
// survive until the backward pass, which a VM register shared with other nodes cannot promise).
func (op *layerOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return op.Do(vs...)
}

func (op *layerOp) ReturnsPtr() bool     { return false }
func (op *layerOp) CallsExtern() bool    { return false }
func (op *layerOp) OverwritesInput() int { return -1 }
func (op *layerOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "recurrent.layer#%d %v T%d B%d In%d H%d rev%t mask%t %v", op.id, op.kind, op.t, op.b, op.in, op.h, op.reverse, op.masked, op.dt)
}
func (op *layerOp) Hashcode() uint32 { return hashOf(op) }
func (op *layerOp) String() string {
	dir := ""
	if op.reverse {
		dir = ", reverse"
	}
	return fmt.Sprintf("Recurrent%s#%d(T=%d, B=%d%s)", op.kind, op.id, op.t, op.b, dir)
}

func hashOf(op G.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// DiffWRT: every input but the mask.
func (op *layerOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = !(op.masked && i == inputs-1)
	}
	return d
}

// SymDiff adds the layer's gradient op (one node computing every gradient into one packed
// buffer) and the nodes extracting each input's gradient from it.
func (op *layerOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.arity() {
		return nil, errors.Errorf("recurrent: gradient of %v: %d inputs, want %d", op, len(inputs), op.arity())
	}
	args := G.Nodes{inputs[0], inputs[1], inputs[2]}
	if op.masked {
		args = append(args, inputs[len(inputs)-1])
	}
	args = append(args, output, grad)
	pack, err := G.ApplyOp(&layerGradOp{fwd: op}, args...)
	if err != nil {
		return nil, errors.Wrapf(err, "recurrent: gradient of %v", op)
	}
	gh, tb := op.gh(), op.t*op.b
	shapes := []tensor.Shape{{tb, op.in}, {op.in, gh}, {op.h, gh}, {1, gh}, {1, gh}, {op.b, op.h}, {op.b, op.h}}
	out := make(G.Nodes, len(inputs))
	off := 0
	for i := 0; i < 5+op.states(); i++ {
		if out[i], err = Range(pack, off, shapes[i]); err != nil {
			return nil, errors.Wrapf(err, "recurrent: gradient of %v", op)
		}
		off += shapes[i].TotalSize()
	}
	return out, nil
}

// layerGradOp computes every gradient of a layerOp: inputs X, W_ih, W_hh, the mask when masked,
// the layer's packed output and its gradient; output the flat (N, 1) pack of dX, dW_ih, dW_hh,
// db_ih, db_hh, dh0 and dc0 (LSTM). It runs the steps in reverse with one product per step for
// dh, then dX, dW_ih = Xᵀ·dPre and dW_hh = Hprevᵀ·dPre as one product each over all steps, and the
// bias gradients as column sums.
type layerGradOp struct{ fwd *layerOp }

func (op *layerGradOp) arity() int {
	if op.fwd.masked {
		return 6
	}
	return 5
}
func (op *layerGradOp) Arity() int    { return op.arity() }
func (op *layerGradOp) Type() hm.Type { return fnType(op.arity()) }
func (op *layerGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.arity() {
		return nil, errors.Errorf("recurrent: %v takes %d inputs, got %d", op, op.arity(), len(ds))
	}
	return tensor.Shape{op.fwd.gradSize(), 1}, nil
}
func (op *layerGradOp) Do(vs ...G.Value) (G.Value, error) {
	if len(vs) != op.arity() {
		return nil, errors.Errorf("recurrent: %v takes %d inputs, got %d", op, op.arity(), len(vs))
	}
	switch op.fwd.dt {
	case tensor.Float64:
		return layerBackward[float64](op.fwd, vs)
	case tensor.Float32:
		return layerBackward[float32](op.fwd, vs)
	}
	return nil, errors.Errorf("recurrent: %v: dtype %v, want float32 or float64", op, op.fwd.dt)
}

// UsePreallocDo ignores prealloc and writes into the op's own buffer.
func (op *layerGradOp) UsePreallocDo(prealloc G.Value, vs ...G.Value) (G.Value, error) {
	return op.Do(vs...)
}
func (op *layerGradOp) ReturnsPtr() bool      { return false }
func (op *layerGradOp) CallsExtern() bool     { return false }
func (op *layerGradOp) OverwritesInput() int  { return -1 }
func (op *layerGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "recurrent.layer'#%d", op.fwd.id) }
func (op *layerGradOp) Hashcode() uint32      { return hashOf(op) }
func (op *layerGradOp) String() string        { return fmt.Sprintf("∂%v", op.fwd) }

func layerForward[F float](op *layerOp, vs []G.Value) (G.Value, error) {
	T, B, In, H, GH := op.t, op.b, op.in, op.h, op.gh()
	var err error
	get := func(i, n int, what string) []F {
		if err != nil {
			return nil
		}
		var s []F
		s, err = values[F](vs[i], n, func() string { return fmt.Sprintf("%v %s", op, what) })
		return s
	}
	x := get(0, T*B*In, "input")
	wih := get(1, In*GH, "W_ih")
	whh := get(2, H*GH, "W_hh")
	bih := get(3, GH, "b_ih")
	bhh := get(4, GH, "b_hh")
	h0 := get(5, B*H, "h0")
	var c0, mask []F
	if op.kind == KindLSTM {
		c0 = get(6, B*H, "c0")
	}
	if op.masked {
		mask = get(len(vs)-1, T*B, "mask")
	}
	if err != nil {
		return nil, err
	}
	bf := bufsOf[F](op)
	gru := op.kind == KindGRU
	// Input projection of every step: A = X·W_ih + b_ih (+ b_hh where it adds to the same
	// pre-activation).
	fillRows(bf.a, bih)
	if !gru {
		addRows(bf.a, bhh)
	}
	gemm(false, false, T*B, GH, In, x, In, wih, GH, 1, bf.a, GH)
	copy(bf.hcur, h0)
	if c0 != nil {
		copy(bf.ccur, c0)
	}
	y := bf.out[:T*B*H]
	for i := 0; i < T; i++ {
		t := i
		if op.reverse {
			t = T - 1 - i
		}
		rows := bf.a[t*B*GH : (t+1)*B*GH]
		hp := bf.hp[t*B*H : (t+1)*B*H]
		copy(hp, bf.hcur)
		switch op.kind {
		case KindTanh, KindReLU:
			gemm(false, false, B, GH, H, hp, H, whh, GH, 1, rows, GH)
			if op.kind == KindTanh {
				tanhInPlace(rows)
			} else {
				for j, v := range rows {
					rows[j] = max(v, 0)
				}
			}
			copy(bf.hcur, rows)
		case KindLSTM:
			gemm(false, false, B, GH, H, hp, H, whh, GH, 1, rows, GH)
			cp := bf.cp[t*B*H : (t+1)*B*H]
			copy(cp, bf.ccur)
			lstmForward(rows, cp, bf.ccur, bf.tc[t*B*H:(t+1)*B*H], bf.hcur, B, H)
			if op.masked {
				maskUpdate(bf.ccur, cp, mask[t*B:(t+1)*B], H)
			}
		case KindGRU:
			hh := bf.hh[t*B*GH : (t+1)*B*GH]
			fillRows(hh, bhh)
			gemm(false, false, B, GH, H, hp, H, whh, GH, 1, hh, GH)
			gruForward(rows, hh, hp, bf.hcur, B, H)
		}
		if op.masked {
			maskUpdate(bf.hcur, hp, mask[t*B:(t+1)*B], H)
		}
		copy(y[t*B*H:(t+1)*B*H], bf.hcur)
	}
	copy(bf.out[T*B*H:(T+1)*B*H], bf.hcur)
	if op.kind == KindLSTM {
		copy(bf.out[(T+1)*B*H:], bf.ccur)
	}
	return bf.outT, nil
}

func layerBackward[F float](op *layerOp, vs []G.Value) (G.Value, error) {
	T, B, In, H, GH := op.t, op.b, op.in, op.h, op.gh()
	bf, ok := op.bufs.(*layerBufs[F])
	if !ok {
		return nil, errors.Errorf("recurrent: gradient of %v run before the layer", op)
	}
	var err error
	get := func(i, n int, what string) []F {
		if err != nil {
			return nil
		}
		var s []F
		s, err = values[F](vs[i], n, func() string { return fmt.Sprintf("gradient of %v: %s", op, what) })
		return s
	}
	x := get(0, T*B*In, "input")
	wih := get(1, In*GH, "W_ih")
	whh := get(2, H*GH, "W_hh")
	var mask []F
	if op.masked {
		mask = get(3, T*B, "mask")
	}
	dout := get(len(vs)-1, (T+op.states())*B*H, "output gradient")
	if err != nil {
		return nil, err
	}
	if bf.grad == nil {
		bf.grad = make([]F, op.gradSize())
		bf.gradT = tensor.New(tensor.WithShape(op.gradSize(), 1), tensor.WithBacking(bf.grad))
		bf.dpx = make([]F, T*B*GH)
		bf.dph = bf.dpx
		if op.kind == KindGRU {
			bf.dph = make([]F, T*B*GH)
		}
		bf.dh, bf.dc, bf.dd, bf.dcm, bf.tmp = make([]F, B*H), make([]F, B*H), make([]F, B*H), make([]F, B*H), make([]F, B*H)
	}
	dh, dc, dd, dcm, tmp := bf.dh, bf.dc, bf.dd, bf.dcm, bf.tmp
	copy(dh, dout[T*B*H:(T+1)*B*H])
	if op.kind == KindLSTM {
		copy(dc, dout[(T+1)*B*H:])
	}
	for i := T - 1; i >= 0; i-- {
		t := i
		if op.reverse {
			t = T - 1 - i
		}
		rows := bf.a[t*B*GH : (t+1)*B*GH]
		dpx := bf.dpx[t*B*GH : (t+1)*B*GH]
		dph := bf.dph[t*B*GH : (t+1)*B*GH]
		dy := dout[t*B*H : (t+1)*B*H]
		hp := bf.hp[t*B*H : (t+1)*B*H]
		// dd: the gradient reaching the step's fresh state s̃ (m∘(dh + dy)); dh keeps the part
		// that passes the step unchanged ((1 − m)∘(dh + dy), zero without a mask).
		for j := range dd {
			dd[j] = dh[j] + dy[j]
		}
		if op.masked {
			maskGrad(dd, dh, mask[t*B:(t+1)*B], H)
		} else {
			clear(dh)
		}
		switch op.kind {
		case KindTanh:
			for j, v := range rows {
				dpx[j] = dd[j] * (1 - v*v)
			}
		case KindReLU:
			for j, v := range rows {
				dpx[j] = 0
				if v > 0 {
					dpx[j] = dd[j]
				}
			}
		case KindLSTM:
			cp, tc := bf.cp[t*B*H:(t+1)*B*H], bf.tc[t*B*H:(t+1)*B*H]
			if op.masked {
				copy(dcm, dc)
				maskGrad(dcm, dc, mask[t*B:(t+1)*B], H)
				lstmBackward(rows, cp, tc, dd, dcm, dpx, tmp, B, H)
				for j, v := range tmp {
					dc[j] += v
				}
			} else {
				lstmBackward(rows, cp, tc, dd, dc, dpx, dc, B, H)
			}
		case KindGRU:
			gruBackward(rows, bf.hh[t*B*GH:(t+1)*B*GH], hp, dd, dpx, dph, tmp, B, H)
			for j, v := range tmp {
				dh[j] += v
			}
		}
		// dh_{t−1} += dPre_h·W_hhᵀ
		gemm(false, true, B, H, GH, dph, GH, whh, GH, 1, dh, H)
	}
	g := bf.grad
	off := 0
	next := func(n int) []F { s := g[off : off+n]; off += n; return s }
	dx, dwih, dwhh, dbih, dbhh := next(T*B*In), next(In*GH), next(H*GH), next(GH), next(GH)
	gemm(false, true, T*B, In, GH, bf.dpx, GH, wih, GH, 0, dx, In)
	gemm(true, false, In, GH, T*B, x, In, bf.dpx, GH, 0, dwih, GH)
	gemm(true, false, H, GH, T*B, bf.hp, H, bf.dph, GH, 0, dwhh, GH)
	colSums(dbih, bf.dpx)
	colSums(dbhh, bf.dph)
	copy(next(B*H), dh)
	if op.kind == KindLSTM {
		copy(next(B*H), dc)
	}
	return bf.gradT, nil
}

// maskUpdate applies the masked update s ← prev + m∘(s − prev) to the B rows (H wide) of s,
// row b with mask[b]; rows whose mask is 1 keep the fresh state as it is.
func maskUpdate[F float](s, prev, mask []F, H int) {
	for b, m := range mask {
		if m == 1 {
			continue
		}
		row, p := s[b*H:(b+1)*H], prev[b*H:(b+1)*H]
		for j := range row {
			row[j] = p[j] + m*(row[j]-p[j])
		}
	}
}

// maskGrad splits the gradient d of a masked update's result: keep gets (1 − m)∘d (the part
// reaching the previous state directly) and d becomes m∘d (the part reaching the fresh state).
func maskGrad[F float](d, keep, mask []F, H int) {
	for b, m := range mask {
		row, k := d[b*H:(b+1)*H], keep[b*H:(b+1)*H]
		for j, v := range row {
			k[j] = (1 - m) * v
			row[j] = m * v
		}
	}
}
