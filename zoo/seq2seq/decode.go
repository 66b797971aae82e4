package seq2seq

import (
	"fmt"
	"math"
	"sort"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tensorT is what graph values are read as.
type tensorT = tensor.Tensor

// Hypothesis is one decoded output.
type Hypothesis struct {
	// Tokens are the target ids produced before EOS (EOS itself is not included).
	Tokens []int
	// Ended is true when the decoder produced EOS within the maximum length.
	Ended bool
	// LogProb is the sum of the log-probabilities of the produced tokens, EOS included.
	LogProb float64
	// Attention holds, for every produced token (EOS included), the attention weights over the
	// source's real positions; nil without attention.
	Attention [][]float64
}

// encGraph is the encoder alone, for n sources, with the values the decoder steps need.
type encGraph struct {
	g                      *nn.Graph
	e                      *encoded
	vals, keys, summary    G.Value
	init                   [][]G.Value
	valWidth, keyWidth, tk int
}

// stepGraph is one decoder step for n rows, every input fed from the host.
type stepGraph struct {
	g          *nn.Graph
	y          *nn.TokenInput
	states     [][]*nn.Input
	summary    *nn.Input
	vals, keys *nn.Input
	pad        *nn.PaddingMask
	next       [][]G.Value
	weights    G.Value
}

// encoderGraph returns the cached encoder graph for n sources.
func (m *Model) encoderGraph(n int) (*encGraph, error) {
	if eg, ok := m.encGraphs[n]; ok {
		return eg, nil
	}
	g := nn.NewGraph(m.store, n, false)
	e, err := m.encode(g, n)
	if err != nil {
		return nil, err
	}
	eg := &encGraph{g: g, e: e, tk: m.Config.MaxSrc}
	G.Read(e.summary, &eg.summary)
	if e.mem != nil {
		G.Read(e.mem.Values, &eg.vals)
		G.Read(e.mem.Keys, &eg.keys)
		eg.valWidth, eg.keyWidth = e.mem.Values.Shape()[2], e.mem.Keys.Shape()[2]
	}
	eg.init = make([][]G.Value, len(e.init))
	for l := range e.init {
		eg.init[l] = make([]G.Value, len(e.init[l]))
		for k, node := range e.init[l] {
			G.Read(node, &eg.init[l][k])
		}
	}
	g.SetOutputs(e.summary, nil)
	if err := g.Compile(); err != nil {
		return nil, err
	}
	m.encGraphs[n] = eg
	return eg, nil
}

// decoderStep returns the cached one-step decoder graph for n rows.
func (m *Model) decoderStep(n int, valWidth, keyWidth int) (*stepGraph, error) {
	if sg, ok := m.stepGraphs[n]; ok {
		return sg, nil
	}
	cfg := m.Config
	g := nn.NewGraph(m.store, n, false)
	sg := &stepGraph{g: g}
	tok, yemb, err := m.tgtEmb.Lookup(g, "y_prev", n)
	if err != nil {
		return nil, err
	}
	sg.y = tok
	dh := cfg.decHidden()
	state := make([][]*G.Node, len(m.dec.Cells))
	sg.states = make([][]*nn.Input, len(m.dec.Cells))
	for l, c := range m.dec.Cells {
		for k := 0; k < c.NumStates(); k++ {
			in := g.Input(fmt.Sprintf("state_l%d_%d", l, k), n, dh)
			sg.states[l] = append(sg.states[l], in)
			state[l] = append(state[l], in.Node)
		}
	}
	sg.summary = g.Input("summary", n, cfg.MemoryWidth())
	e := &encoded{summary: sg.summary.Node}
	if m.attn != nil {
		T := cfg.MaxSrc
		sg.vals = g.Input("memory_values", n, T, valWidth)
		sg.keys = g.Input("memory_keys", n, T, keyWidth)
		e.mem = &nn.AttentionMemory{Batch: n, Len: T, Values: sg.vals.Node, Keys: sg.keys.Node}
		if sg.pad, err = nn.NewPaddingMask(g, n, 1, T); err != nil {
			return nil, err
		}
		e.pad = sg.pad
	}
	logits, next, weights, err := m.step(g, yemb, state, e)
	if err != nil {
		return nil, err
	}
	sg.next = make([][]G.Value, len(next))
	for l := range next {
		sg.next[l] = make([]G.Value, len(next[l]))
		for k, node := range next[l] {
			G.Read(node, &sg.next[l][k])
		}
	}
	if weights != nil {
		G.Read(weights, &sg.weights)
	}
	g.SetOutputs(sg.summary.Node, logits)
	if err := g.Compile(); err != nil {
		return nil, err
	}
	m.stepGraphs[n] = sg
	return sg, nil
}

// memory is the encoder's output for a batch of sources, on the host.
type memory struct {
	n, tk, vw, kw int
	srcLen        []int
	vals, keys    []float64     // n × tk × vw, n × tk × kw
	summary       []float64     // n × MemoryWidth
	init          [][][]float64 // [layer][state] n × dh
}

// encodeBatch runs the encoder over a batch's sources.
func (m *Model) encodeBatch(b datasets.Batch) (*memory, error) {
	eg, err := m.encoderGraph(b.N)
	if err != nil {
		return nil, err
	}
	if err := eg.e.feed(m, b, b.N); err != nil {
		return nil, err
	}
	if err := eg.g.Run(nil); err != nil {
		return nil, err
	}
	mem := &memory{n: b.N, tk: eg.tk, vw: eg.valWidth, kw: eg.keyWidth, srcLen: append([]int(nil), b.SrcLen...)}
	mem.summary = nn.Float64s(eg.summary.(tensorT))
	if eg.vals != nil {
		mem.vals, mem.keys = nn.Float64s(eg.vals.(tensorT)), nn.Float64s(eg.keys.(tensorT))
	}
	mem.init = make([][][]float64, len(eg.init))
	for l := range eg.init {
		for _, v := range eg.init[l] {
			mem.init[l] = append(mem.init[l], nn.Float64s(v.(tensorT)))
		}
	}
	return mem, nil
}

// stepper feeds a step graph whose rows belong to fixed examples.
type stepper struct {
	m      *Model
	sg     *stepGraph
	rows   int
	ex     []int         // example of each row
	states [][][]float64 // [layer][state] rows × dh, the state each row reads next
	y      []int
	dh, v  int
}

// newStepper prepares a step graph for rows whose examples are ex, feeding the memory once.
func (m *Model) newStepper(mem *memory, ex []int) (*stepper, error) {
	rows := len(ex)
	sg, err := m.decoderStep(rows, mem.vw, mem.kw)
	if err != nil {
		return nil, err
	}
	cfg := m.Config
	s := &stepper{m: m, sg: sg, rows: rows, ex: ex, y: make([]int, rows), dh: cfg.decHidden(), v: cfg.TgtVocab}
	mw := cfg.MemoryWidth()
	sum := make([]float64, rows*mw)
	for r, i := range ex {
		copy(sum[r*mw:(r+1)*mw], mem.summary[i*mw:(i+1)*mw])
	}
	if err := sg.summary.Set(sum); err != nil {
		return nil, err
	}
	if sg.vals != nil {
		tk := mem.tk
		vals, keys := make([]float64, rows*tk*mem.vw), make([]float64, rows*tk*mem.kw)
		lens := make([]int, rows)
		for r, i := range ex {
			copy(vals[r*tk*mem.vw:(r+1)*tk*mem.vw], mem.vals[i*tk*mem.vw:(i+1)*tk*mem.vw])
			copy(keys[r*tk*mem.kw:(r+1)*tk*mem.kw], mem.keys[i*tk*mem.kw:(i+1)*tk*mem.kw])
			lens[r] = mem.srcLen[i]
		}
		if err := sg.vals.Set(vals); err != nil {
			return nil, err
		}
		if err := sg.keys.Set(keys); err != nil {
			return nil, err
		}
		if err := sg.pad.SetLengths(lens); err != nil {
			return nil, err
		}
	}
	s.states = make([][][]float64, len(mem.init))
	for l := range mem.init {
		for _, st := range mem.init[l] {
			buf := make([]float64, rows*s.dh)
			for r, i := range ex {
				copy(buf[r*s.dh:(r+1)*s.dh], st[i*s.dh:(i+1)*s.dh])
			}
			s.states[l] = append(s.states[l], buf)
		}
	}
	return s, nil
}

// run feeds s.y and s.states, runs the step and returns the log-probabilities (rows × V), the
// next states ([layer][state] rows × dh) and the attention weights (rows × tk, or nil).
func (s *stepper) run() (logp []float64, next [][][]float64, weights []float64, err error) {
	sg := s.sg
	if err := sg.y.Set(s.y); err != nil {
		return nil, nil, nil, err
	}
	for l := range s.states {
		for k, st := range s.states[l] {
			if err := sg.states[l][k].Set(st); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	if err := sg.g.Run(nil); err != nil {
		return nil, nil, nil, err
	}
	logp = logSoftmaxRows(nn.Float64s(sg.g.Output()), s.v)
	next = make([][][]float64, len(sg.next))
	for l := range sg.next {
		for _, v := range sg.next[l] {
			next[l] = append(next[l], nn.Float64s(v.(tensorT)))
		}
	}
	if sg.weights != nil {
		weights = nn.Float64s(sg.weights.(tensorT))
	}
	return logp, next, weights, nil
}

// logSoftmaxRows is the row-wise log-softmax of a row-major matrix of width v.
func logSoftmaxRows(x []float64, v int) []float64 {
	out := make([]float64, len(x))
	for r := 0; r*v < len(x); r++ {
		row := x[r*v : (r+1)*v]
		mx := math.Inf(-1)
		for _, a := range row {
			mx = math.Max(mx, a)
		}
		sum := 0.0
		for _, a := range row {
			sum += math.Exp(a - mx)
		}
		lse := mx + math.Log(sum)
		for j, a := range row {
			out[r*v+j] = a - lse
		}
	}
	return out
}

// argmax is the first index of the largest value.
func argmax(row []float64) int {
	best := 0
	for j, a := range row {
		if a > row[best] {
			best = j
		}
	}
	return best
}

// checkSources validates a batch's sources for decoding.
func (m *Model) checkSources(b datasets.Batch) error {
	if b.N <= 0 || len(b.SrcLen) != b.N || len(b.Src) != b.N*b.SrcT {
		return errors.Errorf("seq2seq: a batch of %d sources with %d lengths and %d tokens", b.N, len(b.SrcLen), len(b.Src))
	}
	return nil
}

// attnRow copies the weights of row r over the first srcLen positions.
func attnRow(w []float64, r, tk, srcLen int) []float64 {
	if w == nil {
		return nil
	}
	return append([]float64(nil), w[r*tk:r*tk+srcLen]...)
}

// Greedy decodes every source of b by taking the most likely token at each step, for at most
// Config.MaxTgt steps (EOS included). Only the source fields of b are read.
func (m *Model) Greedy(b datasets.Batch) ([]Hypothesis, error) {
	if err := m.checkSources(b); err != nil {
		return nil, err
	}
	mem, err := m.encodeBatch(b)
	if err != nil {
		return nil, err
	}
	ex := make([]int, b.N)
	for i := range ex {
		ex[i] = i
	}
	s, err := m.newStepper(mem, ex)
	if err != nil {
		return nil, err
	}
	hyps := make([]Hypothesis, b.N)
	for i := range s.y {
		s.y[i] = m.Config.BOS
	}
	for t := 0; t < m.Config.MaxTgt; t++ {
		logp, next, w, err := s.run()
		if err != nil {
			return nil, errors.Wrapf(err, "decoding step %d", t)
		}
		live := false
		for i := range hyps {
			h := &hyps[i]
			if h.Ended {
				continue
			}
			row := logp[i*s.v : (i+1)*s.v]
			y := argmax(row)
			h.LogProb += row[y]
			if w != nil {
				h.Attention = append(h.Attention, attnRow(w, i, mem.tk, mem.srcLen[i]))
			}
			if y == m.Config.EOS {
				h.Ended = true
				continue
			}
			h.Tokens = append(h.Tokens, y)
			s.y[i] = y
			live = true
		}
		if !live {
			break
		}
		s.states = next
	}
	return hyps, nil
}

// beamHyp is a hypothesis during the search, with the row holding its state.
type beamHyp struct {
	Hypothesis
	row int
}

// Beam decodes every source of b by beam search of width k (k = 1 is Greedy), for at most
// Config.MaxTgt steps. A hypothesis ends at EOS and then competes, with its score, against the
// continuations of the others; the result is the highest-scoring hypothesis (sum of
// log-probabilities, no length normalisation).
//
// Plain beam search can return a worse hypothesis with a wider beam, since the wider beam may
// prune the path a narrower one follows. Beam therefore runs the searches of every width 1…k side
// by side (k(k+1)/2 rows per source) and returns the best of them, so widening the beam never
// lowers the returned log-probability.
func (m *Model) Beam(b datasets.Batch, k int) ([]Hypothesis, error) {
	if k < 1 {
		return nil, errors.Errorf("--beam %d: must be at least 1", k)
	}
	if err := m.checkSources(b); err != nil {
		return nil, err
	}
	mem, err := m.encodeBatch(b)
	if err != nil {
		return nil, err
	}
	type group struct {
		ex, width, start int
		hyps             []beamHyp
		done             bool
	}
	var groups []*group
	var ex []int
	for i := 0; i < b.N; i++ {
		for w := 1; w <= k; w++ {
			groups = append(groups, &group{ex: i, width: w, start: len(ex), hyps: []beamHyp{{row: len(ex)}}})
			for j := 0; j < w; j++ {
				ex = append(ex, i)
			}
		}
	}
	s, err := m.newStepper(mem, ex)
	if err != nil {
		return nil, err
	}
	cfg := m.Config
	for r := range s.y {
		s.y[r] = cfg.BOS
	}
	type cand struct {
		from  int // index of the hypothesis extended
		tok   int // −1 keeps an ended hypothesis as it is
		score float64
	}
	for t := 0; t < cfg.MaxTgt; t++ {
		logp, next, w, err := s.run()
		if err != nil {
			return nil, errors.Wrapf(err, "decoding step %d", t)
		}
		states := make([][][]float64, len(next))
		for l := range next {
			for range next[l] {
				states[l] = append(states[l], make([]float64, s.rows*s.dh))
			}
		}
		live := false
		for _, gr := range groups {
			if gr.done {
				continue
			}
			var cands []cand
			for j, h := range gr.hyps {
				if h.Ended {
					cands = append(cands, cand{j, -1, h.LogProb})
					continue
				}
				row := logp[h.row*s.v : (h.row+1)*s.v]
				for y, lp := range row {
					cands = append(cands, cand{j, y, h.LogProb + lp})
				}
			}
			sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
			if len(cands) > gr.width {
				cands = cands[:gr.width]
			}
			hyps := make([]beamHyp, len(cands))
			gr.done = true
			for j, c := range cands {
				old := gr.hyps[c.from]
				row := gr.start + j
				h := beamHyp{Hypothesis: Hypothesis{Tokens: old.Tokens, Ended: old.Ended, LogProb: c.score,
					Attention: old.Attention}, row: row}
				if c.tok >= 0 {
					h.Tokens = append(append([]int(nil), old.Tokens...), c.tok)
					if w != nil {
						h.Attention = append(append([][]float64(nil), old.Attention...), attnRow(w, old.row, mem.tk, mem.srcLen[gr.ex]))
					}
					if c.tok == cfg.EOS {
						h.Tokens, h.Ended = old.Tokens, true
					} else {
						gr.done = false
						s.y[row] = c.tok
						for l := range next {
							for q := range next[l] {
								copy(states[l][q][row*s.dh:(row+1)*s.dh], next[l][q][old.row*s.dh:(old.row+1)*s.dh])
							}
						}
					}
				}
				hyps[j] = h
			}
			gr.hyps = hyps
			live = live || !gr.done
		}
		if !live {
			break
		}
		s.states = states
	}
	out := make([]Hypothesis, b.N)
	found := make([]bool, b.N)
	for _, gr := range groups {
		for _, h := range gr.hyps {
			if !found[gr.ex] || h.LogProb > out[gr.ex].LogProb {
				out[gr.ex], found[gr.ex] = h.Hypothesis, true
			}
		}
	}
	return out, nil
}

// mixed decodes a batch as scheduled sampling does: at step t example i reads its own greedy
// prediction of step t−1 where own[t][i], the true previous token otherwise. It returns the
// inputs of every step, inputs[t][i], padded with BOS past each target's end.
func (m *Model) mixed(b datasets.Batch, own [][]bool) ([][]int, error) {
	cfg := m.Config
	mem, err := m.encodeBatch(b)
	if err != nil {
		return nil, err
	}
	ex := make([]int, b.N)
	for i := range ex {
		ex[i] = i
	}
	s, err := m.newStepper(mem, ex)
	if err != nil {
		return nil, err
	}
	inputs := make([][]int, cfg.MaxTgt)
	for t := range inputs {
		inputs[t] = make([]int, b.N)
		for i := range inputs[t] {
			inputs[t][i] = cfg.BOS
		}
	}
	var prev []int
	for t := 0; t < cfg.MaxTgt; t++ {
		for i := 0; i < b.N; i++ {
			if t >= b.TgtLen[i] {
				continue
			}
			inputs[t][i] = b.TgtIn[i*b.TgtT+t]
			if own[t][i] && prev != nil {
				inputs[t][i] = prev[i]
			}
		}
		if t+1 == cfg.MaxTgt {
			break
		}
		copy(s.y, inputs[t])
		logp, next, _, err := s.run()
		if err != nil {
			return nil, err
		}
		prev = make([]int, b.N)
		for i := range prev {
			prev[i] = argmax(logp[i*s.v : (i+1)*s.v])
		}
		s.states = next
	}
	return inputs, nil
}
