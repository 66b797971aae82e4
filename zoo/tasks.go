package main

import (
	"slices"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/pkg/errors"
)

// taskArgs are the flags that choose and shape a task.
type taskArgs struct {
	Name     string `json:"task"`
	Data     string `json:"data,omitempty"`   // file of csv tasks
	Target   string `json:"target,omitempty"` // target column of csv tasks
	Kind     string `json:"kind,omitempty"`   // classification or regression (csv)
	N        int    `json:"n,omitempty"`      // examples of synthetic tasks; 0 for the default
	DataSeed uint64 `json:"data_seed"`        // generator of synthetic data and of the splits

	// Sequence tasks.
	Length   int  `json:"length,omitempty"`   // window of a text, steps of the adding problem, delay of the copy task (--bptt)
	Stream   bool `json:"stream,omitempty"`   // text: contiguous streams for truncated BPTT instead of random windows
	Batch    int  `json:"batch,omitempty"`    // streams of --stream
	Examples int  `json:"examples,omitempty"` // training examples to draw (0: the task's own epoch)
	// EvalStream cuts the validation and test text as one contiguous stream each, scored with
	// the recurrent state carried through it (evalSplit): set with --stream for the recurrent
	// models, whose evaluation graphs then carry their state (seqmodel.Config.EvalCarry).
	EvalStream bool `json:"eval_stream,omitempty"`

	// DataSize and DataSHA256 identify the contents of Data when the model was trained, so that
	// the checkpoint is not evaluated on another file (its vocabulary, classes and
	// standardisation come from the file).
	DataSize   int64  `json:"data_size,omitempty"`
	DataSHA256 string `json:"data_sha256,omitempty"`
}

// taskKind is what the examples of a task are.
type taskKind int

const (
	featureTask   taskKind = iota // feature vectors with a class or a value (the MLP's tasks)
	textTask                      // a character-level language model of a text
	generatedTask                 // generated sequences of --bptt steps, labelled per sequence or per step
	pairTask                      // source and target sequences, scored by decoding (the seq2seq models)
	wordTask                      // a word-level language model of a corpus (perplexity per word)
)

// symbolStyle is how a pair task writes its sources and targets, and reads a user's input.
type symbolStyle int

const (
	spacedSymbols symbolStyle = iota // symbols separated by spaces (lists)
	characters                       // one symbol per character, written without separators (dates)
	words                            // words as datasets.Tokenize splits them, written with spaces (sentences)
)

// task is one entry of the task table: what its examples are and how the command loads them.
type task struct {
	name  string // --task
	about string
	kind  taskKind
	// length is the default --bptt of a sequence task: the window of a text, the steps of a
	// generated sequence, the longest list or sentence of a pair task; 0 for feature tasks.
	length int
	// load draws or reads the task's train, validation and test splits.
	load func(a taskArgs) (train.Data, error)
	// text, set exactly for text tasks, loads the text whose vocabulary encodes a language
	// model's tokens: `zoo sample` and the sample after training read it.
	text func(a taskArgs) (*datasets.Text, error)

	// Pair tasks.
	symbols symbolStyle
	// maxSrc and maxTgt, when set, are the padded source and target lengths whatever --bptt
	// says (the date formats have a longest form); otherwise they are --bptt and --bptt+1.
	maxSrc, maxTgt int
	// bleu: the task is scored by corpus BLEU too (natural-language sentences).
	bleu bool
}

// isText tells whether the task is a language model of a text.
func (t task) isText() bool { return t.kind == textTask }

// padded is the fixed shape of a pair task's graphs for --bptt length: the padded source and
// target lengths.
func (t task) padded(length int) (maxSrc, maxTgt int) {
	if t.maxSrc > 0 {
		return t.maxSrc, t.maxTgt
	}
	return length, length + 1
}

