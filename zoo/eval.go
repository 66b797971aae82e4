package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/pkg/errors"
)

// pretrainedEvalBatch is the batch the figures of prebuilt models are measured with.
const pretrainedEvalBatch = 32

func evalCmd(name string, args []string, stdout io.Writer) error {
	m, ok := models[name]
	if !ok {
		return usagef("unknown model %q", name)
	}
	fs := newFlagSet("eval "+name, stdout)
	ck := fs.String("checkpoint", "", "checkpoint to evaluate (.npz written by zoo train); empty: the prebuilt weights")
	batch := fs.Int("batch", 0, "examples per evaluation batch (0: as in training, which reproduces its figures exactly; a split scored as one stream, --stream, runs one row at a time whatever it says)")
	jsonOut := fs.Bool("json", false, "print the metrics as one JSON object on the last line of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 0 || *batch > maxWidth {
		return usagef("--batch %d: must be in [0, %d]", *batch, maxWidth)
	}
	var mdl train.Model
	var ta taskArgs
	if *ck == "" {
		if m.Prebuilt == nil {
			return usagef("eval %s: --checkpoint FILE is required (the model has no prebuilt weights)", name)
		}
		p, err := m.pretrained()
		if err != nil {
			return err
		}
		mdl, ta = p.model, p.task
		if *batch <= 0 {
			*batch = pretrainedEvalBatch
		}
	} else {
		rec, err := readRunRecord(*ck, name)
		if err != nil {
			return err
		}
		if mdl, err = modelFromRecord(m, rec.ModelConfig); err != nil {
			return errors.Wrapf(err, "--checkpoint %s", *ck)
		}
		meta, err := train.LoadCheckpointWeights(*ck, mdl.Store())
		if err != nil {
			return err
		}
		if *batch <= 0 {
			*batch = meta.Config.EvalBatch
			if *batch <= 0 {
				*batch = meta.Config.Batch
			}
		}
		ta = rec.Task
	}
	data, err := loadTask(ta)
	if err != nil {
		return err
	}
	gs := train.NewGraphs(mdl)
	defer gs.Close()
	out := map[string]train.Metrics{}
	for _, split := range []struct {
		name string
		ds   datasets.Dataset
	}{{"validation", data.Val}, {"test", data.Test}} {
		if split.ds == nil || split.ds.Len() == 0 {
			continue
		}
		met, err := train.Evaluate(gs, split.ds, *batch)
		if err != nil {
			return err
		}
		if m.decode != nil {
			dm, _, err := m.decode(mdl, split.ds, ta.Name)
			if err != nil {
				return err
			}
			for k, v := range dm {
				met[k] = v
			}
		}
		if l := met["loss"]; math.IsNaN(l) || math.IsInf(l, 0) {
			return errors.Errorf("%s loss is %v: the model's outputs are not finite", split.name, l)
		}
		out[split.name] = met
		printMetrics(stdout, split.name, met)
	}
	if *jsonOut {
		b, err := json.Marshal(out)
		if err != nil {
			return errors.Wrap(err, "--json")
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}
