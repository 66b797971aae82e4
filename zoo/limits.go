package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/mlp"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/gorgonia-zoo/modelzoo/zoo/transformer"
	"github.com/pkg/errors"
)

// Limits on what a flag or a checkpoint's model config may ask for, checked before anything is
// allocated. A model of maxParams parameters takes 4 GiB in float32, and about four times that
// to train (gradients and two solver slots).
const (
	maxParams = 1 << 28
	maxWidth  = 1 << 24 // any width, vocabulary or example count
	maxUnroll = 1 << 14 // steps a graph is unrolled for (--bptt, a context, a padded length)
	maxLayers = 1 << 10
	// maxExamples bounds the training examples a sequence task draws (--steps × --batch).
	maxExamples = 1 << 26
)

// sizeError is a size over a limit, from a flag (a usage error) or from a checkpoint.
func sizeError(fromFlags bool, format string, args ...any) error {
	if fromFlags {
		return usagef(format, args...)
	}
	return errors.Errorf(format, args...)
}

// dims checks that every named width is in [lo, maxWidth].
type dims struct {
	fromFlags bool
	err       error
}

func (d *dims) check(name string, v, lo, hi int) {
	if d.err == nil && (v < lo || v > hi) {
		d.err = sizeError(d.fromFlags, "%s %d: must be in [%d, %d]", name, v, lo, hi)
	}
}

// checkParams refuses a model of more than maxParams parameters (counted in float64, which
// cannot overflow here).
func checkParams(fromFlags bool, what string, n float64) error {
	if n > maxParams {
		return sizeError(fromFlags, "%s: the model would have %.4g parameters (%.3g GB of float32 weights, about four times that to train), more than the limit of %d",
			what, n, n*4/1e9, maxParams)
	}
	return nil
}

// checkModelSize refuses a model configuration whose widths or parameter count exceed the
// limits; fromFlags tells whether the numbers came from the command line (a usage error) or from
// a checkpoint. It knows the configuration types of every model of the command.
func checkModelSize(cfg any, fromFlags bool) error {
	d := &dims{fromFlags: fromFlags}
	f := float64(0)
	switch c := cfg.(type) {
	case mlp.Config:
		widths := append(append([]int{c.Inputs}, c.Hidden...), c.Outputs)
		for i, w := range widths {
			d.check(fmt.Sprintf("width %d of the MLP (--hidden)", i), w, 1, maxWidth)
		}
		d.check("--hidden: number of layers", len(c.Hidden), 0, maxLayers)
		for i := 1; i < len(widths); i++ {
			f += float64(widths[i-1]+5) * float64(widths[i])
		}
		if d.err == nil {
			return checkParams(fromFlags, "--hidden", f)
		}
	case seqmodel.ModelConfig:
		s := c.Seq
		d.check("--hidden", s.Hidden, 1, maxWidth)
		d.check("--layers", s.Layers, 0, maxLayers)
		d.check("--embed", s.Embed, 0, maxWidth)
		d.check("--bptt", s.T, 0, maxUnroll)
		d.check("vocabulary", s.Vocab, 0, maxWidth)
		d.check("input features", s.Dim, 0, maxWidth)
		d.check("classes", s.Classes, 0, maxWidth)
		d.check("targets", s.YDim, 0, maxWidth)
		if d.err == nil && max(s.Layers, 1)*s.T > 4*maxUnroll {
			d.err = sizeError(fromFlags, "--layers %d × --bptt %d: more than %d unrolled cells", s.Layers, s.T, 4*maxUnroll)
		}
		if d.err == nil {
			h, in := float64(s.Hidden), float64(s.Dim)
			if s.Vocab > 0 {
				in = float64(s.Embed)
			}
			f = float64(s.Vocab)*float64(s.Embed) + 4*(in+h+2)*h + float64(max(s.Layers, 1)-1)*4*(2*h+2)*h +
				(h+1)*float64(s.Classes+s.YDim)
			return checkParams(fromFlags, "--hidden/--embed/--layers", f)
		}
	case seq2seq.Config:
		for _, x := range []struct {
			name string
			v    int
		}{{"--embed", c.Embed}, {"--hidden", c.Hidden}, {"--dec-hidden", c.DecHidden}, {"--attn-dim", c.AttnDim},
			{"source vocabulary", c.SrcVocab}, {"target vocabulary", c.TgtVocab}} {
			d.check(x.name, x.v, 0, maxWidth)
		}
		d.check("--layers", c.Layers, 0, maxLayers)
		d.check("longest source", c.MaxSrc, 0, maxUnroll)
		d.check("longest target", c.MaxTgt, 0, maxUnroll)
		if d.err == nil {
			w := float64(max(c.Embed, c.Hidden, c.DecHidden, c.AttnDim, 1))
			f = float64(c.SrcVocab+c.TgtVocab)*w*3 + float64(max(c.Layers, 1))*40*w*w
			return checkParams(fromFlags, "--hidden/--embed/--layers", f)
		}
	case transformer.Config:
		d.check("--d-model", c.D, 1, maxWidth)
		d.check("--ff", c.FF, 0, maxWidth)
		d.check("--layers", c.Layers, 0, maxLayers)
		d.check("--heads", c.Heads, 1, max(c.D, 1))
		d.check("vocabulary", c.Vocab, 0, maxWidth)
		d.check("--bptt (context)", c.Context, 0, maxUnroll)
		if d.err == nil {
			dm := float64(c.D)
			f = float64(c.Layers)*(4*dm*dm+2*dm*float64(c.FF)+12*dm) + 2*float64(c.Vocab)*dm + float64(c.Context)*dm
			return checkParams(fromFlags, "--d-model/--ff/--layers", f)
		}
	case transformer.Seq2SeqConfig:
		d.check("--d-model", c.D, 1, maxWidth)
		d.check("--ff", c.FF, 0, maxWidth)
		d.check("--layers", c.Layers, 0, maxLayers)
		d.check("--heads", c.Heads, 1, max(c.D, 1))
		d.check("source vocabulary", c.SrcVocab, 0, maxWidth)
		d.check("target vocabulary", c.TgtVocab, 0, maxWidth)
		d.check("longest source", c.MaxSrc, 0, maxUnroll)
		d.check("longest target", c.MaxTgt, 0, maxUnroll)
		if d.err == nil {
			dm := float64(c.D)
			f = 2*float64(c.Layers)*(8*dm*dm+2*dm*float64(c.FF)+16*dm) + 2*float64(c.SrcVocab+c.TgtVocab)*dm
			return checkParams(fromFlags, "--d-model/--ff/--layers", f)
		}
	}
	return d.err
}

