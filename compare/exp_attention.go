package compare

import (
	"fmt"
	"path/filepath"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
)

func init() {
	register(&Experiment{
		Name:   "attention",
		Title:  "attention holds where the context vector falls",
		Claim:  "A seq2seq encoder–decoder squeezes the whole input into one context (thought) vector; attention lets the decoder look at every encoder state, so long inputs do not have to fit in one vector.",
		Anchor: "W6 (`../shared/anchors/`): dates → ISO, 100% exact match with attention at steps 500–1500, without attention 94.2% / 99.8% / 100% — the date task alone cannot show what attention is for, hence list reversal here.",
		Setup: func(o Options) string {
			c := attnBase(o)
			return fmt.Sprintf("Reverse lists of %d–%d symbols (alphabet of %d): the first output depends on the last input and the last on the first. "+
				"Seq2seq of `zoo/seq2seq`: bidirectional GRU encoder of %d per direction, GRU decoder, embeddings %d, with additive attention "+
				"(width %d) or with the context vector alone; Adam lr %v, batch %d, %d steps (fresh lists every step), greedy decoding of %d test lists.",
				c.MinLen, c.MaxLen, c.K, c.Hidden, c.Embed, c.Hidden, c.LR, c.Batch, c.Steps, c.Test)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			for _, seed := range o.seeds() {
				for _, a := range []string{seq2seq.AttnNone, seq2seq.AttnAdditive} {
					c := attnBase(o)
					c.Attention = a
					l = append(l, Spec{ID: "attention=" + a, Seed: seed, Params: []Param{param("attention", a), param("steps", c.Steps)}, cfg: c})
				}
			}
			return specs(l)
		},
		Exec: func(s Spec) (Outcome, error) { return execAttn(s.cfg.(attnRun), s.Seed) },
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			c := attnBase(o)
			head := []string{"model", "exact match", "token accuracy"}
			for L := c.MinLen; L <= c.MaxLen; L++ {
				head = append(head, fmt.Sprintf("len %d", L))
			}
			var rows [][]string
			var ser []Series
			for _, a := range []string{seq2seq.AttnNone, seq2seq.AttnAdditive} {
				sel := where(rs, "attention", a)
				name := map[string]string{seq2seq.AttnNone: "context vector only", seq2seq.AttnAdditive: "additive attention"}[a]
				ex, ok1 := mean(sel, seq2seq.MetricExact)
				ta, ok2 := mean(sel, seq2seq.MetricTokenAcc)
				row := []string{name, f4(ex, ok1), f4(ta, ok2)}
				for L := c.MinLen; L <= c.MaxLen; L++ {
					v, ok := mean(sel, fmt.Sprintf("exact_len_%d", L))
					row = append(row, f4(v, ok))
				}
				rows = append(rows, row)
				s := meanCurve(sel, "token_acc_by_len")
				s.Name = name + ", token accuracy"
				ser = append(ser, s)
				s = meanCurve(sel, "exact_by_len")
				s.Name = name + ", exact match"
				ser = append(ser, s)
			}
			md := "Exact match overall, token accuracy overall, and exact match by list length:\n\n" + mdTable(head, rows)
			lo := (c.MinLen + c.MaxLen + 1) / 2
			var long []string
			for _, a := range []string{seq2seq.AttnNone, seq2seq.AttnAdditive} {
				sum, n := 0.0, 0
				for L := lo; L <= c.MaxLen; L++ {
					if v, ok := mean(where(rs, "attention", a), fmt.Sprintf("exact_len_%d", L)); ok {
						sum += v
						n++
					}
				}
				long = append(long, f4(sum/float64(max(n, 1)), n > 0))
			}
			md += fmt.Sprintf("\nOn lists of %d–%d symbols (mean of the lengths' exact match): context vector only %s, attention %s.\n", lo, c.MaxLen, long[0], long[1])
			p := "attention_by_length.png"
			if err := linePlot(filepath.Join(dir, p), "Reversal accuracy by list length", "list length", "accuracy", false, ser); err != nil {
				return "", nil, err
			}
			return md, []string{p}, nil
		},
	})
}

// attnRun is the configuration of one seq2seq run on list reversal.
type attnRun struct {
	Attention          string
	MinLen, MaxLen, K  int
	Hidden, Embed      int
	Batch, Steps, Test int
	LR                 float64
}

func attnBase(o Options) attnRun {
	if o.Quick {
		return attnRun{MinLen: 2, MaxLen: 5, K: 4, Hidden: 8, Embed: 4, Batch: 8, Steps: 10, Test: 40, LR: 3e-3}
	}
	return attnRun{MinLen: 3, MaxLen: 16, K: 8, Hidden: 32, Embed: 16, Batch: 32, Steps: 600, Test: 700, LR: 3e-3}
}

// execAttn trains a seq2seq model to reverse lists and scores it by length.
func execAttn(c attnRun, seed uint64) (Outcome, error) {
	tr, err := datasets.Reverse(c.Steps*c.Batch, c.MinLen, c.MaxLen, c.K, seed)
	if err != nil {
		return Outcome{}, err
	}
	test, err := datasets.Reverse(c.Test, c.MinLen, c.MaxLen, c.K, seed+2000003)
	if err != nil {
		return Outcome{}, err
	}
	cfg := seq2seq.Config{Cell: "gru", Embed: c.Embed, Hidden: c.Hidden, Layers: 1, Bidirectional: true, Attention: c.Attention,
		AttnDim: c.Hidden, Seed: seed}.FromInfo(tr.Info(), c.MaxLen, c.MaxLen+1)
	m, err := seq2seq.New(cfg)
	if err != nil {
		return Outcome{}, err
	}
	tc := train.Config{Steps: c.Steps, Batch: c.Batch, Optimizer: "adam", LR: c.LR, Schedule: "constant", Seed: seed, EvalEvery: max(c.Steps/10, 1), Sequential: true}
	fr, err := fit(m, train.Data{Train: tr}, tc, nil)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Curves: []Curve{fr.trainCurve("train_loss")}}
	if fr.Diverged {
		return out, errors.New("training loss became NaN")
	}
	sc, _, err := m.Evaluate(test, c.Test, 1)
	if err != nil {
		return out, err
	}
	out.Metrics = append(out.Metrics, Metric{seq2seq.MetricExact, sc.Exact}, Metric{seq2seq.MetricTokenAcc, sc.TokenAcc}, Metric{seq2seq.MetricBLEU, sc.BLEU})
	ex, ta := Curve{Name: "exact_by_len"}, Curve{Name: "token_acc_by_len"}
	for _, l := range sc.ByLength {
		out.Metrics = append(out.Metrics, Metric{fmt.Sprintf("exact_len_%d", l.Len), l.Exact})
		ex.X, ex.Y = append(ex.X, float64(l.Len)), append(ex.Y, l.Exact)
		ta.X, ta.Y = append(ta.X, float64(l.Len)), append(ta.Y, l.TokenAcc)
	}
	out.Curves = append(out.Curves, ex, ta)
	return out, nil
}
