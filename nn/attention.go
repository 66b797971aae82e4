package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaskValue is what an additive attention mask adds to the score of a key that must not be
// attended to. It is finite, so a row whose keys are all masked gets uniform weights instead of
// NaN; otherwise exp(score + MaskValue − max) is exactly 0 in float32 and float64, so masked keys
// get exactly zero weight and their values cannot reach the output.
const MaskValue = -1e9

// CausalMask adds to g a constant additive mask of shape (1, tq, tk) for attention of tq queries
// over tk keys where query i may see key j only if j ≤ i + (tk − tq): lower-triangular for
// tq = tk, and for tq < tk the queries are the last tq positions of the keys' sequence. Allowed
// entries are 0, the others MaskValue. It broadcasts over the leading (batch·head) axis.
func CausalMask(g *Graph, tq, tk int) (*G.Node, error) {
	if tq <= 0 || tk < tq {
		return nil, errors.Errorf("nn: causal mask of %d queries over %d keys: need 0 < queries ≤ keys", tq, tk)
	}
	vals := make([]float64, tq*tk)
	for i := 0; i < tq; i++ {
		for j := i + tk - tq + 1; j < tk; j++ {
			vals[i*tk+j] = MaskValue
		}
	}
	in := g.Input("causal_mask", 1, tq, tk)
	if err := in.Set(vals); err != nil {
		return nil, errors.Wrap(err, "nn: causal mask")
	}
	return in.Node, nil
}

// PaddingMask is an additive key-padding mask fed per batch: for Batch sequences of up to Len
// keys, the keys past each sequence's length (or flagged as padding) get MaskValue. Node has
// shape (Batch·Heads, 1, Len), row b·Heads + h for head h of sequence b, which is the layout
// MultiHeadAttention gives its scores; it broadcasts over the queries.
type PaddingMask struct {
	Node              *G.Node // (Batch·Heads, 1, Len): 0 for a real key, MaskValue for padding
	Batch, Heads, Len int     // sequences, attention heads, keys per sequence

	in  *Input
	buf []float64
}

// NewPaddingMask adds a padding-mask input to g, initially masking nothing.
func NewPaddingMask(g *Graph, batch, heads, length int) (*PaddingMask, error) {
	if batch <= 0 || heads <= 0 || length <= 0 {
		return nil, errors.Errorf("nn: padding mask: batch %d, heads %d, length %d must be positive", batch, heads, length)
	}
	in := g.Input("padding_mask", batch*heads, 1, length)
	return &PaddingMask{Node: in.Node, Batch: batch, Heads: heads, Len: length, in: in, buf: make([]float64, batch*heads*length)}, nil
}

// SetLengths feeds the number of real keys of each sequence: keys at positions ≥ lens[b] are
// masked. A length outside [0, Len] is an error naming the sequence.
func (m *PaddingMask) SetLengths(lens []int) error {
	if len(lens) != m.Batch {
		return errors.Errorf("nn: padding mask for %d sequences fed %d lengths", m.Batch, len(lens))
	}
	pad := make([]bool, m.Batch*m.Len)
	for b, n := range lens {
		if n < 0 || n > m.Len {
			return errors.Errorf("nn: padding mask: length %d of sequence %d outside [0, %d]", n, b, m.Len)
		}
		for j := n; j < m.Len; j++ {
			pad[b*m.Len+j] = true
		}
	}
	return m.SetPadding(pad)
}

// SetPadding feeds which keys are padding, as torch's key_padding_mask: pad[b·Len + j] is true
// when key j of sequence b must be ignored.
func (m *PaddingMask) SetPadding(pad []bool) error {
	if len(pad) != m.Batch*m.Len {
		return errors.Errorf("nn: padding mask of %d×%d keys fed %d flags", m.Batch, m.Len, len(pad))
	}
	for b := 0; b < m.Batch; b++ {
		for h := 0; h < m.Heads; h++ {
			row := m.buf[(b*m.Heads+h)*m.Len : (b*m.Heads+h+1)*m.Len]
			for j := range row {
				row[j] = 0
				if pad[b*m.Len+j] {
					row[j] = MaskValue
				}
			}
		}
	}
	return m.in.Set(m.buf)
}