// modelFromRecord rebuilds the model a checkpoint records, after checking its config's sizes.
func modelFromRecord(m model, raw json.RawMessage) (train.Model, error) {
	if err := m.checkConfig(raw); err != nil {
		return nil, err
	}
	return m.New(raw)
}

// checkRecorded is the checkConfig of a model whose checkpoints record a config of type C: it
// decodes raw and checks the sizes (checkModelSize).
func checkRecorded[C any](raw json.RawMessage) error {
	var cfg C
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return errors.Wrap(err, "model config")
	}
	if err := checkModelSize(cfg, false); err != nil {
		return errors.Wrap(err, "model config")
	}
	return nil
}

// fileSum is the size and SHA-256 of a data file, recorded so that a checkpoint is never
// evaluated on data other than its own.
func fileSum(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", errors.Wrapf(err, "reading %s", path)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// checkData refuses a checkpoint's task whose data file is not the one it was trained on: its
// vocabulary, class names and standardisation come from that file.
func checkData(ck string, ta taskArgs) error {
	if ta.Data == "" || ta.DataSHA256 == "" {
		return nil
	}
	n, sum, err := fileSum(ta.Data)
	if err != nil {
		return errors.Wrapf(err, "--checkpoint %s was trained on %s", ck, ta.Data)
	}
	if n != ta.DataSize || sum != ta.DataSHA256 {
		return errors.Errorf("--checkpoint %s was trained on %s of %d bytes, SHA-256 %.16s…; the file now has %d bytes, SHA-256 %.16s…: its vocabulary, classes or standardisation would differ (restore the file the model was trained on)",
			ck, ta.Data, ta.DataSize, ta.DataSHA256, n, sum)
	}
	return nil
}

// checkResume refuses to resume from a checkpoint of another model, model config or task than
// the command line's, naming what differs. The count of training examples drawn may differ (it
// follows --steps).
func checkResume(ck string, rec runRecord, name string, rawCfg json.RawMessage, ta taskArgs) error {
	if rec.Model != name {
		return usagef("--resume %s holds a %s model, not %s", ck, rec.Model, name)
	}
	var was, is map[string]any
	if err := json.Unmarshal(rec.ModelConfig, &was); err != nil {
		return errors.Wrapf(err, "--resume %s: model config", ck)
	}
	if err := json.Unmarshal(rawCfg, &is); err != nil {
		return errors.Wrap(err, "model config")
	}
	if diff := differences(was, is); diff != "" {
		return usagef("--resume %s: the checkpoint's model differs from this command line's: %s", ck, diff)
	}
	a, b := rec.Task, ta
	a.Examples, b.Examples = 0, 0
	if a != b {
		ra, _ := json.Marshal(a)
		rb, _ := json.Marshal(b)
		var ma, mb map[string]any
		_ = json.Unmarshal(ra, &ma)
		_ = json.Unmarshal(rb, &mb)
		return usagef("--resume %s: the checkpoint was trained on another task or data: %s", ck, differences(ma, mb))
	}
	return nil
}

// differences lists the keys whose values differ between two decoded JSON objects.
func differences(was, is map[string]any) string {
	keys := map[string]bool{}
	for k := range was {
		keys[k] = true
	}
	for k := range is {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(was[k], is[k]) {
			out = append(out, fmt.Sprintf("%s %v in the checkpoint, %v now", k, show(was[k]), show(is[k])))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
