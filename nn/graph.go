package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Graph is one expression graph built for one batch shape and one mode. It binds the tensors of a
// Store (never copies of them), owns the inputs it is fed through, and runs on a TapeMachine that
// is compiled once and reused for every batch.
type Graph struct {
	// G is the underlying Gorgonia graph.
	G *G.ExprGraph
	// Train is true for a training graph (batch statistics, dropout masks, gradients).
	Train bool
	// N is the batch size the graph was built for.
	N int

	store  *Store
	bound  map[string]*G.Node
	learn  []*G.Node
	learnT []*Tensor
	before []func(*rand.Rand) error
	after  []func() error
	names  map[string]int

	feed            func(datasets.Batch) error
	loss, out       *G.Node
	lossVal, outVal G.Value
	vm              G.VM
	regs            *[]G.Value // the VM's CPU registers (nil where they cannot be reached)
	keep            []bool     // the registers whose values a run may take over from the last
	kept            []G.Value  // those registers' values after the last successful run
	grads           []gradSlot // the parameters' gradients where the graph keeps them (graph_grads.go)
}

// NewGraph starts an empty graph over the store's tensors for batches of n examples.
func NewGraph(s *Store, n int, train bool) *Graph {
	return &Graph{G: G.NewGraph(), Train: train, N: n, store: s, bound: map[string]*G.Node{}, names: map[string]int{}}
}

// Store is the store whose tensors the graph binds.
func (g *Graph) Store() *Store { return g.store }

// Dtype is the float type of the graph's values.
func (g *Graph) Dtype() tensor.Dtype { return g.store.dtype }

// unique returns name, or name#k when name is taken: Gorgonia merges input nodes of equal names.
func (g *Graph) unique(name string) string {
	k := g.names[name]
	g.names[name] = k + 1
	if k == 0 {
		return name
	}
	return fmt.Sprintf("%s#%d", name, k)
}

// Bind returns the graph's node for a store tensor, creating it on first use. The node's value is
// the store's tensor itself. Trainable tensors are differentiated in a training graph.
func (g *Graph) Bind(t *Tensor) *G.Node {
	if n, ok := g.bound[t.Name]; ok {
		return n
	}
	n := G.NewTensor(g.G, g.store.dtype, t.Value.Dims(), G.WithShape(t.Value.Shape().Clone()...),
		G.WithName(g.unique(t.Name)), G.WithValue(t.Value))
	g.bound[t.Name] = n
	if t.Trainable {
		g.learn = append(g.learn, n)
		g.learnT = append(g.learnT, t)
	}
	return n
}

// Scalar is a constant of the graph's dtype.
func (g *Graph) Scalar(v float64) *G.Node {
	if g.store.dtype == tensor.Float64 {
		return G.NewConstant(v)
	}
	return G.NewConstant(float32(v))
}

// Input is a node the graph is fed through, with the tensor it is fed from.
type Input struct {
	Node  *G.Node       // the graph's input node
	Value *tensor.Dense // what the node holds: Set writes it before a run
}

// Input adds a float input of the given shape, initially zero.
func (g *Graph) Input(name string, shape ...int) *Input {
	d := NewDense(g.store.dtype, shape, nil)
	n := G.NewTensor(g.G, g.store.dtype, len(shape), G.WithShape(shape...), G.WithName(g.unique(name)), G.WithValue(d))
	return &Input{Node: n, Value: d}
}

// IntInput adds an integer input (token indices) of the given shape, initially zero.
func (g *Graph) IntInput(name string, shape ...int) *Input {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]int, n)))
	node := G.NewTensor(g.G, tensor.Int, len(shape), G.WithShape(shape...), G.WithName(g.unique(name)), G.WithValue(d))
	return &Input{Node: node, Value: d}
}

// Set feeds float values (converted to the input's dtype).
func (in *Input) Set(vals []float64) error {
	if err := SetFloat64s(in.Value, vals); err != nil {
		return errors.Wrapf(err, "input %s", in.Node.Name())
	}
	return G.Let(in.Node, in.Value)
}

// SetInts feeds integer values.
func (in *Input) SetInts(vals []int) error {
	d, ok := intsOf(in.Value)
	if !ok || len(d) != len(vals) {
		return errors.Errorf("input %s: %d integers for an input of shape %v", in.Node.Name(), len(vals), in.Value.Shape())
	}
	copy(d, vals)
	return G.Let(in.Node, in.Value)
}

// OnFeed registers how a batch is fed into the graph's inputs.
func (g *Graph) OnFeed(f func(datasets.Batch) error) { g.feed = f }

// Feed puts a batch into the graph's inputs; its size must be the graph's N.
func (g *Graph) Feed(b datasets.Batch) error {
	if b.N != g.N {
		return errors.Errorf("nn: graph built for batches of %d, fed %d examples", g.N, b.N)
	}
	if g.feed == nil {
		return errors.New("nn: graph has no feed: the model must call OnFeed")
	}
	return g.feed(b)
}

