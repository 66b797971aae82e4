package main

import (
	"flag"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// The decoder-only transformer language model. Its defaults are workload W5 of the reference
// figures: 2 pre-LN layers, d_model 128, 4 heads, FF 512 ReLU, context 64 (--bptt), learned
// positions, N(0, 0.02) initialisation, batch 32, Adam 1e-3, 300 steps, no clipping.
func transformerModel() model {
	return model{
		Model:       fromCatalog("transformer"),
		defaultTask: "opticks", tasks: tasksOf(textTask, wordTask), sequence: true,
		defaults: func(_ string, c *train.Config) {
			c.Epochs, c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 0, 300, 32, 1e-3, 0, 100
		},
		flags: func(fs *flag.FlagSet, _ string) builder {
			c := transformer.W5(0, 0)
			fs.IntVar(&c.D, "d-model", c.D, "model width")
			fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads (must divide --d-model)")
			fs.IntVar(&c.Layers, "layers", c.Layers, "transformer blocks")
			fs.IntVar(&c.FF, "ff", c.FF, "hidden width of the feed-forward blocks")
			fs.StringVar(&c.Activation, "activation", c.Activation, "feed-forward nonlinearity: relu, gelu, gelu_tanh")
			fs.Float64Var(&c.Dropout, "dropout", c.Dropout, "dropout on embeddings, attention weights, residual branches and feed-forward units")
			fs.BoolVar(&c.PostLN, "post-ln", c.PostLN, "post-LayerNorm blocks (Vaswani et al. 2017) instead of pre-LN (GPT-2)")
			fs.StringVar(&c.Positions, "positions", c.Positions, "positional encoding: learned or sinusoidal")
			fs.BoolVar(&c.Tie, "tie", c.Tie, "tie the output layer to the token embedding")
			fs.Float64Var(&c.InitStd, "init-std", c.InitStd, "std of the N(0, std²) weight initialisation (biases 0); 0: PyTorch's module defaults")
			fs.BoolVar(&c.Float64, "float64", c.Float64, "compute in float64 instead of float32")
			return func(info datasets.Info, _ taskArgs, seed uint64) (train.Model, any, error) {
				cfg := c
				if info.Vocab == nil {
					return nil, nil, errors.New("transformer: the task has no tokens")
				}
				cfg.Vocab, cfg.Context, cfg.Seed = info.Vocab.Size(), info.T, seed
				if err := checkModelSize(cfg, true); err != nil {
					return nil, nil, err
				}
				m, err := transformer.New(cfg)
				return m, cfg, err
			}
		},
		checkConfig: checkRecorded[transformer.Config],
	}
}

// The encoder–decoder transformer on the seq2seq tasks, scored by greedy decoding.
func transformerSeq2SeqModel() model {
	return model{
		Model:       fromCatalog("transformer-seq2seq"),
		defaultTask: "dates", sequence: true,
		tasks: tasksOf(pairTask), // scored by the same decode hook as seq2seq: BLEU on sentence pairs
		defaults: func(_ string, c *train.Config) {
			c.Epochs, c.Steps, c.Batch, c.LR, c.Clip, c.EvalEvery = 0, 600, 64, 1e-3, 0, 300
		},
		flags: func(fs *flag.FlagSet, _ string) builder {
			d := fs.Int("d-model", 64, "model width")
			heads := fs.Int("heads", 4, "attention heads (must divide --d-model)")
			layers := fs.Int("layers", 2, "encoder layers, and as many decoder layers")
			ff := fs.Int("ff", 256, "hidden width of the feed-forward blocks")
			drop := fs.Float64("dropout", 0, "dropout on embeddings, attention weights, residual branches and feed-forward units")
			f64 := fs.Bool("float64", false, "compute in float64 instead of float32")
			return func(info datasets.Info, ta taskArgs, seed uint64) (train.Model, any, error) {
				maxSrc, maxTgt := taskNamed(ta.Name).padded(ta.Length)
				cfg, err := transformer.Seq2SeqFor(info, maxSrc, maxTgt, seed)
				if err != nil {
					return nil, nil, err
				}
				cfg.D, cfg.Heads, cfg.Layers, cfg.FF, cfg.Dropout, cfg.Float64 = *d, *heads, *layers, *ff, *drop, *f64
				if err := checkModelSize(cfg, true); err != nil {
					return nil, nil, err
				}
				m, err := transformer.NewSeq2Seq(cfg)
				return m, cfg, err
			}
		},
		decode: func(mdl train.Model, ds datasets.Dataset, task string) (train.Metrics, string, error) {
			return decodeSplit("transformer-seq2seq", mdl, ds, task, 100)
		},
		checkConfig: checkRecorded[transformer.Seq2SeqConfig],
	}
}
