package main

import (
	"strconv"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/viz"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

// attentionHeatmap is the attention map of a translation: one row per output token (EOS
// included when the output ended), one column per input symbol, each labelled with its symbol
// (quoted when it is white space, which would not show).
func attentionHeatmap(tr seq2seq.Translation) viz.Heatmap {
	return viz.Heatmap{Values: tr.Attention, RowLabels: visibleAll(tr.OutputTokens), ColLabels: visibleAll(tr.InputTokens), XLabel: "source", YLabel: "output"}
}

// visibleAll is the labels syms, each made visible.
func visibleAll(syms []string) []string {
	out := make([]string, len(syms))
	for i, s := range syms {
		out[i] = visible(s)
	}
	return out
}

// visible is s, or s quoted when it is white space only.
func visible(s string) string {
	if strings.TrimSpace(s) == "" {
		return strconv.Quote(s)
	}
	return s
}
