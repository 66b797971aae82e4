package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a headless-capable Chromium: $ZOO_CHROMIUM, /usr/bin/chromium, or chromium,
// chromium-browser or google-chrome on the PATH.
func chromium() string {
	if p := os.Getenv("ZOO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser opens the page in headless Chromium, types a date, submits it and checks the
// translation the page shows and the heatmap it draws: in every row of the canvas the darkest
// cell is the column of the row's largest attention weight as the API returns it. With
// ZOO_SCREENSHOT=FILE it writes a PNG of the page there (docs/serve.png is made so).
func TestBrowser(t *testing.T) {
	path := chromium()
	if path == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set ZOO_CHROMIUM): the page is not tested in a browser")
	}
	dates, err := Prebuilt("seq2seq")
	if err != nil {
		t.Fatal(err)
	}
	lm, err := Prebuilt("lstm")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, Options{Models: []Model{lm, dates}, Pool: 1})
	const date = "Nov 28, 2026"
	code, b := call(t, ts, "POST", "/v1/translate", `{"model":"seq2seq","input":"`+date+`","beam":4}`)
	if code != http.StatusOK {
		t.Fatalf("translate: %d %s", code, b)
	}
	want := decodeAs[TranslateResponse](t, b)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(900, 820), chromedp.Flag("force-device-scale-factor", "1"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	// The first Run starts the browser; a timeout on its context would stop the browser, so the
	// steps run under one derived from it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	sctx, cancelSteps := context.WithTimeout(ctx, 90*time.Second)
	defer cancelSteps()
	err = chromedp.Do(sctx,
		chromedp.Navigate(ts.URL+"/?model=seq2seq"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.Evaluate[chromedp.Void](`(() => { document.getElementById("text").value = ""; return {}; })()`),
		chromedp.SendKeys(chromedp.ID("text"), date),
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById("beam"); b.value = 4; b.dispatchEvent(new Event("input")); return {}; })()`),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("heat")),
	)
	if err != nil {
		t.Fatalf("driving Chromium (%s): %v", path, err)
	}
	output, err := chromedp.Run(sctx, chromedp.Text(chromedp.ID("output")))
	if err != nil {
		t.Fatal(err)
	}
	modelInfo, err := chromedp.Run(sctx, chromedp.Text(chromedp.ID("info")))
	if err != nil {
		t.Fatal(err)
	}
	geometry, err := chromedp.Run(sctx, chromedp.AttributeValue(chromedp.ID("heatmap"), "data-geometry"))
	if err != nil {
		t.Fatal(err)
	}
	// For every row of cells, the column whose centre pixel is darkest (-1: none is dark).
	darkest, err := chromedp.Run(sctx, chromedp.Evaluate[[]int](`(() => {
		const cv = document.getElementById("heatmap");
		const g = JSON.parse(cv.dataset.geometry);
		const d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
		const out = [];
		for (let i = 0; i < g.rows; i++) {
			let best = -1, dark = 766;
			for (let j = 0; j < g.cols; j++) {
				const x = Math.round((g.left + (j + 0.5) * g.cell) * g.scale), y = Math.round((g.top + (i + 0.5) * g.cell) * g.scale);
				const k = (y * cv.width + x) * 4, s = d[k] + d[k + 1] + d[k + 2];
				if (s < dark) { dark = s; best = j; }
			}
			out.push(dark < 700 ? best : -1);
		}
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(output) != want.Output || want.Output != "2026-11-28" {
		t.Errorf("the page shows %q for %q; the API answers %q, want 2026-11-28", output, date, want.Output)
	}
	if !strings.Contains(modelInfo, "parameters") {
		t.Errorf("model line %q does not give the parameter count", modelInfo)
	}
	var g struct{ Rows, Cols int }
	if err := json.Unmarshal([]byte(geometry.Value), &g); err != nil || g.Rows != len(want.Attention) || g.Cols != len(want.InputTokens) {
		t.Fatalf("heatmap geometry %q: want %d rows and %d columns", geometry.Value, len(want.Attention), len(want.InputTokens))
	}
	if len(darkest) != g.Rows {
		t.Fatalf("darkest cells %v: want one per row", darkest)
	}
	for i, row := range want.Attention {
		arg := 0
		for j, w := range row {
			if w > row[arg] {
				arg = j
			}
		}
		if darkest[i] != arg {
			t.Errorf("heatmap row %d (%q): darkest cell in column %d, the largest weight (%.3f) is in column %d", i, want.OutputTokens[i], darkest[i], row[arg], arg)
		}
	}
	t.Logf("page: %q → %q, heatmap %d×%d, screenshot %d bytes", date, output, g.Rows, g.Cols, len(shot))
	if f := os.Getenv("ZOO_SCREENSHOT"); f != "" {
		if err := os.WriteFile(f, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Generate text: pick the LSTM, type a prime, set the controls; the page shows the prime and
	// the text the API gives for the same request.
	code, b = call(t, ts, "POST", "/v1/sample", `{"model":"lstm","prime":"Light ","length":60,"temperature":0.5,"seed":9}`)
	if code != http.StatusOK {
		t.Fatalf("sample: %d %s", code, b)
	}
	wantText := decodeAs[SampleResponse](t, b).Text
	err = chromedp.Do(sctx,
		chromedp.Evaluate[chromedp.Void](`(() => {
			const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(id === "model" ? "change" : "input")); };
			set("model", "lstm"); set("text", ""); set("length", "60"); set("temperature", "0.5"); set("seed", "9");
			return {};
		})()`),
		chromedp.SendKeys(chromedp.ID("text"), "Light "),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.CSS(`#output[data-model="lstm"]`)),
	)
	if err != nil {
		t.Fatalf("driving Chromium to sample: %v", err)
	}
	sampled, err := chromedp.Run(sctx, chromedp.TextContent(chromedp.ID("output")))
	if err != nil {
		t.Fatal(err)
	}
	heatVisible, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`!document.getElementById("heat").classList.contains("hidden")`))
	if err != nil {
		t.Fatal(err)
	}
	if sampled != "Light "+wantText || heatVisible {
		t.Errorf("the page shows %q (heatmap shown: %v); the API gives %q after the prime, and no heatmap", sampled, heatVisible, wantText)
	}

	// A character outside the vocabulary: the page shows the API's error.
	err = chromedp.Do(sctx,
		chromedp.Evaluate[chromedp.Void](`(() => { document.getElementById("text").value = ""; return {}; })()`),
		chromedp.SendKeys(chromedp.ID("text"), "Light ☃"),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if err != nil {
		t.Fatalf("driving Chromium to a bad prime: %v", err)
	}
	msg, err := chromedp.Run(sctx, chromedp.Text(chromedp.ID("error")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, `character "☃" at position 6 is not in the model's vocabulary`) {
		t.Errorf("the page's error for a snowman in the prime: %q", msg)
	}
}
