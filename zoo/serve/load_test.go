package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// prebuiltServer serves every prebuilt model over loopback.
func prebuiltServer(t *testing.T, opt Options) (*Server, string) {
	t.Helper()
	ms, err := AllPrebuilt()
	if err != nil {
		t.Fatal(err)
	}
	opt.Models = ms
	s, ts := newTestServer(t, opt)
	return s, ts.URL
}

// post sends body to url and returns the status and the answer.
func post(c *http.Client, url, body string) (int, []byte, error) {
	resp, err := c.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func TestPrebuiltModels(t *testing.T) {
	_, url := prebuiltServer(t, Options{Pool: 1})
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Models []Model }
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Model{}
	for _, m := range list.Models {
		byName[m.Name] = m
	}
	// The figures of the README's table of prebuilt models.
	for name, want := range map[string]string{"rnn": "validation 2.2046 bits/char", "gru": "validation 2.0514 bits/char",
		"lstm": "validation 2.1271 bits/char", "transformer": "validation 2.8872 bits/char", "seq2seq": "exact match 1.000 on the 1000 held-out test dates",
		"transformer-seq2seq": "exact match 1.000 on the 1000 held-out test dates"} {
		m := byName[name]
		if m.Validation != want || m.Params < 100000 || m.Task == "" || m.Trained == "" {
			t.Errorf("GET /v1/models: %s is %+v, want the validation figure %q, its parameter count, task and command", name, m, want)
		}
	}
	// Both date normalisers, recurrent and transformer, are served without a checkpoint.
	for _, m := range []string{"seq2seq", "transformer-seq2seq"} {
		code, b, err := post(http.DefaultClient, url+"/v1/translate", `{"model":"`+m+`","input":"Nov 28, 2026","beam":3}`)
		if err != nil || code != 200 {
			t.Fatalf("translate %s: %d %s %v", m, code, b, err)
		}
		var tr TranslateResponse
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		if tr.Output != "2026-11-28" || len(tr.InputTokens) != len("Nov 28, 2026") || len(tr.OutputTokens) != len(tr.Attention) ||
			len(tr.Attention) < len(tr.Output) || len(tr.Attention[0]) != len(tr.InputTokens) || !(tr.Score < 0) {
			t.Errorf("translate Nov 28, 2026 with %s: %s", m, b)
		}
		for r, row := range tr.Attention {
			sum := 0.0
			for _, w := range row {
				sum += w
			}
			if sum < 0.999 || sum > 1.001 {
				t.Errorf("%s: attention row %d sums to %v, want 1", m, r, sum)
			}
		}
		code, b, _ = post(http.DefaultClient, url+"/v1/translate", `{"model":"`+m+`","input":"Nov 28, 2026 ☃"}`)
		if code != 400 || !bytes.Contains(b, []byte("not in the model's vocabulary")) {
			t.Errorf("translate with a snowman (%s): %d %s, want 400 naming the character", m, code, b)
		}
	}
	for _, m := range []string{"rnn", "lstm", "gru", "transformer"} {
		body := `{"model":"` + m + `","prime":"Light ","length":30,"temperature":0.7,"seed":5}`
		code, b1, _ := post(http.DefaultClient, url+"/v1/sample", body)
		_, b2, _ := post(http.DefaultClient, url+"/v1/sample", body)
		var r SampleResponse
		if err := json.Unmarshal(b1, &r); code != 200 || err != nil || len(r.Text) != 30 || !bytes.Equal(b1, b2) {
			t.Errorf("sample %s: %d %s then %s; want 30 characters, the same twice", m, code, b1, b2)
		}
		code, b, _ := post(http.DefaultClient, url+"/v1/sample", `{"model":"`+m+`","prime":"☃"}`)
		if code != 400 || !bytes.Contains(b, []byte("not in the model's vocabulary")) {
			t.Errorf("sample %s with a snowman: %d %s, want 400 naming the character", m, code, b)
		}
	}
}

// TestLoad sends 2,000 requests from 16 concurrent clients to /v1/sample and /v1/translate of the
// prebuilt models (short lengths) and checks that every answer is 200 and is the answer the same
// request gets alone: the pool never lets two requests share a model's graph. ZOO_LOAD_REQUESTS
// changes the count. It logs the latency percentiles and the throughput.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test runs 2,000 requests of the real models")
	}
	total := 2000
	if v := os.Getenv("ZOO_LOAD_REQUESTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ZOO_LOAD_REQUESTS=%q: want a positive integer", v)
		}
		total = n
	}
	const clients = 16
	_, url := prebuiltServer(t, Options{})
	type request struct{ path, body string }
	var reqs []request
	dates := []string{"Nov 28, 2026", "3/14/1879", "Saturday, July 4, 1998", "1 January 2000", "12.05.1961", "Feb 29 2024"}
	for i, m := range []string{"rnn", "lstm", "gru", "transformer"} {
		for k := 0; k < 3; k++ {
			reqs = append(reqs, request{"/v1/sample", fmt.Sprintf(`{"model":%q,"prime":"The ","length":%d,"temperature":0.8,"seed":%d}`, m, 8+4*k, i*10+k)})
		}
	}
	for _, d := range dates {
		for beam := 1; beam <= 2; beam++ {
			reqs = append(reqs, request{"/v1/translate", fmt.Sprintf(`{"model":"seq2seq","input":%q,"beam":%d}`, d, beam)})
		}
	}
	// The answer of each request alone.
	want := make([][]byte, len(reqs))
	for i, r := range reqs {
		code, b, err := post(http.DefaultClient, url+r.path, r.body)
		if err != nil || code != 200 {
			t.Fatalf("%s %s: %d %s %v", r.path, r.body, code, b, err)
		}
		want[i] = b
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	lat := make([]time.Duration, total)
	var next sync.Mutex
	n := 0
	var failed sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				i := n
				n++
				next.Unlock()
				if i >= total {
					return
				}
				r := i % len(reqs)
				t0 := time.Now()
				code, b, err := post(client, url+reqs[r].path, reqs[r].body)
				lat[i] = time.Since(t0)
				if err != nil || code != 200 || !bytes.Equal(b, want[r]) {
					failed.Do(func() {
						t.Errorf("request %d, %s %s: %d %s %v; alone it gave %s", i, reqs[r].path, reqs[r].body, code, b, err, want[r])
					})
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("%d requests from %d clients (half /v1/sample of 8–16 characters, half /v1/translate of dates): %.1f s, %.0f requests/s, latency p50 %v, p90 %v, p99 %v, max %v",
		total, clients, elapsed.Seconds(), float64(total)/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
}
