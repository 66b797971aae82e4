package lstm_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent"
	"github.com/gorgonia-zoo/modelzoo/zoo/internal/recurrent/rectest"
	"github.com/gorgonia-zoo/modelzoo/zoo/lstm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// refStep is the plain-Go LSTM step the graph is compared with: the formulas of the package
// documentation, one gate at a time.
func refStep(store *nn.Store, name string) rectest.RefStep {
	return func(l int, x []float64, state [][]float64) [][]float64 {
		p := func(s string) *nn.Tensor { return store.Get(name + "." + s + recurrent.LayerSuffix(l)) }
		wih, whh := p("weight_ih"), p("weight_hh")
		in, gh := wih.Value.Shape()[0], wih.Value.Shape()[1]
		hid := gh / 4
		b := len(state[0]) / hid
		xi := rectest.Affine(x, b, in, nn.Float64s(wih.Value), nn.Float64s(p("bias_ih").Value))
		hh := rectest.Affine(state[0], b, hid, nn.Float64s(whh.Value), nn.Float64s(p("bias_hh").Value))
		h, c := make([]float64, b*hid), make([]float64, b*hid)
		for r := 0; r < b; r++ {
			for j := 0; j < hid; j++ {
				pre := func(k int) float64 { return xi[r*gh+k*hid+j] + hh[r*gh+k*hid+j] }
				i, f, g, o := rectest.Sigmoid(pre(0)), rectest.Sigmoid(pre(1)), math.Tanh(pre(2)), rectest.Sigmoid(pre(3))
				c[r*hid+j] = f*state[1][r*hid+j] + i*g
				h[r*hid+j] = o * math.Tanh(c[r*hid+j])
			}
		}
		return [][]float64{h, c}
	}
}

func newNet(t testing.TB, dtype tensor.Dtype, in, hidden, layers, T, B int, train bool) *rectest.Net {
	return rectest.NewNet(t, dtype, T, B, train, func(s *nn.Store) (*recurrent.Stack, error) {
		cfg := lstm.DefaultConfig()
		cfg.Layers = layers
		return lstm.New(s, "lstm", in, hidden, cfg)
	})
}

// TestGradCheckH300 checks the symbolic gradients of a 2-layer LSTM unrolled 6 steps at H=300
// (4H=1200: a gate sliced at a bound ≥ 256 would merge with another and fail) against central
// differences, for every parameter, every input step and both initial states of both layers.
func TestGradCheckH300(t *testing.T) {
	net := newNet(t, tensor.Float64, 16, 300, 2, 6, 3, false)
	rectest.CheckGrad(t, net, 4, 11, 1e-4)
}

// TestForwardMatchesReference compares a 2-layer LSTM at H=300 over T·B = 320 rows with the
// plain-Go loop, outputs and final states.
func TestForwardMatchesReference(t *testing.T) {
	net := newNet(t, tensor.Float64, 16, 300, 2, 40, 8, false)
	res, err := net.Run(false)
	if err != nil {
		t.Fatal(err)
	}
	xs, init := net.Values()
	out, final := rectest.RefForward(2, xs, init, refStep(net.Store, "lstm"))
	if d := rectest.MaxDiff(res.Out, out); d > 1e-10 {
		t.Errorf("outputs differ from the reference by %.3g", d)
	}
	for l := range final {
		for k := range final[l] {
			if d := rectest.MaxDiff(res.Final[l][k], final[l][k]); d > 1e-10 {
				t.Errorf("final state %d of layer %d differs from the reference by %.3g", k, l, d)
			}
		}
	}
}

// TestGolden compares outputs, final states and all gradients with torch.nn.LSTM (float64), for
// the fused layers and the per-formula graph.
func TestGolden(t *testing.T) {
	for _, impl := range []string{recurrent.ImplFused, recurrent.ImplGraph} {
		for _, name := range []string{"lstm_l1", "lstm_l2", "lstm_h300"} {
			t.Run(impl+"/"+name, func(t *testing.T) {
				rectest.Golden(t, name, 1e-5, func(s *nn.Store, in, hidden, layers int) (*recurrent.Stack, error) {
					st, err := lstm.New(s, "m", in, hidden, lstm.Config{Layers: layers})
					if st != nil {
						st.Impl = impl
					}
					return st, err
				})
			})
		}
	}
}

