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
	// Seq2Seq tasks carry variable-length source and target sequences (Batch.Src, Batch.Tgt and
	// Batch.TgtIn) for an encoder–decoder model.
	Seq2Seq
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
	case Seq2Seq:
		return "seq2seq"
	}
	return "unknown"
}

// Info describes a dataset's shape: what its examples hold and what is to be predicted.
type Info struct {
	Name    string // short name, e.g. "spirals"
	Kind    Kind   // classification, regression, sequence or seq2seq
	Dim     int    // features per example (vector tasks) or per step (real-valued sequences, T > 0)
	Classes int    // number of classes (classification), of target symbols (sequence, seq2seq)
	YDim    int    // targets per example (regression)
	// T is the number of steps of every example of a fixed-length sequence task: the length of the
	// token windows of a language model, the steps of the adding problem. It is 0 for vector tasks
	// and for tasks whose examples differ in length (seq2seq).
	T int
	// Vocab maps the input token ids of a token task (Batch.Tokens, Batch.Src) to symbols; nil when
	// the inputs are real-valued.
	Vocab *Vocabulary
	// TgtVocab maps target ids (Batch.Targets, Batch.Tgt, Batch.TgtIn) to symbols. Seq2seq tasks
	// always set it (Classes is then TgtVocab.Size()); sequence tasks set it when their targets are
	// not drawn from Vocab, and leave it nil when they are (then Classes is Vocab.Size()).
	TgtVocab *Vocabulary
	// NoiseVar is the variance of the noise a synthetic regression generator adds to its targets:
	// the lowest mean squared error any model can reach. Zero when unknown.
	NoiseVar float64
}

// Batch is a set of examples gathered for one step, laid out row-major (example-major).
// Only the fields of the task's Kind are filled.
//
// Real-valued sequences (the adding problem): T > 0 and X holds N×T×Dim values, X[(n*T+t)*Dim+f]
// being feature f of step t of example n; Y holds the N×YDim targets of the last step.
//
// Token sequences (Kind Sequence): Tokens and Targets hold N×T ids, Tokens[n*T+t] being step t of
// example n; Targets[n*T+t] is what the model should output after reading Tokens[n*T+t] (for a
// language model, the next token: Targets[n*T+t] = Tokens[n*T+t+1] within a window).
//
// Sequence-to-sequence (Kind Seq2Seq), with PAD, BOS and EOS the ids Info.Vocab.PAD (source) and
// Info.TgtVocab.PAD/BOS/EOS (target): example n has source x_1…x_S (S = SrcLen[n]) and target
// y_1…y_L (L = TgtLen[n]−1). Then
//
//	Src[n*SrcT+j]   = x_{j+1} for j < S, PAD after; SrcT = max SrcLen (no BOS or EOS in the source)
//	Tgt[n*TgtT+t]   = y_{t+1} for t < L, EOS at t = L, PAD after        (decoder outputs)
//	TgtIn[n*TgtT+t] = BOS at t = 0, y_t for 1 ≤ t ≤ L, PAD after        (teacher-forced inputs)
//
// with TgtT = max TgtLen: TgtIn is Tgt shifted right by one behind BOS, so the decoder reads
// TgtIn[t] and is scored on Tgt[t] for t < TgtLen[n]; the positions from TgtLen[n] on are padding
// and are not to be scored.
type Batch struct {
	N      int       // number of examples
	X      []float64 // inputs, N×Dim, or N×T×Dim for real-valued sequences
	Dim    int       // features per example, or per step of a real-valued sequence
	Y      []float64 // regression targets, N×YDim
	YDim   int       // targets per example
	Labels []int     // class labels, N

	// Sequence tasks: N sequences of T steps each, example-major (Tokens[n*T+t]).
	T       int
	Tokens  []int // input tokens, N×T
	Targets []int // target tokens, N×T
	// Scored, when between 1 and T−1, says that only the first Scored steps of every sequence
	// are real and scored: the rest pad the last, partial batch of a stream to T steps
	// (BPTTStream.EvalExamples). 0 means all T steps are.
	Scored int

	// Sequence-to-sequence tasks: padded to the batch's longest source and target.
	SrcT   int   // steps of the padded source: the longest SrcLen
	Src    []int // source tokens, N×SrcT, PAD-padded
	SrcLen []int // source lengths, N
	TgtT   int   // steps of the padded target: the longest TgtLen
	Tgt    []int // decoder targets, N×TgtT: y_1…y_L EOS PAD…
	TgtIn  []int // decoder inputs, N×TgtT: BOS y_1…y_L PAD…
	TgtLen []int // target lengths including EOS (L+1), N
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
