package compare

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

func init() {
	register(&Experiment{
		Name:  "lstm-vs-gru",
		Title: "LSTM against GRU (and the vanilla RNN and a transformer) on text at an equal parameter budget",
		Claim: "The GRU has fewer parameters than the LSTM, so the GRU is less prone to overfitting, while the LSTM (if it does not overfit) can fit more precisely.",
		Anchor: "W1/W2 (`../shared/anchors/`), hidden 256 each, embed 64, BPTT 64, batch 32, Adam 2e-3, clip 5: validation after 300 steps " +
			"LSTM 1.848, GRU 1.736, RNN 1.835 nats/char (2.666, 2.505, 2.648 bits/char). Those are equal widths of 256, not equal budgets; ours are 128 wide (two CPU cores), so only the ordering compares.",
		Setup: func(o Options) string {
			c := lvgBase(o)
			return fmt.Sprintf("Character-level language model of Newton's Opticks (Go's testdata; 90%% train / 10%% validation): embedding %d, BPTT %d, batch %d "+
				"(random windows, each from a zero state), %s lr %v, clip %v, %d steps; validation bits/char on %s non-overlapping windows. "+
				"Widths: every cell at %d units, then the GRU and the RNN widened to the LSTM's parameter count, and a transformer of about that count. Equal wall time is not a "+
				"deterministic budget and is left out; the per-step cost of each cell is in the README's benchmarks.",
				c.Embed, c.T, c.Batch, c.Opt, c.LR, c.Clip, c.Steps, valDesc(c.Val), c.Hidden)
		},
		Runs: func(o Options) []Spec {
			var l []Spec
			base := lvgBase(o)
			budget := seqParams("lstm", base.Hidden, base.Embed, opticksVocab)
			for _, seed := range o.seeds() {
				for _, v := range []struct {
					cell, budget string
					h            int
				}{
					{"lstm", "width", base.Hidden}, {"gru", "width", base.Hidden}, {"rnn", "width", base.Hidden},
					{"gru", "params", widthFor("gru", budget, base.Embed)}, {"rnn", "params", widthFor("rnn", budget, base.Embed)},
					{"transformer", "params", transformerWidth(o)},
				} {
					c := base
					c.Cell, c.Hidden = v.cell, v.h
					l = append(l, Spec{ID: fmt.Sprintf("cell=%s hidden=%d", v.cell, v.h), Seed: seed,
						Params: []Param{param("cell", v.cell), param("hidden", v.h), param("equal", v.budget)}, cfg: c})
				}
			}
			return specs(l)
		},
		Exec: execSeqSpec,
		Report: func(rs []Result, o Options, dir string) (string, []string, error) {
			var rows [][]string
			var ser []Series
			for _, r := range rs {
				if r.Seed != 1 {
					continue
				}
				sel := where(rs, "cell", r.Param("cell"), "hidden", r.Param("hidden"))
				p, _ := r.Metric("params")
				b, ok := mean(sel, "val_bpc")
				l, okl := mean(sel, "val_loss")
				rows = append(rows, []string{r.Param("cell"), r.Param("hidden"), "equal " + r.Param("equal"), fmt.Sprint(int(p)), f4(b, ok), f4(l, okl)})
				s := meanCurve(sel, "val_loss")
				s.Name = fmt.Sprintf("%s %s", r.Param("cell"), r.Param("hidden"))
				ser = append(ser, s)
			}
			md := mdTable([]string{"cell", "hidden", "comparison", "parameters", "val bits/char", "val nats/char"}, rows)
			md += "\nThe transformer row is `zoo/transformer`'s decoder-only model (W5's shape: 2 pre-LN layers, 4 heads, FF = 4·D, learned positions) at the width D (the hidden column) that brings it nearest the LSTM's parameter count.\n"
			p := "lstm_vs_gru.png"
			if err := linePlot(filepath.Join(dir, p), "Validation loss on the Opticks", "step", "nats/char", false, ser); err != nil {
				return "", nil, err
			}
			return md, []string{p}, nil
		},
	})
}

// transformerWidth is the transformer's width in lstm-vs-gru: 64 (2 layers, FF 256: about the
// parameters of the 128-wide LSTM) in the full variant.
func transformerWidth(o Options) int {
	if o.Quick {
		return 8
	}
	return 64
}

// opticksVocab is the number of distinct bytes of the Opticks.
const opticksVocab = 93

func lvgBase(o Options) seqRun {
	if o.Quick {
		return seqRun{Task: "text", Cell: "lstm", T: 8, Hidden: 8, Embed: 4, Batch: 4, Steps: 20, EvalEvery: 10, Val: 20, Opt: "adam", LR: 2e-3, Clip: 5}
	}
	return seqRun{Task: "text", Cell: "lstm", T: 64, Hidden: 128, Embed: 64, Batch: 32, Steps: 300, EvalEvery: 100, Val: 0, Opt: "adam", LR: 2e-3, Clip: 5}
}

func valDesc(n int) string {
	if n == 0 {
		return "all 886"
	}
	return strconv.Itoa(n)
}

// seqParams counts the parameters of a one-layer token model of the named cell (embedding,
// cell, output layer); 0 for a cell the catalog does not know.
func seqParams(cell string, hidden, embed, vocab int) int {
	c, err := catalog.FindCell(cell)
	if err != nil {
		return 0
	}
	return c.Params(seqmodel.Config{Hidden: hidden, Embed: embed, Vocab: vocab, Classes: vocab})
}

// widthFor is the width at which a cell's model comes closest to budget parameters.
func widthFor(cell string, budget, embed int) int {
	best, bestD := 1, math.MaxInt
	for h := 1; h <= 4096; h++ {
		d := seqParams(cell, h, embed, opticksVocab) - budget
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = h, d
		}
	}
	return best
}
