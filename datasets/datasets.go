// Package datasets holds the data side of the zoo: the Dataset and Batch types, seeded shuffling and
// batching, train/validation/test splits, the embedded synthetic tasks and loaders for real files.
//
// It knows nothing of Gorgonia graphs: a Batch is plain Go slices, and the models turn it into
// tensors.
package datasets

// Kind says what a task asks a model to predict.
type Kind int

const (
	// Classification tasks carry integer class labels (Batch.Labels).
	Classification Kind = iota
	// Regression tasks carry real-valued targets (Batch.Y).
	Regression
	// Sequence tasks carry token sequences (Batch.Tokens and Batch.Targets).
	Sequence
)

// String names the kind as the command line and the logs spell it.
func (k Kind) String() string {
	switch k {
	case Classification:
		return "classification"
	case Regression:
		return "regression"
	case Sequence:
		return "sequence"
	}
	return "unknown"
}

// Info describes a dataset's shape: what its examples hold and what is to be predicted.
type Info struct {
	Name    string // short name, e.g. "spirals"
	Kind    Kind   // classification, regression or sequence
	Dim     int    // features per example (vector tasks)
	Classes int    // number of classes (classification) or vocabulary size (sequence)
	YDim    int    // targets per example (regression)
	// NoiseVar is the variance of the noise a synthetic regression generator adds to its targets:
	// the lowest mean squared error any model can reach. Zero when unknown.
	NoiseVar float64
}

// Batch is a set of examples gathered for one step, laid out row-major.
// Only the fields of the task's Kind are filled.
type Batch struct {
	N      int       // number of examples
	X      []float64 // inputs, N×Dim
	Dim    int       // features per example
	Y      []float64 // regression targets, N×YDim
	YDim   int       // targets per example
	Labels []int     // class labels, N

	// Sequence tasks: N sequences of T steps each, example-major (Tokens[n*T+t]).
	T       int
	Tokens  []int // input tokens, N×T
	Targets []int // target tokens, N×T
}

// Dataset is a finite, indexable set of examples.
type Dataset interface {
	// Info describes the examples.
	Info() Info
	// Len is the number of examples.
	Len() int
	// Batch gathers the examples at the given indices, in that order.
	Batch(indices []int) Batch
}
