package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/internal/mirrortest"
)

func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func md5Hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// useCorpora points the corpora at cs with the checksums sums, and the cache at a new directory,
// which it returns.
func useCorpora(t *testing.T, cs *mirrortest.Server, sums map[string]datasets.Sum) string {
	t.Helper()
	cache := t.TempDir()
	t.Setenv(datasets.CacheEnv, cache)
	t.Setenv(datasets.DataURLEnv, cs.URL)
	old := corpusSource
	corpusSource = datasets.Source{Sums: sums}
	t.Cleanup(func() { corpusSource = old })
	return cache
}

// tinyPTB writes a small word-level corpus in PTB's format (a leading space, words separated by
// spaces, rare words as <unk>): sentences of a little grammar over 24 words, drawn from seed.
func tinyPTB(words int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	subj := []string{"the cat", "a dog", "the man", "<unk>", "the bank"}
	verb := []string{"sat", "ran", "saw", "sold", "bought"}
	obj := []string{"on the mat", "the house", "a car", "N shares", "the <unk>"}
	var b strings.Builder
	n := 0
	for n < words {
		s := subj[rng.IntN(len(subj))] + " " + verb[rng.IntN(len(verb))] + " " + obj[rng.IntN(len(obj))]
		b.WriteString(" " + s + " \n")
		n += len(strings.Fields(s)) + 1
	}
	return []byte(b.String())
}

func ptbFiles() (map[string][]byte, map[string]datasets.Sum) {
	files := map[string][]byte{
		"ptb.train.txt": tinyPTB(1800, 1),
		"ptb.valid.txt": tinyPTB(500, 2),
		"ptb.test.txt":  tinyPTB(500, 3),
	}
	sums := map[string]datasets.Sum{
		"ptb.train.txt": {MD5: md5Hex(files["ptb.train.txt"])}, // as upstream: only an MD5
		"ptb.valid.txt": {SHA256: sha256Hex(files["ptb.valid.txt"])},
		"ptb.test.txt":  {SHA256: sha256Hex(files["ptb.test.txt"])},
	}
	return files, sums
}

