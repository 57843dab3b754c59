package engine

import (
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

// Command is one understood command ready for the game, with where it came from and
// how long it took.
type Command struct {
	grammar.Command
	// Source is the index of the source (player) that said or typed it.
	Source int
	// Utterance identifies the utterance within the source.
	Utterance uint64
	// Text is the transcript the command was understood from.
	Text string
	// Early is true when the command was dispatched from partial transcripts
	// (Options.EarlyDispatch) before the final one.
	Early bool
	// Timings are the utterance's per-stage latencies.
	Timings Timings
}

// Timings are one utterance's latencies through the pipeline.
type Timings struct {
	// SpeechEnd is when the last word ended (for typed text: when it was submitted).
	SpeechEnd time.Time
	// Endpoint is end of speech → end of speech detected (from the source).
	Endpoint time.Duration
	// ASR is the final transcription time (from the source; zero for typed text).
	ASR time.Duration
	// Queue is transcript ready → fill started.
	Queue time.Duration
	// Fill is the batched fill this utterance was part of.
	Fill time.Duration
	// Dispatch is fill done → returned by Poll (waiting for the next Update).
	Dispatch time.Duration
	// Total is SpeechEnd → returned by Poll: what the player feels.
	Total time.Duration
	// Steps is the number of diffusion steps K used (0: the filler's own).
	Steps int
	// StepsLowered is true when the budget cut K for this fill (its predicted time
	// did not fit Options.FillBudget) or after it (it overran, so the next fills run
	// with a lower K).
	StepsLowered bool
}

// Utterance is one finished utterance: its final transcript and what it produced,
// accepted or rejected.
type Utterance struct {
	Source  int
	ID      uint64
	Text    string
	Result  grammar.Result
	Typed   bool // submitted as text, not heard
	Early   bool // its commands were already dispatched from partials
	Timings Timings
}

// Live is the in-progress view of one source, for a HUD.
type Live struct {
	// Talking is true while push-to-talk is held (see Engine.Talk).
	Talking bool
	// Level is the input level in [0, 1] (0 for sources without a Leveler).
	Level float64
	// Partial is the current partial transcript; empty between utterances.
	Partial string
	// Forming is the fill of Partial: the command as it forms.
	Forming grammar.Result
	// Last is the last finished utterance; HasLast is false before the first.
	Last    Utterance
	HasLast bool
	// Err is the error the source stopped with, if any.
	Err error

	lastFinal uint64
	hasFinal  bool
}

// Poll returns the commands that became ready since the last call, in the order they
// were said. It never blocks and spends at most about Options.PollBudget; what is left
// waits for the next call. Call it once per Update from the game goroutine. The slice
// is reused by the next call. After Close it returns nil.
func (e *Engine) Poll() []Command {
	start := time.Now()
	e.out = e.out[:0]
	e.finished = e.finished[:0]
	now := e.opts.Now()

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	for len(e.live) < len(e.sources) {
		e.live = append(e.live, Live{})
	}
	var levelers []Leveler
	for i, ss := range e.sources {
		e.live[i].Talking = ss.talking
		e.live[i].Err = ss.err
		if l, ok := ss.src.(Leveler); ok {
			levelers = append(levelers, l)
		} else {
			levelers = append(levelers, nil)
		}
	}
	n := 0
	for n < len(e.ready) {
		e.deliver(&e.ready[n], now)
		n++
		if time.Since(start) >= e.opts.PollBudget {
			break
		}
	}
	e.ready = append(e.ready[:0], e.ready[n:]...)
	e.stats.Dispatched += len(e.out)
	e.mu.Unlock()

	for i, l := range levelers {
		if l != nil {
			e.live[i].Level = l.Level()
		}
	}
	took := time.Since(start)
	e.mu.Lock()
	e.stats.Polls++
	if took > e.opts.PollBudget {
		e.stats.PollsOverBudget++
	}
	e.stats.MaxPoll = max(e.stats.MaxPoll, took)
	e.mu.Unlock()
	return e.out
}

// deliver moves one fill result to the game: live view, finished list, commands.
func (e *Engine) deliver(f *filled, now time.Time) {
	lv := &e.live[f.source]
	id := f.tr.Utterance
	if !f.tr.Final {
		if lv.hasFinal && id <= lv.lastFinal && id&typedID == 0 {
			return // a late partial of an utterance already finished
		}
		lv.Partial = f.tr.Text
		lv.Forming = f.result
		if e.opts.EarlyDispatch {
			e.maybeEarly(f, now)
		}
		return
	}
	t := e.timings(f, now)
	key := utterKey{f.source, id}
	es := e.early[key]
	u := Utterance{Source: f.source, ID: id, Text: f.tr.Text, Result: f.result, Typed: f.typed, Timings: t}
	if es != nil && es.dispatched {
		u.Early = true
	}
	if !f.typed {
		// This utterance and any earlier one of the source are over.
		for k := range e.early {
			if k.source == f.source && k.utterance <= id {
				delete(e.early, k)
			}
		}
	}
	if !f.typed {
		lv.lastFinal, lv.hasFinal = id, true
		lv.Partial = ""
		lv.Forming = grammar.Result{}
	}
	lv.Last, lv.HasLast = u, true
	e.finished = append(e.finished, u)
	if f.result.Rejected {
		e.stats.Rejected++
		return
	}
	if u.Early {
		return
	}
	for _, c := range f.result.Commands {
		e.out = append(e.out, Command{Command: c, Source: f.source, Utterance: id, Text: f.tr.Text, Timings: t})
	}
}

func (e *Engine) timings(f *filled, now time.Time) Timings {
	end := f.tr.SpeechEnd
	if end.IsZero() {
		end = f.tr.At
	}
	return Timings{
		SpeechEnd:    end,
		Endpoint:     f.tr.Endpoint,
		ASR:          f.tr.ASR,
		Queue:        f.fillStart.Sub(f.arrived),
		Fill:         f.fillEnd.Sub(f.fillStart),
		Dispatch:     now.Sub(f.fillEnd),
		Total:        now.Sub(end),
		Steps:        f.steps,
		StepsLowered: f.lowered,
	}
}

// maybeEarly dispatches a partial's commands when the previous partial of the same
// utterance produced the same confident commands.
func (e *Engine) maybeEarly(f *filled, now time.Time) {
	key := utterKey{f.source, f.tr.Utterance}
	es := e.early[key]
	if es == nil {
		es = &earlyState{}
		e.early[key] = es
	}
	sig := signature(f.result, e.opts.EarlyConfidence)
	prev := es.last
	es.last = sig
	if sig == "" || sig != prev || es.dispatched {
		return
	}
	es.dispatched = true
	t := e.timings(f, now)
	for _, c := range f.result.Commands {
		e.out = append(e.out, Command{Command: c, Source: f.source, Utterance: f.tr.Utterance, Text: f.tr.Text, Early: true, Timings: t})
	}
}

// signature is a canonical string for a result's commands, or "" when it is rejected
// or any command is below minConf.
func signature(r grammar.Result, minConf float64) string {
	if r.Rejected || len(r.Commands) == 0 {
		return ""
	}
	var b strings.Builder
	for _, c := range r.Commands {
		if c.Confidence < minConf {
			return ""
		}
		b.WriteString(c.Intent)
		for _, k := range sortedKeys(c.Slots) {
			b.WriteString(" " + k + "=" + c.Slots[k].String())
		}
		b.WriteString(";")
	}
	return b.String()
}

// Finished returns the utterances that finished during the last Poll (accepted or
// rejected), with their timings: for HUDs, logs and benchmarks. Game goroutine; the
// slice is reused by the next Poll.
func (e *Engine) Finished() []Utterance { return e.finished }

// Live returns the in-progress view of source as of the last Poll (the zero Live for a
// source Poll has not seen yet). Game goroutine.
func (e *Engine) Live(source int) Live {
	if source < 0 || source >= len(e.live) {
		return Live{}
	}
	return e.live[source]
}
