package transformer

import "github.com/pkg/errors"

// AttentionMap runs the model on tokens (1 to Context of them) and returns the attention weights
// of one head of one layer (both counted from 0) as a len(tokens)×len(tokens) matrix: row i is
// how position i spreads its attention over positions 0…i (the causal mask leaves zeros after
// i). viz.Heatmap draws it.
func (m *LM) AttentionMap(tokens []int, layer, head int) ([][]float64, error) {
	if layer < 0 || layer >= m.Config.Layers {
		return nil, errors.Errorf("transformer: attention of layer %d: the model has layers 0 to %d", layer, m.Config.Layers-1)
	}
	if head < 0 || head >= m.Config.Heads {
		return nil, errors.Errorf("transformer: attention of head %d: the model has heads 0 to %d", head, m.Config.Heads-1)
	}
	maps, err := m.Attention(tokens)
	if err != nil {
		return nil, err
	}
	w, L := maps[layer][head], len(tokens)
	rows := make([][]float64, L)
	for i := range rows {
		rows[i] = w[i*L : (i+1)*L : (i+1)*L]
	}
	return rows, nil
}
