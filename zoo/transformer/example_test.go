package transformer_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
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

// Sample 60 characters of the Opticks from the prebuilt model: the same seed, the same text.
func ExampleLM_Sample() {
	m, _ := transformer.Pretrained()
	text, _ := m.Sample("The ", 60, 0.8, 1)
	fmt.Printf("The %s\n", text)
	// Output:
	// The Sines the Image which which sther,) the leto blue by of the
}

// An encoder–decoder for the date task, built for the task's shape and given its Tokenizers,
// translates strings. Untrained, its output is still deterministic; shown here: the shape of the
// attention matrix (output steps × input characters) and the labels of its columns.
func ExampleSeq2Seq_Translate() {
	d, _ := datasets.Dates(0, 1, datasets.DateOptions{})
	cfg, _ := transformer.Seq2SeqFor(d.Info(), 29, 11, 1)
	m, _ := transformer.NewSeq2Seq(cfg)
	tt, _ := datasets.TaskTokenizers(d.Info())
	t, _ := m.WithTokenizers(tt).Translate("12 March 1998", 2)
	fmt.Println(len(t.Attention), "×", len(t.Attention[0]), t.InputTokens)
	// Output:
	// 11 × 13 [1 2   M a r c h   1 9 9 8]
}
