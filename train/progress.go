package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar on a terminal and prints one plain line per evaluation otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	total    int
	start    time.Time
	lastDraw time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update redraws the bar at most ten times a second.
func (p *progress) update(step int, loss float64) {
	if p.w == nil || !p.tty {
		return
	}
	now := time.Now()
	if now.Sub(p.lastDraw) < 100*time.Millisecond && step != p.total {
		return
	}
	p.lastDraw = now
	const width = 30
	filled := width * step / max(p.total, 1)
	rate := float64(step) / now.Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  loss %.4f  %.1f steps/s ", strings.Repeat("#", filled),
		strings.Repeat(".", width-filled), step, p.total, loss, rate)
}

// record prints an evaluation on its own line.
func (p *progress) record(r Record) {
	if p.w == nil {
		return
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%s  (%.1fs)\n", r, r.Elapsed)
}

func (p *progress) done() {
	if p.w != nil && p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
