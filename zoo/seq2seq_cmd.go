package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// The seq2seq model and its tasks: date normalisation (W6), list reversal and sorting (the
// long-range task, --bptt is the longest list) and sentence pairs from a file.
//
// `zoo seq2seq` trains the date task, printing the validation exact match at every evaluation
// and, at the end, the test figures and a few decoded examples; `zoo translate seq2seq` and
// `zoo translate transformer-seq2seq` (one code path: translateCmd) decode one input (greedy or
// --beam K), draw its attention (--plot), or score a whole test split (--eval).

// seq2seqModel is the entry of the seq2seq model in the model table.
func seq2seqModel() model {
	return model{
		Model:       fromCatalog("seq2seq"),
		defaultTask: "dates", tasks: tasksOf(pairTask), sequence: true,
		defaults: func(task string, c *train.Config) {
			c.Epochs, c.Steps, c.Batch, c.LR, c.EvalEvery = 0, 1500, 64, 1e-3, 500
		},
		flags: func(fs *flag.FlagSet, _ string) builder {
			c := seq2seq.Config{}
			fs.StringVar(&c.Cell, "cell", "gru", "recurrent cell of encoder and decoder: gru or lstm")
			fs.IntVar(&c.Embed, "embed", 32, "width of the source and target embeddings")
			fs.IntVar(&c.Hidden, "hidden", 128, "encoder width per direction")
			fs.IntVar(&c.DecHidden, "dec-hidden", 0, "decoder width (0: --hidden, or the encoder output's width for dot attention)")
			fs.IntVar(&c.Layers, "layers", 1, "stacked layers of the encoder and of the decoder")
			fs.BoolVar(&c.Bidirectional, "bidirectional", true, "a backward encoder beside the forward one")
			fs.StringVar(&c.Attention, "attention", "additive", "attention: none (context vector only), additive (Bahdanau), dot or general (Luong)")
			fs.IntVar(&c.AttnDim, "attn-dim", 128, "hidden width of additive attention")
			fs.Float64Var(&c.TeacherForcing, "teacher-forcing", 1, "probability of reading the true previous token in training (else the model's own prediction)")
			fs.BoolVar(&c.Float64, "float64", false, "compute in float64 instead of float32")
			fs.StringVar(&c.Impl, "impl", "fused", "recurrent cells: fused (one op per encoder layer and direction, per decoder step) or graph (the per-step formulas)")
			return func(info datasets.Info, ta taskArgs, seed uint64) (train.Model, any, error) {
				maxSrc, maxTgt := taskNamed(ta.Name).padded(ta.Length)
				cfg := c.FromInfo(info, maxSrc, maxTgt)
				cfg.Seed = seed
				if err := checkModelSize(cfg, true); err != nil {
					return nil, nil, err
				}
				m, err := seq2seq.New(cfg)
				if err != nil {
					return nil, nil, err
				}
				return m, m.Config, nil
			}
		},
		decode:      seq2seqDecode,
		checkConfig: checkRecorded[seq2seq.Config],
	}
}

// seq2seqDecode scores a split by greedy decoding, 250 examples at a time (decodeSplit).
func seq2seqDecode(mdl train.Model, ds datasets.Dataset, task string) (train.Metrics, string, error) {
	return decodeSplit("seq2seq", mdl, ds, task, 250)
}