// tasks lists every task, grouped by kind in the order a model's --help lists them. Adding a
// task is adding an entry here: the models that train on its kind take it (see tasksOf).
var tasks = []task{
	// Feature vectors (mlp).
	{name: "spirals", about: "3 interleaved spiral arms in 2-D, 3 classes (3000 points, noise 0.2)", kind: featureTask,
		load: func(a taskArgs) (train.Data, error) {
			return split(datasets.Spirals(orDefault(a.N, 3000), datasets.SpiralsNoise, a.DataSeed), a.DataSeed, false)
		}},
	{name: "housing", about: "house prices from area, rooms, age, distance; known noise variance 0.0625 (5000 houses)", kind: featureTask,
		load: func(a taskArgs) (train.Data, error) {
			return split(datasets.Housing(orDefault(a.N, 5000), a.DataSeed), a.DataSeed, false)
		}},
	{name: "teacher", about: "MNIST-shaped Gaussian inputs (784) labelled by a random linear teacher, 10 classes (12000 examples)", kind: featureTask,
		load: func(a taskArgs) (train.Data, error) {
			return split(datasets.Teacher(orDefault(a.N, 12000), 784, 10, a.DataSeed), a.DataSeed, false)
		}},
	{name: "csv", about: "a table of yours: --data FILE --target COLUMN [--kind regression]; features standardised", kind: featureTask, load: loadCSV},
	{name: "mnist", about: "MNIST digits, downloaded into the cache on first use (55000 train / 5000 validation / 10000 test)", kind: featureTask, load: loadMNIST},

	// Texts (rnn, lstm, gru, transformer).
	textCorpus("opticks", "character-level language model of Newton's Opticks, shipped with Go (90% train / 10% validation)",
		func(taskArgs) (*datasets.Text, error) { return datasets.Opticks() }),
	textCorpus("text", "character-level language model of any UTF-8 text: --data FILE (last 10% for validation)", loadTextFile),
	textCorpus("shakespeare", "character-level language model of Karpathy's tiny-shakespeare (1,115,394 characters), downloaded into the cache on first use, SHA-256 checked (90% train / 10% validation)", loadShakespeare),

	// Words (rnn, lstm, gru, transformer).
	{name: "ptb", about: "word-level Penn Treebank of Mikolov/Zaremba (10,000 words), downloaded into the cache on first use, checksums checked; word-level perplexity; the recurrent models' defaults are the \"small\" LSTM of Zaremba et al. 2014 (2×200, 20 steps, SGD lr 1 halved each epoch after the 4th, 13 epochs)", kind: wordTask,
		length: 20, load: loadPTB},

	// Generated sequences (rnn, lstm, gru).
	generatedSeqs("adding", "the adding problem (Le et al. 2015): sum of the two marked values of --bptt steps; predicting 1 gives MSE 0.167",
		func(a taskArgs, n int, seed uint64) (datasets.Dataset, error) {
			return datasets.Adding(n, a.Length, seed)
		}),
	generatedSeqs("copy", "copy memory (Arjovsky et al. 2016): 10 symbols, --bptt blanks, then repeat the symbols",
		func(a taskArgs, n int, seed uint64) (datasets.Dataset, error) {
			return datasets.CopyMemory(n, 10, a.Length, seed)
		}),
	generatedSeqs("parity", "per-step classification: parity of the running count of ones over --bptt steps",
		func(a taskArgs, n int, seed uint64) (datasets.Dataset, error) {
			return datasets.RunningParity(n, a.Length, seed)
		}),

	// Source and target sequences (seq2seq, transformer-seq2seq).
	{name: "dates", about: "dates in 10 human formats (\"Nov 28, 2026\") to ISO \"2026-11-28\", 1000 held-out test dates (W6)", kind: pairTask,
		length: seq2seq.DateMaxSrc, symbols: characters, maxSrc: seq2seq.DateMaxSrc, maxTgt: seq2seq.DateMaxTgt,
		load: func(a taskArgs) (train.Data, error) {
			return seq2seq.DateSplits(orDefault(a.Examples, 96000), a.DataSeed)
		}},
	{name: "reverse", about: "reverse lists of 5 to --bptt symbols (10 symbols): the long-range seq2seq task", kind: pairTask,
		length: 40, load: lists(datasets.Reverse)},
	{name: "sort", about: "sort lists of 5 to --bptt symbols (10 symbols)", kind: pairTask,
		length: 40, load: lists(datasets.SortList)},
	{name: "pairs", about: "sentence pairs of a tab-separated file (Tatoeba/Anki): --data FILE, at most --bptt words a side, 80/10/10 split", kind: pairTask,
		length: 10, symbols: words, bleu: true, load: loadPairs},
}

