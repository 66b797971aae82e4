package gru_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// refStep is the plain-Go GRU step the graph is compared with, in either candidate form.
func refStep(store *nn.Store, name string, resetBefore bool) rectest.RefStep {
	return func(l int, x []float64, state [][]float64) [][]float64 {
		p := func(s string) []float64 {
			return nn.Float64s(store.Get(name + "." + s + recurrent.LayerSuffix(l)).Value)
		}
		wih := store.Get(name + ".weight_ih" + recurrent.LayerSuffix(l)).Value
		in, gh := wih.Shape()[0], wih.Shape()[1]
		hid := gh / 3
		b := len(state[0]) / hid
		hPrev := state[0]
		xi := rectest.Affine(x, b, in, p("weight_ih"), p("bias_ih"))
		hh := rectest.Affine(hPrev, b, hid, p("weight_hh"), p("bias_hh"))
		r, z := make([]float64, b*hid), make([]float64, b*hid)
		for i := 0; i < b; i++ {
			for j := 0; j < hid; j++ {
				r[i*hid+j] = rectest.Sigmoid(xi[i*gh+j] + hh[i*gh+j])
				z[i*hid+j] = rectest.Sigmoid(xi[i*gh+hid+j] + hh[i*gh+hid+j])
			}
		}
		var hn []float64 // the hidden part of the candidate, (B, H)
		if resetBefore {
			// (r∘h)·W_hn + b_hn with W_hn the last H columns of W_hh.
			whh, bhh := p("weight_hh"), p("bias_hh")
			whn := make([]float64, hid*hid)
			for k := 0; k < hid; k++ {
				copy(whn[k*hid:(k+1)*hid], whh[k*gh+2*hid:(k+1)*gh])
			}
			rh := make([]float64, b*hid)
			for i := range rh {
				rh[i] = r[i] * hPrev[i]
			}
			hn = rectest.Affine(rh, b, hid, whn, bhh[2*hid:])
		} else {
			hn = make([]float64, b*hid)
			for i := 0; i < b; i++ {
				for j := 0; j < hid; j++ {
					hn[i*hid+j] = r[i*hid+j] * hh[i*gh+2*hid+j]
				}
			}
		}
		h := make([]float64, b*hid)
		for i := 0; i < b; i++ {
			for j := 0; j < hid; j++ {
				k := i*hid + j
				n := math.Tanh(xi[i*gh+2*hid+j] + hn[k])
				h[k] = (1-z[k])*n + z[k]*hPrev[k]
			}
		}
		return [][]float64{h}
	}
}

func newNet(t testing.TB, in, hidden, layers, T, B int, resetBefore bool) *rectest.Net {
	return rectest.NewNet(t, tensor.Float64, T, B, false, func(s *nn.Store) (*recurrent.Stack, error) {
		return gru.New(s, "gru", in, hidden, gru.Config{Layers: layers, ResetBefore: resetBefore})
	})
}

// TestGradCheckH300 checks the symbolic gradients of a 2-layer GRU (PyTorch's form) unrolled 6
// steps at H=300 against central differences, for every parameter, every input step and the
// initial states.
func TestGradCheckH300(t *testing.T) {
	rectest.CheckGrad(t, newNet(t, 16, 300, 2, 6, 3, false), 4, 11, 1e-4)
}

// TestGradCheckResetBeforeH300 does the same for the Cho et al. candidate, whose W_hn is sliced
// out of W_hh (H, 3H) at H=300.
func TestGradCheckResetBeforeH300(t *testing.T) {
	rectest.CheckGrad(t, newNet(t, 16, 300, 1, 6, 3, true), 4, 12, 1e-4)
}

