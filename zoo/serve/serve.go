// Package serve serves the zoo's models over HTTP: a JSON API and a web page.
//
//	GET  /             the web page: pick a model, generate text or translate a date, see the attention
//	GET  /healthz      {"status": "ok", "models": N}; 503 while the server shuts down
//	GET  /v1/models    every served model: name, kind, parameters, how it was trained, its validation figure
//	POST /v1/sample    {"model", "prime", "length", "temperature", "seed"} → {"model", "text"}
//	POST /v1/translate {"model", "input", "beam"} → {"model", "output", "score", "attention", "input_tokens", "output_tokens"}
//
// Errors are JSON, {"error": message}, with the status that says what went wrong: 400 for bad
// input (bad JSON, an unknown field, an unknown model, a value over a limit), 404 for an unknown
// path, 405 for a wrong method, 413 for a body over Options.MaxBody, 503 when a model's queue is
// full or the server is shutting down, 504 when a request waited or ran longer than
// Options.Timeout.
//
// Gorgonia's VMs are not safe for concurrent use, so each model is served by a pool of
// Options.Pool inference copies: a request takes a copy from the pool, runs on it alone and puts
// it back. At most Options.Queue further requests per model wait for a copy; more are refused
// with 503 at once instead of piling up.
package serve

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Sampler generates text from a language model: n characters after reading prime, drawn at the
// softmax temperature (0 takes the most likely character) from a generator seeded by seed. The
// same arguments give the same text. A Sampler is used by one request at a time.
type Sampler interface {
	Sample(prime string, n int, temperature float64, seed uint64) (string, error)
}

// Translator translates one input with a beam of the given width (1: greedy). A Translator is
// used by one request at a time.
type Translator interface {
	Translate(input string, beam int) (Translation, error)
}

// Translation is one translated input, as /v1/translate returns it.
type Translation struct {
	// Output is the translated text.
	Output string `json:"output"`
	// Score is the log-probability of the output under the model.
	Score float64 `json:"score"`
	// Ended is false when the decoder wrote the most tokens it may without ending.
	Ended bool `json:"ended"`
	// Attention holds one row per output token (OutputTokens) with one weight per input token
	// (InputTokens): the heatmap of the lecture. /v1/translate rounds the weights to 6 decimals.
	Attention [][]float64 `json:"attention"`
	// InputTokens are the input as the model reads it, one label per column of Attention.
	InputTokens []string `json:"input_tokens"`
	// OutputTokens are the output as the model wrote it, one label per row of Attention.
	OutputTokens []string `json:"output_tokens"`
}

// Kinds of model: what a model does, and so which endpoint serves it.
const (
	KindSample    = "sample"    // a language model: POST /v1/sample
	KindTranslate = "translate" // an encoder–decoder: POST /v1/translate
)

// Model is one model to serve.
type Model struct {
	// Name is the model's name in requests.
	Name string `json:"name"`
	// About says what the model is, in one line.
	About string `json:"about,omitempty"`
	// Params is the model's number of parameters.
	Params int `json:"params"`
	// Task is the task the weights were trained on ("opticks", "dates").
	Task string `json:"task,omitempty"`
	// Trained says how the weights were made (the training command, or the checkpoint file).
	Trained string `json:"trained,omitempty"`
	// Validation is the weights' validation figure, with its unit.
	Validation string `json:"validation,omitempty"`
	// New returns one inference copy of the model: a Sampler or a Translator, never used by two
	// requests at once. New is called Options.Pool times when the server starts.
	New func() (any, error) `json:"-"`
}

