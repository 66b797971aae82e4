package texttest

import (
	"path/filepath"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/train/optim"
)

// SaveDatesCheckpoint writes the weights of m as `zoo train <model> --task dates` (data seed 1,
// SGD at rate 0.1, batch 64, seed seed) writes its checkpoint after steps steps, cfg being the
// model configuration it records and hist its validation records, and returns the file's path
// (<model>.npz in a directory the test removes).
func SaveDatesCheckpoint(t *testing.T, model string, m train.Model, cfg any, seed uint64, steps int, hist []train.Record) string {
	t.Helper()
	sgd, err := optim.New("sgd", optim.Options{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	run := map[string]any{"model": model, "task": map[string]any{"task": "dates", "data_seed": 1}, "model_config": cfg}
	meta := train.Meta{Step: steps, Seed: seed, History: hist,
		Config: train.Config{Batch: 64, Steps: steps, Optimizer: "sgd", LR: 0.1, Seed: seed, Run: run}}
	path := filepath.Join(t.TempDir(), model+".npz")
	if err := train.SaveCheckpoint(path, m.Store(), m.Store().Params(), sgd, meta); err != nil {
		t.Fatal(err)
	}
	return path
}
