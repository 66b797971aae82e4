package transformer

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/viz"
)

// storeBits is every store number, to check that running graphs leaves the parameters alone.
func storeBits(m *LM) []float64 {
	var out []float64
	for _, t := range m.Store().All() {
		out = append(out, nn.Float64s(t.Value)...)
	}
	return out
}

// TestGenerate checks that generation is deterministic for a seed, that greedy generation agrees
// with the batch graph's argmax, and that running the one-window graph (where positions are
// added without broadcasting) never writes into the parameters.
func TestGenerate(t *testing.T) {
	for _, pos := range []string{"learned", "sinusoidal"} {
		m := tinyLM(t, func(c *Config) { c.Float64, c.Context, c.Vocab, c.Positions = false, 8, 12, pos })
		before := storeBits(m)
		a, err := m.Generate([]int{1, 2, 3}, 20, 0.9, nn.NewRNG(1, nn.StreamSample, 0))
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Generate([]int{1, 2, 3}, 20, 0.9, nn.NewRNG(1, nn.StreamSample, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 20 || !slices.Equal(a, b) {
			t.Fatalf("%s: two generations with one seed: %v and %v", pos, a, b)
		}
		for i, v := range storeBits(m) {
			if math.Float64bits(v) != math.Float64bits(before[i]) {
				t.Fatalf("%s: generating changed parameter number %d", pos, i)
			}
		}
		// Greedy: the next token after a full window is the argmax of the batch graph's last row.
		prime := []int{3, 1, 4, 1, 5, 9, 2, 6}
		next, err := m.Generate(prime, 1, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Build(2, false)
		if err != nil {
			t.Fatal(err)
		}
		b2 := lmBatch(1, 2, 8, 12)
		copy(b2.Tokens[8:], prime)
		if err := g.Feed(b2); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		logits := nn.Float64s(g.Output())[15*12 : 16*12]
		best := nn.Argmax(logits)
		if next[0] != best {
			t.Errorf("%s: greedy token %d, the batch graph's argmax is %d", pos, next[0], best)
		}
	}
	m := tinyLM(t, nil)
	if _, err := m.Generate(nil, 3, 1, nil); err == nil || !strings.Contains(err.Error(), "Generate(prime): at least one") {
		t.Errorf("empty prime: error %v", err)
	}
	if _, err := m.Generate([]int{1}, 3, -1, nil); err == nil || !strings.Contains(err.Error(), "Generate(temperature) -1: must not be negative") {
		t.Errorf("negative temperature: error %v", err)
	}
	if _, err := m.Generate([]int{99}, 3, 0, nil); err == nil || !strings.Contains(err.Error(), "vocabulary") {
		t.Errorf("token outside the vocabulary: error %v", err)
	}
}

// TestAttentionMaps checks the attention maps: rows sum to 1, nothing above the diagonal, position
// 0 attends only to itself; and the PNG drawn from them.
func TestAttentionMaps(t *testing.T) {
	m := tinyLM(t, func(c *Config) { c.Float64 = false })
	toks := []int{1, 2, 3, 4, 5}
	maps, err := m.Attention(toks)
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 2 || len(maps[0]) != 2 {
		t.Fatalf("%d layers of %d heads, want 2 of 2", len(maps), len(maps[0]))
	}
	for l := range maps {
		for h, w := range maps[l] {
			for i := 0; i < 5; i++ {
				sum := 0.0
				for j := 0; j < 5; j++ {
					sum += w[i*5+j]
					if j > i && w[i*5+j] != 0 {
						t.Errorf("layer %d head %d: position %d attends to later position %d (%v)", l, h, i, j, w[i*5+j])
					}
				}
				if math.Abs(sum-1) > 1e-5 {
					t.Errorf("layer %d head %d: row %d sums to %v", l, h, i, sum)
				}
			}
			if math.Abs(w[0]-1) > 1e-6 {
				t.Errorf("layer %d head %d: position 0 gives itself %v, want 1", l, h, w[0])
			}
		}
	}
	rows, err := m.AttentionMap(toks, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("attention map of %d rows, want 5", len(rows))
	}
	for i, r := range rows {
		if !slices.Equal(r, maps[1][1][i*5:(i+1)*5]) {
			t.Errorf("row %d of layer 1 head 1: %v, want %v", i, r, maps[1][1][i*5:(i+1)*5])
		}
	}
	var buf bytes.Buffer
	if err := (viz.Heatmap{Values: rows}).WritePNG(&buf); err != nil {
		t.Fatalf("drawing the map: %v", err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ layer, head int }{{2, 0}, {0, 2}, {-1, 0}} {
		if _, err := m.AttentionMap(toks, bad.layer, bad.head); err == nil {
			t.Errorf("layer %d head %d: no error", bad.layer, bad.head)
		}
	}
	if _, err := m.Attention(make([]int, 7)); err == nil {
		t.Error("7 tokens in a context of 6: no error")
	}
}

// TestConfigErrors checks that a bad configuration is a *nn.FieldError naming its field.
func TestConfigErrors(t *testing.T) {
	for field, mod := range map[string]func(*Config){
		"Heads":      func(c *Config) { c.Heads = 3 },
		"D":          func(c *Config) { c.D = 0 },
		"Layers":     func(c *Config) { c.Layers = 0 },
		"FF":         func(c *Config) { c.FF = -1 },
		"Dropout":    func(c *Config) { c.Dropout = 1 },
		"Positions":  func(c *Config) { c.Positions = "rotary" },
		"Activation": func(c *Config) { c.Activation = "swish" },
		"InitStd":    func(c *Config) { c.InitStd = -1 },
		"Context":    func(c *Config) { c.Context = 0 },
	} {
		c := W5(10, 1)
		mod(&c)
		_, err := New(c)
		var fe *nn.FieldError
		if !errors.As(err, &fe) || fe.Field != "transformer.Config."+field || !strings.HasPrefix(err.Error(), fe.Field+" ") {
			t.Errorf("%s: error %v", field, err)
		}
	}
}
