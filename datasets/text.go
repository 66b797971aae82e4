package datasets

import (
	"go/build"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// TextTrainFrac is the share of a text used for training: the first int(0.9·n) tokens train, the
// rest validate (the split of the reference language-model runs).
const TextTrainFrac = 0.9

// OpticksPath returns the path of Isaac Newton's Opticks as shipped with the Go distribution,
// $GOROOT/src/testdata/Isaac.Newton-Opticks.txt (567 198 bytes, 93 distinct bytes): the default
// character-level corpus, needing no download. GOROOT is what `go env GOROOT` prints (the Go
// installation of the go command on $PATH, or $GOROOT), or, when there is no go command,
// go/build's default ($GOROOT, else the root the program was built with). It is found once per
// process. It does not check that the file exists.
func OpticksPath() (string, error) {
	root, err := goroot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "src", "testdata", "Isaac.Newton-Opticks.txt"), nil
}

// goroot finds GOROOT once: runtime.GOROOT is deprecated because the root a binary was built with
// need not exist where it runs; the go command knows its own.
var goroot = sync.OnceValues(func() (string, error) {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if root := strings.TrimSpace(string(out)); root != "" {
			return root, nil
		}
	}
	if build.Default.GOROOT != "" {
		return build.Default.GOROOT, nil
	}
	return "", errors.New("opticks: no GOROOT: `go env GOROOT` failed and $GOROOT is not set")
})

// Opticks loads the text at OpticksPath.
func Opticks() (*Text, error) {
	p, err := OpticksPath()
	if err != nil {
		return nil, err
	}
	return LoadText(p)
}

// Text is a corpus for character-level (byte-level) language models. Its vocabulary is the
// distinct bytes of the corpus in increasing byte order: id i is the i-th smallest byte value that
// occurs, and Vocab.Symbol(i) is that byte as a one-byte string. Tokens is the whole corpus
// encoded, one id per byte.
type Text struct {
	Name   string      // what the text is called (its file's name)
	Vocab  *Vocabulary // its distinct bytes, in increasing order
	Tokens []int       // the whole text encoded, one id per byte
	id     [256]int    // id of each byte value, −1 when absent
	bytes  []byte      // byte value of each id
}

// LoadText reads the file at path as a Text named after the file.
func LoadText(path string) (*Text, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "load text")
	}
	t, err := NewText(filepath.Base(path), data)
	if err != nil {
		return nil, errors.Wrapf(err, "load text %s", path)
	}
	return t, nil
}

// NewText builds a Text from data; it is an error for data to be empty.
func NewText(name string, data []byte) (*Text, error) {
	if len(data) == 0 {
		return nil, errors.Errorf("text %q: no data", name)
	}
	var seen [256]bool
	for _, b := range data {
		seen[b] = true
	}
	t := &Text{Name: name, Tokens: make([]int, len(data))}
	var syms []string
	for v := 0; v < 256; v++ {
		t.id[v] = -1
		if seen[v] {
			t.id[v] = len(t.bytes)
			t.bytes = append(t.bytes, byte(v))
			syms = append(syms, string([]byte{byte(v)}))
		}
	}
	voc, err := NewVocabulary(syms)
	if err != nil {
		return nil, errors.Wrapf(err, "text %q", name)
	}
	// One-byte symbols never collide with the special symbols, but a text could hold none of
	// them anyway: a byte vocabulary has no special ids.
	voc.PAD, voc.BOS, voc.EOS, voc.UNK = -1, -1, -1, -1
	t.Vocab = voc
	for i, b := range data {
		t.Tokens[i] = t.id[b]
	}
	return t, nil
}

// Encode maps bytes to ids; a byte the corpus does not hold is an error naming it and its offset.
func (t *Text) Encode(data []byte) ([]int, error) {
	ids := make([]int, len(data))
	for i, b := range data {
		if t.id[b] < 0 {
			return nil, errors.Errorf("text %q: byte %#02x (%q) at offset %d is not in the vocabulary", t.Name, b, b, i)
		}
		ids[i] = t.id[b]
	}
	return ids, nil
}