// addMask adds an additive mask to scores (N, Tq, Tk); every axis of the 3-D mask has the scores'
// size or 1 (broadcast).
func addMask(scores, mask *G.Node) (*G.Node, error) {
	ss, ms := scores.Shape(), mask.Shape()
	if mask.Dims() != 3 {
		return nil, errors.Errorf("nn: attention mask of shape %v: want 3 axes for scores %v", ms, ss)
	}
	var pattern []byte
	for i := 0; i < 3; i++ {
		switch {
		case ms[i] == ss[i]:
		case ms[i] == 1:
			pattern = append(pattern, byte(i))
		default:
			return nil, errors.Errorf("nn: attention mask of shape %v does not broadcast to scores %v (axis %d)", ms, ss, i)
		}
	}
	if len(pattern) == 0 {
		return G.Add(scores, mask)
	}
	return G.BroadcastAdd(scores, mask, nil, pattern)
}

// ScaledDotProductAttention is softmax(q·kᵀ/√d + masks)·v (Vaswani et al. 2017) over a batch of N
// independent problems (N is batch·heads for multi-head attention): q is (N, Tq, d), k is
// (N, Tk, d), v is (N, Tk, dv). Each mask is additive and 3-D, every axis either of the scores'
// size (N, Tq, Tk) or 1 to broadcast: CausalMask gives (1, Tq, Tk), a PaddingMask (N, 1, Tk).
// It returns the output (N, Tq, dv) and the attention weights (N, Tq, Tk), whose rows sum to 1,
// for inspection (heatmaps).
//
// It runs as two fused ops, the weights and the weighted sum of the values, with products through
// G.WhichBLAS (see sdpaFused); the composed form of BatchedMatMul and SoftMax is kept as the
// reference it is tested against.
func ScaledDotProductAttention(g *Graph, q, k, v *G.Node, masks ...*G.Node) (out, weights *G.Node, err error) {
	if err := checkQKV(q, k, v); err != nil {
		return nil, nil, err
	}
	qs, vs := q.Shape(), v.Shape()
	return sdpaFused(g, sdpaSource{q, viewOf3(q)}, sdpaSource{k, viewOf3(k)}, sdpaSource{v, viewOf3(v)},
		qs[0], 1/math.Sqrt(float64(qs[2])), 0, tensor.Shape{qs[0], qs[1], vs[2]}, masks)
}

// checkQKV checks the shapes (N, Tq, d), (N, Tk, d), (N, Tk, dv) of attention's inputs.
func checkQKV(q, k, v *G.Node) error {
	if q.Dims() != 3 || k.Dims() != 3 || v.Dims() != 3 {
		return errors.Errorf("nn: attention expects 3-D q, k, v (N, T, d), got %v, %v, %v", q.Shape(), k.Shape(), v.Shape())
	}
	qs, ks, vs := q.Shape(), k.Shape(), v.Shape()
	if qs[0] != ks[0] || ks[0] != vs[0] || qs[2] != ks[2] || ks[1] != vs[1] {
		return errors.Errorf("nn: attention shapes q %v, k %v, v %v disagree: want (N,Tq,d), (N,Tk,d), (N,Tk,dv)", qs, ks, vs)
	}
	return nil
}

// attend is the composed form of ScaledDotProductAttention, with dropout of probability p on the
// weights in training graphs; the weights returned are those before dropout.
func attend(g *Graph, q, k, v *G.Node, p float64, masks []*G.Node) (out, weights *G.Node, err error) {
	if err := checkQKV(q, k, v); err != nil {
		return nil, nil, err
	}
	qs := q.Shape()
	c := &Chain{}
	scores := c.Do(G.BatchedMatMul(q, k, false, true))
	scores = c.Do(G.Mul(scores, g.Scalar(1/math.Sqrt(float64(qs[2])))))
	for i, m := range masks {
		if c.Err != nil {
			break
		}
		if m == nil {
			continue
		}
		s, err := addMask(scores, m)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "nn: attention mask %d", i)
		}
		scores = s
	}
	weights = c.Do(G.SoftMax(scores, 2))
	if c.Err != nil {
		return nil, nil, errors.Wrap(c.Err, "nn: attention scores")
	}
	w := weights
	if p > 0 {
		if w, err = Dropout(g, weights, p); err != nil {
			return nil, nil, err
		}
	}
	out, err = G.BatchedMatMul(w, v)
	return out, weights, errors.Wrap(err, "nn: attention output")
}

