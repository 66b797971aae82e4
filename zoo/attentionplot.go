package main

import (
	"fmt"
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

// attentionNote is the line translate --plot prints after writing the heatmap of tr to file: its
// rows and columns, and whether the last row is the step that wrote EOS.
func attentionNote(file string, tr seq2seq.Translation) string {
	eos := "with EOS"
	if !tr.Ended {
		eos = "without EOS: the output reached the longest length"
	}
	return fmt.Sprintf("attention: %s (rows: the %d output tokens %s; columns: the %d source symbols)", file, len(tr.Attention), eos, len(tr.InputTokens))
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