// Options configure a server. A zero field takes the default named in its comment.
type Options struct {
	// Models are the models to serve; at least one, each name once.
	Models []Model
	// Pool is the number of inference copies of each model (default 2).
	Pool int
	// Queue is how many requests per model may wait for a copy (default 64; negative: none, a
	// request that finds every copy busy gets 503); more get 503.
	Queue int
	// Timeout bounds the time a request waits for a copy and runs (default 30 s); past it the
	// request gets 504.
	Timeout time.Duration
	// MaxBody is the largest request body in bytes (default 64 KiB); larger ones get 413.
	MaxBody int64
	// MaxPrime is the longest prime of /v1/sample in characters (default 1000).
	MaxPrime int
	// MaxLength is the most characters /v1/sample generates (default 2000).
	MaxLength int
	// MaxInput is the longest input of /v1/translate in characters (default 200).
	MaxInput int
	// MaxBeam is the widest beam of /v1/translate (default 16).
	MaxBeam int
	// MaxTemperature is the highest temperature of /v1/sample (default 100).
	MaxTemperature float64
	// ErrorLog receives what goes wrong inside the server (a model's panic); nil: the log
	// package's standard logger.
	ErrorLog *log.Logger
}

// Defaults of the request fields that may be left out.
const (
	DefaultLength      = 200
	DefaultTemperature = 0.8
	DefaultSeed        = 1
	DefaultBeam        = 1
)

func (o *Options) setDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Pool, 2)
	def(&o.Queue, 64)
	if o.Queue < 0 {
		o.Queue = 0
	}
	def(&o.MaxPrime, 1000)
	def(&o.MaxLength, 2000)
	def(&o.MaxInput, 200)
	def(&o.MaxBeam, 16)
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxBody == 0 {
		o.MaxBody = 64 << 10
	}
	if o.MaxTemperature == 0 {
		o.MaxTemperature = 100
	}
	if o.ErrorLog == nil {
		o.ErrorLog = log.Default()
	}
}

// Server is the HTTP handler of the API and the page. It is safe for concurrent use.
type Server struct {
	opt     Options
	models  map[string]*served
	order   []string
	mux     map[string]route
	closing atomic.Bool
	// running counts inference runs, which may outlive their request after a timeout. A run is
	// added under startMu's read lock after checking closing, and Shutdown sets closing under
	// its write lock, so no run is added once Shutdown waits.
	running sync.WaitGroup
	startMu sync.RWMutex
}

// served is one model with its pool of inference copies.
type served struct {
	Model
	kind string
	// copies holds the idle inference copies.
	copies chan any
	// admitted holds a token for every request running or waiting on this model.
	admitted chan struct{}
}

type route struct {
	methods []string
	handle  func(http.ResponseWriter, *http.Request)
}

// New builds the inference copies of every model and returns the server.
func New(opt Options) (*Server, error) {
	opt.setDefaults()
	switch {
	case len(opt.Models) == 0:
		return nil, errors.New("serve: no model to serve")
	case opt.Pool < 1 || opt.Pool > 1024:
		return nil, errors.Errorf("serve: pool %d: must be in [1, 1024]", opt.Pool)
	case opt.Queue > 1<<20:
		return nil, errors.Errorf("serve: queue %d: must be at most %d", opt.Queue, 1<<20)
	case opt.Timeout < 0:
		return nil, errors.Errorf("serve: timeout %v: must be positive", opt.Timeout)
	case opt.MaxBody < 0 || opt.MaxPrime < 0 || opt.MaxLength < 0 || opt.MaxInput < 0 || opt.MaxBeam < 0 || !(opt.MaxTemperature >= 0):
		return nil, errors.New("serve: a limit is negative")
	}
	s := &Server{opt: opt, models: map[string]*served{}}
	for _, m := range opt.Models {
		if m.Name == "" || m.New == nil {
			return nil, errors.Errorf("serve: model %q: needs a name and a New function", m.Name)
		}
		if _, dup := s.models[m.Name]; dup {
			return nil, errors.Errorf("serve: model %q given twice", m.Name)
		}
		sv := &served{Model: m, copies: make(chan any, opt.Pool), admitted: make(chan struct{}, opt.Pool+opt.Queue)}
		for i := 0; i < opt.Pool; i++ {
			c, err := m.New()
			if err != nil {
				return nil, errors.Wrapf(err, "serve: model %s: inference copy %d", m.Name, i+1)
			}
			kind := ""
			switch c.(type) {
			case Sampler:
				kind = KindSample
			case Translator:
				kind = KindTranslate
			default:
				return nil, errors.Errorf("serve: model %s: New returned a %T, which is neither a Sampler nor a Translator", m.Name, c)
			}
			if sv.kind != "" && kind != sv.kind {
				return nil, errors.Errorf("serve: model %s: New returned copies of different kinds", m.Name)
			}
			sv.kind = kind
			sv.copies <- c
		}
		s.models[m.Name] = sv
		s.order = append(s.order, m.Name)
	}
	s.mux = map[string]route{
		"/":             {[]string{http.MethodGet, http.MethodHead}, s.page},
		"/index.html":   {[]string{http.MethodGet, http.MethodHead}, s.page},
		"/healthz":      {[]string{http.MethodGet, http.MethodHead}, s.healthz},
		"/v1/models":    {[]string{http.MethodGet, http.MethodHead}, s.listModels},
		"/v1/sample":    {[]string{http.MethodPost}, s.sample},
		"/v1/translate": {[]string{http.MethodPost}, s.translate},
	}
	return s, nil
}

