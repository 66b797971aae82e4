package main

import (
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
)

// corpusSource is where --task shakespeare and --task ptb download their corpora from: the
// upstream URLs (or the mirror of $ZOO_DATA_URL_BASE) with the built-in checksums, into the cache
// directory ($ZOO_CACHE). Tests point it at a local server with corpora of their own.
var corpusSource datasets.Source

// loadShakespeare downloads tiny-shakespeare on first use (--task shakespeare).
func loadShakespeare(taskArgs) (*datasets.Text, error) { return corpusSource.TinyShakespeare() }

// loadPTB downloads the word-level Penn Treebank on first use (--task ptb) and cuts it as the
// word-level language models of Zaremba et al. 2014 read it: the training part as the --batch
// contiguous streams of truncated BPTT with --stream (the default), or random windows of --bptt
// words; the validation and test parts as evalSplit cuts them: with --stream, for the recurrent
// models, one stream each, scored with the state carried through the whole part as the paper
// scores; otherwise consecutive windows of --bptt words, each scored from a zero state. The
// metrics' ppl is then the word-level perplexity.
func loadPTB(a taskArgs) (train.Data, error) {
	c, err := corpusSource.PTB()
	if err != nil {
		return train.Data{}, err
	}
	return wordData(c, a)
}

// wordData cuts a word corpus into the three splits of a word-level language model.
func wordData(c *datasets.WordCorpus, a taskArgs) (train.Data, error) {
	var d train.Data
	var err error
	if a.Stream {
		var s *datasets.BPTTStream
		if s, err = datasets.Stream(c.Train, c.Vocab, a.Batch, a.Length); err == nil {
			d.Train = s.Examples()
		}
	} else {
		n := a.Examples
		if n <= 0 {
			n = len(c.Train) / a.Length
		}
		d.Train, err = datasets.RandomWindows(c.Train, c.Vocab, a.Length, n, a.DataSeed)
	}
	if err != nil {
		return d, errors.Wrapf(err, "%s training words, --bptt", c.Name)
	}
	if d.Val, err = evalSplit(c.Valid, c.Vocab, a); err != nil {
		return d, errors.Wrapf(err, "%s validation words, --bptt", c.Name)
	}
	if d.Test, err = evalSplit(c.Test, c.Vocab, a); err != nil {
		return d, errors.Wrapf(err, "%s test words, --bptt", c.Name)
	}
	return d, nil
}

// evalStreams is the number of streams a validation or test part is cut into with
// taskArgs.EvalStream: one, so the state is carried from the part's first token to its last and
// every token but the first is scored once, after all the tokens before it. The figure is then
// that of the whole part — what Zaremba et al. 2014 report — and the same whatever evaluation
// batch train.Config.EvalBatch or `zoo eval --batch` names (train.Evaluate runs a stream one row
// per stream); more streams would run faster but start each from a zero state in the middle
// of the text, so the figure would depend on their number.
const evalStreams = 1

// evalSplit cuts a validation or test part of a language-model task: with a.EvalStream one
// stream (evalStreams) in windows of --bptt tokens scored with the state carried, the last
// partial window included (datasets.BPTTStream.EvalExamples); otherwise consecutive windows of
// --bptt tokens, each scored from a zero state, the tokens after the last whole one left out.
func evalSplit(tokens []int, vocab *datasets.Vocabulary, a taskArgs) (datasets.Dataset, error) {
	if !a.EvalStream {
		return datasets.Windows(tokens, vocab, a.Length, a.Length)
	}
	s, err := datasets.Stream(tokens, vocab, evalStreams, a.Length)
	if err != nil {
		return nil, err
	}
	return s.EvalExamples(), nil
}
