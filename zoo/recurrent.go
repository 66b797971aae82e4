package main

import (
	"encoding/json"
	"flag"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// seqDefaults are the training defaults of the recurrent models: W1 of the reference workloads for
// text (Adam 2e-3, batch 32, global-norm clip 5), W3 for the generated tasks (Adam 1e-3, batch 50,
// clip 1).
func seqDefaults(task string, c *train.Config) {
	c.Epochs, c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 0, 300, 32, 2e-3, 5, 100
	if !taskNamed(task).isText() {
		c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 2000, 50, 1e-3, 1, 200
	}
	if taskNamed(task).kind == wordTask {
		// The "small" LSTM of Zaremba et al. 2014 (120.7 validation / 114.5 test perplexity on
		// PTB): 13 epochs of SGD at lr 1, halved each epoch after the 4th, batch 20, clip 5.
		c.Epochs, c.Steps, c.Batch, c.Optimizer, c.LR, c.Schedule, c.Clip, c.EvalEvery = 13, 0, 20, "sgd", 1, "zaremba", 5, 0
	}
}

// seqFlags registers the flags every recurrent model shares.
func seqFlags(fs *flag.FlagSet, task string) *seqmodel.Config {
	c := &seqmodel.Config{}
	hidden, embed, layers, initUniform := 256, 64, 1, 0.0
	if !taskNamed(task).isText() {
		hidden = 128
	}
	if taskNamed(task).kind == wordTask {
		hidden, embed, layers, initUniform = 200, 200, 2, 0.1 // Zaremba et al. 2014, "small"
	}
	fs.IntVar(&c.Hidden, "hidden", hidden, "width of every recurrent layer")
	fs.IntVar(&c.Embed, "embed", embed, "embedding width of token inputs")
	fs.IntVar(&c.Layers, "layers", layers, "stacked recurrent layers")
	fs.Float64Var(&c.InitUniform, "init-uniform", initUniform, "draw every parameter from U(−a, a) (0: each layer's own initialisation)")
	fs.Float64Var(&c.Dropout, "dropout", 0, "dropout on embeddings, between layers and below the output layer")
	fs.BoolVar(&c.Float64, "float64", false, "compute in float64 instead of float32")
	fs.StringVar(&c.Impl, "impl", "fused", "recurrent layers: fused (one op per layer over the sequence) or graph (the per-step formulas)")
	return c
}

// rnnModel is the entry of the vanilla RNN.
func rnnModel() model {
	return recurrentModel("rnn", func(fs *flag.FlagSet) func() any {
		act := fs.String("activation", "tanh", "nonlinearity: tanh or relu")
		return func() any { return rnn.Config{Activation: *act} }
	})
}

// lstmModel is the entry of the LSTM.
func lstmModel() model {
	return recurrentModel("lstm", func(fs *flag.FlagSet) func() any {
		fb := fs.Float64("forget-bias", 1, "initial forget-gate bias")
		ti := fs.Bool("torch-init", false, "PyTorch's initialisation exactly (every bias uniform, the forget gate's too)")
		return func() any {
			c := lstm.DefaultConfig()
			c.ForgetBias, c.TorchInit = *fb, *ti
			return c
		}
	})
}

// gruModel is the entry of the GRU.
func gruModel() model {
	return recurrentModel("gru", func(fs *flag.FlagSet) func() any {
		rb := fs.Bool("reset-before", false, "the candidate of Cho et al. 2014, tanh(x·W + (r∘h)·U), instead of PyTorch's")
		return func() any { return gru.Config{ResetBefore: *rb} }
	})
}

// recurrentModel is the command's entry of the sequence model of a recurrent cell of the
// catalog: cellFlags registers the cell's own flags and returns the function that reads them,
// once parsed, into the cell package's Config.
func recurrentModel(cell string, cellFlags func(*flag.FlagSet) func() any) model {
	cm := fromCatalog(cell)
	return model{
		Model: cm, defaultTask: "opticks", tasks: tasksOf(textTask, wordTask, generatedTask), sequence: true, defaults: seqDefaults,
		flags: func(fs *flag.FlagSet, task string) builder {
			sc := seqFlags(fs, task)
			cellConfig := cellFlags(fs)
			return func(info datasets.Info, ta taskArgs, seed uint64) (train.Model, any, error) {
				cfg := sc.FromInfo(info)
				cfg.Seed, cfg.Carry, cfg.EvalCarry = seed, ta.Stream, ta.EvalStream
				rec := recordOf(cfg, cellConfig())
				if err := checkModelSize(rec, true); err != nil {
					return nil, nil, err
				}
				mdl, err := cm.Cell.NewModel(rec.Seq, rec.Cell)
				return mdl, rec, err
			}
		},
		checkConfig: checkRecorded[seqmodel.ModelConfig],
	}
}

// recordOf is the config a checkpoint of a recurrent model records: the sequence model's and
// its cell's.
func recordOf(seq seqmodel.Config, cell any) seqmodel.ModelConfig {
	raw, _ := json.Marshal(cell) // a cell's Config is a plain struct
	return seqmodel.ModelConfig{Seq: seq, Cell: raw}
}
