package train_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gorgonia-zoo/modelzoo/train"
)

// TestKillHelper is the child process of TestKilledDuringSave: it trains and kills itself with
// SIGKILL where ZOO_KILL_AT says, during the second save: after a stage, or after some bytes of
// the save have been written.
func TestKillHelper(t *testing.T) {
	at, save := os.Getenv("ZOO_KILL_AT"), os.Getenv("ZOO_KILL_SAVE")
	if at == "" || save == "" {
		t.Skip("run by TestKilledDuringSave")
	}
	kill := func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }
	if n, err := strconv.ParseInt(at, 10, 64); err == nil {
		files := 0
		left := n
		defer train.SetWrapWriter(func(w io.Writer) io.Writer {
			files++
			if files <= 3 {
				return w
			}
			return writerFunc(func(p []byte) (int, error) {
				if int64(len(p)) > left {
					_, _ = w.Write(p[:left])
					if f, ok := w.(interface{ Sync() error }); ok {
						_ = f.Sync()
					}
					kill()
				}
				left -= int64(len(p))
				return w.Write(p)
			})
		})()
	} else {
		seen := 0
		defer train.SetCheckpointHook(func(stage string) error {
			if stage == at {
				if seen++; seen == 2 {
					kill()
				}
			}
			return nil
		})()
	}
	c := config()
	c.Save = save
	_, err := train.Fit(newMLP(t), spirals(t), c)
	t.Fatalf("not killed: %v", err)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestKilledDuringSave kills a training process with SIGKILL after every stage of a save and in
// the middle of its writes: the checkpoint on disk always loads as step 20 or 40, leftover
// temporary files are ignored and removed by the next save, and resuming ends bit-identical to
// an uninterrupted run.
func TestKilledDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	full, sizes := fullRun(t)
	points := []string{"params", "optim", "json", "rename-params", "rename-optim"}
	for _, n := range []int64{10, sizes[0] / 2, sizes[0] + sizes[1]/2, sizes[0] + sizes[1] + sizes[2]/2} {
		points = append(points, strconv.FormatInt(n, 10))
	}
	for _, at := range points {
		dir := t.TempDir()
		save := filepath.Join(dir, "k.npz")
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "ZOO_KILL_AT="+at, "ZOO_KILL_SAVE="+save)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill at %s: child ended with %v: %s", at, err, out)
		}
		m := newMLP(t)
		ck, err := train.LoadCheckpoint(save, m.Store())
		if err != nil {
			t.Fatalf("kill at %s: %v", at, err)
		}
		if ck.Meta.Step != 20 && ck.Meta.Step != 40 {
			t.Fatalf("kill at %s: step %d", at, ck.Meta.Step)
		}
		var left []string
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				left = append(left, e.Name())
			}
		}
		c := config()
		c.Save, c.Resume = save, save
		resumed := newMLP(t)
		if _, err := train.Fit(resumed, spirals(t), c); err != nil {
			t.Fatalf("kill at %s: resuming from step %d: %v", at, ck.Meta.Step, err)
		}
		sameWeights(t, fmt.Sprintf("kill at %s (step %d, left %v)", at, ck.Meta.Step, left), full.Store(), resumed.Store())
		ents, _ = os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("kill at %s: %s still there after the next save", at, e.Name())
			}
		}
		t.Logf("kill at %s: loaded step %d, leftovers %v", at, ck.Meta.Step, left)
	}
}
