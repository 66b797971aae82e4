package seq2seq

import (
	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
)

// Date task shape: sources are 8 to 29 characters, targets the 10 ISO characters and EOS.
const (
	DateMaxSrc = 29
	DateMaxTgt = 11
	// DateTest is the size of the held-out test set of DateSplits, as in W6.
	DateTest = 1000
)

// DateSplits is the date task as the command trains it: n training examples drawn from seed+1,
// 1000 validation examples from seed+2 and the 1000 test examples from seed+100; the test dates
// never appear in training or validation (W6's protocol).
func DateSplits(n int, seed uint64) (train.Data, error) {
	test, err := datasets.Dates(DateTest, seed+100, datasets.DateOptions{})
	if err != nil {
		return train.Data{}, err
	}
	tr, err := datasets.Dates(n, seed+1, datasets.DateOptions{Exclude: test})
	if err != nil {
		return train.Data{}, err
	}
	val, err := datasets.Dates(1000, seed+2, datasets.DateOptions{Exclude: test})
	if err != nil {
		return train.Data{}, err
	}
	return train.Data{Train: tr, Val: val, Test: test}, nil
}
