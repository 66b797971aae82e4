package transformer_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
)

// The W5 model for a 93-character vocabulary: its parameters under PyTorch's names, and the
// training graph of a batch of 32 windows, whose output is one row of logits per position.
func ExampleNew() {
	m, err := transformer.New(transformer.W5(93, 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Store().NumParams(), "parameters")
	for _, p := range m.Store().Params()[:6] {
		fmt.Println(p.Name, p.Value.Shape())
	}
	g, err := m.Build(32, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logits", g.LossNode().Shape(), "loss over rows of", m.Config.Vocab)
	// Output:
	// 428893 parameters
	// tok.weight (93, 128)
	// pos.weight (64, 128)
	// blocks.0.self_attn.in_proj_weight (128, 384)
	// blocks.0.self_attn.in_proj_bias (1, 384)
	// blocks.0.self_attn.out_proj.weight (128, 128)
	// blocks.0.self_attn.out_proj.bias (1, 128)
	// logits () loss over rows of 93
}

// Greedy generation from an untrained model is deterministic; Attention gives each head's map.
func ExampleLM_Generate() {
	cfg := transformer.W5(10, 1)
	cfg.Context, cfg.D, cfg.FF = 8, 16, 32
	m, err := transformer.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Generate([]int{1, 2, 3}, 5, 0, nil)
	fmt.Println(len(out), "tokens", err)
	maps, err := m.Attention([]int{1, 2, 3})
	fmt.Println(len(maps), "layers of", len(maps[0]), "heads;", "position 0 attends to itself with weight", fmt.Sprintf("%.3f", maps[0][0][0]), err)
	// Output:
	// 5 tokens <nil>
	// 2 layers of 4 heads; position 0 attends to itself with weight 1.000 <nil>
}