// loadCSV reads the csv task: a table of the user's, with the target column named.
func loadCSV(a taskArgs) (train.Data, error) {
	if a.Data == "" || a.Target == "" {
		return train.Data{}, errors.New("--task csv needs --data FILE and --target COLUMN")
	}
	kind := datasets.Classification
	switch a.Kind {
	case "", "classification":
	case "regression":
		kind = datasets.Regression
	default:
		return train.Data{}, errors.Errorf("--kind %q: want classification or regression", a.Kind)
	}
	t, err := datasets.LoadCSV(a.Data, a.Target, kind)
	if err != nil {
		return train.Data{}, err
	}
	return split(t, a.DataSeed, true)
}

// loadMNIST reads MNIST, splitting its training set into 55000 train and 5000 validation digits.
func loadMNIST(a taskArgs) (train.Data, error) {
	tr, err := datasets.MNIST("train")
	if err != nil {
		return train.Data{}, err
	}
	te, err := datasets.MNIST("test")
	if err != nil {
		return train.Data{}, err
	}
	parts, err := datasets.Split(tr, nn.NewRNG(a.DataSeed, nn.StreamData, 0), 55.0/60, 5.0/60)
	if err != nil {
		return train.Data{}, err
	}
	return train.Data{Train: parts[0], Val: parts[1], Test: te}, nil
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// split shuffles ds with the data seed into 80% train, 10% validation and 10% test, standardising
// the features by the training split's statistics when standardize is set.
func split(ds datasets.Dataset, seed uint64, standardize bool) (train.Data, error) {
	parts, err := datasets.Split(ds, nn.NewRNG(seed, nn.StreamData, 0), 0.8, 0.1, 0.1)
	if err != nil {
		return train.Data{}, err
	}
	if standardize {
		st := datasets.FitStandardizer(parts[0])
		for i := range parts {
			if parts[i], err = st.Apply(parts[i]); err != nil {
				return train.Data{}, err
			}
		}
	}
	return train.Data{Train: parts[0], Val: parts[1], Test: parts[2]}, nil
}

// lookupTask returns the task named name, with an error naming the flag when there is none.
func lookupTask(name string) (task, error) {
	if t := taskNamed(name); t.name != "" {
		return t, nil
	}
	return task{}, errors.Errorf("--task %q: unknown task (valid: %s)", name, strings.Join(taskNames(), ", "))
}

// taskNamed returns the task named name, or the zero task (no sequence length, no text) when
// the table has none: the flags' defaults are chosen before the task is checked.
func taskNamed(name string) task {
	for _, t := range tasks {
		if t.name == name {
			return t
		}
	}
	return task{}
}

// tasksOf lists, in the table's order, the tasks of the given kinds: what a model trains on.
func tasksOf(kinds ...taskKind) []string {
	var names []string
	for _, t := range tasks {
		if slices.Contains(kinds, t.kind) {
			names = append(names, t.name)
		}
	}
	return names
}

// loadTask loads the task a names, with an error naming the flag when it is unknown.
func loadTask(a taskArgs) (train.Data, error) {
	t, err := lookupTask(a.Name)
	if err != nil {
		return train.Data{}, err
	}
	return t.load(a)
}

// taskNames lists every task by name, sorted.
func taskNames() []string {
	var names []string
	for _, t := range tasks {
		names = append(names, t.name)
	}
	sort.Strings(names)
	return names
}