// Decode maps ids back to bytes; an id outside the vocabulary is an error naming its position.
func (t *Text) Decode(ids []int) ([]byte, error) {
	out := make([]byte, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(t.bytes) {
			return nil, errors.Errorf("text %q: id %d at position %d is outside [0, %d)", t.Name, id, i, len(t.bytes))
		}
		out[i] = t.bytes[id]
	}
	return out, nil
}

// Split cuts Tokens into a training part, the first int(trainFrac·n) tokens, and a validation
// part, the rest (the parts share Tokens' storage). Split(TextTrainFrac) of the Opticks gives
// 510 478 and 56 720 tokens. trainFrac is clamped to [0, 1].
func (t *Text) Split(trainFrac float64) (train, valid []int) {
	trainFrac = min(max(trainFrac, 0), 1)
	n := int(trainFrac * float64(len(t.Tokens)))
	return t.Tokens[:n:n], t.Tokens[n:]
}

// WindowSet is a dataset of fixed-length windows of a token stream for a language model: example
// i holds the T tokens from offset Start(i) as inputs and the T tokens one further on as targets,
//
//	Tokens[i][t]  = tokens[Start(i)+t]
//	Targets[i][t] = tokens[Start(i)+t+1],   t = 0…T−1,
//
// so every window reads T+1 consecutive tokens. Each window is meant to be run from a zero state.
// Info: Kind Sequence, T, Vocab, Classes = Vocab.Size().
type WindowSet struct {
	info   Info
	tokens []int
	stride int   // Start(i) = i·stride when starts is nil
	starts []int // drawn offsets (RandomWindows)
	n      int
}

func windowInfo(name string, vocab *Vocabulary, T int) Info {
	return Info{Name: name, Kind: Sequence, Classes: vocab.Size(), T: T, Vocab: vocab}
}

func checkWindowArgs(what string, tokens []int, vocab *Vocabulary, T int) error {
	if vocab == nil {
		return errors.Errorf("%s: no vocabulary", what)
	}
	if T < 1 {
		return errors.Errorf("%s: window length T = %d; want at least 1", what, T)
	}
	if len(tokens) < T+1 {
		return errors.Errorf("%s: %d tokens are too few for one window of T = %d (T+1 tokens)", what, len(tokens), T)
	}
	return checkTokens(what, tokens, vocab.Size())
}

// Windows returns the windows at offsets 0, stride, 2·stride, … that fit in tokens:
// (len(tokens)−T−1)/stride + 1 of them, the last tokens being left out when they do not fill one.
// With stride = T the windows do not overlap and every token from the second to the last scored
// one is a target exactly once: the validation scheme of the reference runs, 886 windows of 64
// (56 704 targets) on the last 10% of the Opticks (56 720 tokens).
//
// It is an error for T or stride to be below 1, for tokens to hold fewer than T+1 ids, or for an id
// to lie outside the vocabulary.
func Windows(tokens []int, vocab *Vocabulary, T, stride int) (*WindowSet, error) {
	if err := checkWindowArgs("windows", tokens, vocab, T); err != nil {
		return nil, err
	}
	if stride < 1 {
		return nil, errors.Errorf("windows: stride %d; want at least 1", stride)
	}
	return &WindowSet{
		info:   windowInfo("windows", vocab, T),
		tokens: tokens,
		stride: stride,
		n:      (len(tokens)-T-1)/stride + 1,
	}, nil
}

// RandomWindows returns n windows at random offsets, each drawn uniformly from 0…len(tokens)−T−1
// (every offset whose T+1 tokens fit), independently, with a generator seeded by seed: the training
// batches of the reference runs, where each step takes B fresh windows. Taking its examples in order
// (Epoch with a nil generator) batch k holds windows kB…kB+B−1, as if each step drew its own. The
// offsets are the ones NewWindowSampler with the same seed draws, in the same order. Errors as for
// Windows; n below 0 is treated as 0.
func RandomWindows(tokens []int, vocab *Vocabulary, T, n int, seed uint64) (*WindowSet, error) {
	if err := checkWindowArgs("random windows", tokens, vocab, T); err != nil {
		return nil, err
	}
	n = max(n, 0)
	rng := rand.New(rand.NewPCG(seed, streamWindows))
	starts := make([]int, n)
	for i := range starts {
		starts[i] = rng.IntN(len(tokens) - T)
	}
	return &WindowSet{info: windowInfo("random-windows", vocab, T), tokens: tokens, starts: starts, n: n}, nil
}

