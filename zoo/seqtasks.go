package main

import (
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
)

// The sequence tasks of the recurrent models. Generated tasks draw example i from (seed, i)
// alone, so the validation and test sets use their own seeds and never meet the training draws.
func init() {
	tasks["opticks"] = task{"character-level language model of Newton's Opticks, shipped with Go (90% train / 10% validation)", func(a taskArgs) (train.Data, error) {
		text, err := datasets.Opticks()
		if err != nil {
			return train.Data{}, err
		}
		return textData(text, a)
	}}
	tasks["text"] = task{"character-level language model of any UTF-8 text: --data FILE (last 10% for validation)", func(a taskArgs) (train.Data, error) {
		if a.Data == "" {
			return train.Data{}, errors.New("--task text needs --data FILE")
		}
		text, err := datasets.LoadText(a.Data)
		if err != nil {
			return train.Data{}, err
		}
		return textData(text, a)
	}}
	tasks["adding"] = task{"the adding problem (Le et al. 2015): sum of the two marked values of --bptt steps; predicting 1 gives MSE 0.167", func(a taskArgs) (train.Data, error) {
		return generated(a, func(n int, seed uint64) (datasets.Dataset, error) { return datasets.Adding(n, a.Length, seed) })
	}}
	tasks["copy"] = task{"copy memory (Arjovsky et al. 2016): 10 symbols, --bptt blanks, then repeat the symbols", func(a taskArgs) (train.Data, error) {
		return generated(a, func(n int, seed uint64) (datasets.Dataset, error) { return datasets.CopyMemory(n, 10, a.Length, seed) })
	}}
	tasks["parity"] = task{"per-step classification: parity of the running count of ones over --bptt steps", func(a taskArgs) (train.Data, error) {
		return generated(a, func(n int, seed uint64) (datasets.Dataset, error) { return datasets.RunningParity(n, a.Length, seed) })
	}}
}

// textData splits a text 90/10 and cuts it into windows of a.Length characters: training windows
// at random offsets (or the B streams of truncated BPTT with --stream), validation windows that
// do not overlap, each scored from a zero state.
func textData(text *datasets.Text, a taskArgs) (train.Data, error) {
	trainTok, validTok := text.Split(datasets.TextTrainFrac)
	var tr datasets.Dataset
	var err error
	if a.Stream {
		var s *datasets.BPTTStream
		if s, err = datasets.Stream(trainTok, text.Vocab, a.Batch, a.Length); err == nil {
			tr = s.Examples()
		}
	} else {
		n := a.Examples
		if n <= 0 {
			n = len(trainTok) / a.Length
		}
		tr, err = datasets.RandomWindows(trainTok, text.Vocab, a.Length, n, a.DataSeed)
	}
	if err != nil {
		return train.Data{}, errors.Wrap(err, "--bptt")
	}
	val, err := datasets.Windows(validTok, text.Vocab, a.Length, a.Length)
	if err != nil {
		return train.Data{}, errors.Wrap(err, "--bptt")
	}
	return train.Data{Train: tr, Val: val}, nil
}

// generated builds the three splits of a generated task: as many training examples as the run
// takes (a fresh sample every step), 1000 validation and 1000 test examples of other seeds.
func generated(a taskArgs, make func(n int, seed uint64) (datasets.Dataset, error)) (train.Data, error) {
	if a.Length <= 0 {
		return train.Data{}, errors.Errorf("--bptt %d: must be positive", a.Length)
	}
	n := a.Examples
	if n <= 0 {
		n = 10000
	}
	var d train.Data
	var err error
	if d.Train, err = make(n, a.DataSeed); err != nil {
		return d, err
	}
	if d.Val, err = make(1000, a.DataSeed+1000003); err != nil {
		return d, err
	}
	d.Test, err = make(1000, a.DataSeed+2000003)
	return d, err
}
