package main

import (
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/viz"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// attentionHeatmap is the attention map of a decoded hypothesis of source ids: one row per output
// token (EOS included when the hypothesis ended), one column per source symbol, each labelled
// with its symbol (quoted when it is white space, which would not show).
func attentionHeatmap(h seq2seq.Hypothesis, info datasets.Info, src []int) viz.Heatmap {
	rows := make([]string, len(h.Attention))
	for i := range rows {
		if i < len(h.Tokens) {
			rows[i] = visible(info.TgtVocab.Symbol(h.Tokens[i]))
		} else {
			rows[i] = datasets.EOSSymbol // the step that produced EOS
		}
	}
	cols := make([]string, len(src))
	for j, id := range src {
		cols[j] = visible(info.Vocab.Symbol(id))
	}
	return viz.Heatmap{Values: h.Attention, RowLabels: rows, ColLabels: cols, XLabel: "source", YLabel: "output"}
}

// visible is s, or s quoted when it is white space only.
func visible(s string) string {
	if strings.TrimSpace(s) == "" {
		return strconv.Quote(s)
	}
	return s
}