// TestPTBZarembaEndToEnd runs `zoo train lstm --task ptb` with its defaults, the "small" LSTM of
// Zaremba et al. 2014, on a small corpus served by a local mirror: a download interrupted half-way
// fails and the next run resumes it; training runs 13 epochs of SGD with the rate halved each
// epoch after the 4th and reports word-level perplexity; eval reproduces it; a cache file altered
// afterwards and a corrupted download are errors naming the file and both sums.
func TestPTBZarembaEndToEnd(t *testing.T) {
	files, sums := ptbFiles()
	cs := mirrortest.New(t, files)
	cache := useCorpora(t, cs, sums)
	cs.Cut("ptb.train.txt", 3000)

	code, _, errOut := zoo("train", "lstm", "--task", "ptb", "--quiet", "--save", "")
	if code != 1 || !strings.Contains(errOut, "run again to resume") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("interrupted download: exit %d, stderr %q; want 1 and one line", code, errOut)
	}
	if st, err := os.Stat(filepath.Join(cache, "ptb.train.txt.part")); err != nil || st.Size() != 3000 {
		t.Fatalf("partial download: %v, %v", st, err)
	}

	dir := t.TempDir()
	ck, logPath := filepath.Join(dir, "ptb.npz"), filepath.Join(dir, "log.jsonl")
	code, out, errOut := zoo("train", "lstm", "--task", "ptb", "--quiet", "--json", "--save", ck, "--log", logPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if reqs := cs.Requests(); len(reqs) != 4 || reqs[0] != "ptb.train.txt " || reqs[1] != "ptb.train.txt bytes=3000-" {
		t.Errorf("requests %q; want ptb.train.txt, its rest from byte 3000, then the other two files", reqs)
	}
	if rec, err := os.ReadFile(filepath.Join(cache, "ptb.train.txt.sha256")); err != nil || !strings.HasPrefix(string(rec), sha256Hex(files["ptb.train.txt"])) {
		t.Errorf("recorded sha256 of the training file: %q, %v", rec, err)
	}

	// The defaults are the "small" configuration.
	res := lastJSON(t, out)
	cfg := res["config"].(map[string]any)
	for k, want := range map[string]any{"optimizer": "sgd", "lr": 1.0, "schedule": "zaremba", "clip": 5.0,
		"epochs": 13.0, "steps": 0.0, "batch": 20.0, "sequential": true} {
		if cfg[k] != want {
			t.Errorf("config %s = %v, want %v", k, cfg[k], want)
		}
	}
	run := cfg["run"].(map[string]any)
	if task := run["task"].(map[string]any); task["length"] != 20.0 || task["stream"] != true {
		t.Errorf("task %v: want --bptt 20 and contiguous streams", task)
	}
	seq := run["model_config"].(map[string]any)["seq"].(map[string]any)
	for k, want := range map[string]any{"hidden": 200.0, "layers": 2.0, "embed": 200.0, "bptt": 20.0,
		"dropout": 0.0, "init_uniform": 0.1, "carry": true} {
		if seq[k] != want {
			t.Errorf("model %s = %v, want %v", k, seq[k], want)
		}
	}

	// 13 evaluations, one per epoch; the rate of epoch e (1-based) is 1 for e ≤ 4, then 2^−(e−4).
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lrs, ppls []float64
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r struct {
			LR  float64            `json:"lr"`
			Val map[string]float64 `json:"val"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		lrs, ppls = append(lrs, r.LR), append(ppls, r.Val["ppl"])
	}
	want := []float64{1, 1, 1, 1, 0.5, 0.25, 0.125, 1.0 / 16, 1.0 / 32, 1.0 / 64, 1.0 / 128, 1.0 / 256, 1.0 / 512}
	if fmt.Sprint(lrs) != fmt.Sprint(want) {
		t.Errorf("learning rate at the 13 evaluations %v, want %v", lrs, want)
	}

	// Word-level perplexity: falling from epoch to epoch's end, and below the vocabulary's size
	// (the initial model, its outputs near uniform, scores about that), on validation and test.
	t.Logf("validation perplexity by epoch %.2f", ppls)
	if len(ppls) != 13 || !(ppls[12] < ppls[0]) {
		t.Errorf("validation perplexity by epoch %v: want 13, falling", ppls)
	}
	vocab := map[string]bool{"<eos>": true}
	for _, w := range strings.Fields(string(files["ptb.train.txt"])) {
		vocab[w] = true
	}
	for _, split := range []string{"val", "test"} {
		m := res[split].(map[string]any)
		ppl, _ := m["ppl"].(float64)
		if !(ppl > 1 && ppl < float64(len(vocab))) || math.Abs(math.Log(ppl)-m["loss"].(float64)) > 1e-9 {
			t.Errorf("%s perplexity %v (loss %v), want in (1, %d)", split, ppl, m["loss"], len(vocab))
		}
	}
	if !strings.Contains(out, "ppl ") {
		t.Errorf("the output does not report the perplexity:\n%s", out)
	}

	// eval rebuilds the task from the cache (no download) and reproduces the figures.
	n := len(cs.Requests())
	code, evalOut, errOut := zoo("eval", "lstm", "--checkpoint", ck, "--json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errOut)
	}
	if ev := lastJSON(t, evalOut)["validation"].(map[string]any); ev["ppl"] != res["val"].(map[string]any)["ppl"] {
		t.Errorf("eval gives %v, training ended with %v", ev, res["val"])
	}
	if len(cs.Requests()) != n {
		t.Errorf("eval downloaded again: %q", cs.Requests()[n:])
	}

	// Sampling reads characters: a word model is refused in one line.
	if code, _, errOut := zoo("sample", "lstm", "--checkpoint", ck); code != 2 || !strings.Contains(errOut, `"ptb"`) {
		t.Errorf("sample from the word model: exit %d, %q", code, errOut)
	}
	// The other models train on the words too.
	for _, m := range []string{"rnn", "gru", "transformer"} {
		code, out, errOut := zoo("train", m, "--task", "ptb", "--steps", "2", "--eval-every", "2", "--quiet", "--json", "--save", "")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, errOut)
		}
		if ppl, _ := lastJSON(t, out)["val"].(map[string]any)["ppl"].(float64); !(ppl > 1) {
			t.Errorf("%s: validation perplexity %v", m, ppl)
		}
	}

	// A cache file altered afterwards: an error naming it and both sums; the file stays.
	valid := filepath.Join(cache, "ptb.valid.txt")
	altered := append([]byte(" altered"), files["ptb.valid.txt"]...)
	os.WriteFile(valid, altered, 0o644)
	code, _, errOut = zoo("train", "lstm", "--task", "ptb", "--quiet", "--save", "", "--epochs", "1")
	if code != 1 {
		t.Errorf("altered cache file: exit %d, want 1", code)
	}
	for _, s := range []string{valid, sha256Hex(altered), sums["ptb.valid.txt"].SHA256} {
		if !strings.Contains(errOut, s) {
			t.Errorf("altered cache file: %q does not name %s", errOut, s)
		}
	}
	if b, _ := os.ReadFile(valid); !bytes.Equal(b, altered) {
		t.Error("the altered cache file was changed")
	}
	// The training file, accepted by its MD5, is checked against its recorded SHA-256.
	os.WriteFile(valid, files["ptb.valid.txt"], 0o644)
	trainFile := filepath.Join(cache, "ptb.train.txt")
	os.WriteFile(trainFile, append(files["ptb.train.txt"], " extra \n"...), 0o644)
	code, _, errOut = zoo("train", "lstm", "--task", "ptb", "--quiet", "--save", "", "--epochs", "1")
	if code != 1 || !strings.Contains(errOut, sha256Hex(files["ptb.train.txt"])) || !strings.Contains(errOut, trainFile+".sha256") {
		t.Errorf("altered training file: exit %d, %q", code, errOut)
	}

	// A corrupted download: an error naming the URL and both sums, nothing left in the cache.
	cache2 := useCorpora(t, cs, sums)
	cs.Corrupt("ptb.test.txt")
	code, _, errOut = zoo("train", "lstm", "--task", "ptb", "--quiet", "--save", "", "--epochs", "1")
	bad := append([]byte(nil), files["ptb.test.txt"]...)
	bad[len(bad)/2] ^= 0x20
	if code != 1 {
		t.Errorf("corrupted download: exit %d, want 1", code)
	}
	for _, s := range []string{cs.URL + "/ptb.test.txt", sha256Hex(bad), sums["ptb.test.txt"].SHA256} {
		if !strings.Contains(errOut, s) {
			t.Errorf("corrupted download: %q does not name %s", errOut, s)
		}
	}
	if _, err := os.Stat(filepath.Join(cache2, "ptb.test.txt")); !os.IsNotExist(err) {
		t.Errorf("the corrupted download is in the cache: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache2, "ptb.test.txt.part")); !os.IsNotExist(err) {
		t.Errorf("the corrupted download's .part file is kept: %v", err)
	}
}

// TestShakespeareEveryCharacterModel trains each character model for two steps on a small
// tiny-shakespeare served by the local mirror (downloaded once into the cache), and refuses a
// corrupted download with the sums in the message.
func TestShakespeareEveryCharacterModel(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 20000; i++ {
		fmt.Fprintf(&b, "First Citizen:\nBefore we proceed any further, hear me speak %d.\n\nAll:\nSpeak, speak.\n\n", i)
	}
	text := []byte(b.String())
	cs := mirrortest.New(t, map[string][]byte{"tinyshakespeare.txt": text})
	sums := map[string]datasets.Sum{"tinyshakespeare.txt": {SHA256: sha256Hex(text)}}
	useCorpora(t, cs, sums)
	for _, m := range []string{"rnn", "lstm", "gru", "transformer"} {
		code, out, errOut := zoo("train", m, "--task", "shakespeare", "--steps", "2", "--eval-every", "2", "--quiet", "--json", "--save", "")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", m, code, errOut)
		}
		val := lastJSON(t, out)["val"].(map[string]any)
		if bpc, _ := val["bpc"].(float64); !(bpc > 0 && bpc < 10) {
			t.Errorf("%s: validation bits/char %v", m, val["bpc"])
		}
	}
	if reqs := cs.Requests(); len(reqs) != 1 {
		t.Errorf("requests %q, want one download", reqs)
	}

	useCorpora(t, cs, sums)
	cs.Corrupt("tinyshakespeare.txt")
	code, _, errOut := zoo("train", "lstm", "--task", "shakespeare", "--steps", "1", "--quiet", "--save", "")
	if code != 1 || !strings.Contains(errOut, sums["tinyshakespeare.txt"].SHA256) || !strings.Contains(errOut, "tinyshakespeare.txt") {
		t.Errorf("corrupted download: exit %d, %q", code, errOut)
	}
}