// MultiHeadAttention is torch.nn.MultiheadAttention(D, Heads) with biases and batch-first rows:
//
//	head_h = softmax(q_h·k_hᵀ/√(D/Heads) + masks)·v_h,  q = query·W_qᵀ + b_q, k = key·W_kᵀ + b_k,
//	v = value·W_vᵀ + b_v split into Heads blocks of D/Heads features,
//	out = concat(head_1 … head_Heads)·W_oᵀ + b_o.
//
// Its parameters carry PyTorch's names: NAME.in_proj_weight (W_q, W_k, W_v stacked, exported as
// (3D, D); kept transposed as (D, 3D)), NAME.in_proj_bias (exported (3D,), kept (1, 3D)), and
// NAME.out_proj.weight / NAME.out_proj.bias (a Linear). They are initialised as PyTorch does:
// in_proj_weight Xavier-uniform, both biases 0, out_proj.weight U(−1/√D, 1/√D).
//
// Self-attention (query, key and value the same node) projects with the whole fused weight in one
// product, and the fused attention ops read every head's q, k and v where they lie in its
// (B·T, 3D) result and write the heads' outputs merged, so no head is split or merged by a
// transpose. Otherwise the q, k and v projections each multiply by one (D, D) block of the fused
// weight, taken as index k of its (D, 3, D) reshape, so no slice bound ever reaches 256 (see the
// package notes on Gorgonia's slice hashing) whatever D is. The composed form (projections,
// reshapes, transposes and the composed ScaledDotProductAttention) is kept as the reference.
type MultiHeadAttention struct {
	D, Heads     int     // model width, and the heads it is split into (D/Heads each)
	InProjWeight *Tensor // (D, 3D), Transposed
	InProjBias   *Tensor // (1, 3D)
	OutProj      *Linear // the heads' merged outputs to the result, D → D (NAME.out_proj)
	// Dropout is the probability of dropping attention weights in training graphs (torch's
	// dropout argument).
	Dropout float64
	// Composed builds the reference form of Gorgonia's ops (projections, reshapes, transposes,
	// BatchedMatMul, SoftMax) instead of the fused ops; both give the same values and gradients up
	// to rounding, and draw the same dropout masks.
	Composed bool
}

// NewMultiHeadAttention creates the parameters for model dimension d split into heads heads
// (d must be a multiple of heads) in s under name.
func NewMultiHeadAttention(s *Store, name string, d, heads int, dropout float64) (*MultiHeadAttention, error) {
	if d <= 0 || heads <= 0 || d%heads != 0 {
		return nil, errors.Errorf("nn: multi-head attention %s: dimension %d must be a positive multiple of the %d heads", name, d, heads)
	}
	if dropout < 0 || dropout >= 1 {
		return nil, errors.Errorf("nn: multi-head attention %s: dropout %v outside [0, 1)", name, dropout)
	}
	prefix := ""
	if name != "" {
		prefix = name + "."
	}
	w, err := s.Add(prefix+"in_proj_weight", []int{d, 3 * d}, true, Uniform(math.Sqrt(6/float64(4*d))))
	if err != nil {
		return nil, err // the store's error names the tensor
	}
	w.Transposed = true
	b, err := s.Add(prefix+"in_proj_bias", []int{1, 3 * d}, true, Zeros)
	if err != nil {
		return nil, err
	}
	out, err := NewLinear(s, prefix+"out_proj", d, d, true)
	if err != nil {
		return nil, errors.Wrapf(err, "nn: multi-head attention %s", name)
	}
	if err := SetFloat64s(out.Bias.Value, make([]float64, d)); err != nil {
		return nil, errors.Wrapf(err, "nn: multi-head attention %s", name)
	}
	return &MultiHeadAttention{D: d, Heads: heads, InProjWeight: w, InProjBias: b, OutProj: out, Dropout: dropout}, nil
}

