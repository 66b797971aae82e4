package compare

import (
	"encoding/json"
	"math"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// seqRun is the configuration of one recurrent run.
type seqRun struct {
	Task       string  // "adding", "copy" or "text" (the Opticks)
	Cell       string  // "rnn", "lstm" or "gru"
	T          int     // steps (adding), delay (copy), window (text)
	S          int     // symbols to remember (copy)
	Hidden     int     // width of the recurrent layer
	Embed      int     // embedding width (copy, text)
	Batch      int     // batch size
	Steps      int     // solver steps
	EvalEvery  int     // steps between evaluations
	Val, Test  int     // validation and test examples (text: validation windows, 0 for all)
	Opt        string  // solver
	LR, Clip   float64 // learning rate, global-norm clip (0: none)
	ForgetBias float64 // LSTM forget-gate bias
	RecScale   float64 // multiply the recurrent weights by this after initialisation (0: keep)
	GradProbe  int     // examples of the hidden-state gradient measurement (adding; 0: none)
	StepTrace  bool    // record the gradient norm and loss of every step (no validation)
}

// newSeqModel builds a recurrent model of the named cell (catalog.Cells): the LSTM's
// forget-gate bias is forgetBias, the other cells keep their defaults.
func newSeqModel(cell string, seq seqmodel.Config, forgetBias float64) (*seqmodel.Model, error) {
	c, err := catalog.FindCell(cell)
	if err != nil {
		return nil, err
	}
	var cellConfig json.RawMessage
	if cell == "lstm" {
		if cellConfig, err = json.Marshal(struct{ ForgetBias float64 }{forgetBias}); err != nil {
			return nil, errors.Wrap(err, "lstm cell config")
		}
	}
	return c.NewModel(seq, cellConfig)
}

// seqData builds the task's splits from the seed: generated tasks draw training, validation and
// test examples from distinct seeds; text takes random training windows and the first
// non-overlapping validation windows.
func seqData(c seqRun, seed uint64) (train.Data, datasets.Info, error) {
	n := c.Steps * c.Batch
	switch c.Task {
	case "adding":
		tr, err := datasets.Adding(n, c.T, seed)
		if err != nil {
			return train.Data{}, datasets.Info{}, err
		}
		va, _ := datasets.Adding(c.Val, c.T, seed+1000003)
		te, _ := datasets.Adding(c.Test, c.T, seed+2000003)
		return train.Data{Train: tr, Val: va, Test: te}, tr.Info(), nil
	case "copy":
		tr, err := datasets.CopyMemory(n, c.S, c.T, seed)
		if err != nil {
			return train.Data{}, datasets.Info{}, err
		}
		va, _ := datasets.CopyMemory(c.Val, c.S, c.T, seed+1000003)
		te, _ := datasets.CopyMemory(c.Test, c.S, c.T, seed+2000003)
		return train.Data{Train: tr, Val: va, Test: te}, tr.Info(), nil
	case "text":
		text, err := datasets.Opticks()
		if err != nil {
			return train.Data{}, datasets.Info{}, err
		}
		trTok, vaTok := text.Split(datasets.TextTrainFrac)
		tr, err := datasets.RandomWindows(trTok, text.Vocab, c.T, n, seed)
		if err != nil {
			return train.Data{}, datasets.Info{}, err
		}
		va, err := datasets.Windows(vaTok, text.Vocab, c.T, c.T)
		if err != nil {
			return train.Data{}, datasets.Info{}, err
		}
		var val datasets.Dataset = va
		if c.Val > 0 && c.Val < va.Len() {
			val = datasets.Subset(va, seq(c.Val))
		}
		return train.Data{Train: tr, Val: val}, tr.Info(), nil
	}
	return train.Data{}, datasets.Info{}, errors.Errorf("task %q: want adding, copy or text", c.Task)
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// execSeq trains one recurrent model and returns its metrics and curves.
func execSeq(c seqRun, seed uint64) (Outcome, error) {
	data, info, err := seqData(c, seed)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	if c.Cell == "transformer" {
		return execTransformer(c, data, info, seed)
	}
	sc := seqmodel.Config{Hidden: c.Hidden, Embed: c.Embed, Seed: seed}.FromInfo(info)
	m, err := newSeqModel(c.Cell, sc, c.ForgetBias)
	if err != nil {
		return Outcome{}, err
	}
	out.Metrics = append(out.Metrics, Metric{"params", float64(m.Store().NumParams())})
	if c.RecScale != 0 {
		w := m.Store().Get("rnn.weight_hh_l0")
		if w == nil {
			return out, errors.New("no rnn.weight_hh_l0 to scale")
		}
		v := nn.Float64s(w.Value)
		for i := range v {
			v[i] *= c.RecScale
		}
		if err := nn.SetFloat64s(w.Value, v); err != nil {
			return out, err
		}
	}
	var probe datasets.Batch
	if c.GradProbe > 0 {
		probe = data.Test.Batch(seq(c.GradProbe))
		g, err := hiddenGradNorms(m, probe)
		if err != nil {
			return out, err
		}
		out.Curves = append(out.Curves, stepCurve("grad_init", g))
		out.Metrics = append(out.Metrics, Metric{"grad_ratio_init", g[0] / g[len(g)-1]})
	}
	cfg := train.Config{Steps: c.Steps, Batch: c.Batch, Optimizer: c.Opt, LR: c.LR, Clip: c.Clip, Schedule: "constant",
		Seed: seed, EvalEvery: c.EvalEvery, Sequential: true}
	fitData := data
	if c.StepTrace {
		cfg.EvalEvery, fitData.Val = 1, nil
	}
	fr, err := fit(m, fitData, cfg, nil)
	if err != nil {
		return out, err
	}
	div := 0.0
	if fr.Diverged {
		div = 1
	}
	out.Metrics = append(out.Metrics, Metric{"diverged", div})
	if c.StepTrace {
		gn, tl := Curve{Name: "grad_norm"}, Curve{Name: "train_loss"}
		maxG := 0.0
		for _, r := range fr.Records {
			gn.X, gn.Y = append(gn.X, float64(r.Step)), append(gn.Y, r.GradNorm)
			tl.X, tl.Y = append(tl.X, float64(r.Step)), append(tl.Y, r.TrainLoss)
			maxG = math.Max(maxG, r.GradNorm)
		}
		out.Curves = append(out.Curves, gn, tl)
		out.Metrics = append(out.Metrics, Metric{"max_grad_norm", maxG}, Metric{"steps_run", float64(len(fr.Records))})
	} else {
		key := "loss"
		if c.Task == "adding" {
			key = "mse"
		}
		out.Curves = append(out.Curves, fr.evalCurve("val_"+key, key))
		reached := math.NaN()
		for _, r := range fr.Records {
			if v, ok := r.Val[key]; ok && c.Task == "adding" && v < 0.01 {
				reached = float64(r.Step)
				break
			}
		}
		if c.Task == "adding" {
			out.Metrics = append(out.Metrics, Metric{"steps_to_0.01", reached})
		}
	}
	if fr.Diverged {
		return out, nil
	}
	for _, k := range []string{"loss", "mse", "bpc"} {
		if v, ok := fr.Res.Val[k]; ok {
			out.Metrics = append(out.Metrics, Metric{"val_" + k, v})
		}
		if v, ok := fr.Res.Test[k]; ok {
			out.Metrics = append(out.Metrics, Metric{"test_" + k, v})
		}
	}
	if c.GradProbe > 0 {
		g, err := hiddenGradNorms(m, probe)
		if err != nil {
			return out, err
		}
		out.Curves = append(out.Curves, stepCurve("grad_trained", g))
		out.Metrics = append(out.Metrics, Metric{"grad_ratio_trained", g[0] / g[len(g)-1]})
	}
	return out, nil
}

// transformerFor is the decoder-only transformer of the lstm-vs-gru comparison: W5's shape (pre-LN,
// 4 heads, FF = 4·D, learned positions, N(0, 0.02) initialisation) at width D.
func transformerFor(vocab, context, d int, seed uint64) transformer.Config {
	c := transformer.W5(vocab, seed)
	c.Context, c.D, c.FF = context, d, 4*d
	return c
}

// execTransformer trains the transformer language model of a text run; c.Hidden is its width D.
func execTransformer(c seqRun, data train.Data, info datasets.Info, seed uint64) (Outcome, error) {
	vocab := info.Classes
	if info.Vocab != nil {
		vocab = info.Vocab.Size()
	}
	m, err := transformer.New(transformerFor(vocab, c.T, c.Hidden, seed))
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Metrics: []Metric{{"params", float64(m.Store().NumParams())}}}
	cfg := train.Config{Steps: c.Steps, Batch: c.Batch, Optimizer: c.Opt, LR: c.LR, Clip: c.Clip, Schedule: "constant",
		Seed: seed, EvalEvery: c.EvalEvery, Sequential: true}
	fr, err := fit(m, data, cfg, nil)
	if err != nil {
		return out, err
	}
	if fr.Diverged {
		return out, errors.New("training loss became NaN")
	}
	out.Metrics = append(out.Metrics, Metric{"diverged", 0})
	out.Curves = append(out.Curves, fr.evalCurve("val_loss", "loss"))
	for _, k := range []string{"loss", "bpc"} {
		if v, ok := fr.Res.Val[k]; ok {
			out.Metrics = append(out.Metrics, Metric{"val_" + k, v})
		}
	}
	return out, nil
}

// stepCurve is a per-time-step series: x = 1 … T.
func stepCurve(name string, y []float64) Curve {
	c := Curve{Name: name, Y: y}
	for t := range y {
		c.X = append(c.X, float64(t+1))
	}
	return c
}

func execSeqSpec(s Spec) (Outcome, error) { return execSeq(s.cfg.(seqRun), s.Seed) }
