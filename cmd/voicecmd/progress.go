package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line progress bar with a value and an ETA on a terminal,
// or a line every 10% when the output is not a terminal (CI logs).
type progress struct {
	w        io.Writer
	total    int
	tty      bool
	lastPct  int
	lastDraw time.Time
}

func newProgress(w io.Writer, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, total: total, tty: tty, lastPct: -1}
}

func (p *progress) update(done int, loss float64, elapsed time.Duration) {
	pct := 100 * done / max(p.total, 1)
	var eta time.Duration
	if done > 0 {
		eta = time.Duration(float64(elapsed) / float64(done) * float64(p.total-done))
	}
	if p.tty {
		if time.Since(p.lastDraw) < 100*time.Millisecond && done < p.total {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := width * done / max(p.total, 1)
		fmt.Fprintf(p.w, "\r%6d/%d [%s%s] %3d%% loss %.4f eta %s ", done, p.total,
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, loss, eta.Round(time.Second))
		return
	}
	if pct/10 != p.lastPct/10 || done == p.total {
		p.lastPct = pct
		fmt.Fprintf(p.w, "step %d/%d (%d%%) loss %.4f elapsed %s eta %s\n", done, p.total, pct, loss, elapsed.Round(time.Second), eta.Round(time.Second))
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