// ServeHTTP routes a request to the page or an endpoint of the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := s.mux[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such path %q (the API: GET /v1/models, POST /v1/sample, POST /v1/translate, GET /healthz)", r.URL.Path))
		return
	}
	for _, m := range rt.methods {
		if r.Method == m {
			rt.handle(w, r)
			return
		}
	}
	w.Header().Set("Allow", strings.Join(rt.methods, ", "))
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed (use %s)", r.Method, r.URL.Path, strings.Join(rt.methods, " or ")))
}

// Shutdown refuses new requests to the API with 503 and waits until every inference run has
// ended, or until ctx is done. Run it with http.Server.Shutdown, which waits for the handlers:
// inference runs can outlive a request that timed out.
func (s *Server) Shutdown(ctx context.Context) error {
	s.startMu.Lock()
	s.closing.Store(true)
	s.startMu.Unlock()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Wrap(ctx.Err(), "serve: shutdown: inference still running")
	}
}

//go:embed page/index.html
var pageFS embed.FS

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	b, err := pageFS.ReadFile("page/index.html")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "the page is missing from the build")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.closing.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "models": len(s.order)})
}

// modelInfo is one model in GET /v1/models.
type modelInfo struct {
	Model
	Kind string `json:"kind"`
	Pool int    `json:"pool"`
}

// Limits are the server's limits on a request, as GET /v1/models reports them.
type Limits struct {
	MaxBody        int64   `json:"max_body"`        // Options.MaxBody: bytes of a request body
	MaxPrime       int     `json:"max_prime"`       // Options.MaxPrime: characters of a prime
	MaxLength      int     `json:"max_length"`      // Options.MaxLength: characters /v1/sample generates
	MaxInput       int     `json:"max_input"`       // Options.MaxInput: characters of a translation's input
	MaxBeam        int     `json:"max_beam"`        // Options.MaxBeam: the widest beam
	MaxTemperature float64 `json:"max_temperature"` // Options.MaxTemperature: the highest temperature
	Queue          int     `json:"queue"`           // Options.Queue: requests that may wait per model
	TimeoutSeconds float64 `json:"timeout_seconds"` // Options.Timeout in seconds
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Models []modelInfo `json:"models"`
		Limits Limits      `json:"limits"`
	}{Limits: Limits{
		MaxBody: s.opt.MaxBody, MaxPrime: s.opt.MaxPrime, MaxLength: s.opt.MaxLength, MaxInput: s.opt.MaxInput,
		MaxBeam: s.opt.MaxBeam, MaxTemperature: s.opt.MaxTemperature, Queue: s.opt.Queue, TimeoutSeconds: s.opt.Timeout.Seconds(),
	}}
	for _, n := range s.order {
		m := s.models[n]
		out.Models = append(out.Models, modelInfo{Model: m.Model, Kind: m.kind, Pool: s.opt.Pool})
	}
	writeJSON(w, http.StatusOK, out)
}

