// Package catalog is the one table of the zoo's models, read by the zoo command, the
// experiments of compare and the server: for each model its name, a line about it, how to build
// it from the configuration its checkpoint records, and its prebuilt weights where it ships
// some. The recurrent models (rnn, lstm, gru) are one sequence model (seqmodel) with three cells;
// Cells is their table: a cell's name, its gate count and parameter count, and a sequence model of
// that cell built from a seqmodel.Config and the cell's own configuration.
//
// A model's configuration is JSON, as a checkpoint's "model_config" holds it: the model
// package's Config (mlp.Config, seq2seq.Config, transformer.Config, transformer.Seq2SeqConfig),
// or for the recurrent models a seqmodel.ModelConfig, {"seq": seqmodel.Config, "cell": the cell
// package's Config}.
package catalog

import (
	"encoding/json"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// Model is one model of the zoo.
type Model struct {
	// Name is the model's name in the command (zoo train NAME), in checkpoints and on the server.
	Name string
	// About is one line on what the model is.
	About string
	// New builds the model, freshly initialised from the seed its configuration holds, from the
	// configuration a checkpoint records.
	New func(config json.RawMessage) (train.Model, error)
	// Prebuilt, when not nil, returns the model with its shipped weights and how they were made.
	Prebuilt func() (train.Model, Record, error)
	// Cell is the recurrent cell of the sequence models rnn, lstm and gru; nil for the others.
	Cell *Cell
}

// Record tells how a model's prebuilt weights were made.
type Record struct {
	// Task is the task the weights were trained on, as a checkpoint records it: {"task":
	// "opticks", "data_seed": 1, …}, the arguments that rebuild its data.
	Task json.RawMessage
	// Metric names Value: MetricValBPC or MetricExact.
	Metric string
	// Value is the figure the weights reach.
	Value float64
	// Steps is the number of solver steps that trained them.
	Steps int
	// Command is the command that trained them.
	Command string
}

// Names of a Record's figure.
const (
	// MetricValBPC is the validation bits per character of a language model, as zoo eval reports it.
	MetricValBPC = "val_bpc"
	// MetricExact is the exact match of greedy decoding on the task's test split.
	MetricExact = seq2seq.MetricExact
)

// Models is the table of the zoo's models, in the order zoo list shows them.
var Models = []Model{
	{
		Name:  "mlp",
		About: "multilayer perceptron: widths, activation, BatchNorm, dropout, residual connections",
		New: func(raw json.RawMessage) (train.Model, error) {
			var cfg mlp.Config
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, errors.Wrap(err, "mlp config")
			}
			return mlp.New(cfg)
		},
	},
	recurrentModel(&Cells[0]),
	recurrentModel(&Cells[1]),
	recurrentModel(&Cells[2]),
	{
		Name:  "seq2seq",
		About: "encoder–decoder (GRU/LSTM, bidirectional, stacked) with attention none/additive/dot/general, greedy and beam decoding",
		New: func(raw json.RawMessage) (train.Model, error) {
			var cfg seq2seq.Config
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, errors.Wrap(err, "seq2seq config")
			}
			return seq2seq.New(cfg)
		},
		Prebuilt: func() (train.Model, Record, error) {
			m, err := seq2seq.Pretrained()
			if err != nil {
				return nil, Record{}, err
			}
			// Steps and command as zoo/seq2seq/pretrained.go records them.
			return m, Record{
				Task:    taskJSON("dates", seq2seq.PretrainedDataSeed, 0),
				Metric:  MetricExact,
				Value:   seq2seq.PretrainedExact,
				Steps:   500,
				Command: "go run ./zoo train seq2seq --task dates --steps 500 --seed 1 --save runs/seq2seq-dates.npz",
			}, nil
		},
	},
	{
		Name:  "transformer",
		About: "decoder-only transformer LM: causal multi-head self-attention, pre/post-LayerNorm blocks, learned or sinusoidal positions",
		New: func(raw json.RawMessage) (train.Model, error) {
			var cfg transformer.Config
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, errors.Wrap(err, "transformer config")
			}
			return transformer.New(cfg)
		},
		Prebuilt: func() (train.Model, Record, error) {
			m, err := transformer.Pretrained()
			if err != nil {
				return nil, Record{}, err
			}
			// W5's 300 steps, the command's default.
			return m, Record{
				Task:    taskJSON("opticks", 1, m.Config.Context),
				Metric:  MetricValBPC,
				Value:   transformer.PretrainedValBPC,
				Steps:   300,
				Command: transformer.PretrainedCommand,
			}, nil
		},
	},
	{
		Name:  "transformer-seq2seq",
		About: "encoder–decoder transformer: pre-LN blocks, sinusoidal positions, padding masks, cross-attention, greedy decoding",
		New: func(raw json.RawMessage) (train.Model, error) {
			var cfg transformer.Seq2SeqConfig
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, errors.Wrap(err, "transformer-seq2seq config")
			}
			return transformer.NewSeq2Seq(cfg)
		},
		Prebuilt: func() (train.Model, Record, error) {
			m, err := transformer.PretrainedSeq2Seq()
			if err != nil {
				return nil, Record{}, err
			}
			rec, err := transformer.PretrainedSeq2SeqRecord()
			if err != nil {
				return nil, Record{}, err
			}
			return m, Record{Task: rec.Task, Metric: MetricExact, Value: rec.Exact, Steps: rec.Steps, Command: rec.Command}, nil
		},
	},
}

