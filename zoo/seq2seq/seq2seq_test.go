package seq2seq

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/gradcheck"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// listBatch is n examples of list reversal of 2…5 symbols out of 4: sources and targets of
// different lengths in one batch.
func listBatch(t testing.TB, n int, seed uint64) (datasets.Batch, datasets.Info) {
	t.Helper()
	ds, err := datasets.Reverse(n, 2, 5, 4, seed)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return ds.Batch(idx), ds.Info()
}

// tiny is a float64 model for the list task padded to maxSrc/maxTgt.
func tiny(t testing.TB, info datasets.Info, maxSrc, maxTgt int, edit func(*Config)) *Model {
	t.Helper()
	cfg := Config{Cell: "gru", Embed: 3, Hidden: 4, Layers: 1, Bidirectional: true, Attention: AttnAdditive,
		AttnDim: 3, TeacherForcing: 1, Float64: true, Seed: 7}.FromInfo(info, maxSrc, maxTgt)
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGradientInsideTheModel checks every parameter of whole models — encoder (GRU and LSTM,
// one or two directions, one or two layers), each attention, decoder, output layer and the
// masked loss over targets of different lengths padded beyond the batch — against central
// finite differences in float64.
func TestGradientInsideTheModel(t *testing.T) {
	b, info := listBatch(t, 3, 5)
	cases := []struct {
		name string
		edit func(*Config)
	}{
		{"additive", nil},
		{"dot", func(c *Config) { c.Attention = AttnDot }},
		{"general", func(c *Config) { c.Attention = AttnGeneral }},
		{"none", func(c *Config) { c.Attention = AttnNone }},
		{"lstm-2layers-additive", func(c *Config) { c.Cell, c.Layers = "lstm", 2 }},
		{"gru-2layers-unidirectional-general", func(c *Config) { c.Layers, c.Bidirectional, c.Attention = 2, false, AttnGeneral }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := tiny(t, info, 7, 8, c.edit)
			g, err := m.Build(b.N, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Feed(b); err != nil {
				t.Fatal(err)
			}
			rs, err := gradcheck.Check(g.G, g.LossNode(), g.Nodes(), gradcheck.Options{Eps: 1e-5, Samples: 6, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != len(m.Store().Params()) {
				t.Errorf("checked %d parameters of %d", len(rs), len(m.Store().Params()))
			}
			for _, r := range rs {
				if r.MaxRelErr > 1e-4 {
					t.Errorf("%s", r)
				}
			}
		})
	}
}

// stepLoss scores the targets of b through the one-step decoder (teacher forcing on the host):
// the mean over real target tokens of −log p. It is an independent path to Build's loss.
func stepLoss(t *testing.T, m *Model, b datasets.Batch) float64 {
	t.Helper()
	mem, err := m.encodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	ex := make([]int, b.N)
	for i := range ex {
		ex[i] = i
	}
	s, err := m.newStepper(mem, ex)
	if err != nil {
		t.Fatal(err)
	}
	sum, count := 0.0, 0
	for step := 0; step < b.TgtT; step++ {
		for i := 0; i < b.N; i++ {
			s.y[i] = m.Config.BOS
			if step < b.TgtLen[i] {
				s.y[i] = b.TgtIn[i*b.TgtT+step]
			}
		}
		logp, next, _, err := s.run()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			if step < b.TgtLen[i] {
				sum -= logp[i*s.v+b.Tgt[i*b.TgtT+step]]
				count++
			}
		}
		s.states = next
	}
	return sum / float64(count)
}

// TestMaskedLossIsTheMeanOverRealTokens: the unrolled graph's loss equals the mean −log p of the
// real target tokens computed step by step, for every attention.
func TestMaskedLossIsTheMeanOverRealTokens(t *testing.T) {
	b, info := listBatch(t, 4, 9)
	for _, a := range []string{AttnNone, AttnAdditive, AttnDot, AttnGeneral} {
		m := tiny(t, info, 6, 7, func(c *Config) { c.Attention = a })
		g, err := m.Build(b.N, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Feed(b); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		want := stepLoss(t, m, b)
		if d := math.Abs(g.Loss() - want); d > 1e-12 {
			t.Errorf("%s: graph loss %.15g, step-by-step %.15g", a, g.Loss(), want)
		}
	}
}

// TestPaddingChangesNothing: the same examples padded to different lengths, or decoded with
// longer neighbours, give the same loss, gradients, outputs and log-probabilities.
func TestPaddingChangesNothing(t *testing.T) {
	b, info := listBatch(t, 4, 11)
	for _, cell := range []string{"gru", "lstm"} {
		short := tiny(t, info, 5, 6, func(c *Config) { c.Cell = cell })
		long := tiny(t, info, 9, 12, func(c *Config) { c.Cell = cell })
		var loss [2]float64
		var grads [2][][]float64
		for k, m := range []*Model{short, long} {
			g, err := m.Build(b.N, true)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Feed(b); err != nil {
				t.Fatal(err)
			}
			if err := g.Run(nil); err != nil {
				t.Fatal(err)
			}
			loss[k] = g.Loss()
			for _, vg := range g.ValueGrads() {
				gv, err := vg.Grad()
				if err != nil {
					t.Fatal(err)
				}
				grads[k] = append(grads[k], nn.Float64s(gv.(tensorT)))
			}
		}
		if math.Abs(loss[0]-loss[1]) > 1e-12 {
			t.Errorf("%s: loss %.15g padded to 5/6, %.15g padded to 9/12", cell, loss[0], loss[1])
		}
		for p := range grads[0] {
			for i := range grads[0][p] {
				if math.Abs(grads[0][p][i]-grads[1][p][i]) > 1e-12 {
					t.Fatalf("%s: gradient %d[%d] %.15g vs %.15g", cell, p, i, grads[0][p][i], grads[1][p][i])
				}
			}
		}
		// Decoding: the same number of steps, the sources padded further and batched together.
		wide := tiny(t, info, 9, 6, func(c *Config) { c.Cell = cell })
		together, err := wide.Greedy(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			src := b.Src[i*b.SrcT : i*b.SrcT+b.SrcLen[i]]
			alone, err := short.Greedy(datasets.Batch{N: 1, SrcT: len(src), Src: src, SrcLen: []int{len(src)}})
			if err != nil {
				t.Fatal(err)
			}
			h, w := alone[0], together[i]
			if !slices.Equal(h.Tokens, w.Tokens) || math.Abs(h.LogProb-w.LogProb) > 1e-12 {
				t.Errorf("%s example %d: alone %v (%.15g), in a padded batch %v (%.15g)", cell, i, h.Tokens, h.LogProb, w.Tokens, w.LogProb)
			}
			for s := range h.Attention {
				for j := range h.Attention[s] {
					if math.Abs(h.Attention[s][j]-w.Attention[s][j]) > 1e-12 {
						t.Fatalf("%s example %d: attention differs at step %d, position %d", cell, i, s, j)
					}
				}
			}
		}
	}
}

// TestBeamSearch: width 1 is greedy, token for token and score for score; a wider beam never
// returns a lower log-probability; the returned score is the sum of the step log-probabilities
// of the returned tokens.
func TestBeamSearch(t *testing.T) {
	b, info := listBatch(t, 12, 13)
	for _, a := range []string{AttnAdditive, AttnNone} {
		m := tiny(t, info, 5, 6, func(c *Config) { c.Attention, c.Hidden, c.Seed = a, 6, 21 })
		greedy, err := m.Greedy(b)
		if err != nil {
			t.Fatal(err)
		}
		prev, err := m.Beam(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range greedy {
			if !slices.Equal(greedy[i].Tokens, prev[i].Tokens) || greedy[i].LogProb != prev[i].LogProb || greedy[i].Ended != prev[i].Ended {
				t.Errorf("%s example %d: greedy %v %.17g, beam 1 %v %.17g", a, i, greedy[i].Tokens, greedy[i].LogProb, prev[i].Tokens, prev[i].LogProb)
			}
		}
		better := 0
		for k := 2; k <= 4; k++ {
			cur, err := m.Beam(b, k)
			if err != nil {
				t.Fatal(err)
			}
			for i := range cur {
				if cur[i].LogProb < prev[i].LogProb {
					t.Errorf("%s example %d: beam %d scores %.6g < beam %d's %.6g", a, i, k, cur[i].LogProb, k-1, prev[i].LogProb)
				}
				if cur[i].LogProb > greedy[i].LogProb+1e-9 {
					better++
				}
				if got := scoreOf(t, m, b, i, cur[i]); math.Abs(got-cur[i].LogProb) > 1e-9 {
					t.Errorf("%s example %d beam %d: score %.12g, its tokens score %.12g", a, i, k, cur[i].LogProb, got)
				}
			}
			prev = cur
		}
		if better == 0 {
			t.Errorf("%s: no wider beam ever beat greedy: the search is not searching", a)
		}
	}
	if _, err := tiny(t, info, 5, 6, nil).Beam(b, 0); err == nil {
		t.Error("beam 0 accepted")
	}
}

// scoreOf is the log-probability of hypothesis h for source i, scored step by step.
func scoreOf(t *testing.T, m *Model, b datasets.Batch, i int, h Hypothesis) float64 {
	t.Helper()
	src := b.Src[i*b.SrcT : i*b.SrcT+b.SrcLen[i]]
	one := datasets.Batch{N: 1, SrcT: len(src), Src: src, SrcLen: []int{len(src)}}
	mem, err := m.encodeBatch(one)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.newStepper(mem, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	out := append([]int(nil), h.Tokens...)
	if h.Ended {
		out = append(out, m.Config.EOS)
	}
	s.y[0] = m.Config.BOS
	sum := 0.0
	for _, y := range out {
		logp, next, _, err := s.run()
		if err != nil {
			t.Fatal(err)
		}
		sum += logp[y]
		s.y[0], s.states = y, next
	}
	return sum
}

// TestScheduledSampling: with ratio 0 every decoder input after BOS is the model's own greedy
// prediction, so the inputs are BOS followed by the greedy output; training with a ratio of 0.5
// is deterministic given the step's generator and differs from full teacher forcing.
func TestScheduledSampling(t *testing.T) {
	b, info := listBatch(t, 5, 17)
	m := tiny(t, info, 5, 6, nil)
	own := make([][]bool, m.Config.MaxTgt)
	for s := range own {
		own[s] = make([]bool, b.N)
		for i := range own[s] {
			own[s][i] = s > 0
		}
	}
	in, err := m.mixed(b, own)
	if err != nil {
		t.Fatal(err)
	}
	greedy, err := m.Greedy(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		for s := 0; s < b.TgtLen[i]; s++ {
			want := m.Config.BOS
			if s > 0 {
				if s-1 < len(greedy[i].Tokens) {
					want = greedy[i].Tokens[s-1]
				} else {
					want = m.Config.EOS
				}
			}
			if in[s][i] != want {
				t.Errorf("example %d step %d: input %d, greedy says %d", i, s, in[s][i], want)
			}
		}
	}
	losses := map[float64][]float64{}
	for _, ratio := range []float64{1, 0.5} {
		mm := tiny(t, info, 5, 6, func(c *Config) { c.TeacherForcing = ratio })
		g, err := mm.Build(b.N, true)
		if err != nil {
			t.Fatal(err)
		}
		for run := 0; run < 2; run++ {
			if err := g.Feed(b); err != nil {
				t.Fatal(err)
			}
			if err := g.Run(nn.NewRNG(3, nn.StreamDropout, 0)); err != nil {
				t.Fatal(err)
			}
			losses[ratio] = append(losses[ratio], g.Loss())
		}
	}
	if l := losses[0.5]; l[0] != l[1] {
		t.Errorf("ratio 0.5: the same generator gave losses %v", l)
	}
	if losses[0.5][0] == losses[1][0] {
		t.Errorf("ratio 0.5 gave the teacher-forced loss %v", losses[1][0])
	}
}

// TestConfigErrors: bad configurations are refused with the field named.
func TestConfigErrors(t *testing.T) {
	_, info := listBatch(t, 1, 1)
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Attention = "cosine" }, `seq2seq.Config.Attention "cosine": want none, additive, dot or general`},
		{func(c *Config) { c.Cell = "rnn" }, `seq2seq.Config.Cell "rnn": want gru or lstm`},
		{func(c *Config) { c.Attention, c.DecHidden = AttnDot, 5 }, "seq2seq.Config.Attention dot: the decoder width 5"},
		{func(c *Config) { c.MaxSrc = 300 }, "longest source"},
		{func(c *Config) { c.TeacherForcing = 2 }, "seq2seq.Config.TeacherForcing 2: outside [0, 1]"},
		{func(c *Config) { c.Impl = "cudnn" }, `seq2seq.Config.Impl "cudnn": want fused or graph`},
	} {
		cfg := Config{Cell: "gru", Embed: 3, Hidden: 4, Bidirectional: true, Attention: AttnAdditive}.FromInfo(info, 5, 6)
		c.edit(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "--") {
			t.Errorf("error %v, want one saying %q and naming no flag", err, c.want)
		}
	}
}

// TestBLEUByHand compares corpus BLEU with values worked out by hand.
func TestBLEUByHand(t *testing.T) {
	for _, c := range []struct {
		hyps, refs [][]int
		want       float64
	}{
		{[][]int{{1, 2, 3, 4, 5}}, [][]int{{1, 2, 3, 4, 5}}, 1},
		// precisions 4/5, 3/4, 2/3, 1/2: (0.2)^(1/4)
		{[][]int{{1, 2, 3, 4, 5}}, [][]int{{1, 2, 3, 4, 6}}, math.Pow(0.2, 0.25)},
		// all precisions 1, brevity penalty exp(1 − 6/4)
		{[][]int{{1, 2, 3, 4}}, [][]int{{1, 2, 3, 4, 5, 6}}, math.Exp(-0.5)},
		// clipping: "7 7 7 7" against "7 1 2 3" has unigram precision 1/4 and no bigram match
		{[][]int{{7, 7, 7, 7}}, [][]int{{7, 1, 2, 3}}, 0},
		// counts are summed over the corpus before the precisions are taken
		{[][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 9}}, [][]int{{1, 2, 3, 4}, {5, 6, 7, 8, 0}},
			math.Pow(8.0/9*6.0/7*4.0/5*2.0/3, 0.25)},
	} {
		if got := BLEU(c.hyps, c.refs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("BLEU(%v, %v) = %.15g, want %.15g", c.hyps, c.refs, got, c.want)
		}
	}
}

// TestScoreByHand: exact match, token accuracy (EOS included) and the breakdown by length.
func TestScoreByHand(t *testing.T) {
	const eos = 9
	ds := []Decoded{
		{Src: []int{1, 2}, Tgt: []int{2, 1}, Out: Hypothesis{Tokens: []int{2, 1}, Ended: true}},    // exact: 3/3
		{Src: []int{1, 3}, Tgt: []int{3, 1}, Out: Hypothesis{Tokens: []int{3, 1, 1}, Ended: true}}, // 2/3, EOS missed
		{Src: []int{4, 5, 6}, Tgt: []int{6, 5, 4}, Out: Hypothesis{Tokens: []int{6, 5, 4}}},        // no EOS: 3/4
	}
	s := Score(ds, eos)
	if s.Exact != 1.0/3 || math.Abs(s.TokenAcc-8.0/10) > 1e-15 {
		t.Errorf("exact %v token accuracy %v, want 1/3 and 8/10", s.Exact, s.TokenAcc)
	}
	if len(s.ByLength) != 2 || s.ByLength[0].Len != 2 || s.ByLength[0].N != 2 || s.ByLength[0].Exact != 0.5 ||
		s.ByLength[1].Len != 3 || s.ByLength[1].Exact != 0 || s.ByLength[1].TokenAcc != 0.75 {
		t.Errorf("by length %+v", s.ByLength)
	}
}

var _ = train.Evaluate
