package rnn

import (
	_ "embed" // the prebuilt weights

	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// The prebuilt language model: weights trained on Newton's Opticks by the command in the record.
var (
	//go:embed pretrained/opticks.json
	pretrainedRecord []byte
	//go:embed pretrained/opticks.npz
	pretrainedWeights []byte
)

// Pretrained returns the prebuilt character-level language model of Newton's Opticks, the text
// that ships with Go (datasets.Opticks), with the record of how it was trained. Its tokens are the
// text's bytes numbered as datasets.Opticks() numbers them.
func Pretrained() (*seqmodel.Model, *seqmodel.PrebuiltRecord, error) {
	return seqmodel.LoadPrebuilt(seqmodel.Prebuilt{Record: pretrainedRecord, Weights: pretrainedWeights}, NewModel)
}
