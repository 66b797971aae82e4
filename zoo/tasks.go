package main

import (
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
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

	// DataSize and DataSHA256 identify the contents of Data when the model was trained, so that
	// the checkpoint is not evaluated on another file (its vocabulary, classes and
	// standardisation come from the file).
	DataSize   int64  `json:"data_size,omitempty"`
	DataSHA256 string `json:"data_sha256,omitempty"`
}

// task is one entry of the task table.
type task struct {
	about string
	load  func(a taskArgs) (train.Data, error)
}

// tasks lists every task by its --task name.
var tasks = map[string]task{
	"spirals": {"3 interleaved spiral arms in 2-D, 3 classes (3000 points, noise 0.2)", func(a taskArgs) (train.Data, error) {
		return split(datasets.Spirals(orDefault(a.N, 3000), datasets.SpiralsNoise, a.DataSeed), a.DataSeed, false)
	}},
	"housing": {"house prices from area, rooms, age, distance; known noise variance 0.0625 (5000 houses)", func(a taskArgs) (train.Data, error) {
		return split(datasets.Housing(orDefault(a.N, 5000), a.DataSeed), a.DataSeed, false)
	}},
	"teacher": {"MNIST-shaped Gaussian inputs (784) labelled by a random linear teacher, 10 classes (12000 examples)", func(a taskArgs) (train.Data, error) {
		return split(datasets.Teacher(orDefault(a.N, 12000), 784, 10, a.DataSeed), a.DataSeed, false)
	}},
	"csv": {"a table of yours: --data FILE --target COLUMN [--kind regression]; features standardised", func(a taskArgs) (train.Data, error) {
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
	}},
	"mnist": {"MNIST digits, downloaded into the cache on first use (55000 train / 5000 validation / 10000 test)", func(a taskArgs) (train.Data, error) {
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
	}},
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

// loadTask loads the task a names, with an error naming the flag when it is unknown.
func loadTask(a taskArgs) (train.Data, error) {
	t, ok := tasks[a.Name]
	if !ok {
		return train.Data{}, errors.Errorf("--task %q: unknown task (valid: %s)", a.Name, strings.Join(taskNames(), ", "))
	}
	return t.load(a)
}

func taskNames() []string {
	var names []string
	for n := range tasks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