// project computes x·W_jᵀ + b_j for block j (0 query, 1 key, 2 value) of the fused projection.
func (m *MultiHeadAttention) project(g *Graph, x *G.Node, j int) (*G.Node, error) {
	c := &Chain{}
	w := c.Do(G.Reshape(g.Bind(m.InProjWeight), tensor.Shape{m.D, 3, m.D}))
	wj := c.Do(G.Slice(w, nil, G.S(j)))
	b := c.Do(G.Reshape(g.Bind(m.InProjBias), tensor.Shape{3, m.D}))
	bj := c.Do(G.Reshape(c.Do(G.Slice(b, G.S(j))), tensor.Shape{1, m.D}))
	y := c.Do(G.BroadcastAdd(c.Do(G.Mul(x, wj)), bj, nil, []byte{0}))
	return y, c.Err
}

// splitHeads turns (B·T, D) batch-major rows into (B·Heads, T, D/Heads).
func (m *MultiHeadAttention) splitHeads(x *G.Node, batch, t int) (*G.Node, error) {
	dh := m.D / m.Heads
	c := &Chain{}
	y := c.Do(G.Reshape(x, tensor.Shape{batch, t, m.Heads, dh}))
	y = c.Do(G.Transpose(y, 0, 2, 1, 3))
	y = c.Do(G.Reshape(y, tensor.Shape{batch * m.Heads, t, dh}))
	return y, c.Err
}

// Forward attends from query (B·Tq, D) to key and value (B·Tk, D), all batch-major (row b·T + t
// is step t of sequence b); pass the same node three times for self-attention. masks are as for
// ScaledDotProductAttention with N = B·Heads: CausalMask(g, Tq, Tk) and
// NewPaddingMask(g, B, Heads, Tk). It returns the output (B·Tq, D) and the per-head attention
// weights (B·Heads, Tq, Tk), row b·Heads + h for head h of sequence b (torch's
// need_weights=True result is their mean over heads).
func (m *MultiHeadAttention) Forward(g *Graph, query, key, value *G.Node, batch int, masks ...*G.Node) (out, weights *G.Node, err error) {
	if m.Composed {
		return m.forwardComposed(g, query, key, value, batch, masks...)
	}
	name := m.InProjWeight.Name
	tq, tk, err := m.check(query, key, value, batch)
	if err != nil {
		return nil, nil, err
	}
	dh := m.D / m.Heads
	var src [3]sdpaSource
	if query == key && key == value {
		in := &Linear{In: m.D, Out: 3 * m.D, Weight: m.InProjWeight, Bias: m.InProjBias}
		qkv, err := in.Forward(g, query)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "nn: multi-head attention %s: projection", name)
		}
		for j := range src {
			src[j] = sdpaSource{qkv, attnView{T: tq, C: 3 * m.D, Off: j * m.D, H: m.Heads, Dh: dh}}
		}
	} else {
		for j, x := range []*G.Node{query, key, value} {
			p, err := m.project(g, x, j)
			if err != nil {
				return nil, nil, errors.Wrapf(err, "nn: multi-head attention %s: projection %d", name, j)
			}
			t := tq
			if j > 0 {
				t = tk
			}
			src[j] = sdpaSource{p, attnView{T: t, C: m.D, H: m.Heads, Dh: dh}}
		}
	}
	p := 0.0
	if g.Train {
		p = m.Dropout
	}
	o, weights, err := sdpaFused(g, src[0], src[1], src[2], batch*m.Heads, 1/math.Sqrt(float64(dh)), p, tensor.Shape{batch * tq, m.D}, masks)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "nn: multi-head attention %s", name)
	}
	out, err = m.OutProj.Forward(g, o)
	return out, weights, err
}