// BeforeRun registers f to be called before every run with the run's generator (dropout masks).
func (g *Graph) BeforeRun(f func(rng *rand.Rand) error) { g.before = append(g.before, f) }

// AfterRun registers f to be called after every successful run (running statistics).
func (g *Graph) AfterRun(f func() error) { g.after = append(g.after, f) }

// SetOutputs names the scalar loss the graph minimises and, optionally, the node whose value the
// caller reads after a run (logits or predictions). Call it once, before the first Run. A graph
// that does not train may have no loss (SetOutputs(nil, out)): it computes out alone, and Loss is
// 0.
func (g *Graph) SetOutputs(loss, out *G.Node) {
	g.loss, g.out = loss, out
	if loss != nil {
		G.Read(loss, &g.lossVal)
	}
	if out != nil {
		G.Read(out, &g.outVal)
	}
}

// Compile differentiates the loss (training graphs) and builds the TapeMachine. Run calls it on
// first use; calling it earlier moves the cost out of the first step.
func (g *Graph) Compile() error {
	if g.vm != nil {
		return nil
	}
	if g.loss == nil && (g.Train || g.out == nil) {
		return errors.New("nn: graph has no loss: call SetOutputs before running it")
	}
	if g.Train && len(g.learn) > 0 {
		skipFedInputGradients(g.G, g.learn)
		if _, err := G.Grad(g.loss, g.learn...); err != nil {
			return errors.Wrap(err, "nn: differentiating the loss")
		}
		// A machine that binds the dual value of a node of another graph only: it adds into
		// none of the parameters' gradients, which the graph keeps itself.
		none := G.NewScalar(G.NewGraph(), g.store.dtype, G.WithName("nn.gradients"))
		g.vm = G.NewTapeMachine(g.G, G.BindDualValues(none))
		g.regs, g.keep = tapeRegisters(g.vm)
		var ok bool
		if g.grads, ok = g.newGradSlots(); !ok {
			g.vm = G.NewTapeMachine(g.G, G.BindDualValues(g.learn...))
			g.regs, g.keep = tapeRegisters(g.vm)
		}
		return nil
	}
	g.vm = G.NewTapeMachine(g.G)
	g.regs, g.keep = tapeRegisters(g.vm)
	return nil
}

// Run executes the graph once: the registered before-hooks (given rng, which may be nil for
// graphs without randomness), the forward pass and, in a training graph, the backward pass, which
// adds into the parameters' gradients (a solver step zeroes them), then the after-hooks. The
// caller feeds the inputs before calling Run.
func (g *Graph) Run(rng *rand.Rand) error {
	if err := g.Compile(); err != nil {
		return err
	}
	if err := g.Prepare(rng); err != nil {
		return err
	}
	g.vm.Reset()
	if g.regs != nil && len(g.kept) == len(*g.regs) {
		copy(*g.regs, g.kept) // the last run's values become this run's preallocated results
	}
	g.prepareGrads()
	if err := g.vm.RunAll(); err != nil {
		g.kept = nil
		return errors.Wrap(err, "nn: running the graph")
	}
	if err := g.finishGrads(); err != nil {
		g.kept = nil
		return err
	}
	if g.regs != nil && len(g.keep) == len(*g.regs) {
		g.kept = append(g.kept[:0], *g.regs...)
		for i, k := range g.keep {
			if !k {
				g.kept[i] = nil
			}
		}
	}
	for _, f := range g.after {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// Prepare calls the before-hooks with rng: it draws the run's dropout masks. Run calls it; a
// caller that runs the graph on another machine (a gradient check) calls it itself.
func (g *Graph) Prepare(rng *rand.Rand) error {
	for _, f := range g.before {
		if err := f(rng); err != nil {
			return err
		}
	}
	return nil
}

// Loss is the loss of the last run.
func (g *Graph) Loss() float64 {
	if g.lossVal == nil {
		return 0
	}
	switch v := g.lossVal.Data().(type) {
	case float64:
		return v
	case float32:
		return float64(v)
	}
	return Float64s(g.lossVal.(tensor.Tensor))[0]
}

// LossNode is the loss node named by SetOutputs.
func (g *Graph) LossNode() *G.Node { return g.loss }

// Output is the value of the output node after the last run; it aliases the VM's memory, so copy
// what must outlive the next run.
func (g *Graph) Output() tensor.Tensor {
	if g.outVal == nil {
		return nil
	}
	t, _ := g.outVal.(tensor.Tensor)
	return t
}

// Params returns the trainable store tensors the graph binds, in the order of ValueGrads.
func (g *Graph) Params() []*Tensor { return g.learnT }

// Nodes returns the graph's nodes of the trainable tensors, in the order of Params.
func (g *Graph) Nodes() []*G.Node { return g.learn }

// ValueGrads returns the parameters with their gradients, for a solver step.
func (g *Graph) ValueGrads() []G.ValueGrad { return G.NodesToValueGrads(g.learn) }

// Close releases the VM.
func (g *Graph) Close() error {
	g.kept = nil
	if g.vm != nil {
		return g.vm.Close()
	}
	return nil
}
