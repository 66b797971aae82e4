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
// words; the validation and test parts as consecutive windows of --bptt words, each scored from a
// zero state. The metrics' ppl is then the word-level perplexity.
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
	if d.Val, err = datasets.Windows(c.Valid, c.Vocab, a.Length, a.Length); err != nil {
		return d, errors.Wrapf(err, "%s validation words, --bptt", c.Name)
	}
	if d.Test, err = datasets.Windows(c.Test, c.Vocab, a.Length, a.Length); err != nil {
		return d, errors.Wrapf(err, "%s test words, --bptt", c.Name)
	}
	return d, nil
}
