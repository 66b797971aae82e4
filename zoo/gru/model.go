package gru

import (
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// NewModel creates a sequence model (seqmodel.Model: embedding or features, the stacked cells
// unrolled over seq.T steps, an output layer) whose recurrent layers are GRU cells configured by
// cell; the cell's Layers and Dropout are taken from seq.
func NewModel(seq seqmodel.Config, cell Config) (*seqmodel.Model, error) {
	cell.Layers, cell.Dropout = seq.Layers, seq.Dropout
	return seqmodel.New(seq, func(s *nn.Store, name string, in, hidden int) (*recurrent.Stack, error) {
		return New(s, name, in, hidden, cell)
	})
}
