package serve_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/zoo/serve"
)

// A Go program serves the prebuilt date normaliser and asks it for a translation over HTTP.
func ExampleNew() {
	dates, err := serve.Prebuilt("seq2seq")
	if err != nil {
		log.Fatal(err)
	}
	s, err := serve.New(serve.Options{Models: []serve.Model{dates}, Pool: 1})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(s) // or http.ListenAndServe(":8080", s)
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/v1/translate", "application/json", strings.NewReader(`{"model": "seq2seq", "input": "Nov 28, 2026"}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var tr serve.TranslateResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, tr.Output, tr.OutputTokens, len(tr.Attention), "×", len(tr.InputTokens))
	// Output: 200 2026-11-28 [2 0 2 6 - 1 1 - 2 8 <eos>] 11 × 12
}