// SampleRequest is the body of POST /v1/sample. Length, Temperature and Seed left out take
// DefaultLength (or Options.MaxLength if lower), DefaultTemperature and DefaultSeed.
type SampleRequest struct {
	Model       string   `json:"model"`                 // a language model's name, as GET /v1/models lists it
	Prime       string   `json:"prime"`                 // the text the sample continues
	Length      *int     `json:"length,omitempty"`      // characters to generate
	Temperature *float64 `json:"temperature,omitempty"` // 0 takes the most likely character; higher is more varied
	Seed        *uint64  `json:"seed,omitempty"`        // the draws' seed: one seed, one text
}

// SampleResponse is the answer of POST /v1/sample: the generated text, which follows the prime.
type SampleResponse struct {
	Model string `json:"model"` // the model that answered
	Text  string `json:"text"`  // the generated characters, without the prime
}

// TranslateRequest is the body of POST /v1/translate. Beam left out (or 0) is DefaultBeam.
type TranslateRequest struct {
	Model string `json:"model"`          // an encoder–decoder's name, as GET /v1/models lists it
	Input string `json:"input"`          // the text to translate
	Beam  int    `json:"beam,omitempty"` // beam width; 1 is greedy
}

// TranslateResponse is the answer of POST /v1/translate.
type TranslateResponse struct {
	Model string `json:"model"` // the model that answered
	Translation
}

func (s *Server) sample(w http.ResponseWriter, r *http.Request) {
	var req SampleRequest
	m, ok := s.request(w, r, &req, &req.Model, KindSample)
	if !ok {
		return
	}
	n, temp, seed := min(DefaultLength, s.opt.MaxLength), DefaultTemperature, uint64(DefaultSeed)
	if req.Length != nil {
		n = *req.Length
	}
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	if req.Seed != nil {
		seed = *req.Seed
	}
	switch {
	case utf8.RuneCountInString(req.Prime) > s.opt.MaxPrime:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("prime: %d characters, more than the limit of %d", utf8.RuneCountInString(req.Prime), s.opt.MaxPrime))
		return
	case n < 0 || n > s.opt.MaxLength:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("length %d: must be in [0, %d]", n, s.opt.MaxLength))
		return
	case !(temp >= 0 && temp <= s.opt.MaxTemperature):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("temperature %v: must be in [0, %v] (0 takes the most likely character)", temp, s.opt.MaxTemperature))
		return
	}
	s.run(w, r, m, func(c any) (any, error) {
		text, err := c.(Sampler).Sample(req.Prime, n, temp, seed)
		return SampleResponse{Model: m.Name, Text: text}, err
	})
}

func (s *Server) translate(w http.ResponseWriter, r *http.Request) {
	var req TranslateRequest
	m, ok := s.request(w, r, &req, &req.Model, KindTranslate)
	if !ok {
		return
	}
	beam := req.Beam
	if beam == 0 {
		beam = DefaultBeam
	}
	switch {
	case strings.TrimSpace(req.Input) == "":
		writeError(w, http.StatusBadRequest, "input: empty; give the text to translate")
		return
	case utf8.RuneCountInString(req.Input) > s.opt.MaxInput:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("input: %d characters, more than the limit of %d", utf8.RuneCountInString(req.Input), s.opt.MaxInput))
		return
	case beam < 1 || beam > s.opt.MaxBeam:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("beam %d: must be in [1, %d]", beam, s.opt.MaxBeam))
		return
	}
	s.run(w, r, m, func(c any) (any, error) {
		tr, err := c.(Translator).Translate(req.Input, beam)
		for _, row := range tr.Attention {
			for j, w := range row {
				row[j] = math.Round(w*1e6) / 1e6
			}
		}
		return TranslateResponse{Model: m.Name, Translation: tr}, err
	})
}

// request reads the JSON body into req and looks up the model of the kind that the body names
// in *model (req's Model field); it reports whether both went well, having answered the error
// otherwise.
func (s *Server) request(w http.ResponseWriter, r *http.Request, req any, model *string, kind string) (*served, bool) {
	if !s.decode(w, r, req) {
		return nil, false
	}
	return s.lookup(w, *model, kind)
}