// Cell is a recurrent cell of the sequence model.
type Cell struct {
	// Name is the cell's name, also the name of its sequence model in Models.
	Name string
	// About is one line on the cell's formulas.
	About string
	// Gates is the number of weight blocks of the cell: its input and recurrent products are
	// Gates·hidden wide (1 for the RNN, 3 for the GRU's r, z, n, 4 for the LSTM's i, f, g, o).
	Gates int
	// NewModel builds a sequence model of this cell from seq and the cell's configuration as
	// JSON: the cell package's Config, whose absent fields (all of them when cell is empty) keep
	// the package's defaults (lstm.DefaultConfig(), the zero rnn.Config and gru.Config). Layers
	// and Dropout come from seq.
	NewModel func(seq seqmodel.Config, cell json.RawMessage) (*seqmodel.Model, error)
	// Prebuilt returns the prebuilt character model of the Opticks with the record of its
	// training.
	Prebuilt func() (*seqmodel.Model, *seqmodel.PrebuiltRecord, error)
}

// Cells is the table of the recurrent cells.
var Cells = []Cell{
	{
		Name:     "rnn",
		About:    "vanilla RNN h_t = tanh(x_t·W_xh + h_{t−1}·W_hh + b), trained by backpropagation through time",
		Gates:    1,
		NewModel: cellModel("rnn", rnn.Config{}, rnn.NewModel),
		Prebuilt: rnn.Pretrained,
	},
	{
		Name:     "lstm",
		About:    "LSTM: gates (i,f,g,o) from one fused product, c_t = f∘c_{t−1} + i∘g, h_t = o∘tanh(c_t); forget-gate bias 1",
		Gates:    4,
		NewModel: cellModel("lstm", lstm.DefaultConfig(), lstm.NewModel),
		Prebuilt: lstm.Pretrained,
	},
	{
		Name:     "gru",
		About:    "GRU: (z,r) gates, n = tanh(x·W_in + r∘(h·W_hn)), h_t = (1−z)∘n + z∘h_{t−1}",
		Gates:    3,
		NewModel: cellModel("gru", gru.Config{}, gru.NewModel),
		Prebuilt: gru.Pretrained,
	},
}

// Params is the number of parameters of the sequence model of this cell that seq describes:
// the embedding (token inputs), Gates·(in·H + H·H + 2H) per layer (input and recurrent weights,
// their two biases, as PyTorch keeps them), and the output layer.
func (c Cell) Params(seq seqmodel.Config) int {
	h, in, n := seq.Hidden, seq.Dim, 0
	if seq.Vocab > 0 {
		n, in = seq.Vocab*seq.Embed, seq.Embed
	}
	for range max(seq.Layers, 1) {
		n += c.Gates * (in*h + h*h + 2*h)
		in = h
	}
	outs := seq.Classes
	if seq.Regression {
		outs = seq.YDim
	}
	return n + h*outs + outs
}

// Find returns the model of that name.
func Find(name string) (Model, error) {
	for _, m := range Models {
		if m.Name == name {
			return m, nil
		}
	}
	names := make([]string, len(Models))
	for i, m := range Models {
		names[i] = m.Name
	}
	return Model{}, errors.Errorf("catalog: no model %q (the models are %s)", name, strings.Join(names, ", "))
}

// FindCell returns the recurrent cell of that name.
func FindCell(name string) (Cell, error) {
	for _, c := range Cells {
		if c.Name == name {
			return c, nil
		}
	}
	names := make([]string, len(Cells))
	for i, c := range Cells {
		names[i] = c.Name
	}
	return Cell{}, errors.Errorf("catalog: no cell %q (the cells are %s)", name, strings.Join(names, ", "))
}

// cellModel is a Cell's NewModel: the cell configuration decoded over def, then newModel.
func cellModel[C any](name string, def C, newModel func(seqmodel.Config, C) (*seqmodel.Model, error)) func(seqmodel.Config, json.RawMessage) (*seqmodel.Model, error) {
	return func(seq seqmodel.Config, raw json.RawMessage) (*seqmodel.Model, error) {
		cell := def
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &cell); err != nil {
				return nil, errors.Wrapf(err, "%s cell config", name)
			}
		}
		return newModel(seq, cell)
	}
}

// recurrentModel is the Models entry of the sequence model of cell c.
func recurrentModel(c *Cell) Model {
	return Model{
		Name:  c.Name,
		About: c.About,
		New: func(raw json.RawMessage) (train.Model, error) {
			var mc seqmodel.ModelConfig
			if err := json.Unmarshal(raw, &mc); err != nil {
				return nil, errors.Wrapf(err, "%s model config", c.Name)
			}
			return c.NewModel(mc.Seq, mc.Cell)
		},
		Prebuilt: func() (train.Model, Record, error) {
			m, rec, err := c.Prebuilt()
			if err != nil {
				return nil, Record{}, err
			}
			return m, Record{Task: rec.Task, Metric: MetricValBPC, Value: rec.ValBPC, Steps: rec.Steps, Command: rec.Command}, nil
		},
		Cell: c,
	}
}

// taskJSON is the task record of prebuilt weights: the task's name, its data seed and, when
// positive, its sequence length.
func taskJSON(name string, dataSeed uint64, length int) json.RawMessage {
	raw, _ := json.Marshal(struct {
		Name     string `json:"task"`
		DataSeed uint64 `json:"data_seed"`
		Length   int    `json:"length,omitempty"`
	}{name, dataSeed, length})
	return raw
}
