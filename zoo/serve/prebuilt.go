package serve

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/catalog"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// UnknownModelError is a model name that the zoo does not have, or that has no prebuilt weights.
type UnknownModelError struct {
	Name string // the name asked for
}

func (e UnknownModelError) Error() string {
	return fmt.Sprintf("model %q has no prebuilt weights (prebuilt: %s)", e.Name, strings.Join(PrebuiltNames(), ", "))
}

// PrebuiltNames are the models of the zoo's catalog that ship with weights and generate text or
// translate: rnn, lstm, gru and transformer (character models of Newton's Opticks), seq2seq and
// transformer-seq2seq (the date normalisers, recurrent and transformer).
func PrebuiltNames() []string {
	var names []string
	for _, m := range catalog.Models {
		if m.Prebuilt != nil && m.Name != "mlp" {
			names = append(names, m.Name)
		}
	}
	return names
}

// Prebuilt returns the prebuilt model of that name, to serve; its inference copies share one
// load of the weights where the model can (seqmodel.Model.Clone) and copy them otherwise. An
// unknown name is an UnknownModelError.
func Prebuilt(name string) (Model, error) {
	cm, err := catalog.Find(name)
	if err != nil || cm.Prebuilt == nil {
		return Model{}, UnknownModelError{name}
	}
	mdl, rec, err := cm.Prebuilt()
	if err != nil {
		return Model{}, errors.Wrapf(err, "serve: prebuilt %s", name)
	}
	m := Model{
		Name:    name,
		About:   cm.About,
		Params:  mdl.Store().NumParams(),
		Task:    taskName(rec.Task),
		Trained: fmt.Sprintf("%s (%d steps)", rec.Command, rec.Steps),
	}
	switch rec.Metric {
	case catalog.MetricValBPC:
		m.Validation = fmt.Sprintf("validation %.4f bits/char", rec.Value)
	case catalog.MetricExact:
		m.Validation = fmt.Sprintf("exact match %.3f on the held-out test split", rec.Value)
		if m.Task == "dates" {
			m.Validation = fmt.Sprintf("exact match %.3f on the 1000 held-out test dates", rec.Value)
		}
	}
	if m.New, err = inferenceCopies(name, mdl, nil); err != nil {
		return Model{}, err
	}
	return m, nil
}

