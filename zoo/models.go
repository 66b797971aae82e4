package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
	"github.com/pkg/errors"
)

// model is one entry of the model table: how the command builds, trains and reloads it.
type model struct {
	// Model is the model's entry in the zoo's catalog, which compare and the server read too:
	// its name, the line about it, its constructor from a recorded config, its prebuilt weights.
	catalog.Model
	defaultTask string
	tasks       []string
	// sequence models read --bptt steps and train on examples in order (train.Config.Sequential).
	sequence bool
	// defaults adjusts the training configuration for a task before the flags are parsed.
	defaults func(task string, c *train.Config)
	// flags registers the model's architecture flags, with defaults for the task, and returns
	// the function that builds the model once the flags are parsed.
	flags func(fs *flag.FlagSet, task string) builder
	// decode, when set, scores a split by decoding (exact match, token accuracy, BLEU) and
	// describes it (accuracy by length, decoded examples): `zoo train` reports it at every
	// evaluation and on the test split, `zoo eval` beside the loss.
	decode func(mdl train.Model, ds datasets.Dataset, task string) (train.Metrics, string, error)
	// checkConfig decodes the config a checkpoint records and checks its sizes before New
	// allocates anything (checkRecorded).
	checkConfig func(raw json.RawMessage) error
}

// builder builds a model for a task's data once the flags are parsed: ta holds the parsed task
// flags (--task, --bptt, --stream, …) and seed is the run's --seed. It returns the model and the
// config its checkpoint records.
type builder func(info datasets.Info, ta taskArgs, seed uint64) (train.Model, any, error)

// prebuilt is a model with its shipped weights.
type prebuilt struct {
	model train.Model
	task  taskArgs // the task the weights were trained on, as a checkpoint records it
	note  string   // what zoo list says of the weights
}

// pretrained returns the model with its prebuilt weights (the model has some: Prebuilt is set).
func (m model) pretrained() (prebuilt, error) {
	mdl, rec, err := m.Prebuilt()
	if err != nil {
		return prebuilt{}, err
	}
	var ta taskArgs
	if err := json.Unmarshal(rec.Task, &ta); err != nil {
		return prebuilt{}, errors.Wrap(err, "prebuilt task record")
	}
	return prebuilt{model: mdl, task: ta, note: prebuiltNote(ta, rec)}, nil
}

// prebuiltNote describes prebuilt weights in zoo list: the task they were trained on, the figure
// their record gives and the steps that trained them.
func prebuiltNote(ta taskArgs, rec catalog.Record) string {
	switch rec.Metric {
	case catalog.MetricValBPC:
		return fmt.Sprintf("%s character model, validation %.4f bits/char after %d steps", ta.Name, rec.Value, rec.Steps)
	case catalog.MetricExact:
		return fmt.Sprintf("%s, test exact match %.4f (greedy) after %d steps", ta.Name, rec.Value, rec.Steps)
	}
	return fmt.Sprintf("%s, %s %.4f after %d steps", ta.Name, rec.Metric, rec.Value, rec.Steps)
}

// fromCatalog is the catalog's entry of the model name (TestModelAndTaskTables holds the two
// tables to the same models).
func fromCatalog(name string) catalog.Model {
	m, _ := catalog.Find(name)
	return m
}

// models lists every model by name: `zoo MODEL`, `zoo train|eval|sample MODEL` and zoo list read
// it. Each entry is built beside the model's own code.
var models = map[string]model{
	"mlp":                 mlpModel(),
	"rnn":                 rnnModel(),
	"lstm":                lstmModel(),
	"gru":                 gruModel(),
	"transformer":         transformerModel(),
	"transformer-seq2seq": transformerSeq2SeqModel(),
	"seq2seq":             seq2seqModel(),
}

// mlpModel is the entry of the multilayer perceptron.
func mlpModel() model {
	return model{
		Model:       fromCatalog("mlp"),
		defaultTask: "spirals",
		tasks:       tasksOf(featureTask),
		defaults: func(task string, c *train.Config) {
			c.Epochs, c.Batch, c.LR = 40, 32, 3e-3
			if task == "housing" {
				c.Epochs, c.LR, c.Schedule = 60, 3e-3, "cosine"
			}
			if task == "teacher" || task == "mnist" {
				c.Epochs, c.Batch, c.LR = 10, 128, 1e-3
			}
		},
		flags: func(fs *flag.FlagSet, _ string) builder {
			hidden := fs.String("hidden", "100,100", "comma-separated widths of the hidden layers")
			act := fs.String("activation", "relu", "nonlinearity: relu, tanh, sigmoid, identity")
			bn := fs.Bool("batchnorm", false, "BatchNorm after each hidden linear map")
			drop := fs.Float64("dropout", 0, "dropout probability after each hidden layer")
			res := fs.Bool("residual", false, "residual connections between hidden layers of equal width")
			f64 := fs.Bool("float64", false, "compute in float64 instead of float32")
			return func(info datasets.Info, _ taskArgs, seed uint64) (train.Model, any, error) {
				widths, err := parseInts(*hidden)
				if err != nil {
					return nil, nil, errors.Wrapf(err, "--hidden %q", *hidden)
				}
				cfg := mlp.DefaultConfig(info)
				cfg.Hidden, cfg.Activation, cfg.BatchNorm, cfg.Dropout, cfg.Residual, cfg.Float64, cfg.Seed =
					widths, *act, *bn, *drop, *res, *f64, seed
				if err := checkModelSize(cfg, true); err != nil {
					return nil, nil, err
				}
				m, err := mlp.New(cfg)
				return m, cfg, err
			}
		},
		checkConfig: checkRecorded[mlp.Config],
	}
}

// parseInts reads "64,64" as [64 64]; an empty string is no layers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			return nil, errors.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}