// check validates Forward's inputs and returns the numbers of queries and keys per sequence.
func (m *MultiHeadAttention) check(query, key, value *G.Node, batch int) (tq, tk int, err error) {
	name := m.InProjWeight.Name
	for i, x := range []*G.Node{query, key, value} {
		if x == nil || x.Dims() != 2 || x.Shape()[1] != m.D || batch <= 0 || x.Shape()[0]%batch != 0 {
			var s tensor.Shape
			if x != nil {
				s = x.Shape()
			}
			return 0, 0, errors.Errorf("nn: multi-head attention %s: input %d of shape %v is not %d sequences of %d features (B·T, D)", name, i, s, batch, m.D)
		}
	}
	if value.Shape()[0] != key.Shape()[0] {
		return 0, 0, errors.Errorf("nn: multi-head attention %s: %d keys but %d values", name, key.Shape()[0], value.Shape()[0])
	}
	return query.Shape()[0] / batch, key.Shape()[0] / batch, nil
}

// forwardComposed is Forward composed of Gorgonia's ops, the reference of the fused form.
func (m *MultiHeadAttention) forwardComposed(g *Graph, query, key, value *G.Node, batch int, masks ...*G.Node) (out, weights *G.Node, err error) {
	name := m.InProjWeight.Name
	for i, x := range []*G.Node{query, key, value} {
		if x == nil || x.Dims() != 2 || x.Shape()[1] != m.D || batch <= 0 || x.Shape()[0]%batch != 0 {
			var s tensor.Shape
			if x != nil {
				s = x.Shape()
			}
			return nil, nil, errors.Errorf("nn: multi-head attention %s: input %d of shape %v is not %d sequences of %d features (B·T, D)", name, i, s, batch, m.D)
		}
	}
	tq, tk := query.Shape()[0]/batch, key.Shape()[0]/batch
	if value.Shape()[0] != key.Shape()[0] {
		return nil, nil, errors.Errorf("nn: multi-head attention %s: %d keys but %d values", name, key.Shape()[0], value.Shape()[0])
	}
	var qkv [3]*G.Node
	for j, x := range []*G.Node{query, key, value} {
		p, err := m.project(g, x, j)
		if err == nil {
			t := tq
			if j > 0 {
				t = tk
			}
			p, err = m.splitHeads(p, batch, t)
		}
		if err != nil {
			return nil, nil, errors.Wrapf(err, "nn: multi-head attention %s: projection %d", name, j)
		}
		qkv[j] = p
	}
	p := 0.0
	if g.Train {
		p = m.Dropout
	}
	o, weights, err := attend(g, qkv[0], qkv[1], qkv[2], p, masks)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "nn: multi-head attention %s", name)
	}
	c := &Chain{}
	o = c.Do(G.Reshape(o, tensor.Shape{batch, m.Heads, tq, m.D / m.Heads}))
	o = c.Do(G.Transpose(o, 0, 2, 1, 3))
	o = c.Do(G.Reshape(o, tensor.Shape{batch * tq, m.D}))
	if c.Err != nil {
		return nil, nil, errors.Wrapf(c.Err, "nn: multi-head attention %s: merging heads", name)
	}
	out, err = m.OutProj.Forward(g, o)
	return out, weights, err
}

// AttentionMemory is an encoder's output prepared once for a decoder that attends to it at every
// step: Values (B, Tk, H) are the encoder states, Keys (B, Tk, A) their projection for scoring.
// Both are reshapes of graph nodes and are only ever read.
type AttentionMemory struct {
	Batch, Len   int     // sequences B, and encoder steps Tk per sequence
	Values, Keys *G.Node // (B, Tk, H) encoder states; (B, Tk, A) their projection for scoring
}

// attendMemory finishes additive or multiplicative attention from scores (B, 1, Tk): masks, the
// softmax over keys and the weighted sum of the values.
func attendMemory(scores *G.Node, mem *AttentionMemory, masks []*G.Node) (context, weights *G.Node, err error) {
	for i, m := range masks {
		if m == nil {
			continue
		}
		if scores, err = addMask(scores, m); err != nil {
			return nil, nil, errors.Wrapf(err, "nn: attention mask %d", i)
		}
	}
	c := &Chain{}
	weights = c.Do(G.SoftMax(scores, 2))
	ctx := c.Do(G.BatchedMatMul(weights, mem.Values))
	context = c.Do(G.Reshape(ctx, tensor.Shape{mem.Batch, mem.Values.Shape()[2]}))
	return context, weights, errors.Wrap(c.Err, "nn: attention over memory")
}

