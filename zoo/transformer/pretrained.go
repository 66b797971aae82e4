package transformer

import (
	"bytes"
	_ "embed"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// The prebuilt character model: workload W5 as the command runs it by default (300 steps of
// Adam 1e-3, batch 32, seed 1), whose weights file is runs/transformer-opticks.npz:
//
//	go run ./zoo transformer --save runs/transformer-opticks.npz
//
//go:embed pretrained/opticks.npz
var pretrainedWeights []byte

// PretrainedCommand is the command that trained the prebuilt weights.
const PretrainedCommand = "go run ./zoo transformer --save runs/transformer-opticks.npz"

// PretrainedValBPC is the prebuilt model's validation bits per character on the Opticks
// validation split (886 windows of 64 characters, in batches of 32), as the training run's last
// evaluation reported it and train.Evaluate reproduces it.
const PretrainedValBPC = 2.8872

// PretrainedConfig is the configuration of the prebuilt model: W5 for the 93 characters of the
// Opticks text.
func PretrainedConfig() Config { return W5(93, 1) }

// Pretrained returns the character language model with its prebuilt weights, trained on
// datasets.Opticks(), with that text's Tokenizer (datasets.OpticksTokenizer), so that
// m.Sample("The ", 200, 0.8, 1) generates text.
func Pretrained() (*LM, error) {
	m, err := New(PretrainedConfig())
	if err != nil {
		return nil, err
	}
	if err := train.LoadWeightsFrom(bytes.NewReader(pretrainedWeights), int64(len(pretrainedWeights)), "prebuilt transformer weights", m.Store()); err != nil {
		return nil, err
	}
	m.Tokenizer = datasets.OpticksTokenizer()
	return m, nil
}
