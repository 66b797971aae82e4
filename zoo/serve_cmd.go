package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gorgonia-zoo/modelzoo/zoo/serve"
	"github.com/pkg/errors"
)

// checkpointFlag collects the repeatable --checkpoint NAME=FILE of zoo serve.
type checkpointFlag struct {
	files map[string]string
	order []string
}

func (c *checkpointFlag) String() string {
	var parts []string
	for _, n := range c.order {
		parts = append(parts, n+"="+c.files[n])
	}
	return strings.Join(parts, ",")
}

func (c *checkpointFlag) Set(v string) error {
	name, file, ok := strings.Cut(v, "=")
	if !ok || name == "" || file == "" {
		return errors.Errorf("%q: want NAME=FILE, e.g. transformer-seq2seq=runs/transformer-seq2seq-dates.npz", v)
	}
	if c.files == nil {
		c.files = map[string]string{}
	}
	if _, dup := c.files[name]; dup {
		return errors.Errorf("%q: a checkpoint for %s is already given", v, name)
	}
	c.files[name] = file
	c.order = append(c.order, name)
	return nil
}

// serveCmd serves models over HTTP until SIGINT or SIGTERM, then shuts down gracefully: the
// listener closes and requests in flight finish.
func serveCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stdout)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	names := fs.String("models", strings.Join(serve.PrebuiltNames(), ","), "comma-separated models to serve with their prebuilt weights (or the --checkpoint of that name); empty: only the checkpoints")
	var cks checkpointFlag
	fs.Var(&cks, "checkpoint", "NAME=FILE: serve checkpoint FILE, written by zoo train NAME, as model NAME (repeatable)")
	pool := fs.Int("pool", 2, "inference copies of each model: requests one model serves at once")
	queue := fs.Int("queue", 64, "requests per model that may wait for a copy (0: none); more get 503")
	timeout := fs.Duration("timeout", 30*time.Second, "longest a request may wait and run; past it the answer is 504")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *pool < 1 || *pool > 256:
		return usagef("serve: --pool %d: must be in [1, 256]", *pool)
	case *queue < 0 || *queue > 1<<16:
		return usagef("serve: --queue %d: must be in [0, %d]", *queue, 1<<16)
	case *timeout <= 0:
		return usagef("serve: --timeout %v: must be positive", *timeout)
	}
	var models []serve.Model
	seen := map[string]bool{}
	add := func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		var m serve.Model
		var err error
		if file, ok := cks.files[name]; ok {
			m, err = serve.FromCheckpoint(name, file)
		} else {
			m, err = serve.Prebuilt(name)
			var unknown serve.UnknownModelError
			if errors.As(err, &unknown) {
				return usagef("serve: --models: %v", err)
			}
		}
		if err != nil {
			return err
		}
		models = append(models, m)
		return nil
	}
	for _, n := range strings.Split(*names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			if err := add(n); err != nil {
				return err
			}
		}
	}
	for _, n := range cks.order {
		if err := add(n); err != nil {
			return err
		}
	}
	if len(models) == 0 {
		return usagef("serve: no model to serve (--models is empty and no --checkpoint is given)")
	}
	logger := log.New(stderr, "zoo serve: ", log.LstdFlags)
	q := *queue
	if q == 0 {
		q = -1 // serve.Options reads 0 as its default
	}
	h, err := serve.New(serve.Options{Models: models, Pool: *pool, Queue: q, Timeout: *timeout, ErrorLog: logger})
	if err != nil {
		return err
	}
	// Listen for signals before the address is printed: whoever reads it may signal at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("serve: --addr %s: %v", *addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      *timeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          logger,
	}
	served := make([]string, len(models))
	for i, m := range models {
		served[i] = m.Name
	}
	sort.Strings(served)
	fmt.Fprintf(stdout, "zoo serve: http://%s/ serving %s (pool %d, queue %d, timeout %v); Ctrl-C stops\n",
		ln.Addr(), strings.Join(served, ", "), *pool, *queue, *timeout)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errors.Wrap(err, "serve")
	case <-ctx.Done():
	}
	stop() // a second Ctrl-C kills the process
	fmt.Fprintln(stdout, "zoo serve: shutting down; requests in flight finish")
	sctx, cancel := context.WithTimeout(context.Background(), *timeout+10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return errors.Wrap(err, "serve: shutdown")
	}
	if err := h.Shutdown(sctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "zoo serve: stopped")
	return nil
}