// decode reads the JSON body into v, answering 413 for a body over the limit and 400 for
// anything else wrong with it; it reports whether v was read.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if s.closing.Load() {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return false
	}
	body := http.MaxBytesReader(w, r.Body, s.opt.MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// One JSON value and nothing after it but white space.
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("more than one JSON value")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over the limit of %d bytes", tooBig.Limit))
		return false
	}
	if err == io.EOF {
		err = errors.New("empty body")
	}
	writeError(w, http.StatusBadRequest, "request body: "+strings.TrimPrefix(err.Error(), "json: "))
	return false
}

// lookup finds the model a request names and checks that it does what the endpoint asks.
func (s *Server) lookup(w http.ResponseWriter, name, kind string) (*served, bool) {
	var names []string
	for _, n := range s.order {
		if s.models[n].kind == kind {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	m, ok := s.models[name]
	switch {
	case name == "":
		writeError(w, http.StatusBadRequest, fmt.Sprintf("model: missing; give one of %s", strings.Join(names, ", ")))
	case !ok:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("model %q: unknown; this endpoint serves %s", name, strings.Join(names, ", ")))
	case m.kind != kind:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("model %q does not %s (it serves /v1/%s); this endpoint serves %s", name, kind, m.kind, strings.Join(names, ", ")))
	default:
		return m, true
	}
	return nil, false
}

// result is what an inference run hands back to its request.
type result struct {
	v      any
	err    error
	status int
}

// run admits the request to m's queue, waits for an idle copy of m, runs do on it and writes the
// answer. The run itself goes on a goroutine of its own so that a request past its timeout is
// answered at once; the copy returns to the pool when the run ends.
func (s *Server) run(w http.ResponseWriter, r *http.Request, m *served, do func(any) (any, error)) {
	select {
	case m.admitted <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("model %s is busy: its %d copies are running and its queue of %d is full; retry later", m.Name, s.opt.Pool, s.opt.Queue))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opt.Timeout)
	defer cancel()
	var c any
	select {
	case c = <-m.copies:
	case <-ctx.Done():
		<-m.admitted
		s.writeCtxError(w, ctx, m.Name, "waiting for a free copy of the model")
		return
	}
	s.startMu.RLock()
	if s.closing.Load() {
		s.startMu.RUnlock()
		m.copies <- c
		<-m.admitted
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	s.running.Add(1)
	s.startMu.RUnlock()
	done := make(chan result, 1)
	go func() {
		defer s.running.Done()
		var res result
		func() {
			defer func() {
				if p := recover(); p != nil {
					s.opt.ErrorLog.Printf("serve: model %s panicked: %v", m.Name, p)
					res = result{err: errors.Errorf("model %s failed: internal error", m.Name), status: http.StatusInternalServerError}
				}
			}()
			v, err := do(c)
			res = result{v: v, err: err, status: http.StatusOK}
			if err != nil {
				res.status = http.StatusBadRequest
			}
		}()
		m.copies <- c
		<-m.admitted
		done <- res
	}()
	select {
	case res := <-done:
		if res.err != nil {
			writeError(w, res.status, res.err.Error())
			return
		}
		writeJSON(w, res.status, res.v)
	case <-ctx.Done():
		s.writeCtxError(w, ctx, m.Name, "running the model")
	}
}

// writeCtxError answers a request whose context ended: 504 past the timeout; a client that went
// away gets no answer worth writing, but one is written all the same.
func (s *Server) writeCtxError(w http.ResponseWriter, ctx context.Context, model, while string) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		writeError(w, http.StatusGatewayTimeout, fmt.Sprintf("model %s: timed out after %v %s", model, s.opt.Timeout, while))
		return
	}
	writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("model %s: request cancelled %s", model, while))
}

// ErrorResponse is the body of every error.
type ErrorResponse struct {
	Error string `json:"error"` // what was wrong, in one line
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorResponse{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorResponse{Error: "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
