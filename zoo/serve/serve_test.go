package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSampler writes n letters drawn from a generator seeded by seed: the same seed gives the
// same text, another seed (almost surely) another. A prime holding '#' is refused, as a real model
// refuses a character outside its vocabulary. With gate set, each call waits for a value on it
// (after announcing itself on started) so that tests can hold requests in flight.
type fakeSampler struct {
	started chan struct{}
	gate    chan struct{}
	panics  bool
	busy    *sync.Mutex // held during a call: a second concurrent call on one copy fails the test
	t       *testing.T
}

func (f *fakeSampler) Sample(prime string, n int, temperature float64, seed uint64) (string, error) {
	if !f.busy.TryLock() {
		f.t.Errorf("a copy of the model is used by two requests at once")
		return "", fmt.Errorf("copy in use")
	}
	defer f.busy.Unlock()
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	if f.panics {
		panic("fake model failure")
	}
	if strings.Contains(prime, "#") {
		return "", fmt.Errorf("prime: character %q is not in the model's vocabulary", '#')
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return string(b), nil
}

// fakeTranslator reverses its input and attends from each output character to the input
// character it copies.
type fakeTranslator struct{}

func (fakeTranslator) Translate(input string, beam int) (Translation, error) {
	in := []rune(input)
	tr := Translation{Score: -0.25 * float64(beam), Ended: true}
	for _, r := range in {
		tr.InputTokens = append(tr.InputTokens, string(r))
	}
	for i := len(in) - 1; i >= 0; i-- {
		tr.Output += string(in[i])
		tr.OutputTokens = append(tr.OutputTokens, string(in[i]))
		row := make([]float64, len(in))
		row[i] = 1
		tr.Attention = append(tr.Attention, row)
	}
	return tr, nil
}

// fakeModels returns a language model "lm" and a translator "rev"; sampler configures every copy
// of lm.
func fakeModels(t *testing.T, sampler func(*fakeSampler)) []Model {
	return []Model{
		{Name: "lm", About: "a fake language model", Params: 12, Validation: "no figure", New: func() (any, error) {
			f := &fakeSampler{busy: new(sync.Mutex), t: t}
			if sampler != nil {
				sampler(f)
			}
			return f, nil
		}},
		{Name: "rev", About: "reverses its input", Params: 0, New: func() (any, error) { return fakeTranslator{}, nil }},
	}
}

func newTestServer(t *testing.T, opt Options) (*Server, *httptest.Server) {
	t.Helper()
	if opt.Models == nil {
		opt.Models = fakeModels(t, nil)
	}
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// call sends a request and returns the status and the body.
func call(t *testing.T, ts *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func decodeAs[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("answer %s: %v", b, err)
	}
	return v
}

func TestModelsAndHealth(t *testing.T) {
	_, ts := newTestServer(t, Options{Pool: 3, MaxBeam: 5})
	code, b := call(t, ts, "GET", "/v1/models", "")
	if code != 200 {
		t.Fatalf("GET /v1/models: %d %s", code, b)
	}
	var got struct {
		Models []struct {
			Name, About, Trained, Validation, Kind string
			Params, Pool                           int
		}
		Limits Limits
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Models) != 2 || got.Models[0].Name != "lm" || got.Models[0].Kind != KindSample || got.Models[0].Params != 12 ||
		got.Models[0].Pool != 3 || got.Models[1].Name != "rev" || got.Models[1].Kind != KindTranslate {
		t.Errorf("GET /v1/models: %s", b)
	}
	if got.Limits.MaxBeam != 5 || got.Limits.MaxLength != 2000 || got.Limits.MaxBody != 64<<10 {
		t.Errorf("limits %+v: want the options and their defaults", got.Limits)
	}
	code, b = call(t, ts, "GET", "/healthz", "")
	if code != 200 || !bytes.Contains(b, []byte(`"status":"ok"`)) {
		t.Errorf("GET /healthz: %d %s", code, b)
	}
	code, b = call(t, ts, "GET", "/", "")
	if code != 200 || !bytes.Contains(b, []byte(`<canvas id="heatmap"`)) {
		t.Errorf("GET /: %d, %d bytes, want the page with its heatmap canvas", code, len(b))
	}
}

func TestSampleSameSeedSameText(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	get := func(body string) string {
		code, b := call(t, ts, "POST", "/v1/sample", body)
		if code != 200 {
			t.Fatalf("POST /v1/sample %s: %d %s", body, code, b)
		}
		r := decodeAs[SampleResponse](t, b)
		if r.Model != "lm" {
			t.Errorf("model %q, want lm", r.Model)
		}
		return r.Text
	}
	a := get(`{"model":"lm","prime":"The ","length":40,"temperature":0.5,"seed":7}`)
	b := get(`{"model":"lm","prime":"The ","length":40,"temperature":0.5,"seed":7}`)
	c := get(`{"model":"lm","prime":"The ","length":40,"temperature":0.5,"seed":8}`)
	if len(a) != 40 || a != b {
		t.Errorf("seed 7 twice: %q and %q; want the same 40 characters", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same text %q", a)
	}
	if d := get(`{"model":"lm"}`); len(d) != DefaultLength {
		t.Errorf("default length: %d characters, want %d", len(d), DefaultLength)
	}
	if e := get(`{"model":"lm","length":0}`); e != "" {
		t.Errorf("length 0: %q", e)
	}
}

func TestTranslate(t *testing.T) {
	_, ts := newTestServer(t, Options{})
	code, b := call(t, ts, "POST", "/v1/translate", `{"model":"rev","input":"abc","beam":3}`)
	if code != 200 {
		t.Fatalf("POST /v1/translate: %d %s", code, b)
	}
	r := decodeAs[TranslateResponse](t, b)
	if r.Model != "rev" || r.Output != "cba" || r.Score != -0.75 || strings.Join(r.InputTokens, "") != "abc" ||
		strings.Join(r.OutputTokens, "") != "cba" || len(r.Attention) != 3 || r.Attention[0][2] != 1 || r.Attention[2][0] != 1 {
		t.Errorf("POST /v1/translate: %+v", r)
	}
	code, b = call(t, ts, "POST", "/v1/translate", `{"model":"rev","input":"ab"}`)
	if r := decodeAs[TranslateResponse](t, b); code != 200 || r.Score != -0.25 {
		t.Errorf("default beam: %d %s, want the score of beam 1", code, b)
	}
}

// TestErrors sends every kind of bad request and checks the status and that the JSON error names
// what is wrong.
func TestErrors(t *testing.T) {
	_, ts := newTestServer(t, Options{MaxBody: 300, MaxPrime: 10, MaxLength: 50, MaxInput: 8, MaxBeam: 4})
	cases := []struct {
		method, path, body string
		code               int
		says               string
	}{
		{"GET", "/nope", "", 404, "no such path"},
		{"GET", "/v1/modelsx", "", 404, "no such path"},
		{"GET", "/v1/sample", "", 405, "method not allowed"},
		{"PUT", "/v1/translate", "{}", 405, "method not allowed"},
		{"POST", "/v1/models", "{}", 405, "method not allowed"},
		{"DELETE", "/healthz", "", 405, "method not allowed"},
		{"POST", "/", "", 405, "method not allowed"},
		{"POST", "/v1/sample", "", 400, "empty body"},
		{"POST", "/v1/sample", `{"model":"lm",`, 400, "request body"},
		{"POST", "/v1/sample", `not json`, 400, "invalid character"},
		{"POST", "/v1/sample", `{"model":"lm"} {"model":"lm"}`, 400, "more than one JSON value"},
		{"POST", "/v1/sample", `{"model":"lm","prime":"a","lenght":5}`, 400, `unknown field "lenght"`},
		{"POST", "/v1/sample", `{"model":"lm","length":"5"}`, 400, "length"},
		{"POST", "/v1/sample", `{"prime":"a"}`, 400, "model: missing; give one of lm"},
		{"POST", "/v1/sample", `{"model":"gpt"}`, 400, `model "gpt": unknown; this endpoint serves lm`},
		{"POST", "/v1/sample", `{"model":"rev"}`, 400, `model "rev" does not sample`},
		{"POST", "/v1/translate", `{"model":"lm","input":"a"}`, 400, `model "lm" does not translate`},
		{"POST", "/v1/sample", `{"model":"lm","length":51}`, 400, "length 51: must be in [0, 50]"},
		{"POST", "/v1/sample", `{"model":"lm","length":-1}`, 400, "length -1"},
		{"POST", "/v1/sample", `{"model":"lm","temperature":-0.5}`, 400, "temperature -0.5"},
		{"POST", "/v1/sample", `{"model":"lm","temperature":1e9}`, 400, "temperature 1e+09"},
		{"POST", "/v1/sample", `{"model":"lm","seed":-1}`, 400, "seed"},
		{"POST", "/v1/sample", `{"model":"lm","prime":"01234567890"}`, 400, "prime: 11 characters, more than the limit of 10"},
		{"POST", "/v1/sample", `{"model":"lm","prime":"a#b"}`, 400, "not in the model's vocabulary"},
		{"POST", "/v1/translate", `{"model":"rev","input":"123456789"}`, 400, "input: 9 characters, more than the limit of 8"},
		{"POST", "/v1/translate", `{"model":"rev","input":"  "}`, 400, "input: empty"},
		{"POST", "/v1/translate", `{"model":"rev","input":"ab","beam":5}`, 400, "beam 5: must be in [1, 4]"},
		{"POST", "/v1/translate", `{"model":"rev","input":"ab","beam":-1}`, 400, "beam -1"},
		{"POST", "/v1/sample", `{"model":"lm","prime":"` + strings.Repeat("x", 400) + `"}`, 413, "over the limit of 300 bytes"},
		{"POST", "/v1/translate", strings.Repeat(" ", 301), 413, "over the limit of 300 bytes"},
	}
	for _, c := range cases {
		code, b := call(t, ts, c.method, c.path, c.body)
		e := decodeAs[ErrorResponse](t, b)
		if code != c.code || e.Error == "" || !strings.Contains(e.Error, c.says) {
			t.Errorf("%s %s %.40q: %d %q; want %d and an error saying %q", c.method, c.path, c.body, code, e.Error, c.code, c.says)
		}
	}
	// A 405 says which methods are allowed.
	resp, err := ts.Client().Post(ts.URL+"/healthz", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("POST /healthz: Allow %q, want \"GET, HEAD\"", got)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	ok := fakeModels(t, nil)
	cases := []struct {
		opt  Options
		says string
	}{
		{Options{}, "no model"},
		{Options{Models: ok, Pool: -1}, "pool -1"},
		{Options{Models: ok, Queue: 1 << 21}, "queue 2097152: must be at most 1048576"},
		{Options{Models: []Model{ok[0], ok[0]}}, `model "lm" given twice`},
		{Options{Models: []Model{{Name: "x"}}}, `model "x": needs a name and a New function`},
		{Options{Models: []Model{{Name: "x", New: func() (any, error) { return 3, nil }}}}, "neither a Sampler nor a Translator"},
		{Options{Models: []Model{{Name: "x", New: func() (any, error) { return nil, fmt.Errorf("no weights") }}}}, "model x: inference copy 1: no weights"},
	}
	for _, c := range cases {
		if _, err := New(c.opt); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("New(%+v): %v, want an error saying %q", c.opt, err, c.says)
		}
	}
}

// TestQueueFull holds the one copy of lm busy with one request and another waiting in the queue
// of one: a third request is refused with 503 at once, and the held ones finish.
func TestQueueFull(t *testing.T) {
	started, gate := make(chan struct{}, 8), make(chan struct{})
	models := fakeModels(t, func(f *fakeSampler) { f.started, f.gate = started, gate })
	s, ts := newTestServer(t, Options{Models: models, Pool: 1, Queue: 1})
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`)
		}()
	}
	<-started // one runs
	for len(s.models["lm"].admitted) < 2 {
		time.Sleep(time.Millisecond) // the other waits
	}
	code, b := call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`)
	if e := decodeAs[ErrorResponse](t, b); code != 503 || !strings.Contains(e.Error, "model lm is busy") {
		t.Errorf("third request: %d %s, want 503 busy", code, b)
	}
	// The translator has copies of its own: it is not blocked by lm's queue.
	if code, b := call(t, ts, "POST", "/v1/translate", `{"model":"rev","input":"ab"}`); code != 200 {
		t.Errorf("translate while lm is busy: %d %s", code, b)
	}
	gate <- struct{}{}
	<-started
	gate <- struct{}{}
	wg.Wait()
	if codes[0] != 200 || codes[1] != 200 {
		t.Errorf("held requests: %v, want 200 200", codes)
	}
}

// TestNoQueue: with a negative Queue, a request that finds the one copy busy gets 503 at once.
func TestNoQueue(t *testing.T) {
	started, gate := make(chan struct{}, 8), make(chan struct{})
	models := fakeModels(t, func(f *fakeSampler) { f.started, f.gate = started, gate })
	_, ts := newTestServer(t, Options{Models: models, Pool: 1, Queue: -1})
	done := make(chan int)
	go func() {
		code, _ := call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`)
		done <- code
	}()
	<-started
	if code, b := call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`); code != 503 || !bytes.Contains(b, []byte("model lm is busy: its 1 copies are running and its queue of 0 is full")) {
		t.Errorf("second request with no queue: %d %s, want 503", code, b)
	}
	gate <- struct{}{}
	if code := <-done; code != 200 {
		t.Errorf("first request: %d", code)
	}
}

// TestTimeout: a request that runs past the timeout gets 504, and so does one that waited for
// the copy the first holds; the copy returns to the pool when the run ends, and Shutdown waits
// for that run.
func TestTimeout(t *testing.T) {
	started, gate := make(chan struct{}, 8), make(chan struct{})
	models := fakeModels(t, func(f *fakeSampler) { f.started, f.gate = started, gate })
	s, ts := newTestServer(t, Options{Models: models, Pool: 1, Timeout: 100 * time.Millisecond})
	code, b := call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`)
	if e := decodeAs[ErrorResponse](t, b); code != 504 || !strings.Contains(e.Error, "timed out after 100ms running the model") {
		t.Errorf("slow run: %d %s, want 504", code, b)
	}
	<-started
	code, b = call(t, ts, "POST", "/v1/sample", `{"model":"lm","length":3}`)
	if e := decodeAs[ErrorResponse](t, b); code != 504 || !strings.Contains(e.Error, "waiting for a free copy") {
		t.Errorf("request behind the slow run: %d %s, want 504", code, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if err := s.Shutdown(ctx); err == nil {
		t.Error("Shutdown returned while a run was still going")
	}
	cancel()
	gate <- struct{}{}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after the run ended: %v", err)
	}
	if code, b := call(t, ts, "POST", "/v1/sample", `{"model":"lm"}`); code != 503 || !bytes.Contains(b, []byte("shutting down")) {
		t.Errorf("after Shutdown: %d %s, want 503", code, b)
	}
	if code, _ := call(t, ts, "GET", "/healthz", ""); code != 503 {
		t.Errorf("GET /healthz after Shutdown: %d, want 503", code)
	}
}

func TestPanicIs500(t *testing.T) {
	var buf bytes.Buffer
	models := fakeModels(t, func(f *fakeSampler) { f.panics = true })
	_, ts := newTestServer(t, Options{Models: models, Pool: 1, ErrorLog: log.New(&buf, "", 0)})
	for i := 0; i < 2; i++ { // the copy goes back to the pool after the panic
		code, b := call(t, ts, "POST", "/v1/sample", `{"model":"lm"}`)
		if code != 500 || !bytes.Contains(b, []byte("model lm failed: internal error")) {
			t.Errorf("panicking model: %d %s, want 500", code, b)
		}
	}
	if !strings.Contains(buf.String(), "fake model failure") {
		t.Errorf("error log %q does not say what panicked", buf.String())
	}
}

// TestShutdownWithRequestsInFlight shuts the HTTP server down while requests run: they finish
// with 200, and new connections are refused.
func TestShutdownWithRequestsInFlight(t *testing.T) {
	started, gate := make(chan struct{}, 8), make(chan struct{})
	models := fakeModels(t, func(f *fakeSampler) { f.started, f.gate = started, gate })
	s, ts := newTestServer(t, Options{Models: models, Pool: 3})
	const inflight = 3
	codes := make(chan int, inflight)
	texts := make(chan string, inflight)
	for i := 0; i < inflight; i++ {
		go func() {
			resp, err := http.Post(ts.URL+"/v1/sample", "application/json", strings.NewReader(`{"model":"lm","length":5,"seed":3}`))
			if err != nil {
				t.Error(err)
				codes <- 0
				texts <- ""
				return
			}
			defer resp.Body.Close()
			var r SampleResponse
			json.NewDecoder(resp.Body).Decode(&r)
			codes <- resp.StatusCode
			texts <- r.Text
		}()
	}
	for i := 0; i < inflight; i++ {
		<-started
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := ts.Config.Shutdown(ctx)
		if err == nil {
			err = s.Shutdown(ctx)
		}
		shut <- err
	}()
	// New connections are refused once the listener is closed.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
		resp, err := c.Get(ts.URL + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 5 s after Shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with requests in flight", err)
	default:
	}
	for i := 0; i < inflight; i++ {
		gate <- struct{}{}
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	for i := 0; i < inflight; i++ {
		if code, text := <-codes, <-texts; code != 200 || len(text) != 5 {
			t.Errorf("request in flight during shutdown: %d %q, want 200 and 5 characters", code, text)
		}
	}
}
