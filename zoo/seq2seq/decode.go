package seq2seq

import (
	"fmt"

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
	logp = nn.LogSoftmaxRows(nn.Float64s(sg.g.Output()), s.v)
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

// checkSources validates a batch's sources for decoding.
func (m *Model) checkSources(b datasets.Batch) error {
	if b.N <= 0 || len(b.SrcLen) != b.N || len(b.Src) != b.N*b.SrcT {
		return errors.Errorf("seq2seq: a batch of %d sources with %d lengths and %d tokens", b.N, len(b.SrcLen), len(b.Src))
	}
	return nil
}

// modelStepper is the Stepper of a Model over one batch's encoded sources.
type modelStepper struct {
	m    *Model
	mem  *memory
	s    *stepper
	next [][][]float64 // the states after the last run, [layer][state] rows × dh
}

// NewStepper encodes the sources of b (only its source fields are read) and returns the Stepper
// that decodes them, for GreedySearch and BeamSearch: hypotheses of at most Config.MaxTgt
// tokens, EOS included.
func (m *Model) NewStepper(b datasets.Batch) (Stepper, error) {
	if err := m.checkSources(b); err != nil {
		return nil, err
	}
	mem, err := m.encodeBatch(b)
	if err != nil {
		return nil, err
	}
	return &modelStepper{m: m, mem: mem}, nil
}

// Sources is the number of sources of the batch.
func (ms *modelStepper) Sources() int { return ms.mem.n }

// EOS is Config.EOS.
func (ms *modelStepper) EOS() int { return ms.m.Config.EOS }

// MaxLen is Config.MaxTgt.
func (ms *modelStepper) MaxLen() int { return ms.m.Config.MaxTgt }

// Start prepares a step graph of len(src) rows and runs the first step, every row reading BOS.
func (ms *modelStepper) Start(src []int) (StepScores, error) {
	if len(src) == 0 {
		return StepScores{}, errors.New("seq2seq: Start with no rows")
	}
	for r, i := range src {
		if i < 0 || i >= ms.mem.n {
			return StepScores{}, errors.Errorf("seq2seq: Start row %d decodes source %d of %d", r, i, ms.mem.n)
		}
	}
	s, err := ms.m.newStepper(ms.mem, append([]int(nil), src...))
	if err != nil {
		return StepScores{}, err
	}
	for r := range s.y {
		s.y[r] = ms.m.Config.BOS
	}
	ms.s = s
	return ms.run()
}

// Step feeds each row the state and token its hypothesis continues from and runs one step.
func (ms *modelStepper) Step(from, tok []int) (StepScores, error) {
	s := ms.s
	if s == nil {
		return StepScores{}, errors.New("seq2seq: Step before Start")
	}
	if len(from) != s.rows || len(tok) != s.rows {
		return StepScores{}, errors.Errorf("seq2seq: Step of %d rows given %d sources and %d tokens", s.rows, len(from), len(tok))
	}
	states := make([][][]float64, len(ms.next))
	for l := range ms.next {
		for range ms.next[l] {
			states[l] = append(states[l], make([]float64, s.rows*s.dh))
		}
	}
	for r, f := range from {
		if f < 0 {
			continue
		}
		if f >= s.rows || s.ex[f] != s.ex[r] {
			return StepScores{}, errors.Errorf("seq2seq: Step row %d continues row %d, not a row of its source", r, f)
		}
		if tok[r] < 0 || tok[r] >= s.v {
			return StepScores{}, errors.Errorf("seq2seq: Step row %d given token %d outside the vocabulary of %d", r, tok[r], s.v)
		}
		s.y[r] = tok[r]
		for l := range ms.next {
			for q := range ms.next[l] {
				copy(states[l][q][r*s.dh:(r+1)*s.dh], ms.next[l][q][f*s.dh:(f+1)*s.dh])
			}
		}
	}
	s.states = states
	return ms.run()
}

// run runs the step graph and splits its output into rows.
func (ms *modelStepper) run() (StepScores, error) {
	s, mem := ms.s, ms.mem
	logp, next, w, err := s.run()
	if err != nil {
		return StepScores{}, err
	}
	ms.next = next
	sc := StepScores{LogProb: make([][]float64, s.rows)}
	for r := range sc.LogProb {
		sc.LogProb[r] = logp[r*s.v : (r+1)*s.v : (r+1)*s.v]
	}
	if w != nil {
		sc.Attention = make([][]float64, s.rows)
		for r := range sc.Attention {
			sc.Attention[r] = w[r*mem.tk : r*mem.tk+mem.srcLen[s.ex[r]] : r*mem.tk+mem.srcLen[s.ex[r]]]
		}
	}
	return sc, nil
}

// Greedy decodes every source of b by taking the most likely token at each step, for at most
// Config.MaxTgt steps (EOS included): GreedySearch over the model's Stepper. Only the source
// fields of b are read.
func (m *Model) Greedy(b datasets.Batch) ([]Hypothesis, error) {
	s, err := m.NewStepper(b)
	if err != nil {
		return nil, err
	}
	return GreedySearch(s)
}

// Beam decodes every source of b by beam search of width k (k = 1 is Greedy), for at most
// Config.MaxTgt steps: BeamSearch over the model's Stepper, which describes the search. Only the
// source fields of b are read.
func (m *Model) Beam(b datasets.Batch, k int) ([]Hypothesis, error) {
	if k < 1 {
		return nil, nn.BadField("seq2seq.Model.Beam(k)", k, "must be at least 1")
	}
	s, err := m.NewStepper(b)
	if err != nil {
		return nil, err
	}
	return BeamSearch(s, k)
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
			prev[i] = nn.Argmax(logp[i*s.v : (i+1)*s.v])
		}
		s.states = next
	}
	return inputs, nil
}