// checkMemory validates an encoder output of batch-major rows (B·Tk, H).
func checkMemory(what string, memory *G.Node, batch, h int) (int, error) {
	if memory == nil || memory.Dims() != 2 || batch <= 0 || memory.Shape()[0]%batch != 0 || memory.Shape()[1] != h {
		var s tensor.Shape
		if memory != nil {
			s = memory.Shape()
		}
		return 0, errors.Errorf("nn: %s: memory of shape %v is not %d sequences of %d features (B·Tk, H)", what, s, batch, h)
	}
	return memory.Shape()[0] / batch, nil
}

// AdditiveAttention is Bahdanau et al.'s (2015) attention of a decoder state over encoder
// states, as the BahdanauAttention of PyTorch's seq2seq tutorial:
//
//	score_j = Va(tanh(Wa(query) + Ua(h_j))),  weights = softmax_j(score + masks),
//	context = Σ_j weights_j·h_j,
//
// with Wa: QueryDim → Dim, Ua: KeyDim → Dim and Va: Dim → 1 Linear layers with biases named
// NAME.Wa, NAME.Ua, NAME.Va (Va's bias shifts every score alike, so its gradient is 0; it is kept
// for the tutorial's parameter names).
type AdditiveAttention struct {
	QueryDim, KeyDim, Dim int     // widths of the decoder state, of an encoder state, of the scoring layer
	Wa, Ua, Va            *Linear // QueryDim → Dim, KeyDim → Dim, Dim → 1 (NAME.Wa, NAME.Ua, NAME.Va)
}

// NewAdditiveAttention creates the three layers, initialised as torch.nn.Linear.
func NewAdditiveAttention(s *Store, name string, queryDim, keyDim, dim int) (*AdditiveAttention, error) {
	if queryDim <= 0 || keyDim <= 0 || dim <= 0 {
		return nil, errors.Errorf("nn: additive attention %s: sizes %d, %d, %d must be positive", name, queryDim, keyDim, dim)
	}
	prefix := ""
	if name != "" {
		prefix = name + "."
	}
	a := &AdditiveAttention{QueryDim: queryDim, KeyDim: keyDim, Dim: dim}
	var err error
	if a.Wa, err = NewLinear(s, prefix+"Wa", queryDim, dim, true); err != nil {
		return nil, err
	}
	if a.Ua, err = NewLinear(s, prefix+"Ua", keyDim, dim, true); err != nil {
		return nil, err
	}
	if a.Va, err = NewLinear(s, prefix+"Va", dim, 1, true); err != nil {
		return nil, err
	}
	return a, nil
}

// Prepare projects the encoder output memory (B·Tk, KeyDim), batch-major, once for all decoder
// steps.
func (a *AdditiveAttention) Prepare(g *Graph, memory *G.Node, batch int) (*AttentionMemory, error) {
	tk, err := checkMemory("additive attention "+a.Wa.Weight.Name, memory, batch, a.KeyDim)
	if err != nil {
		return nil, err
	}
	keys, err := a.Ua.Forward(g, memory)
	if err != nil {
		return nil, err
	}
	c := &Chain{}
	m := &AttentionMemory{Batch: batch, Len: tk,
		Values: c.Do(G.Reshape(memory, tensor.Shape{batch, tk, a.KeyDim})),
		Keys:   c.Do(G.Reshape(keys, tensor.Shape{batch, tk, a.Dim}))}
	return m, errors.Wrapf(c.Err, "nn: additive attention %s", a.Wa.Weight.Name)
}

