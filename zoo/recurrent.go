package main

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
)

// seqDefaults are the training defaults of the recurrent models: W1 of the reference workloads for
// text (Adam 2e-3, batch 32, global-norm clip 5), W3 for the generated tasks (Adam 1e-3, batch 50,
// clip 1).
func seqDefaults(task string, c *train.Config) {
	c.Epochs, c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 0, 300, 32, 2e-3, 5, 100
	if !taskNamed(task).isText() {
		c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 2000, 50, 1e-3, 1, 200
	}
}

// recurrentConfig is what a recurrent model's checkpoint records.
type recurrentConfig struct {
	Seq  seqmodel.Config `json:"seq"`
	Cell json.RawMessage `json:"cell"`
}

// seqFlags registers the flags every recurrent model shares.
func seqFlags(fs *flag.FlagSet, task string) *seqmodel.Config {
	c := &seqmodel.Config{}
	hidden := 256
	if !taskNamed(task).isText() {
		hidden = 128
	}
	fs.IntVar(&c.Hidden, "hidden", hidden, "width of every recurrent layer")
	fs.IntVar(&c.Embed, "embed", 64, "embedding width of token inputs")
	fs.IntVar(&c.Layers, "layers", 1, "stacked recurrent layers")
	fs.Float64Var(&c.Dropout, "dropout", 0, "dropout on embeddings, between layers and below the output layer")
	fs.BoolVar(&c.Float64, "float64", false, "compute in float64 instead of float32")
	fs.StringVar(&c.Impl, "impl", "fused", "recurrent layers: fused (one op per layer over the sequence) or graph (the per-step formulas)")
	return c
}

// rnnModel is the entry of the vanilla RNN.
func rnnModel() model {
	return recurrentModel(
		"vanilla RNN h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b), trained by backpropagation through time",
		func(fs *flag.FlagSet) func() rnn.Config {
			act := fs.String("activation", "tanh", "nonlinearity: tanh or relu")
			return func() rnn.Config { return rnn.Config{Activation: *act} }
		}, rnn.NewModel, rnn.Pretrained)
}

// lstmModel is the entry of the LSTM.
func lstmModel() model {
	return recurrentModel(
		"LSTM: gates (i,f,g,o) from one fused product, c_t = f∘c_{t−1} + i∘g, h_t = o∘tanh(c_t); forget-gate bias 1",
		func(fs *flag.FlagSet) func() lstm.Config {
			fb := fs.Float64("forget-bias", 1, "initial forget-gate bias")
			ti := fs.Bool("torch-init", false, "PyTorch's initialisation exactly (every bias uniform, the forget gate's too)")
			return func() lstm.Config {
				c := lstm.DefaultConfig()
				c.ForgetBias, c.TorchInit = *fb, *ti
				return c
			}
		}, lstm.NewModel, lstm.Pretrained)
}

// gruModel is the entry of the GRU.
func gruModel() model {
	return recurrentModel(
		"GRU: (z,r) gates, n = tanh(x·W_in + r∘(h·W_hn)), h_t = (1−z)∘n + z∘h_{t−1}",
		func(fs *flag.FlagSet) func() gru.Config {
			rb := fs.Bool("reset-before", false, "the candidate of Cho et al. 2014, tanh(x·W + (r∘h)·U), instead of PyTorch's")
			return func() gru.Config { return gru.Config{ResetBefore: *rb} }
		}, gru.NewModel, gru.Pretrained)
}

// recurrentModel is the command's entry of a recurrent model with cell configuration C: cellFlags
// registers the cell's own flags and returns the function that reads them once parsed; pretrained
// may be nil.
func recurrentModel[C any](about string, cellFlags func(*flag.FlagSet) func() C,
	newModel func(seqmodel.Config, C) (*seqmodel.Model, error),
	pretrained func() (*seqmodel.Model, *seqmodel.PrebuiltRecord, error)) model {
	m := model{
		about: about, defaultTask: "opticks", tasks: tasksOf(textTask, generatedTask), sequence: true, defaults: seqDefaults,
		flags: func(fs *flag.FlagSet, task string) builder {
			sc := seqFlags(fs, task)
			cell := cellFlags(fs)
			return func(info datasets.Info, ta taskArgs, seed uint64) (train.Model, any, error) {
				cfg := sc.FromInfo(info)
				cfg.Seed, cfg.Carry = seed, ta.Stream
				c := cell()
				if err := checkModelSize(recordOf(cfg, c), true); err != nil {
					return nil, nil, err
				}
				mdl, err := newModel(cfg, c)
				return mdl, recordOf(cfg, c), err
			}
		},
		fromConfig: func(raw json.RawMessage) (train.Model, error) {
			var c C
			cfg, err := decodeRecord(raw, &c)
			if err != nil {
				return nil, err
			}
			return newModel(cfg, c)
		},
	}
	if pretrained != nil {
		m.pretrained = func() (prebuilt, error) {
			mdl, rec, err := pretrained()
			if err != nil {
				return prebuilt{}, err
			}
			return recurrentPrebuilt(mdl, rec)
		}
	}
	return m
}

// recurrentPrebuilt is a recurrent model's prebuilt weights with the task and the figures their
// record holds.
func recurrentPrebuilt(m *seqmodel.Model, rec *seqmodel.PrebuiltRecord) (prebuilt, error) {
	var ta taskArgs
	if err := json.Unmarshal(rec.Task, &ta); err != nil {
		return prebuilt{}, errors.Wrap(err, "prebuilt task record")
	}
	return prebuilt{model: m, task: ta,
		note: fmt.Sprintf("%s character model, validation %.4f bits/char after %d steps", ta.Name, rec.ValBPC, rec.Steps)}, nil
}

func recordOf(seq seqmodel.Config, cell any) recurrentConfig {
	raw, _ := json.Marshal(cell)
	return recurrentConfig{Seq: seq, Cell: raw}
}

func decodeRecord(raw json.RawMessage, cell any) (seqmodel.Config, error) {
	var rc recurrentConfig
	if err := json.Unmarshal(raw, &rc); err != nil {
		return rc.Seq, errors.Wrap(err, "model config")
	}
	if err := json.Unmarshal(rc.Cell, cell); err != nil {
		return rc.Seq, errors.Wrap(err, "cell config")
	}
	return rc.Seq, nil
}
