// Package mirrortest serves files over HTTP as a corpus mirror does, for the tests of downloads
// (datasets' Fetch, the zoo command's corpora by name): Range requests honoured, every request
// recorded, and on demand a connection dropped part-way, a file served altered, or Range ignored.
package mirrortest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server serves files by name: the URL path without its leading slash ("/mirror/a.txt" is
// "mirror/a.txt"), honouring Range requests (http.ServeContent). It closes when the test ends.
type Server struct {
	*httptest.Server
	mu          sync.Mutex
	files       map[string][]byte
	cut         map[string]int
	corrupt     map[string]bool
	ignoreRange bool
	requests    []request
}

// request is a request's file name and Range header.
type request struct{ name, rng string }

// New serves files (by name) until the test ends.
func New(t testing.TB, files map[string][]byte) *Server {
	t.Helper()
	s := &Server{files: files, cut: map[string]int{}, corrupt: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	s.requests = append(s.requests, request{name, r.Header.Get("Range")})
	b, ok := s.files[name]
	cut := s.cut[name]
	delete(s.cut, name)
	if ok && s.corrupt[name] {
		b = append([]byte(nil), b...)
		b[len(b)/2] ^= 0x20
	}
	ignore := s.ignoreRange
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if cut > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b[:cut])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops before the rest
	}
	if ignore {
		r.Header.Del("Range")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// Cut makes the next request of the file name stop after n bytes of its body (the whole file
// announced), as a dropped connection would.
func (s *Server) Cut(name string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut[name] = n
}

// Corrupt makes the server answer every later request of the file name with its middle byte
// changed.
func (s *Server) Corrupt(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt[name] = true
}

// IgnoreRange makes the server answer every later request with the whole file (200), as a server
// without Range support does.
func (s *Server) IgnoreRange() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreRange = true
}

// Requests returns the requests so far, in order, each as "name Range" (the Range header, ""
// when there was none).
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.name + " " + r.rng
	}
	return out
}

// Ranges returns the Range header of every request so far, in order ("" when there was none).
func (s *Server) Ranges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.rng
	}
	return out
}
