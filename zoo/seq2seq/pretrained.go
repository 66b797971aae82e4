package seq2seq

import (
	"bytes"
	_ "embed"
	"encoding/json"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
)

// The prebuilt date normaliser: the weights (float32, PyTorch names and layouts) and the model's
// Config, as written at step 500 by
//
//	go run ./zoo train seq2seq --task dates --steps 500 --seed 1 --save runs/seq2seq-dates.npz
//
// (W6: batch 64, Adam 1e-3, 32,000 training dates; validation exact match 1.0 at step 500).
var (
	//go:embed pretrained/dates.npz
	pretrainedWeights []byte
	//go:embed pretrained/dates.json
	pretrainedConfig []byte
)

// PretrainedDataSeed is the data seed the prebuilt model was trained with: DateSplits(n,
// PretrainedDataSeed) gives its held-out test set.
const PretrainedDataSeed = 1

// PretrainedExact is the prebuilt model's exact match, greedy, on the 1000 test dates of
// DateSplits(·, PretrainedDataSeed).
const PretrainedExact = 1.0

// Pretrained returns the prebuilt date normaliser: the W6 model (bidirectional GRU encoder of
// 128 per direction, additive attention) trained on the date task, with the task's Tokenizers,
// so that m.Translate("12 March 1998", 3) gives "1998-03-12".
func Pretrained() (*Model, error) {
	var cfg Config
	if err := json.Unmarshal(pretrainedConfig, &cfg); err != nil {
		return nil, errors.Wrap(err, "seq2seq: prebuilt config")
	}
	m, err := New(cfg)
	if err != nil {
		return nil, errors.Wrap(err, "seq2seq: prebuilt model")
	}
	if err := train.LoadWeightsFrom(bytes.NewReader(pretrainedWeights), int64(len(pretrainedWeights)), "dates.npz", m.Store()); err != nil {
		return nil, errors.Wrap(err, "seq2seq: prebuilt weights")
	}
	if m.Tokenizers, err = DateTokenizers(); err != nil {
		return nil, errors.Wrap(err, "seq2seq: prebuilt tokenizers")
	}
	return m, nil
}