// Attend scores every key of mem against query (B, QueryDim) and returns the context (B, KeyDim)
// and the weights (B, 1, Tk). masks are additive, 3-D and broadcast to (B, 1, Tk), e.g. the Node
// of NewPaddingMask(g, B, 1, Tk).
//
// After the query's projection Wa, the scores, masks and softmax are one fused op (see
// additiveScoresOp) and the weighted sum of the values another; the composed form is kept as the
// reference.
func (a *AdditiveAttention) Attend(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error) {
	if mem == nil || query == nil || query.Dims() != 2 || query.Shape()[0] != mem.Batch || query.Shape()[1] != a.QueryDim {
		return nil, nil, errors.Errorf("nn: additive attention %s: query must be (B, %d) for the memory's batch", a.Wa.Weight.Name, a.QueryDim)
	}
	if a.Va.Bias == nil {
		return a.attendComposed(g, query, mem, masks...)
	}
	q, err := a.Wa.Forward(g, query)
	if err != nil {
		return nil, nil, err
	}
	var ms []*G.Node
	for _, m := range masks {
		if m != nil {
			ms = append(ms, m)
		}
	}
	if weights, err = additiveFused(q, mem.Keys, g.Bind(a.Va.Weight), g.Bind(a.Va.Bias), ms); err != nil {
		return nil, nil, errors.Wrapf(err, "nn: additive attention %s", a.Wa.Weight.Name)
	}
	return weightedValues(weights, mem)
}

// weightedValues is the context Σ_j weights_j·values_j (B, H) of weights (B, 1, Tk) over the
// memory's values (B, Tk, H), one fused op.
func weightedValues(weights *G.Node, mem *AttentionMemory) (context, w *G.Node, err error) {
	vs := mem.Values.Shape()
	op := &sdpaApplyOp{id: fusedID(), n: mem.Batch, tq: 1, tk: mem.Len, v: viewOf3(mem.Values), vDims: 3,
		o: attnView{T: 1, C: vs[2], H: 1, Dh: vs[2]}, outShape: tensor.Shape{mem.Batch, vs[2]}}
	context, err = G.ApplyOp(op, weights, mem.Values)
	return context, weights, errors.Wrap(err, "nn: attention over memory")
}

// attendComposed is Attend composed of Gorgonia's ops, the reference of the fused form.
func (a *AdditiveAttention) attendComposed(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error) {
	if mem == nil || query == nil || query.Dims() != 2 || query.Shape()[0] != mem.Batch || query.Shape()[1] != a.QueryDim {
		return nil, nil, errors.Errorf("nn: additive attention %s: query must be (B, %d) for the memory's batch", a.Wa.Weight.Name, a.QueryDim)
	}
	q, err := a.Wa.Forward(g, query)
	if err != nil {
		return nil, nil, err
	}
	c := &Chain{}
	q3 := c.Do(G.Reshape(q, tensor.Shape{mem.Batch, 1, a.Dim}))
	// The query is the left operand, broadcast (copied) over the keys, so the in-place add never
	// writes into the shared keys.
	e := c.Do(G.Tanh(c.Do(G.BroadcastAdd(q3, mem.Keys, []byte{1}, nil))))
	e = c.Do(G.Reshape(e, tensor.Shape{mem.Batch * mem.Len, a.Dim}))
	if c.Err != nil {
		return nil, nil, errors.Wrapf(c.Err, "nn: additive attention %s", a.Wa.Weight.Name)
	}
	s, err := a.Va.Forward(g, e)
	if err != nil {
		return nil, nil, err
	}
	scores, err := G.Reshape(s, tensor.Shape{mem.Batch, 1, mem.Len})
	if err != nil {
		return nil, nil, errors.Wrapf(err, "nn: additive attention %s", a.Wa.Weight.Name)
	}
	return attendMemory(scores, mem, masks)
}

// MultiplicativeAttention is Luong et al.'s (2015) "dot" and "general" attention of a decoder
// state over encoder states:
//
//	dot:     score_j = query·h_j                 (QueryDim = KeyDim)
//	general: score_j = query·(W·h_j + b)         (W: KeyDim → QueryDim, NAME.attn.weight/bias)
//	weights = softmax_j(score + masks),  context = Σ_j weights_j·h_j.
//
// Scores are not scaled. "general" keeps a Linear named NAME.attn, as the Attn module of
// PyTorch's chatbot tutorial.
type MultiplicativeAttention struct {
	Kind             string  // "dot" or "general"
	QueryDim, KeyDim int     // widths of the decoder state and of an encoder state
	W                *Linear // nil for "dot"
}

