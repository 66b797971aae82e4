package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// textModel is a model that generates text through the library's string API: the recurrent
// models (seqmodel.Model) and the transformer language model (transformer.LM).
type textModel interface {
	Sample(prime string, n int, temperature float64, seed uint64) (string, error)
}

// canSample tells whether a model generates text.
func canSample(mdl train.Model) bool {
	_, ok := mdl.(textModel)
	return ok
}

// sampleCmd generates text from a trained checkpoint or from the model's prebuilt weights.
func sampleCmd(name string, args []string, stdout io.Writer) error {
	m, ok := models[name]
	if !ok {
		return usagef("unknown model %q", name)
	}
	fs := newFlagSet("sample "+name, stdout)
	ck := fs.String("checkpoint", "", "checkpoint of a text model (.npz written by zoo train); empty: the prebuilt weights")
	prime := fs.String("prime", "The ", "text the model reads before it generates")
	n := fs.Int("len", 300, "characters to generate")
	temp := fs.Float64("temperature", 0.8, "softmax temperature: lower is more conservative, 0 takes the most likely character")
	seed := fs.Uint64("seed", 1, "seed of the draws")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 0 || *n > seqmodel.MaxSampleLength {
		return usagef("--len %d: must be in [0, %d]", *n, seqmodel.MaxSampleLength)
	}
	if !(*temp >= 0) || math.IsInf(*temp, 0) {
		return usagef("--temperature %v: must be a non-negative number", *temp)
	}
	if *prime == "" {
		return usagef("--prime: at least one character is needed")
	}
	var tm textModel
	if *ck == "" {
		if m.Prebuilt == nil {
			return usagef("sample %s: no prebuilt weights; give --checkpoint FILE", name)
		}
		p, err := m.pretrained()
		if err != nil {
			return err
		}
		if err := checkTextTask(p.task); err != nil {
			return err
		}
		// The prebuilt weights carry the tokenizer of the text they were trained on.
		if tm, ok = p.model.(textModel); !ok {
			return usagef("this model cannot generate text")
		}
	} else {
		rec, err := readRunRecord(*ck, name)
		if err != nil {
			return err
		}
		text, err := taskText(rec.Task)
		if err != nil {
			return err
		}
		mdl, err := modelFromRecord(m, rec.ModelConfig)
		if err != nil {
			return errors.Wrapf(err, "--checkpoint %s", *ck)
		}
		if _, err := train.LoadCheckpointWeights(*ck, mdl.Store()); err != nil {
			return err
		}
		if tm, err = withTokenizer(mdl, text.Tokenizer()); err != nil {
			return err
		}
	}
	out, err := generate(tm, *prime, *n, *temp, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, *prime+out)
	return nil
}

// checkTextTask refuses a task that is not a text: a model trained on it has nothing to sample.
func checkTextTask(ta taskArgs) error {
	if !taskNamed(ta.Name).isText() {
		return usagef("the model was trained on %q, not on text: nothing to sample", ta.Name)
	}
	return nil
}

// taskText loads the text of a language-model task, whose vocabulary encodes the model's tokens.
func taskText(ta taskArgs) (*datasets.Text, error) {
	if err := checkTextTask(ta); err != nil {
		return nil, err
	}
	return taskNamed(ta.Name).text(ta)
}

// withTokenizer returns mdl, a text model, encoding and decoding its text with tok.
func withTokenizer(mdl train.Model, tok *datasets.Tokenizer) (textModel, error) {
	switch m := mdl.(type) {
	case *seqmodel.Model:
		return m.WithTokenizer(tok), nil
	case *transformer.LM:
		return m.WithTokenizer(tok), nil
	}
	return nil, usagef("this model cannot generate text")
}

// sampleText primes a text model with prime and generates n characters, its text encoded and
// decoded by the tokenizer of text (the text the model was trained on).
func sampleText(mdl train.Model, text *datasets.Text, prime string, n int, temp float64, seed uint64) (string, error) {
	tm, err := withTokenizer(mdl, text.Tokenizer())
	if err != nil {
		return "", err
	}
	return generate(tm, prime, n, temp, seed)
}

// generate runs the model's Sample; a character of prime outside the model's vocabulary is a
// usage error of --prime.
func generate(tm textModel, prime string, n int, temp float64, seed uint64) (string, error) {
	out, err := tm.Sample(prime, n, temp, seed)
	if ie := (*datasets.InputError)(nil); errors.As(err, &ie) {
		return "", usagef("--prime: %v", ie)
	}
	return out, err
}

// readRunRecord reads what a checkpoint of model name records about its model and task, and
// checks that the task's data file is still the one the model was trained on.
func readRunRecord(ck, name string) (runRecord, error) {
	rec, err := readRecord("--checkpoint", ck, name)
	if err != nil {
		return rec, err
	}
	return rec, checkData(ck, rec.Task)
}

// readRecord reads the run record of the checkpoint ck given by flag, of model name.
func readRecord(flag, ck, name string) (runRecord, error) {
	var rec runRecord
	meta, err := train.ReadMeta(ck)
	if err != nil {
		return rec, errors.Wrapf(err, "%s %s", flag, ck)
	}
	raw, err := json.Marshal(meta.Config.Run)
	if err != nil {
		return rec, errors.Wrapf(err, "%s %s", flag, ck)
	}
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Model == "" {
		return rec, errors.Errorf("%s %s: its JSON does not record the model and task", flag, ck)
	}
	if rec.Model != name {
		return rec, usagef("%s %s holds a %s model, not %s", flag, ck, rec.Model, name)
	}
	if rec.Task.DataSize < 0 || rec.Task.N < 0 || rec.Task.Length < 0 || rec.Task.Batch < 0 || rec.Task.Examples < 0 ||
		rec.Task.N > maxWidth || rec.Task.Length > maxUnroll || rec.Task.Batch > maxWidth || rec.Task.Examples > maxExamples {
		return rec, errors.Errorf("%s %s: task record %+v is out of range", flag, ck, rec.Task)
	}
	return rec, nil
}
