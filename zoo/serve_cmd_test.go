package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorgonia-zoo/modelzoo/zoo/internal/texttest"
	"github.com/gorgonia-zoo/modelzoo/zoo/seq2seq"
)

func TestServeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--pool", "0"}, "--pool 0: must be in [1, 256]"},
		{[]string{"--queue", "-1"}, "--queue -1"},
		{[]string{"--timeout", "0s"}, "--timeout 0s: must be positive"},
		{[]string{"--checkpoint", "runs/x.npz"}, "want NAME=FILE"},
		{[]string{"--checkpoint", "a=x", "--checkpoint", "a=y"}, "already given"},
		{[]string{"--models", "lstm,nope"}, `model "nope" has no prebuilt weights`},
		{[]string{"--models", "mlp"}, `model "mlp" has no prebuilt weights`},
		{[]string{"--models", ""}, "no model to serve"},
		{[]string{"--models", "seq2seq", "--pool", "1", "--addr", "127.0.0.1:99999"}, "--addr 127.0.0.1:99999"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		err := serveCmd(c.args, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("zoo serve %s: %v; want a usage error saying %q", strings.Join(c.args, " "), err, c.says)
		}
	}
	if err := serveCmd([]string{"--checkpoint", "seq2seq=testdata/none.npz"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "testdata/none.npz") {
		t.Errorf("a missing checkpoint: %v, want an error naming the file", err)
	}
}

// TestServeCommand starts zoo serve on a free port, translates a date through it, and stops it
// with SIGINT: the command shuts down and returns nil.
func TestServeCommand(t *testing.T) {
	// A checkpoint as zoo train seq2seq --task dates writes it, of the prebuilt weights.
	m, err := seq2seq.Pretrained()
	if err != nil {
		t.Fatal(err)
	}
	ck := texttest.SaveDatesCheckpoint(t, "seq2seq", m, m.Config, 1, 500, nil)
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serveCmd([]string{"--addr", "127.0.0.1:0", "--models", "lstm", "--checkpoint", "dates=" + ck, "--pool", "1"}, pw, &stderr)
		pw.Close()
	}()
	var first string
	select {
	case first = <-lines:
	case err := <-done:
		t.Fatalf("zoo serve ended: %v (stderr %q)", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("zoo serve printed no address in 60 s")
	}
	_, rest, ok := strings.Cut(first, "http://")
	url, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.Contains(first, "serving dates, lstm (pool 1, queue 64, timeout 30s)") {
		t.Fatalf("first line %q: want the address and the models", first)
	}
	resp, err := http.Post("http://"+url+"v1/translate", "application/json", strings.NewReader(`{"model":"dates","input":"Nov 28, 2026"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"output":"2026-11-28"`)) {
		t.Errorf("translate through zoo serve: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get("http://" + url + "v1/models")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte("checkpoint "+ck+": seq2seq on task dates, step 500")) {
		t.Errorf("GET /v1/models does not describe the checkpoint: %s", b)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("zoo serve after SIGINT: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("zoo serve still running 30 s after SIGINT")
	}
	var out []string
	for l := range lines {
		out = append(out, l)
	}
	if got := strings.Join(out, "\n"); !strings.Contains(got, "shutting down") || !strings.HasSuffix(got, "zoo serve: stopped") {
		t.Errorf("output after SIGINT %q: want the shutdown and stop lines", got)
	}
}
