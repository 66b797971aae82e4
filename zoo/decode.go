package main

import (
	"fmt"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
)

// The decoding figures of both encoder–decoders (seq2seq and transformer-seq2seq): one decode
// hook body over seq2seq.Evaluate, so both report the same metrics under the same names, and the
// progress line `zoo train` prints from them.

// decodeSplit is the decode hook of the model called name: it decodes ds greedily with mdl,
// which must be a seq2seq.Searcher, batch examples at a time, and returns the metrics (exact
// match, token accuracy and, for sentence pairs, BLEU) and the report: the scores by source
// length and the first few decoded examples.
func decodeSplit(name string, mdl train.Model, ds datasets.Dataset, task string, batch int) (train.Metrics, string, error) {
	s, ok := mdl.(seq2seq.Searcher)
	if !ok {
		return nil, "", errors.Errorf("%s: cannot decode with a %T", name, mdl)
	}
	sc, dec, err := seq2seq.Evaluate(s, ds, batch, 1)
	if err != nil {
		return nil, "", err
	}
	bleu := reportsBLEU(task)
	var b strings.Builder
	printScores(&b, "greedy decoding", sc, bleu)
	info := ds.Info()
	for _, e := range dec[:min(5, len(dec))] {
		fmt.Fprintf(&b, "  %-32q → %q (want %q)\n", render(info.Vocab, e.Src, task), render(info.TgtVocab, e.Out.Tokens, task), render(info.TgtVocab, e.Tgt, task))
	}
	return decodeMetrics(sc, bleu), b.String(), nil
}

// decodeMetrics are the figures of a decoding pass by the names seq2seq gives them: exact match
// and token accuracy, and BLEU where bleu is set.
func decodeMetrics(sc seq2seq.Scores, bleu bool) train.Metrics {
	met := train.Metrics{seq2seq.MetricExact: sc.Exact, seq2seq.MetricTokenAcc: sc.TokenAcc}
	if bleu {
		met[seq2seq.MetricBLEU] = sc.BLEU
	}
	return met
}

// reportsBLEU tells whether a task's decoding figures include BLEU: only the sentence pairs,
// whose outputs are translations; the synthetic tasks have one right answer, which exact match
// and token accuracy measure.
func reportsBLEU(task string) bool { return taskNamed(task).bleu }

// decodeProgress is the line `zoo train` prints after decoding the validation split at step:
// the exact match and the token accuracy of the decode hook's metrics.
func decodeProgress(step int, met train.Metrics) string {
	return fmt.Sprintf("  step %d: validation exact match %.4f, token accuracy %.4f\n", step, met[seq2seq.MetricExact], met[seq2seq.MetricTokenAcc])
}
