package main

import (
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
)

// The loaders of the sequence tasks in the task table (tasks.go). Generated tasks draw example i
// from (seed, i) alone, so the validation and test sets use their own seeds and never meet the
// training draws.

// textCorpus is the entry of the character-level language-model task over the text that load
// returns: windows of --bptt characters (64 by default), split 90/10.
func textCorpus(name, about string, load func(a taskArgs) (*datasets.Text, error)) task {
	return task{name: name, about: about, kind: textTask, length: 64, text: load,
		load: func(a taskArgs) (train.Data, error) {
			text, err := load(a)
			if err != nil {
				return train.Data{}, err
			}
			return textData(text, a)
		}}
}

// loadTextFile reads the text task's --data file.
func loadTextFile(a taskArgs) (*datasets.Text, error) {
	if a.Data == "" {
		return nil, errors.New("--task text needs --data FILE")
	}
	return datasets.LoadText(a.Data)
}

// textData splits a text 90/10 and cuts it into windows of a.Length characters: training windows
// at random offsets (or the B streams of truncated BPTT with --stream), validation windows that
// do not overlap, each scored from a zero state (or, with a.EvalStream, one stream scored with
// the state carried: evalSplit).
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
	val, err := evalSplit(validTok, text.Vocab, a)
	if err != nil {
		return train.Data{}, errors.Wrap(err, "--bptt")
	}
	return train.Data{Train: tr, Val: val}, nil
}

// generatedSeqs is the entry of a task of generated sequences of --bptt steps (50 by default):
// draw makes n examples from a seed.
func generatedSeqs(name, about string, draw func(a taskArgs, n int, seed uint64) (datasets.Dataset, error)) task {
	return task{name: name, about: about, kind: generatedTask, length: 50,
		load: func(a taskArgs) (train.Data, error) { return generatedData(a, draw) }}
}

// generatedData builds the three splits of a generated task: as many training examples as the
// run takes (a fresh sample every step), 1000 validation and 1000 test examples of other seeds.
func generatedData(a taskArgs, draw func(a taskArgs, n int, seed uint64) (datasets.Dataset, error)) (train.Data, error) {
	if a.Length <= 0 {
		return train.Data{}, errors.Errorf("--bptt %d: must be positive", a.Length)
	}
	n := a.Examples
	if n <= 0 {
		n = 10000
	}
	var d train.Data
	var err error
	if d.Train, err = draw(a, n, a.DataSeed); err != nil {
		return d, err
	}
	if d.Val, err = draw(a, 1000, a.DataSeed+1000003); err != nil {
		return d, err
	}
	d.Test, err = draw(a, 1000, a.DataSeed+2000003)
	return d, err
}

// lists is the loader of a list task (reverse, sort): lists of 5 to --bptt symbols out of 10,
// 64000 training lists by default and 1000 each for validation and test, of seeds of their own.
func lists(draw func(n, minLen, maxLen, k int, seed uint64) (*datasets.ListSet, error)) func(a taskArgs) (train.Data, error) {
	return func(a taskArgs) (train.Data, error) {
		if a.Length < 1 || a.Length > 254 {
			return train.Data{}, errors.Errorf("--bptt %d: the longest list must be in [1, 254]", a.Length)
		}
		minLen := min(5, a.Length)
		var d train.Data
		var err error
		sets := []*datasets.ListSet{nil, nil, nil}
		for i, n := range []int{orDefault(a.Examples, 64000), 1000, 1000} {
			if sets[i], err = draw(n, minLen, a.Length, 10, a.DataSeed+uint64(i)*1000003); err != nil {
				return d, errors.Wrap(err, "--bptt")
			}
		}
		return train.Data{Train: sets[0], Val: sets[1], Test: sets[2]}, nil
	}
}

// loadPairs reads the pairs task: sentence pairs of a tab-separated file, at most --bptt words a
// side, split 80/10/10.
func loadPairs(a taskArgs) (train.Data, error) {
	if a.Data == "" {
		return train.Data{}, errors.New("--task pairs needs --data FILE (source<TAB>target lines)")
	}
	if a.Length < 1 || a.Length > 254 {
		return train.Data{}, errors.Errorf("--bptt %d: the longest sentence must be in [1, 254] words", a.Length)
	}
	p, err := datasets.LoadPairs(a.Data, datasets.PairOptions{MaxLen: a.Length, MaxVocab: orDefault(a.N, 10000)})
	if err != nil {
		return train.Data{}, err
	}
	return split(p, a.DataSeed, false)
}
