package engine

import (
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

// fillLoop runs on its own goroutine: it takes every pending transcript (finals first,
// then the latest partial of each source) and fills them in one batch.
func (e *Engine) fillLoop() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		}
		for e.ctx.Err() == nil {
			batch, st, steps := e.takeBatch()
			if len(batch) == 0 {
				break
			}
			e.fillBatch(batch, st, steps)
		}
	}
}

// takeBatch removes up to MaxBatch jobs from the queues and returns them with a
// snapshot of the vocabulary and the K to use.
func (e *Engine) takeBatch() ([]job, *grammar.State, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := min(len(e.pending), e.opts.MaxBatch)
	batch := append([]job(nil), e.pending[:n]...)
	e.pending = append(e.pending[:0], e.pending[n:]...)
	for src, j := range e.partials {
		if len(batch) >= e.opts.MaxBatch {
			break
		}
		delete(e.partials, src)
		ss := e.sources[src]
		if j.tr.Text == ss.lastPartial {
			continue // same words as the last partial filled: nothing new to show
		}
		ss.lastPartial = j.tr.Text
		batch = append(batch, j)
	}
	for _, j := range batch {
		if j.tr.Final {
			e.sources[j.source].lastPartial = ""
		}
	}
	// The state is copy-on-write (vocabulary edits replace e.state), so the snapshot
	// needs no copy: a rename lands in the next batch, never in the middle of one.
	return batch, e.state, e.steps
}

func (e *Engine) fillBatch(batch []job, st *grammar.State, steps int) {
	texts := make([]string, len(batch))
	for i, j := range batch {
		texts[i] = j.tr.Text
	}
	// Predict: a batch of many rows (several players talking at once) may not fit the
	// budget at the current K even when single fills do; run it at the largest K
	// whose predicted time fits, from the measured cost per row-step.
	shortened := false
	if e.adaptK && steps > 1 {
		e.mu.Lock()
		cost := e.rowStepCost
		e.mu.Unlock()
		for steps > 1 && cost > 0 && time.Duration(cost*float64(steps*len(batch))) > e.opts.FillBudget {
			steps--
			shortened = true
		}
	}
	start := e.opts.Now()
	results := e.filler.Fill(texts, st, steps)
	end := e.opts.Now()
	took := end.Sub(start)
	for i, j := range batch { // before the lock: sources are told at once
		if i < len(results) {
			e.hintEndpoint(j, results[i], st)
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	lowered := shortened
	if shortened {
		e.stats.BatchesShortened++
	}
	if e.adaptK && steps > 0 {
		c := float64(took) / float64(steps*len(batch))
		if e.rowStepCost == 0 {
			e.rowStepCost = c
		} else {
			e.rowStepCost += 0.3 * (c - e.rowStepCost)
		}
	}
	if e.adaptK {
		// Adapt K: lower it when a fill overran the budget, raise it back toward the
		// configured K when fills take under a quarter of the budget.
		want := e.opts.Steps
		if want <= 0 {
			want = e.filler.DefaultSteps()
		}
		switch {
		case took > e.opts.FillBudget && e.steps > 1:
			e.steps--
			e.stats.StepsLowered++
			lowered = true
		case took < e.opts.FillBudget/4 && e.steps < want:
			e.steps++
		}
	}
	e.stats.Fills++
	e.stats.Filled += len(batch)
	e.stats.MaxBatch = max(e.stats.MaxBatch, len(batch))
	for i, j := range batch {
		r := grammar.Result{Text: j.tr.Text, Commands: []grammar.Command{}, Rejected: true, Reason: "engine: filler returned no result"}
		if i < len(results) {
			r = results[i].Unsure(e.opts.MinConfidence)
		}
		if len(e.ready) >= e.opts.MaxQueue { // the game is not polling: keep the newest
			e.ready = append(e.ready[:0], e.ready[1:]...)
			e.stats.Dropped++
		}
		e.ready = append(e.ready, filled{job: j, result: r, fillStart: start, fillEnd: end, steps: steps, lowered: lowered})
	}
}