// TestCarry runs 8 steps as two windows of 4, the state carried between them, and requires the
// second window's outputs to be those of steps 4..7 of the reference loop over all 8.
func TestCarry(t *testing.T) {
	const in, hid, B = 3, 5, 2
	store := nn.NewStore(tensor.Float64, 2)
	stack, err := lstm.New(store, "lstm", in, hid, lstm.Config{Layers: 2, ForgetBias: 1})
	if err != nil {
		t.Fatal(err)
	}
	net, err := rectest.Build(store, stack, 4, B, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.State.Watch(net.Final); err != nil {
		t.Fatal(err)
	}
	if err := net.Graph.Compile(); err == nil {
		t.Fatal("Compile without SetOutputs should fail")
	}
	net.Graph.SetOutputs(net.Loss, net.All)
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([][]float64, 8)
	for i := range xs {
		xs[i] = make([]float64, B*in)
		for j := range xs[i] {
			xs[i][j] = rng.NormFloat64()
		}
	}
	var got []float64
	for w := 0; w < 2; w++ {
		for tt, x := range net.Xs {
			if err := x.Set(xs[4*w+tt]); err != nil {
				t.Fatal(err)
			}
		}
		if err := net.Graph.Run(nil); err != nil {
			t.Fatal(err)
		}
		got = nn.Float64s(net.Graph.Output())
		if err := net.State.Carry(); err != nil {
			t.Fatal(err)
		}
	}
	zero := [][][]float64{{make([]float64, B*hid), make([]float64, B*hid)}, {make([]float64, B*hid), make([]float64, B*hid)}}
	want, _ := rectest.RefForward(2, xs, zero, refStep(store, "lstm"))
	if d := rectest.MaxDiff(got, want[4*B*hid:]); d > 1e-12 {
		t.Errorf("carried window differs from the unbroken sequence by %.3g", d)
	}
	if err := net.State.Zero(); err != nil {
		t.Fatal(err)
	}
	if err := net.Graph.Run(nil); err != nil {
		t.Fatal(err)
	}
	first, _ := rectest.RefForward(2, xs[4:], zero, refStep(store, "lstm"))
	if d := rectest.MaxDiff(nn.Float64s(net.Graph.Output()), first); d > 1e-12 {
		t.Errorf("after Zero the window differs from a fresh start by %.3g", d)
	}
}

// TestParams checks PyTorch's names and the stored layouts, the uniform bound 1/√H and the
// forget-gate bias.
func TestParams(t *testing.T) {
	const in, hid = 7, 20
	store := nn.NewStore(tensor.Float64, 1)
	if _, err := lstm.New(store, "enc", in, hid, lstm.Config{Layers: 2, ForgetBias: 1}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name       string
		rows, cols int
		transposed bool
	}{
		{"enc.weight_ih_l0", in, 4 * hid, true}, {"enc.weight_hh_l0", hid, 4 * hid, true},
		{"enc.bias_ih_l0", 1, 4 * hid, false}, {"enc.bias_hh_l0", 1, 4 * hid, false},
		{"enc.weight_ih_l1", hid, 4 * hid, true}, {"enc.weight_hh_l1", hid, 4 * hid, true},
		{"enc.bias_ih_l1", 1, 4 * hid, false}, {"enc.bias_hh_l1", 1, 4 * hid, false},
	}
	ps := store.Params()
	if len(ps) != len(want) {
		t.Fatalf("%d parameters, want %d", len(ps), len(want))
	}
	bound := 1 / math.Sqrt(hid)
	for i, w := range want {
		p := ps[i]
		if p.Name != w.name || !p.Value.Shape().Eq(tensor.Shape{w.rows, w.cols}) || p.Transposed != w.transposed {
			t.Errorf("parameter %d: %s %v transposed=%v, want %s (%d, %d) transposed=%v", i, p.Name, p.Value.Shape(), p.Transposed, w.name, w.rows, w.cols, w.transposed)
		}
		vals := nn.Float64s(p.Value)
		for j, v := range vals {
			forget := j >= hid && j < 2*hid && strings.Contains(p.Name, "bias")
			switch {
			case forget && strings.Contains(p.Name, "bias_ih") && v != 1:
				t.Errorf("%s[%d] = %v, want forget bias 1", p.Name, j, v)
			case forget && strings.Contains(p.Name, "bias_hh") && v != 0:
				t.Errorf("%s[%d] = %v, want 0", p.Name, j, v)
			case !forget && math.Abs(v) > bound:
				t.Errorf("%s[%d] = %v outside ±%v", p.Name, j, v, bound)
			}
		}
	}
	torch := nn.NewStore(tensor.Float64, 1)
	if _, err := lstm.New(torch, "enc", in, hid, lstm.Config{TorchInit: true, ForgetBias: 1}); err != nil {
		t.Fatal(err)
	}
	b := nn.Float64s(torch.Get("enc.bias_ih_l0").Value)
	if b[hid] == 1 || b[hid] == b[hid+1] {
		t.Errorf("TorchInit left a constant forget bias %v", b[hid:hid+2])
	}
}

// TestErrors checks that malformed sizes and inputs are reported, not panicked on.
func TestErrors(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 1)
	if _, err := lstm.New(store, "a", 0, 4, lstm.DefaultConfig()); err == nil {
		t.Error("input size 0 accepted")
	}
	if _, err := lstm.New(store, "b", 3, 4, lstm.Config{Layers: 2, Dropout: 1}); err == nil {
		t.Error("dropout 1 accepted")
	}
	if _, err := lstm.New(store, "c", 3, 4, lstm.Config{Layers: -1}); err == nil {
		t.Error("-1 layers accepted")
	}
	cell, err := lstm.NewCell(store, "cell", 3, 4, lstm.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lstm.NewCell(store, "cell", 3, 4, lstm.DefaultConfig()); err == nil {
		t.Error("a second cell of the same name accepted")
	}
	g := nn.NewGraph(store, 2, false)
	x := g.Input("x", 2, 5)
	h := g.Input("h", 2, 4)
	c := g.Input("c", 2, 4)
	if _, _, err := cell.Step(g, x.Node, []*G.Node{h.Node, c.Node}); err == nil || !strings.Contains(err.Error(), "(B, 3)") {
		t.Errorf("input of width 5 for a cell of 3: err = %v", err)
	}
	x3 := g.Input("x", 2, 3)
	if _, _, err := cell.Step(g, x3.Node, []*G.Node{h.Node}); err == nil {
		t.Error("one state tensor accepted by an LSTM cell")
	}
	if _, _, err := cell.Step(g, x3.Node, []*G.Node{h.Node, x3.Node}); err == nil {
		t.Error("a (2, 3) cell state accepted for H=4")
	}
}

// TestDropoutBetweenLayers checks that an evaluation graph ignores the dropout of a stack, and a
// training graph applies it (a different loss, the same for the same generator).
func TestDropoutBetweenLayers(t *testing.T) {
	store := nn.NewStore(tensor.Float64, 3)
	stack, err := lstm.New(store, "lstm", 4, 6, lstm.Config{Layers: 2, Dropout: 0.5, ForgetBias: 1})
	if err != nil {
		t.Fatal(err)
	}
	plain := nn.NewStore(tensor.Float64, 3)
	plainStack, err := lstm.New(plain, "lstm", 4, 6, lstm.Config{Layers: 2, ForgetBias: 1})
	if err != nil {
		t.Fatal(err)
	}
	run := func(s *nn.Store, st *recurrent.Stack, train bool, seed uint64) float64 {
		net, err := rectest.Build(s, st, 5, 3, train)
		if err != nil {
			t.Fatal(err)
		}
		if err := net.Fill(rand.New(rand.NewPCG(5, 6))); err != nil {
			t.Fatal(err)
		}
		net.Graph.SetOutputs(net.Loss, nil)
		if err := net.Graph.Run(rand.New(rand.NewPCG(seed, 0))); err != nil {
			t.Fatal(err)
		}
		return net.Graph.Loss()
	}
	ref := run(plain, plainStack, false, 1)
	if ev := run(store, stack, false, 1); ev != ref {
		t.Errorf("evaluation loss %v with dropout, %v without", ev, ref)
	}
	a, b, c := run(store, stack, true, 1), run(store, stack, true, 1), run(store, stack, true, 2)
	if a == ref || a != b || a == c {
		t.Errorf("training losses %v, %v (same seed), %v (other seed); no dropout %v", a, b, c, ref)
	}
}
