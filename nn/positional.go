package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// SinusoidalTable returns the fixed positional encodings of Vaswani et al. (2017) as a row-major
// (t, d) table:
//
//	PE[p, 2i]   = sin(p / 10000^(2i/d))
//	PE[p, 2i+1] = cos(p / 10000^(2i/d))
//
// (for odd d the last column is a sine). Every value lies in [−1, 1]; row 0 alternates 0 and 1.
func SinusoidalTable(t, d int) []float64 {
	pe := make([]float64, t*d)
	for p := 0; p < t; p++ {
		for j := 0; j < d; j++ {
			i2 := j - j%2 // 2i
			angle := float64(p) / math.Pow(10000, float64(i2)/float64(d))
			if j%2 == 0 {
				pe[p*d+j] = math.Sin(angle)
			} else {
				pe[p*d+j] = math.Cos(angle)
			}
		}
	}
	return pe
}

// SinusoidalPositions adds the (t, d) table of SinusoidalTable to g as a constant input named
// "sinusoidal_positions" (no gradient flows into it). Add it to embeddings with AddPositions.
func SinusoidalPositions(g *Graph, t, d int) (*G.Node, error) {
	if t <= 0 || d <= 0 {
		return nil, errors.Errorf("nn: sinusoidal positions: length %d and dimension %d must be positive", t, d)
	}
	in := g.Input("sinusoidal_positions", t, d)
	if err := in.Set(SinusoidalTable(t, d)); err != nil {
		return nil, errors.Wrap(err, "nn: sinusoidal positions")
	}
	return in.Node, nil
}

// AddPositions adds a (T, D) table of positions to x, the (B·T, D) rows of batch sequences of T
// steps laid out batch-major (row b·T + t is step t of sequence b): every sequence gets the same
// table.
func AddPositions(x, pos *G.Node, batch int) (*G.Node, error) {
	if pos.Dims() != 2 || x.Dims() != 2 {
		return nil, errors.Errorf("nn: add positions: expects (B·T, D) rows and a (T, D) table, got %v and %v", x.Shape(), pos.Shape())
	}
	t, d := pos.Shape()[0], pos.Shape()[1]
	if batch <= 0 || x.Shape()[0] != batch*t || x.Shape()[1] != d {
		return nil, errors.Errorf("nn: add positions: %v rows are not %d sequences of a (%d, %d) table", x.Shape(), batch, t, d)
	}
	if batch == 1 {
		y, err := G.Add(pos, x)
		return y, errors.Wrap(err, "nn: add positions")
	}
	// One op (ops_positions.go) instead of a BroadcastAdd, which copies the table over the batch
	// into a new tensor on every run.
	y, err := addPositions(x, pos)
	return y, errors.Wrap(err, "nn: add positions")
}

// LearnedPositions is a trainable table of MaxLen position vectors, as torch.nn.Embedding(MaxLen,
// D) used for positions (GPT-2's wpe): the parameter NAME.weight, (MaxLen, D), initialised
// N(0, Std²). GPT-2 uses Std = 0.02; torch.nn.Embedding's own default is Std = 1.
type LearnedPositions struct {
	MaxLen, D int     // positions, and the width of a position's vector
	Weight    *Tensor // the table (MaxLen, D), NAME.weight
}

// NewLearnedPositions creates the (maxLen, d) table in s, initialised N(0, std²).
func NewLearnedPositions(s *Store, name string, maxLen, d int, std float64) (*LearnedPositions, error) {
	if maxLen <= 0 || d <= 0 || !(std >= 0) {
		return nil, errors.Errorf("nn: learned positions %s: length %d, dimension %d, std %v: need positive sizes and std ≥ 0", name, maxLen, d, std)
	}
	w, err := s.Add(name+".weight", []int{maxLen, d}, true, Normal(std))
	if err != nil {
		return nil, errors.Wrapf(err, "nn: learned positions %s", name)
	}
	return &LearnedPositions{MaxLen: maxLen, D: d, Weight: w}, nil
}

// Table returns the first t rows (positions 0..t−1) as a (t, D) node. They are gathered by index
// (never sliced), so any t ≤ MaxLen is safe; the gradient is a scatter-add into those rows.
func (lp *LearnedPositions) Table(g *Graph, t int) (*G.Node, error) {
	if t <= 0 || t > lp.MaxLen {
		return nil, errors.Errorf("nn: learned positions %s: %d positions, table holds %d", lp.Weight.Name, t, lp.MaxLen)
	}
	w := g.Bind(lp.Weight)
	if t == lp.MaxLen {
		return w, nil
	}
	idx := g.IntInput(lp.Weight.Name+".positions", t)
	ids := make([]int, t)
	for i := range ids {
		ids[i] = i
	}
	if err := idx.SetInts(ids); err != nil {
		return nil, errors.Wrapf(err, "nn: learned positions %s", lp.Weight.Name)
	}
	y, err := G.ByIndices(w, idx.Node, 0)
	return y, errors.Wrapf(err, "nn: learned positions %s", lp.Weight.Name)
}

// Forward adds positions 0..T−1 to x, the (B·T, D) rows of batch sequences of T steps laid out
// batch-major.
func (lp *LearnedPositions) Forward(g *Graph, x *G.Node, batch int) (*G.Node, error) {
	if x.Dims() != 2 || batch <= 0 || x.Shape()[0]%batch != 0 {
		return nil, errors.Errorf("nn: learned positions %s: %v rows are not %d sequences", lp.Weight.Name, x.Shape(), batch)
	}
	pos, err := lp.Table(g, x.Shape()[0]/batch)
	if err != nil {
		return nil, err
	}
	return AddPositions(x, pos, batch)
}