// NewMultiplicativeAttention creates "dot" (no parameters; queryDim must equal keyDim) or
// "general" attention.
func NewMultiplicativeAttention(s *Store, name, kind string, queryDim, keyDim int) (*MultiplicativeAttention, error) {
	if queryDim <= 0 || keyDim <= 0 {
		return nil, errors.Errorf("nn: %s attention %s: sizes %d and %d must be positive", kind, name, queryDim, keyDim)
	}
	m := &MultiplicativeAttention{Kind: kind, QueryDim: queryDim, KeyDim: keyDim}
	switch kind {
	case "dot":
		if queryDim != keyDim {
			return nil, errors.Errorf("nn: dot attention %s: query size %d differs from key size %d", name, queryDim, keyDim)
		}
	case "general":
		prefix := ""
		if name != "" {
			prefix = name + "."
		}
		var err error
		if m.W, err = NewLinear(s, prefix+"attn", keyDim, queryDim, true); err != nil {
			return nil, err
		}
	default:
		return nil, errors.Errorf("nn: attention %s: unknown kind %q (valid: dot, general)", name, kind)
	}
	return m, nil
}

// Prepare projects ("general") the encoder output memory (B·Tk, KeyDim), batch-major, once for
// all decoder steps.
func (m *MultiplicativeAttention) Prepare(g *Graph, memory *G.Node, batch int) (*AttentionMemory, error) {
	tk, err := checkMemory(m.Kind+" attention", memory, batch, m.KeyDim)
	if err != nil {
		return nil, err
	}
	keys := memory
	if m.W != nil {
		if keys, err = m.W.Forward(g, memory); err != nil {
			return nil, err
		}
	}
	c := &Chain{}
	mem := &AttentionMemory{Batch: batch, Len: tk,
		Values: c.Do(G.Reshape(memory, tensor.Shape{batch, tk, m.KeyDim})),
		Keys:   c.Do(G.Reshape(keys, tensor.Shape{batch, tk, m.QueryDim}))}
	return mem, errors.Wrapf(c.Err, "nn: %s attention", m.Kind)
}

// Attend scores every key of mem against query (B, QueryDim) and returns the context (B, KeyDim)
// and the weights (B, 1, Tk); masks as for AdditiveAttention.Attend. The scores, masks and
// softmax are one fused op, the weighted sum of the values another; the composed form is kept as
// the reference.
func (m *MultiplicativeAttention) Attend(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error) {
	if mem == nil || query == nil || query.Dims() != 2 || query.Shape()[0] != mem.Batch || query.Shape()[1] != m.QueryDim {
		return nil, nil, errors.Errorf("nn: %s attention: query must be (B, %d) for the memory's batch", m.Kind, m.QueryDim)
	}
	q := sdpaSource{query, attnView{T: 1, C: m.QueryDim, H: 1, Dh: m.QueryDim}}
	k := sdpaSource{mem.Keys, viewOf3(mem.Keys)}
	if weights, err = sdpaWeights(q, k, mem.Batch, 1, masks); err != nil {
		return nil, nil, errors.Wrapf(err, "nn: %s attention", m.Kind)
	}
	return weightedValues(weights, mem)
}

// attendComposed is Attend composed of Gorgonia's ops, the reference of the fused form.
func (m *MultiplicativeAttention) attendComposed(g *Graph, query *G.Node, mem *AttentionMemory, masks ...*G.Node) (context, weights *G.Node, err error) {
	if mem == nil || query == nil || query.Dims() != 2 || query.Shape()[0] != mem.Batch || query.Shape()[1] != m.QueryDim {
		return nil, nil, errors.Errorf("nn: %s attention: query must be (B, %d) for the memory's batch", m.Kind, m.QueryDim)
	}
	c := &Chain{}
	q3 := c.Do(G.Reshape(query, tensor.Shape{mem.Batch, 1, m.QueryDim}))
	scores := c.Do(G.BatchedMatMul(q3, mem.Keys, false, true))
	if c.Err != nil {
		return nil, nil, errors.Wrapf(c.Err, "nn: %s attention", m.Kind)
	}
	return attendMemory(scores, mem, masks)
}
