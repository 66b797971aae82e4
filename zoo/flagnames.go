package main

import (
	"cmp"
	"slices"
	"strings"
)

// flagNames maps the names the library's errors give to configuration fields and function
// arguments (see nn.FieldError) to the flags of this command that set them, so that a message
// reads "--d-model 0: must be positive" where the library says "transformer.Config.D 0: must be
// positive".
var flagNames = map[string]string{
	"train.Config.Batch":       "--batch",
	"train.Config.Clip":        "--clip",
	"train.Config.ClipValue":   "--clip-value",
	"train.Config.Epochs":      "--epochs",
	"train.Config.EvalBatch":   "eval batch", // no flag of zoo train sets it
	"train.Config.EvalEvery":   "--eval-every",
	"train.Config.LR":          "--lr",
	"train.Config.LogJSONL":    "--log",
	"train.Config.Momentum":    "--momentum",
	"train.Config.Optimizer":   "--optimizer",
	"train.Config.Patience":    "--patience",
	"train.Config.Replicas":    "--replicas",
	"train.Config.Save":        "--save",
	"train.Config.Schedule":    "--schedule",
	"train.Config.Seed":        "--seed",
	"train.Config.Steps":       "--steps",
	"train.Config.WeightDecay": "--weight-decay",

	"seqmodel.Config.Dropout":                "--dropout",
	"seqmodel.Config.Embed":                  "--embed",
	"seqmodel.Config.Hidden":                 "--hidden",
	"seqmodel.Config.Impl":                   "--impl",
	"seqmodel.Config.InitUniform":            "--init-uniform",
	"seqmodel.Config.T":                      "--bptt",
	"seqmodel.Sampler.Generate(prime)":       "--prime",
	"seqmodel.Sampler.Generate(temperature)": "--temperature",

	"seq2seq.Config.Attention":      "--attention",
	"seq2seq.Config.AttnDim":        "--attn-dim",
	"seq2seq.Config.Cell":           "--cell",
	"seq2seq.Config.DecHidden":      "--dec-hidden",
	"seq2seq.Config.Embed":          "--embed",
	"seq2seq.Config.Hidden":         "--hidden",
	"seq2seq.Config.Impl":           "--impl",
	"seq2seq.Config.Layers":         "--layers",
	"seq2seq.Config.TeacherForcing": "--teacher-forcing",
	"seq2seq.BeamSearch(k)":         "--beam",
	"seq2seq.Model.Beam(k)":         "--beam",

	"transformer.Config.Activation":               "--activation",
	"transformer.Config.Context":                  "--bptt",
	"transformer.Config.D":                        "--d-model",
	"transformer.Config.Dropout":                  "--dropout",
	"transformer.Config.FF":                       "--ff",
	"transformer.Config.Heads":                    "--heads",
	"transformer.Config.InitStd":                  "--init-std",
	"transformer.Config.Layers":                   "--layers",
	"transformer.Config.Positions":                "--positions",
	"transformer.Generator.Generate(n)":           "--len",
	"transformer.Generator.Generate(prime)":       "--prime",
	"transformer.Generator.Generate(temperature)": "--temperature",
	"transformer.Seq2SeqConfig.Layers":            "--layers",
	"transformer.Seq2SeqConfig.MaxSrc/MaxTgt":     "--bptt",
	"transformer.Seq2Seq.Beam(k)":                 "--beam",

	"compare.Options.Quick":     "--quick",
	"compare.Options.Seeds":     "--seeds",
	"compare.ParseShard(s)":     "--shard",
	"compare.ReadResults(dirs)": "--merge",
	"compare.Render(dir)":       "--out",
	"compare.WriteReport(path)": "--report",
	"compare.WriteShard(dir)":   "--out",
	"bench.Torch.Check":         "--torch",
}

// flagKeys are the keys of flagNames, longest first, so that a name is never taken for the
// beginning of a longer one ("train.Config.Clip" of "train.Config.ClipValue").
var flagKeys = func() []string {
	keys := make([]string, 0, len(flagNames))
	for k := range flagNames {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return keys
}()

// flagTerms returns err with the library's names of fields and arguments said as this command's
// flags; errors.Is and errors.As see err's chain as before.
func flagTerms(err error) error {
	if err == nil {
		return nil
	}
	msg := inFlagTerms(err.Error())
	if msg == err.Error() {
		return err
	}
	return flagTermsError{msg, err}
}

// flagTermsError is an error said in the command's terms.
type flagTermsError struct {
	msg string
	err error
}

func (e flagTermsError) Error() string { return e.msg }
func (e flagTermsError) Unwrap() error { return e.err }

// inFlagTerms replaces every name of flagNames in msg that stands as a whole name (not followed
// by a letter, digit or '_', not preceded by one or by '.') with its flag.
func inFlagTerms(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		if i == 0 || !isNameByte(msg[i-1]) && msg[i-1] != '.' {
			if k := flagKeyAt(msg[i:]); k != "" {
				b.WriteString(flagNames[k])
				i += len(k)
				continue
			}
		}
		b.WriteByte(msg[i])
		i++
	}
	return b.String()
}

// flagKeyAt returns the longest key of flagNames that s begins with as a whole name, or "".
func flagKeyAt(s string) string {
	for _, k := range flagKeys {
		if strings.HasPrefix(s, k) && (len(s) == len(k) || !isNameByte(s[len(k)])) {
			return k
		}
	}
	return ""
}

func isNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