// printScores prints exact match, token accuracy, BLEU (pair files) and accuracy by length.
func printScores(w io.Writer, what string, sc seq2seq.Scores, bleu bool) {
	fmt.Fprintf(w, "%s: %d examples, exact match %.4f, token accuracy %.4f", what, sc.N, sc.Exact, sc.TokenAcc)
	if bleu {
		fmt.Fprintf(w, ", BLEU %.2f", 100*sc.BLEU)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  source length  examples  exact match  token accuracy")
	for _, l := range sc.ByLength {
		fmt.Fprintf(w, "  %13d  %8d  %11.4f  %14.4f\n", l.Len, l.N, l.Exact, l.TokenAcc)
	}
}

// render joins ids as the task writes them: characters for dates, words or symbols separated
// by spaces otherwise.
func render(v *datasets.Vocabulary, ids []int, task string) string {
	syms := make([]string, len(ids))
	for i, id := range ids {
		syms[i] = v.Symbol(id)
	}
	if taskNamed(task).symbols == characters {
		return strings.Join(syms, "")
	}
	return strings.Join(syms, " ")
}

// translator is an encoder–decoder as translate drives it: seq2seq's Model or the transformer's
// Seq2Seq, which both translate a string (Translate), decode a test split (seq2seq.Evaluate over
// their Stepper) and load a checkpoint's weights (Store).
type translator struct {
	model interface {
		train.Model
		seq2seq.Searcher
		Translate(input string, beam int) (seq2seq.Translation, error)
	}
	tokenizers *datasets.Tokenizers // the model's own, set for a checkpoint's task
	maxSrc     int                  // the longest input the model reads, in symbols
}

// translatorOf is mdl as translate drives it; false when mdl is no encoder–decoder.
func translatorOf(mdl train.Model) (translator, bool) {
	switch m := mdl.(type) {
	case *seq2seq.Model:
		return translator{m, &m.Tokenizers, m.Config.MaxSrc}, true
	case *transformer.Seq2Seq:
		return translator{m, &m.Tokenizers, m.Config.MaxSrc}, true
	}
	return translator{}, false
}

// translateModels are the models translate takes: those of the model table whose entry scores
// by decoding, in name order.
func translateModels() []string {
	var names []string
	for _, n := range modelNames() {
		if models[n].decode != nil {
			names = append(names, n)
		}
	}
	return names
}

// translateCmd decodes an input with a trained or the prebuilt model.
func translateCmd(name string, args []string, stdout io.Writer) error {
	valid := translateModels()
	if !slices.Contains(valid, name) {
		return usagef("translate: model %q does not translate (valid: %s)", name, strings.Join(valid, ", "))
	}
	entry := models[name]
	fs := newFlagSet("translate "+name, stdout)
	ck := fs.String("checkpoint", "", "checkpoint written by zoo train "+name+"; empty: the prebuilt date normaliser")
	input := fs.String("input", "", "text to translate: a date for the date task, words for pairs, space-separated symbols for lists")
	beam := fs.Int("beam", 1, "beam width (1: greedy)")
	plot := fs.String("plot", "", "write the attention weights of the translation as a PNG heatmap to this file")
	eval := fs.Bool("eval", false, "decode the task's whole test split and print exact match, token accuracy, BLEU and accuracy by length")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *beam < 1 || *beam > seq2seq.MaxBeam {
		return usagef("--beam %d: must be in [1, %d]", *beam, seq2seq.MaxBeam)
	}
	if *input == "" && !*eval {
		return usagef("translate: give --input TEXT or --eval")
	}
	var m translator
	var ta taskArgs
	if *ck == "" {
		if entry.Prebuilt == nil {
			return usagef("translate %s: no prebuilt weights; give --checkpoint FILE", name)
		}
		p, err := entry.pretrained()
		if err != nil {
			return err
		}
		var ok bool
		if m, ok = translatorOf(p.model); !ok {
			return errors.Errorf("translate: the prebuilt %s is a %T", name, p.model)
		}
		ta = p.task
	} else {
		rec, err := readRunRecord(*ck, name)
		if err != nil {
			return err
		}
		mdl, err := modelFromRecord(entry, rec.ModelConfig)
		if err != nil {
			return errors.Wrapf(err, "--checkpoint %s", *ck)
		}
		var ok bool
		if m, ok = translatorOf(mdl); !ok {
			return errors.Errorf("translate: --checkpoint %s holds a %T", *ck, mdl)
		}
		if _, err := train.LoadCheckpointWeights(*ck, m.model.Store()); err != nil {
			return err
		}
		ta = rec.Task
	}
	// The prebuilt model carries the tokenizers of its task; a checkpoint's come from the
	// vocabularies of the task it records, which --eval needs too.
	if *ck != "" || *eval {
		if *eval {
			ta.Examples = 1000 // the training split is not needed; keep it small
		}
		data, err := loadTask(ta)
		if err != nil {
			return err
		}
		if *ck != "" {
			tt, err := datasets.TaskTokenizers(data.Train.Info())
			if err != nil {
				return errors.Wrapf(err, "--checkpoint %s", *ck)
			}
			*m.tokenizers = tt
		}
		if *eval {
			if data.Test == nil {
				return usagef("translate --eval: the task has no test split")
			}
			sc, _, err := seq2seq.Evaluate(m.model, data.Test, 250, *beam)
			if err != nil {
				return err
			}
			what := "test (greedy)"
			if *beam > 1 {
				what = fmt.Sprintf("test (beam %d)", *beam)
			}
			printScores(stdout, what, sc, reportsBLEU(ta.Name))
			if *input == "" {
				return nil
			}
		}
	}
	if err := checkInput(m.tokenizers.Source, *input, m.maxSrc); err != nil {
		return err
	}
	tr, err := m.model.Translate(*input, *beam)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\t(log-probability %.4f)\n", tr.Output, tr.Score)
	if *plot != "" {
		if len(tr.Attention) == 0 {
			return usagef("--plot: the model has no attention weights to draw (it was trained with --attention none)")
		}
		if err := attentionHeatmap(tr).SavePNG(*plot); err != nil {
			return errors.Wrap(err, "--plot")
		}
		fmt.Fprintln(stdout, attentionNote(*plot, tr))
	}
	return nil
}

// checkInput refuses, as a usage error of --input, text that tok cannot encode, or that encodes
// to no symbols or to more than maxSrc.
func checkInput(tok *datasets.Tokenizer, input string, maxSrc int) error {
	if tok == nil {
		return errors.New("translate: the model has no tokenizer of its inputs")
	}
	ids, err := tok.Encode(input)
	if ie := (*datasets.InputError)(nil); errors.As(err, &ie) {
		return usagef("--input: %v", ie)
	}
	if err != nil {
		return errors.Wrap(err, "--input")
	}
	if len(ids) == 0 {
		return usagef("--input is empty")
	}
	if len(ids) > maxSrc {
		return usagef("--input has %d symbols; the model reads at most %d", len(ids), maxSrc)
	}
	return nil
}
