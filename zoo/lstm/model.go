package lstm

import (
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// SeqConfig describes a recurrent sequence model and the shape of its task: sizes, the number
// of unrolled steps, token or real-valued inputs, per-step softmax or last-step regression.
type SeqConfig = seqmodel.Config

// Model is a sequence model built of LSTM cells: embedding (or features), the stacked cells
// unrolled over SeqConfig.T steps, and an output layer. It is a train.Model.
type Model = seqmodel.Model

// NewModel creates a sequence model whose recurrent layers are LSTM cells configured by
// cell (its Layers and Dropout are taken from seq).
func NewModel(seq SeqConfig, cell Config) (*Model, error) {
	cell.Layers, cell.Dropout = seq.Layers, seq.Dropout
	return seqmodel.New(seq, func(s *nn.Store, name string, in, hidden int) (*recurrent.Stack, error) {
		return New(s, name, in, hidden, cell)
	})
}
