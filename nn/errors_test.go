package nn_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestFieldError(t *testing.T) {
	notFound := &fs.PathError{Op: "open", Path: "x.txt", Err: fs.ErrNotExist}
	for _, c := range []struct {
		err  error
		want string
	}{
		{nn.BadField("train.Config.Batch", 0, "must be positive"), "train.Config.Batch 0: must be positive"},
		{nn.BadField("transformer.Config.Positions", "rotary", "want %s or %s", "learned", "sinusoidal"), `transformer.Config.Positions "rotary": want learned or sinusoidal`},
		{nn.BadField("train.Config.LR", -0.5, "must be a positive number"), "train.Config.LR -0.5: must be a positive number"},
		{nn.BadField("seqmodel.Sampler.Generate(prime)", nil, "at least one character is needed"), "seqmodel.Sampler.Generate(prime): at least one character is needed"},
		{nn.WrapField(notFound, "train.Config.LogJSONL", nil), "train.Config.LogJSONL: open x.txt: file does not exist"},
		{nn.WrapField(errors.New("unknown"), "transformer.Config.Activation", "swish"), `transformer.Config.Activation "swish": unknown`},
		{&nn.FieldError{Field: "f", Value: 3, Msg: "too big", Err: errors.New("cause")}, "f 3: too big: cause"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	// Under any wrapping, errors.As finds the field and errors.Is the cause.
	err := fmt.Errorf("resume: %w", nn.WrapField(notFound, "train.Config.Resume", nil))
	var fe *nn.FieldError
	if !errors.As(err, &fe) || fe.Field != "train.Config.Resume" {
		t.Errorf("errors.As: %v", fe)
	}
	if !errors.Is(err, fs.ErrNotExist) || !os.IsNotExist(errors.Unwrap(errors.Unwrap(err))) {
		t.Errorf("errors.Is does not see the cause of %v", err)
	}
	if nn.WrapField(nil, "f", 1) != nil {
		t.Error("WrapField(nil) is not nil")
	}
}

// TestChain: the first error is kept, and from it on Do returns nil.
func TestChain(t *testing.T) {
	g := G.NewGraph()
	a := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("a"))
	b := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("b"))
	var c nn.Chain
	ab := c.Do(G.Mul(a, b))
	if c.Err != nil || ab == nil || !ab.Shape().Eq(tensor.Shape{2, 4}) {
		t.Fatalf("a·b: %v %v", ab, c.Err)
	}
	bad := c.Do(G.Add(a, b)) // (2, 3) + (3, 4)
	if bad != nil || c.Err == nil {
		t.Fatalf("a+b: node %v, error %v", bad, c.Err)
	}
	first := c.Err
	if n := c.Do(G.Mul(a, b)); n != nil || c.Err != first {
		t.Errorf("after the error: node %v, error %v (want nil and the first error)", n, c.Err)
	}
	if n := c.Do(nil, errors.New("second")); n != nil || c.Err != first {
		t.Errorf("a second error replaced the first: %v", c.Err)
	}
}

// A configuration field with a value it cannot take, as errors.As finds it under wrapping.
func ExampleFieldError() {
	err := fmt.Errorf("building the model: %w", nn.BadField("transformer.Config.Heads", 3, "must divide transformer.Config.D %d", 128))
	fmt.Println(err)
	var fe *nn.FieldError
	if errors.As(err, &fe) {
		fmt.Println(fe.Field, fe.Value)
	}
	// Output:
	// building the model: transformer.Config.Heads 3: must divide transformer.Config.D 128
	// transformer.Config.Heads 3
}

// TestErrorsSayNNOnce: an error made in one nn function and passed on by another says "nn:" once.
func TestErrorsSayNNOnce(t *testing.T) {
	s := nn.NewStore(tensor.Float32, 1)
	errs := map[string]error{}
	_, errs["FeedForwardActivation"] = nn.FeedForwardActivation("swish")
	_, errs["NewFeedForward"] = nn.NewFeedForward(s, "ff", 4, 8, "swish", 0)
	if _, err := nn.NewMultiHeadAttention(s, "a", 4, 2, 0); err != nil {
		t.Fatal(err)
	}
	_, errs["NewMultiHeadAttention"] = nn.NewMultiHeadAttention(s, "a", 4, 2, 0)
	if _, err := nn.NewLayerNorm(s, "ln", 4); err != nil {
		t.Fatal(err)
	}
	_, errs["NewLayerNorm"] = nn.NewLayerNorm(s, "ln", 4)
	for what, err := range errs {
		if err == nil || !strings.HasPrefix(err.Error(), "nn: ") || strings.Count(err.Error(), "nn:") != 1 {
			t.Errorf("%s: %v", what, err)
		}
	}
	if got, want := errs["NewFeedForward"].Error(), `nn: feed-forward "ff": unknown activation "swish" (valid: gelu, gelu_tanh, identity, relu, sigmoid, tanh)`; got != want {
		t.Errorf("NewFeedForward: %q, want %q", got, want)
	}
}
