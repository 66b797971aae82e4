package seqmodel_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
)

// evalCarryText is a small corpus whose next character depends on what came long before: a
// counter spelled out, so a model's state at a window's start matters.
const evalCarryText = "one two three four five six seven eight nine ten eleven twelve thirteen " +
	"fourteen fifteen sixteen seventeen eighteen nineteen twenty, and back: one two three."

// wholeStreamLoss is the reference: the mean loss of every target of each of the B streams of
// tokens (datasets.Stream's cut), each scored by one forward pass of T = its whole length from a
// zero state, the state never reset inside it.
func wholeStreamLoss(t *testing.T, cell string, cfg seqmodel.Config, tokens []int, vocab *datasets.Vocabulary, B int) float64 {
	t.Helper()
	l := len(tokens) / B
	cfg.T, cfg.Carry, cfg.EvalCarry = l-1, false, false
	m := newModel(t, cell, cfg)
	g, err := m.Build(1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	sum := 0.0
	for j := range B {
		s, err := datasets.Stream(tokens[j*l:(j+1)*l], vocab, 1, l-1)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Feed(s.Batch(0)); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(nil); err != nil {
			t.Fatal(err)
		}
		sum += g.Loss()
	}
	return sum / float64(B)
}

// TestEvalCarryMatchesWholeStream scores a stream in windows of T = 7 with the state carried
// (Config.EvalCarry, BPTTStream.EvalExamples, train.Evaluate) and holds the figure to the one
// long forward pass over the whole stream, to 1e-6 relative, with one stream and with three, for
// both implementations of the layers: the last, partial window (the stream's length minus one is
// no multiple of 7) is scored too, and nothing else. Whatever batch Evaluate is asked for, a
// stream runs one row per stream, so the figure does not depend on it; a second pass gives the
// same figure (the state is reset before each pass); the windows scored each from a zero state
// give another figure.
func TestEvalCarryMatchesWholeStream(t *testing.T) {
	text, err := datasets.NewText("t", []byte(evalCarryText))
	if err != nil {
		t.Fatal(err)
	}
	const T = 7
	for _, cell := range []string{"lstm", "gru"} {
		for _, impl := range []string{"fused", "graph"} {
			for _, B := range []int{1, 3} {
				cfg := seqmodel.Config{Hidden: 12, Layers: 2, Embed: 6, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(),
					Float64: true, Seed: 4, Impl: impl}
				if (len(text.Tokens)/B-1)%T == 0 {
					t.Fatalf("the streams' %d targets fill whole windows of %d: the test wants a partial one", len(text.Tokens)/B-1, T)
				}
				want := wholeStreamLoss(t, cell, cfg, text.Tokens, text.Vocab, B)

				cfg.T, cfg.Carry, cfg.EvalCarry = T, true, true
				m := newModel(t, cell, cfg)
				s, err := datasets.Stream(text.Tokens, text.Vocab, B, T)
				if err != nil {
					t.Fatal(err)
				}
				ds := s.EvalExamples()
				gs := train.NewGraphs(m)
				var first float64
				for pass, batch := range []int{1, 5, 64} {
					met, err := train.Evaluate(gs, ds, batch)
					if err != nil {
						t.Fatal(err)
					}
					got := met["loss"]
					if math.Abs(got-want) > 1e-6*want {
						t.Errorf("%s %s, %d streams, pass %d (batch %d): carried loss %.12f, whole stream %.12f", cell, impl, B, pass, batch, got, want)
					}
					if pass == 0 {
						first = got
					} else if got != first {
						t.Errorf("%s %s, %d streams: pass %d gives %.15f, the first %.15f: the state was not reset", cell, impl, B, pass, got, first)
					}
				}
				gs.Close()

				// Windows of T scored each from a zero state: another figure.
				cfg.Carry, cfg.EvalCarry = false, false
				w, err := datasets.Windows(text.Tokens, text.Vocab, T, T)
				if err != nil {
					t.Fatal(err)
				}
				wgs := train.NewGraphs(newModel(t, cell, cfg))
				met, err := train.Evaluate(wgs, w, 8)
				wgs.Close()
				if err != nil {
					t.Fatal(err)
				}
				if B == 1 {
					t.Logf("%s %s: carried %.6f, whole stream %.6f, windows from zero %.6f", cell, impl, first, want, met["loss"])
				}
				if math.Abs(met["loss"]-want) < 1e-3 {
					t.Errorf("%s %s: windows from a zero state score %.6f, as the whole stream does", cell, impl, met["loss"])
				}
			}
		}
	}
}

// TestPaddedBatchNeedsEvalCarry: a batch that leaves steps unscored is refused by a graph that
// scores every step, with an error that says which graphs take it.
func TestPaddedBatchNeedsEvalCarry(t *testing.T) {
	text, err := datasets.NewText("t", []byte(evalCarryText))
	if err != nil {
		t.Fatal(err)
	}
	const T = 7
	s, err := datasets.Stream(text.Tokens, text.Vocab, 1, T)
	if err != nil {
		t.Fatal(err)
	}
	ds := s.EvalExamples()
	last := ds.Batch([]int{ds.Len() - 1})
	if last.Scored == 0 {
		t.Fatal("the stream's last batch is not partial")
	}
	cfg := seqmodel.Config{Hidden: 8, Embed: 4, T: T, Vocab: text.Vocab.Size(), Classes: text.Vocab.Size(), Seed: 1}
	g, err := newModel(t, "lstm", cfg).Build(1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Feed(last); err == nil || !strings.Contains(err.Error(), "EvalCarry") {
		t.Errorf("a padded batch fed to a graph without EvalCarry: %v", err)
	}
}