// Info describes the windows.
func (w *WindowSet) Info() Info { return w.info }

// Len is the number of windows.
func (w *WindowSet) Len() int { return w.n }

// Start returns the offset in the token stream of window i.
func (w *WindowSet) Start(i int) int {
	if w.starts != nil {
		return w.starts[i]
	}
	return i * w.stride
}

// Batch gathers the windows at the given indices (layout: see WindowSet and Batch). It panics on
// an index outside [0, Len()), as slice indexing does.
func (w *WindowSet) Batch(indices []int) Batch {
	starts := make([]int, len(indices))
	for k, i := range indices {
		if i < 0 || i >= w.n {
			panic(errors.Errorf("windows: index %d outside [0, %d)", i, w.n))
		}
		starts[k] = w.Start(i)
	}
	return windowBatch(w.tokens, w.info.T, starts)
}

func windowBatch(tokens []int, T int, starts []int) Batch {
	n := len(starts)
	b := Batch{N: n, T: T, Tokens: make([]int, n*T), Targets: make([]int, n*T)}
	for k, s := range starts {
		copy(b.Tokens[k*T:(k+1)*T], tokens[s:s+T])
		copy(b.Targets[k*T:(k+1)*T], tokens[s+1:s+T+1])
	}
	return b
}

// WindowSampler draws batches of windows at random offsets without end, for training by steps
// rather than epochs. Its offsets are those of RandomWindows with the same arguments.
type WindowSampler struct {
	info   Info
	tokens []int
	rng    *rand.Rand
}

// NewWindowSampler returns a sampler of windows of T tokens (and T targets) of tokens. Errors as
// for Windows.
func NewWindowSampler(tokens []int, vocab *Vocabulary, T int, seed uint64) (*WindowSampler, error) {
	if err := checkWindowArgs("window sampler", tokens, vocab, T); err != nil {
		return nil, err
	}
	return &WindowSampler{
		info:   windowInfo("random-windows", vocab, T),
		tokens: tokens,
		rng:    rand.New(rand.NewPCG(seed, streamWindows)),
	}, nil
}

// Info describes the windows.
func (s *WindowSampler) Info() Info { return s.info }

// Next draws the next n windows (n below 0 is treated as 0).
func (s *WindowSampler) Next(n int) Batch {
	starts := make([]int, max(n, 0))
	for i := range starts {
		starts[i] = s.rng.IntN(len(s.tokens) - s.info.T)
	}
	return windowBatch(s.tokens, s.info.T, starts)
}

// BPTTStream is a token stream cut for truncated backpropagation through time with the hidden
// state carried from batch to batch (the batchify layout of PyTorch's word_language_model). The
// tokens are cut into B streams of L = len(tokens)/B consecutive tokens (the last len(tokens) mod B
// tokens are left out): stream j is tokens[j·L : (j+1)·L]. Batch k holds positions k·T…k·T+T−1 of
// every stream as inputs and the positions one further on as targets:
//
//	Tokens[j*T+t]  = tokens[j·L + k·T + t]
//	Targets[j*T+t] = tokens[j·L + k·T + t + 1],   j = 0…B−1, t = 0…T−1,
//
// so row j of batch k+1 continues row j of batch k: run the batches in order and carry each row's
// hidden state into the next batch (detached from the graph). There are Len() = (L−1)/T batches,
// all of T steps; the last L−1−Len()·T targets of each stream, fewer than T, are left out.
type BPTTStream struct {
	info   Info
	tokens []int
	b, l   int
}

// Stream cuts tokens into B streams and batches of T steps (see BPTTStream). It is an error for B
// or T to be below 1, for the streams to be too short for one batch (len(tokens)/B < T+1), or for
// an id to lie outside the vocabulary.
func Stream(tokens []int, vocab *Vocabulary, B, T int) (*BPTTStream, error) {
	if vocab == nil {
		return nil, errors.New("stream: no vocabulary")
	}
	if B < 1 || T < 1 {
		return nil, errors.Errorf("stream: B = %d streams and T = %d steps; want both at least 1", B, T)
	}
	l := len(tokens) / B
	if l < T+1 {
		return nil, errors.Errorf("stream: %d tokens in %d streams give %d per stream, too few for T = %d (T+1 needed)", len(tokens), B, l, T)
	}
	if err := checkTokens("stream", tokens[:B*l], vocab.Size()); err != nil {
		return nil, err
	}
	return &BPTTStream{info: windowInfo("stream", vocab, T), tokens: tokens[:B*l], b: B, l: l}, nil
}

