package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
)

// Embedding maps token indices to learned vectors, as torch.nn.Embedding: row v of the table
// (Num, Dim), named NAME.weight and initialised N(0, 1), is the vector of token v. Its gradient is
// a scatter-add into the rows that were looked up.
type Embedding struct {
	Num, Dim int     // tokens, and the width of a token's vector
	Weight   *Tensor // the table (Num, Dim), NAME.weight
}

// NewEmbedding creates the (num, dim) table in s under name.
func NewEmbedding(s *Store, name string, num, dim int) (*Embedding, error) {
	if num <= 0 || dim <= 0 {
		return nil, errors.Errorf("nn: embedding %s: %d tokens of dimension %d, both must be positive", name, num, dim)
	}
	w, err := s.Add(name+".weight", []int{num, dim}, true, Normal(1))
	if err != nil {
		return nil, err
	}
	return &Embedding{Num: num, Dim: dim, Weight: w}, nil
}

// Forward looks up the rows of an integer index vector idx (N) and returns them as (N, Dim).
// Indices are not checked here: feed them through a TokenInput, which does.
func (e *Embedding) Forward(g *Graph, idx *G.Node) (*G.Node, error) {
	if idx == nil || idx.Dims() != 1 {
		return nil, errors.Errorf("nn: embedding %s expects an index vector", e.Weight.Name)
	}
	y, err := EmbeddingLookup(g.Bind(e.Weight), idx)
	return y, errors.Wrapf(err, "nn: embedding %s", e.Weight.Name)
}

// TokenInput is an integer input of n token indices that refuses indices outside the table.
type TokenInput struct {
	*Input
	num int
}

// Lookup adds an input of n token indices, named name, and returns it with its (n, Dim) vectors.
func (e *Embedding) Lookup(g *Graph, name string, n int) (*TokenInput, *G.Node, error) {
	if n <= 0 {
		return nil, nil, errors.Errorf("nn: embedding %s: lookup of %d tokens", e.Weight.Name, n)
	}
	in := g.IntInput(name, n)
	y, err := e.Forward(g, in.Node)
	if err != nil {
		return nil, nil, err
	}
	return &TokenInput{Input: in, num: e.Num}, y, nil
}

// Set feeds the token indices; an index outside [0, Num) is an error naming its position.
func (t *TokenInput) Set(ids []int) error {
	for i, v := range ids {
		if v < 0 || v >= t.num {
			return errors.Errorf("nn: token %d at position %d of input %s outside the vocabulary [0, %d)", v, i, t.Node.Name(), t.num)
		}
	}
	return t.SetInts(ids)
}