// TestForwardMatchesReference compares 2-layer GRUs of both forms at H=300 over T·B = 320 rows
// with the plain-Go loop.
func TestForwardMatchesReference(t *testing.T) {
	for _, rb := range []bool{false, true} {
		t.Run(fmt.Sprintf("ResetBefore=%v", rb), func(t *testing.T) {
			net := newNet(t, 16, 300, 2, 40, 8, rb)
			res, err := net.Run(false)
			if err != nil {
				t.Fatal(err)
			}
			xs, init := net.Values()
			out, final := rectest.RefForward(2, xs, init, refStep(net.Store, "gru", rb))
			if d := rectest.MaxDiff(res.Out, out); d > 1e-10 {
				t.Errorf("outputs differ from the reference by %.3g", d)
			}
			for l := range final {
				if d := rectest.MaxDiff(res.Final[l][0], final[l][0]); d > 1e-10 {
					t.Errorf("final state of layer %d differs from the reference by %.3g", l, d)
				}
			}
			// The two forms differ: the reference of the other form is far off.
			other, _ := rectest.RefForward(2, xs, init, refStep(net.Store, "gru", !rb))
			if d := rectest.MaxDiff(res.Out, other); d < 1e-3 {
				t.Errorf("the two candidate forms agree to %.3g", d)
			}
		})
	}
}

// TestGolden compares outputs, final states and all gradients with torch.nn.GRU (float64), for
// the fused layers and the per-formula graph.
func TestGolden(t *testing.T) {
	for _, impl := range []string{recurrent.ImplFused, recurrent.ImplGraph} {
		for _, name := range []string{"gru_l1", "gru_l2", "gru_h300"} {
			t.Run(impl+"/"+name, func(t *testing.T) {
				rectest.Golden(t, name, 1e-5, func(s *nn.Store, in, hidden, layers int) (*recurrent.Stack, error) {
					st, err := gru.New(s, "m", in, hidden, gru.Config{Layers: layers})
					if st != nil {
						st.Impl = impl
					}
					return st, err
				})
			})
		}
	}
}

// TestParams checks PyTorch's names, layouts and the uniform bound 1/√H.
func TestParams(t *testing.T) {
	const in, hid = 5, 12
	store := nn.NewStore(tensor.Float64, 1)
	if _, err := gru.New(store, "dec", in, hid, gru.Config{Layers: 2}); err != nil {
		t.Fatal(err)
	}
	names := []string{"dec.weight_ih_l0", "dec.weight_hh_l0", "dec.bias_ih_l0", "dec.bias_hh_l0",
		"dec.weight_ih_l1", "dec.weight_hh_l1", "dec.bias_ih_l1", "dec.bias_hh_l1"}
	rows := []int{in, hid, 1, 1, hid, hid, 1, 1}
	ps := store.Params()
	if len(ps) != len(names) {
		t.Fatalf("%d parameters, want %d", len(ps), len(names))
	}
	for i, p := range ps {
		if p.Name != names[i] || !p.Value.Shape().Eq(tensor.Shape{rows[i], 3 * hid}) || p.Transposed != (rows[i] > 1) {
			t.Errorf("parameter %d: %s %v transposed=%v, want %s (%d, %d)", i, p.Name, p.Value.Shape(), p.Transposed, names[i], rows[i], 3*hid)
		}
		for j, v := range nn.Float64s(p.Value) {
			if math.Abs(v) > 1/math.Sqrt(hid) {
				t.Errorf("%s[%d] = %v outside ±1/√%d", p.Name, j, v, hid)
			}
		}
	}
}

// TestErrors checks that malformed inputs are reported, not panicked on.
func TestErrors(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 1)
	cell, err := gru.NewCell(store, "cell", 3, 4, gru.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := nn.NewGraph(store, 2, false)
	x, h := g.Input("x", 2, 3), g.Input("h", 2, 4)
	if _, _, err := cell.Step(g, h.Node, []*G.Node{h.Node}); err == nil || !strings.Contains(err.Error(), "(B, 3)") {
		t.Errorf("input of width 4 for a cell of 3: err = %v", err)
	}
	if _, _, err := cell.Step(g, x.Node, []*G.Node{h.Node, h.Node}); err == nil {
		t.Error("two state tensors accepted by a GRU cell")
	}
	if _, err := gru.New(store, "s", 3, 0, gru.Config{}); err == nil {
		t.Error("hidden size 0 accepted")
	}
}
