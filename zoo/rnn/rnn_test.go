package rnn_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// refStep is the plain-Go step h = act(x·W_ih + b_ih + h·W_hh + b_hh).
func refStep(store *nn.Store, name string, act func(float64) float64) rectest.RefStep {
	return func(l int, x []float64, state [][]float64) [][]float64 {
		p := func(s string) *nn.Tensor { return store.Get(name + "." + s + recurrent.LayerSuffix(l)) }
		wih := p("weight_ih").Value
		in, hid := wih.Shape()[0], wih.Shape()[1]
		b := len(state[0]) / hid
		xi := rectest.Affine(x, b, in, nn.Float64s(wih), nn.Float64s(p("bias_ih").Value))
		hh := rectest.Affine(state[0], b, hid, nn.Float64s(p("weight_hh").Value), nn.Float64s(p("bias_hh").Value))
		h := make([]float64, len(xi))
		for i := range h {
			h[i] = act(xi[i] + hh[i])
		}
		return [][]float64{h}
	}
}

func relu(v float64) float64 { return math.Max(v, 0) }

func newNet(t testing.TB, act string, in, hidden, layers, T, B int) *rectest.Net {
	return rectest.NewNet(t, tensor.Float64, T, B, false, func(s *nn.Store) (*recurrent.Stack, error) {
		return rnn.New(s, "rnn", in, hidden, rnn.Config{Layers: layers, Activation: act})
	})
}

// TestGradCheckH300 checks the symbolic gradients of 2-layer tanh and ReLU networks unrolled 6
// steps at H=300 against central differences, for every parameter, input step and initial state.
func TestGradCheckH300(t *testing.T) {
	for _, act := range []string{"tanh", "relu"} {
		t.Run(act, func(t *testing.T) {
			rectest.CheckGrad(t, newNet(t, act, 16, 300, 2, 6, 3), 4, 11, 1e-4)
		})
	}
}

// TestForwardMatchesReference compares 2-layer networks at H=300 over T·B = 320 rows with the
// plain-Go loop.
func TestForwardMatchesReference(t *testing.T) {
	for act, f := range map[string]func(float64) float64{"tanh": math.Tanh, "relu": relu} {
		t.Run(act, func(t *testing.T) {
			net := newNet(t, act, 16, 300, 2, 40, 8)
			res, err := net.Run(false)
			if err != nil {
				t.Fatal(err)
			}
			xs, init := net.Values()
			out, final := rectest.RefForward(2, xs, init, refStep(net.Store, "rnn", f))
			if d := rectest.MaxDiff(res.Out, out); d > 1e-10 {
				t.Errorf("outputs differ from the reference by %.3g", d)
			}
			for l := range final {
				if d := rectest.MaxDiff(res.Final[l][0], final[l][0]); d > 1e-10 {
					t.Errorf("final state of layer %d differs from the reference by %.3g", l, d)
				}
			}
		})
	}
}

// TestGolden compares outputs, final states and all gradients with torch.nn.RNN (float64), for
// the fused layers and the per-formula graph.
func TestGolden(t *testing.T) {
	for _, impl := range []string{recurrent.ImplFused, recurrent.ImplGraph} {
		for name, act := range map[string]string{"rnn_tanh_l1": "tanh", "rnn_tanh_l2": "tanh", "rnn_relu_l2": "relu", "rnn_tanh_h300": "tanh"} {
			t.Run(impl+"/"+name, func(t *testing.T) {
				rectest.Golden(t, name, 1e-5, func(s *nn.Store, in, hidden, layers int) (*recurrent.Stack, error) {
					st, err := rnn.New(s, "m", in, hidden, rnn.Config{Layers: layers, Activation: act})
					if st != nil {
						st.Impl = impl
					}
					return st, err
				})
			})
		}
	}
}

// TestParams checks PyTorch's names and layouts.
func TestParams(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 1)
	if _, err := rnn.NewCell(store, "c", 3, 5, ""); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{"c.weight_ih": {3, 5}, "c.weight_hh": {5, 5}, "c.bias_ih": {1, 5}, "c.bias_hh": {1, 5}}
	if len(store.Params()) != len(want) {
		t.Fatalf("%d parameters, want %d", len(store.Params()), len(want))
	}
	for name, shape := range want {
		p := store.Get(name)
		if p == nil || !p.Value.Shape().Eq(tensor.Shape(shape)) || p.Transposed != strings.Contains(name, "weight") {
			t.Errorf("%s: %+v, want shape %v", name, p, shape)
		}
	}
}

// TestErrors checks that malformed configurations and inputs are reported, not panicked on.
func TestErrors(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 1)
	if _, err := rnn.New(store, "r", 3, 4, rnn.Config{Activation: "sigmoid"}); err == nil || !strings.Contains(err.Error(), "tanh or relu") {
		t.Errorf("activation sigmoid: err = %v", err)
	}
	cell, err := rnn.NewCell(store, "c", 3, 4, "relu")
	if err != nil {
		t.Fatal(err)
	}
	g := nn.NewGraph(store, 2, false)
	x, h := g.Input("x", 2, 3), g.Input("h", 3, 4)
	if _, _, err := cell.Step(g, x.Node, []*G.Node{h.Node}); err == nil {
		t.Error("a state of batch 3 accepted for inputs of batch 2")
	}
	if _, _, err := cell.Step(g, nil, []*G.Node{h.Node}); err == nil {
		t.Error("nil input accepted")
	}
}
