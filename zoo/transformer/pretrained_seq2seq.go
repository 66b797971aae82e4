package transformer

import (
	"bytes"
	_ "embed"
	"encoding/json"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
)

// The prebuilt encoder–decoder of the date task: the weights (float32, PyTorch names and
// layouts) written by the command that pretrained/dates.json records, and that record: the
// model's Seq2SeqConfig, the task, the command, its steps and the exact match it reaches.
var (
	//go:embed pretrained/dates.npz
	pretrainedSeq2SeqWeights []byte
	//go:embed pretrained/dates.json
	pretrainedSeq2SeqRecord []byte
)

// Seq2SeqRecord is the JSON the prebuilt encoder–decoder ships with: how its weights were made
// and what they reach.
type Seq2SeqRecord struct {
	// Model is the model's name in the command: transformer-seq2seq.
	Model string `json:"model"`
	// Task is the task the weights were trained on, as the checkpoint records it ({"task":
	// "dates", "data_seed": 1, …}).
	Task json.RawMessage `json:"task"`
	// ModelConfig is the configuration of the model the weights fit.
	ModelConfig Seq2SeqConfig `json:"model_config"`
	// Command is the command that trained the weights.
	Command string `json:"command"`
	// Steps is the number of solver steps that trained them.
	Steps int `json:"steps"`
	// Exact is the exact match of greedy decoding on the 1000 held-out test dates of
	// seq2seq.DateSplits(·, the task's data_seed), decoded 100 at a time as zoo eval decodes
	// them.
	Exact float64 `json:"exact"`
}

// PretrainedSeq2SeqRecord returns the record of the prebuilt encoder–decoder: its configuration,
// the task and command that trained it, and its exact match on the held-out test dates.
func PretrainedSeq2SeqRecord() (*Seq2SeqRecord, error) {
	var rec Seq2SeqRecord
	if err := json.Unmarshal(pretrainedSeq2SeqRecord, &rec); err != nil {
		return nil, errors.Wrap(err, "transformer: prebuilt seq2seq record")
	}
	return &rec, nil
}

// PretrainedSeq2Seq returns the prebuilt date normaliser of the transformer family: the
// encoder–decoder of Seq2SeqFor (2+2 pre-LN layers, d_model 64, 4 heads, FF 256) trained on the
// date task, with the task's Tokenizers (seq2seq.DateTokenizers), so that
// m.Translate("Nov 28, 2026", 4) gives "2026-11-28". PretrainedSeq2SeqRecord tells how it was
// trained and the exact match it reaches.
func PretrainedSeq2Seq() (*Seq2Seq, error) {
	rec, err := PretrainedSeq2SeqRecord()
	if err != nil {
		return nil, err
	}
	m, err := NewSeq2Seq(rec.ModelConfig)
	if err != nil {
		return nil, errors.Wrap(err, "transformer: prebuilt seq2seq model")
	}
	if err := train.LoadWeightsFrom(bytes.NewReader(pretrainedSeq2SeqWeights), int64(len(pretrainedSeq2SeqWeights)), "prebuilt transformer-seq2seq weights", m.Store()); err != nil {
		return nil, errors.Wrap(err, "transformer: prebuilt seq2seq weights")
	}
	if m.Tokenizers, err = seq2seq.DateTokenizers(); err != nil {
		return nil, errors.Wrap(err, "transformer: prebuilt seq2seq tokenizers")
	}
	return m, nil
}
