package train

import (
	"sync"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Replicable is a model that can make copies of itself for data-parallel training: the same
// architecture with a parameter store of its own (Gorgonia's VMs transpose operands in place, so
// two VMs running at once must not share weight tensors).
type Replicable interface {
	Model
	// Replica returns a new model of the same configuration; the loop copies the parameters in.
	Replica() (Model, error)
}

// stepper runs the forward and backward pass of one training step, on the model's graph alone or
// split across data-parallel replicas. Afterwards the primary graph holds the gradients of the
// whole batch's mean loss.
type stepper struct {
	primary  *nn.Graph
	main     *nn.Store
	replicas []*replica
}

type replica struct {
	model Model
	gs    *Graphs
	g     *nn.Graph
}

// newStepper builds the training graph for batches of cfg.Batch examples, or cfg.Replicas graphs
// of cfg.Batch/cfg.Replicas examples each.
func newStepper(gs *Graphs, m Model, cfg Config) (*stepper, error) {
	r := max(cfg.Replicas, 1)
	if cfg.Batch%r != 0 {
		return nil, nn.BadField("train.Config.Replicas", r, "must divide train.Config.Batch %d", cfg.Batch)
	}
	g, err := gs.Get(cfg.Batch/r, true)
	if err != nil {
		return nil, err
	}
	s := &stepper{primary: g, main: m.Store()}
	if r == 1 {
		return s, nil
	}
	rm, ok := m.(Replicable)
	if !ok {
		return nil, nn.BadField("train.Config.Replicas", r, "this model cannot be replicated")
	}
	for i := 1; i < r; i++ {
		copyModel, err := rm.Replica()
		if err != nil {
			return nil, errors.Wrapf(err, "replica %d", i)
		}
		rep := &replica{model: copyModel, gs: NewGraphs(copyModel)}
		if rep.g, err = rep.gs.Get(cfg.Batch/r, true); err != nil {
			return nil, errors.Wrapf(err, "replica %d", i)
		}
		s.replicas = append(s.replicas, rep)
	}
	return s, s.sync()
}

// run feeds the examples idx of ds and computes the mean loss and its gradients. Replica k of R
// takes the k-th slice of idx and draws its dropout masks from counter step·R+k of the dropout
// stream (with one replica, counter step).
func (s *stepper) run(ds datasets.Dataset, idx []int, seed uint64, step int) (float64, error) {
	r := len(s.replicas) + 1
	if r == 1 {
		if err := s.primary.Feed(ds.Batch(idx)); err != nil {
			return 0, err
		}
		if err := s.primary.Run(stepRNG(seed, step)); err != nil {
			return 0, err
		}
		return s.primary.Loss(), nil
	}
	part := len(idx) / r
	graphs := append([]*nn.Graph{s.primary}, make([]*nn.Graph, 0, r-1)...)
	for _, rep := range s.replicas {
		graphs = append(graphs, rep.g)
	}
	errs := make([]error, r)
	var wg sync.WaitGroup
	for k, g := range graphs {
		wg.Add(1)
		go func(k int, g *nn.Graph) {
			defer wg.Done()
			if err := g.Feed(ds.Batch(idx[k*part : (k+1)*part])); err != nil {
				errs[k] = err
				return
			}
			errs[k] = g.Run(stepRNG(seed, step*r+k))
		}(k, g)
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return 0, errors.Wrapf(err, "replica %d", k)
		}
	}
	loss := 0.0
	for _, g := range graphs {
		loss += g.Loss()
	}
	return loss / float64(r), s.average(graphs)
}

// average sets the primary gradients to the mean over the replicas and zeroes the others.
func (s *stepper) average(graphs []*nn.Graph) error {
	inv := 1 / float64(len(graphs))
	main := s.primary.Nodes()
	for i, n := range main {
		dst, err := gradOf(n)
		if err != nil {
			return err
		}
		for _, g := range graphs[1:] {
			src, err := gradOf(g.Nodes()[i])
			if err != nil {
				return err
			}
			if err := addScaled(dst, src, inv, true); err != nil {
				return errors.Wrapf(err, "averaging the gradient of %s", n.Name())
			}
		}
		if err := addScaled(dst, nil, inv, false); err != nil {
			return err
		}
	}
	return nil
}

func gradOf(n *G.Node) (*tensor.Dense, error) {
	v, err := n.Grad()
	if err != nil {
		return nil, errors.Wrapf(err, "gradient of %s", n.Name())
	}
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("gradient of %s is a %T", n.Name(), v)
	}
	return d, nil
}

// addScaled adds src into dst and zeroes src (when add is set), or scales dst by s (otherwise).
func addScaled(dst, src *tensor.Dense, s float64, add bool) error {
	switch d := dst.Data().(type) {
	case []float32:
		if !add {
			for i := range d {
				d[i] *= float32(s)
			}
			return nil
		}
		o, ok := src.Data().([]float32)
		if !ok || len(o) != len(d) {
			return errors.New("replica gradients differ in type or size")
		}
		for i, v := range o {
			d[i] += v
			o[i] = 0
		}
	case []float64:
		if !add {
			for i := range d {
				d[i] *= s
			}
			return nil
		}
		o, ok := src.Data().([]float64)
		if !ok || len(o) != len(d) {
			return errors.New("replica gradients differ in type or size")
		}
		for i, v := range o {
			d[i] += v
			o[i] = 0
		}
	default:
		return errors.Errorf("gradient of dtype %v", dst.Dtype())
	}
	return nil
}

// sync copies the primary store (parameters and buffers) into every replica after a step. The
// buffers, such as BatchNorm's running statistics, thus follow the first replica's slices.
func (s *stepper) sync() error {
	for k, rep := range s.replicas {
		if err := rep.model.Store().CopyFrom(s.main); err != nil {
			return errors.Wrapf(err, "replica %d", k+1)
		}
	}
	return nil
}

func (s *stepper) close() {
	for _, rep := range s.replicas {
		rep.gs.Close()
	}
}