// Info describes the batches: Kind Sequence, T, Vocab.
func (s *BPTTStream) Info() Info { return s.info }

// Len is the number of batches.
func (s *BPTTStream) Len() int { return (s.l - 1) / s.info.T }

// Streams is B, the number of rows of every batch.
func (s *BPTTStream) Streams() int { return s.b }

// Batch returns batch k, 0 ≤ k < Len(); it panics on another k.
func (s *BPTTStream) Batch(k int) Batch {
	if k < 0 || k >= s.Len() {
		panic(errors.Errorf("stream: batch %d outside [0, %d)", k, s.Len()))
	}
	starts := make([]int, s.b)
	for j := range starts {
		starts[j] = j*s.l + k*s.info.T
	}
	return windowBatch(s.tokens, s.info.T, starts)
}

// sortedKeys returns the keys of m in increasing order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Examples returns the stream as a Dataset of Len()·B windows, example k·B+j being row j of batch
// k: taken in order (train.Config.Sequential) in batches of B, it yields exactly the batches of
// Batch(0), Batch(1), ….
func (s *BPTTStream) Examples() Dataset { return streamExamples{s} }

type streamExamples struct{ s *BPTTStream }

// StreamSet is a Dataset whose examples are the rows of a stream's consecutive batches (see
// BPTTStream.EvalExamples): example k·S+j is row j of batch k, and row j of batch k+1 continues
// row j of batch k. It is evaluated in order, in batches of exactly Streams() examples, by a
// model that carries each row's state from one batch into the next and starts every pass from
// a zero state (train.Evaluate does so).
type StreamSet interface {
	Dataset
	// Streams is S, the examples of every batch.
	Streams() int
}

// EvalExamples returns the stream as a StreamSet for scoring a language model with its state
// carried through each stream, as PyTorch's word_language_model evaluates: the batches of
// Examples, then, when the streams' last targets do not fill T steps, one more batch of the
// rest, padded to T steps, whose Batch.Scored says how many are real. Every target of every
// stream, tokens[j·L+1 … (j+1)·L−1], is then scored exactly once; with B = 1 that is every
// token of tokens but the first.
func (s *BPTTStream) EvalExamples() StreamSet {
	n := (s.l - 1 + s.info.T - 1) / s.info.T
	return evalStream{s: s, n: n}
}

// evalStream is BPTTStream.EvalExamples: n batches, the last one possibly padded.
type evalStream struct {
	s *BPTTStream
	n int
}

func (e evalStream) Info() Info   { return e.s.info }
func (e evalStream) Len() int     { return e.n * e.s.b }
func (e evalStream) Streams() int { return e.s.b }
func (e evalStream) Batch(indices []int) Batch {
	T := e.s.info.T
	b := Batch{N: len(indices), T: T, Tokens: make([]int, len(indices)*T), Targets: make([]int, len(indices)*T)}
	for i, x := range indices {
		if x < 0 || x >= e.Len() {
			panic(errors.Errorf("stream: example %d outside [0, %d)", x, e.Len()))
		}
		start := (x%e.s.b)*e.s.l + (x/e.s.b)*T
		end := (x%e.s.b+1)*e.s.l - 1 // the stream's last target is tokens[end]
		k := min(T, end-start)
		copy(b.Tokens[i*T:i*T+k], e.s.tokens[start:start+k])
		copy(b.Targets[i*T:i*T+k], e.s.tokens[start+1:start+k+1])
		if k < T {
			b.Scored = k
		}
	}
	return b
}

func (e streamExamples) Info() Info { return e.s.info }
func (e streamExamples) Len() int   { return e.s.Len() * e.s.b }
func (e streamExamples) Batch(indices []int) Batch {
	starts := make([]int, len(indices))
	for i, x := range indices {
		starts[i] = (x%e.s.b)*e.s.l + (x/e.s.b)*e.s.info.T
	}
	return windowBatch(e.s.tokens, e.s.info.T, starts)
}
