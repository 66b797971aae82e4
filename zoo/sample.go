package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
)

// sampler is a model that generates tokens one at a time through a seqmodel.Sampler (the
// recurrent models).
type sampler interface {
	NewSampler() (*seqmodel.Sampler, error)
}

// generator is a model that generates tokens itself (the transformer).
type generator interface {
	Generate(prime []int, n int, temperature float64, rng *rand.Rand) ([]int, error)
}

// canSample tells whether a model generates text.
func canSample(mdl train.Model) bool {
	switch mdl.(type) {
	case sampler, generator:
		return true
	}
	return false
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
	if *n < 0 || *n > maxWidth {
		return usagef("--len %d: must be in [0, %d]", *n, maxWidth)
	}
	if !(*temp >= 0) || math.IsInf(*temp, 0) {
		return usagef("--temperature %v: must be a non-negative number", *temp)
	}
	var mdl train.Model
	var ta taskArgs
	if *ck == "" {
		if m.Prebuilt == nil {
			return usagef("sample %s: no prebuilt weights; give --checkpoint FILE", name)
		}
		p, err := m.pretrained()
		if err != nil {
			return err
		}
		mdl, ta = p.model, p.task
	} else {
		rec, err := readRunRecord(*ck, name)
		if err != nil {
			return err
		}
		if mdl, err = modelFromRecord(m, rec.ModelConfig); err != nil {
			return errors.Wrapf(err, "--checkpoint %s", *ck)
		}
		if _, err := train.LoadCheckpointWeights(*ck, mdl.Store()); err != nil {
			return err
		}
		ta = rec.Task
	}
	text, err := taskText(ta)
	if err != nil {
		return err
	}
	out, err := sampleText(mdl, text, *prime, *n, *temp, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, *prime+out)
	return nil
}

// taskText loads the text of a language-model task, whose vocabulary encodes the model's tokens.
func taskText(ta taskArgs) (*datasets.Text, error) {
	if t := taskNamed(ta.Name); t.text != nil {
		return t.text(ta)
	}
	return nil, usagef("the model was trained on %q, not on text: nothing to sample", ta.Name)
}

// sampleText primes a text model with prime and generates n characters.
func sampleText(mdl train.Model, text *datasets.Text, prime string, n int, temp float64, seed uint64) (string, error) {
	if !canSample(mdl) {
		return "", usagef("this model cannot generate text")
	}
	ids, err := text.Encode([]byte(prime))
	if err != nil {
		return "", errors.Wrap(err, "--prime")
	}
	rng := nn.NewRNG(seed, nn.StreamSample, 0)
	var gen []int
	if gm, ok := mdl.(generator); ok {
		gen, err = gm.Generate(ids, n, temp, rng)
	} else {
		var s *seqmodel.Sampler
		if s, err = mdl.(sampler).NewSampler(); err == nil {
			gen, err = s.Generate(ids, n, temp, rng)
		}
	}
	if err != nil {
		return "", err
	}
	b, err := text.Decode(gen)
	return string(b), err
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