// AllPrebuilt returns every prebuilt model, in the order of PrebuiltNames.
func AllPrebuilt() ([]Model, error) {
	var ms []Model
	for _, n := range PrebuiltNames() {
		m, err := Prebuilt(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// FromCheckpoint returns the model of a checkpoint written by `zoo train`, to serve as name: the
// model is rebuilt from the configuration the checkpoint records, its weights loaded, and its
// vocabulary taken from the task it was trained on (opticks, shakespeare, text with its --data
// file, dates; the first inference copy loads the weights, the others are clones).
func FromCheckpoint(name, file string) (Model, error) {
	fail := func(err error) (Model, error) {
		return Model{}, errors.Wrapf(err, "serve: checkpoint %s=%s", name, file)
	}
	meta, err := train.ReadMeta(file)
	if err != nil {
		return fail(err)
	}
	raw, err := json.Marshal(meta.Config.Run)
	if err != nil {
		return fail(err)
	}
	var run struct {
		Model       string          `json:"model"`
		Task        json.RawMessage `json:"task"`
		ModelConfig json.RawMessage `json:"model_config"`
	}
	if err := json.Unmarshal(raw, &run); err != nil || run.Model == "" {
		return fail(errors.New("its JSON does not record the model and its task"))
	}
	cm, err := catalog.Find(run.Model)
	if err != nil {
		return fail(err)
	}
	mdl, err := cm.New(run.ModelConfig)
	if err != nil {
		return fail(err)
	}
	if _, err := train.LoadCheckpointWeights(file, mdl.Store()); err != nil {
		return fail(err)
	}
	tt, task, err := taskTokenizers(run.Task)
	if err != nil {
		return fail(err)
	}
	m := Model{
		Name:    name,
		About:   cm.About,
		Params:  mdl.Store().NumParams(),
		Task:    task,
		Trained: fmt.Sprintf("checkpoint %s: %s on task %s, step %d", file, run.Model, task, meta.Step),
	}
	m.Validation = lastValidation(meta)
	if m.New, err = inferenceCopies(name, mdl, &tt); err != nil {
		return fail(err)
	}
	return m, nil
}

// lastValidation describes the last validation figures a checkpoint records: "validation at
// step N: exact 1.0000, loss 0.0123".
func lastValidation(meta train.Meta) string {
	for i := len(meta.History) - 1; i >= 0; i-- {
		r := meta.History[i]
		if len(r.Val) == 0 {
			continue
		}
		var keys []string
		for k := range r.Val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for j, k := range keys {
			parts[j] = fmt.Sprintf("%s %.4f", k, r.Val[k])
		}
		return fmt.Sprintf("validation at step %d: %s", r.Step, strings.Join(parts, ", "))
	}
	if meta.BestVal != nil {
		return fmt.Sprintf("best validation loss %.4f", *meta.BestVal)
	}
	return ""
}

// taskName is the name in a task record ({"task": "opticks", …}); "" if it has none.
func taskName(raw json.RawMessage) string {
	var t struct {
		Name string `json:"task"`
	}
	if json.Unmarshal(raw, &t) != nil {
		return ""
	}
	return t.Name
}

// taskTokenizers returns the tokenizers of the task a checkpoint records, and the task's name.
func taskTokenizers(raw json.RawMessage) (datasets.Tokenizers, string, error) {
	var task struct {
		Name string `json:"task"`
		Data string `json:"data"`
	}
	if err := json.Unmarshal(raw, &task); err != nil {
		return datasets.Tokenizers{}, "", errors.Wrap(err, "task record")
	}
	text := func(t *datasets.Text, err error) (datasets.Tokenizers, string, error) {
		if err != nil {
			return datasets.Tokenizers{}, task.Name, err
		}
		tok := t.Tokenizer()
		return datasets.Tokenizers{Source: tok, Target: tok}, task.Name, nil
	}
	switch task.Name {
	case "opticks":
		tok := datasets.OpticksTokenizer()
		return datasets.Tokenizers{Source: tok, Target: tok}, task.Name, nil
	case "shakespeare":
		return text(datasets.TinyShakespeare())
	case "text":
		return text(datasets.LoadText(task.Data))
	case "dates":
		tt, err := seq2seq.DateTokenizers()
		return tt, task.Name, err
	}
	return datasets.Tokenizers{}, task.Name, errors.Errorf("task %q: the server reads the vocabularies of opticks, shakespeare, text and dates only", task.Name)
}

// inferenceCopies returns the New function of a served model: the first call returns mdl
// itself (with the tokenizers tt, where given), later calls clones of it.
func inferenceCopies(name string, mdl train.Model, tt *datasets.Tokenizers) (func() (any, error), error) {
	switch m := mdl.(type) {
	case *seqmodel.Model:
		return samplers(name, m, tt), nil
	case *seq2seq.Model:
		return translators(name, m, tt), nil
	case *transformer.LM:
		return samplers(name, m, tt), nil
	case *transformer.Seq2Seq:
		return translators(name, m, tt), nil
	}
	return nil, errors.Errorf("serve: model %s (%T) neither generates text nor translates", name, mdl)
}

// languageModel is a model the server samples from: seqmodel.Model, transformer.LM.
type languageModel[M any] interface {
	Sampler
	Clone() (M, error)
	WithTokenizer(*datasets.Tokenizer) M
}

// encoderDecoder is a model the server translates with: seq2seq.Model, transformer.Seq2Seq.
type encoderDecoder[M any] interface {
	Translate(input string, beam int) (seq2seq.Translation, error)
	Clone() (M, error)
	WithTokenizers(datasets.Tokenizers) M
}

// samplers is inferenceCopies of a language model: the model itself, then its clones.
func samplers[M languageModel[M]](name string, m M, tt *datasets.Tokenizers) func() (any, error) {
	if tt != nil {
		m = m.WithTokenizer(tt.Source)
	}
	return copies(name, m, func(m M) any { return m })
}

// translators is inferenceCopies of an encoder–decoder: the model itself, then its clones, each
// as a Translator.
func translators[M encoderDecoder[M]](name string, m M, tt *datasets.Tokenizers) func() (any, error) {
	if tt != nil {
		m = m.WithTokenizers(*tt)
	}
	return copies(name, m, func(m M) any { return translator[M]{m} })
}

// copies returns a pool's New function: serve(first) on the first call, serve of a clone of
// first on every later one.
func copies[M interface{ Clone() (M, error) }](name string, first M, serve func(M) any) func() (any, error) {
	used := false
	return func() (any, error) {
		if !used {
			used = true
			return serve(first), nil
		}
		c, err := first.Clone()
		if err != nil {
			return nil, errors.Wrapf(err, "serve: model %s: clone", name)
		}
		return serve(c), nil
	}
}

// fromSeq2Seq is a seq2seq.Translation as the server answers it.
func fromSeq2Seq(tr seq2seq.Translation, err error) (Translation, error) {
	return Translation{Output: tr.Output, Score: tr.Score, Ended: tr.Ended, Attention: tr.Attention, InputTokens: tr.InputTokens, OutputTokens: tr.OutputTokens}, err
}

// translator is an encoder–decoder as a Translator.
type translator[M encoderDecoder[M]] struct{ m M }

func (t translator[M]) Translate(input string, beam int) (Translation, error) {
	return fromSeq2Seq(t.m.Translate(input, beam))
}
