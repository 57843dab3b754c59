// Package harness runs a game's voicecmd work without a window: the router from
// intents to handlers, the per-frame Loop (poll the engine, route, measure), the HUD's
// contents, and scripted runs (a script of timed inputs, a frame limit, a JSON-lines
// log, a screenshot) that tests, demos and benchmarks drive a game with. The Ebiten
// plugin (package game) is built on it and takes a Run's options; servers and
// headless tests use the Loop directly. It imports neither Ebiten nor PortAudio nor
// whisper.cpp.
package harness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
)

// Loop does one player's voicecmd work for each game frame. Use it from the game
// goroutine only.
type Loop struct {
	// Router routes the commands Step receives.
	Router Router

	// FollowActive makes View show whichever source spoke or typed last, instead of
	// always the loop's own source (a HUD for several inputs, or scripted audio).
	FollowActive bool

	eng        *engine.Engine
	source     int
	shown      int // the source View shows
	frame      int64
	dispatched []Dispatch
	recent     []Dispatch
	last       engine.Utterance
	finished   []engine.Utterance
	question   *clarification // an unsure utterance waiting for yes / no
	hasLast    bool
	lastAt     time.Time
	stats      Stats
}

// Stats are the loop's own costs, measured in Step.
type Stats struct {
	// Frames counts Step calls.
	Frames int64
	// Last and Max are the time Step spent excluding the handlers (the plugin's own
	// cost per frame).
	Last, Max time.Duration
	// Dispatched counts commands routed; Failed those whose handler returned an error.
	Dispatched, Failed int
	// Confirmed and Declined count the questions about unsure utterances the player
	// answered yes (their commands were then routed) and no.
	Confirmed, Declined int
}

// NewLoop returns a loop for the player speaking or typing into eng's source.
func NewLoop(eng *engine.Engine, source int) *Loop {
	return &Loop{eng: eng, source: source, shown: source}
}

// Engine returns the loop's engine.
func (l *Loop) Engine() *engine.Engine { return l.eng }

// Source returns the engine source the loop's player uses.
func (l *Loop) Source() int { return l.source }

// Step polls the engine and routes every ready command (from every source) to its
// handler, in order. Call it once per frame. It never blocks; its own time is bounded
// by the engine's PollBudget plus a few microseconds per command. The returned slice
// is reused by the next Step.
func (l *Loop) Step() []Dispatch {
	start := time.Now()
	l.frame++
	var inHandlers time.Duration
	l.dispatched = l.dispatched[:0]
	for _, c := range l.eng.Poll() {
		hs := time.Now()
		d := l.Router.Route(c)
		inHandlers += time.Since(hs)
		d.Frame = l.frame
		l.dispatched = append(l.dispatched, d)
		l.stats.Dispatched++
		if d.Err != nil {
			l.stats.Failed++
		}
	}
	if l.FollowActive {
		for i := range l.eng.Sources() {
			if lv := l.eng.Live(i); lv.Partial != "" {
				l.shown = i
			}
		}
	}
	l.finished = append(l.finished[:0], l.eng.Finished()...)
	for _, u := range l.finished {
		confirmed, answered := l.clarify(u, start)
		for _, c := range confirmed {
			hs := time.Now()
			d := l.Router.Route(c)
			inHandlers += time.Since(hs)
			d.Frame = l.frame
			l.dispatched = append(l.dispatched, d)
			l.stats.Dispatched++
			if d.Err != nil {
				l.stats.Failed++
			}
		}
		if answered && len(confirmed) > 0 {
			// show the confirmed commands as the result of the question's utterance
			u = l.questionShown(u, confirmed)
		}
		if u.Source == l.shown || l.FollowActive {
			l.shown = u.Source
			l.last, l.hasLast, l.lastAt = u, true, start
			l.recent = l.recent[:0]
		}
	}
	for _, d := range l.dispatched {
		if d.Command.Source == l.shown {
			l.recent = append(l.recent, d)
		}
	}
	took := time.Since(start) - inHandlers
	l.stats.Frames++
	l.stats.Last = took
	l.stats.Max = max(l.stats.Max, took)
	return l.dispatched
}

// questionShown is what the HUD shows after a "yes": the confirmed commands under
// the answer's text.
func (l *Loop) questionShown(answer engine.Utterance, confirmed []engine.Command) engine.Utterance {
	u := answer
	u.ID = confirmed[0].Utterance
	u.Result = grammar.Result{Text: answer.Text, Commands: make([]grammar.Command, len(confirmed))}
	for i, c := range confirmed {
		u.Result.Commands[i] = c.Command
	}
	return u
}

// Frame returns the number of Step calls so far.
func (l *Loop) Frame() int64 { return l.frame }

// Dispatched returns what the last Step routed (the same slice it returned).
func (l *Loop) Dispatched() []Dispatch { return l.dispatched }

// Finished returns the utterances the last Step saw finish (every source), with
// their results and timings; rejections are here with their reasons. The slice is
// reused by the next Step.
func (l *Loop) Finished() []engine.Utterance { return l.finished }

// Stats returns the loop's counters.
func (l *Loop) Stats() Stats { return l.stats }

// View is what a HUD shows for the loop's player this frame.
type View struct {
	// Level is the mic level in [0, 1]; Talking is push-to-talk held.
	Level   float64
	Talking bool
	// Text is the transcript: the live partial (Partial true) or the last final one.
	Text    string
	Partial bool
	// Commands are the partial's forming commands or the last utterance's commands.
	Commands []CommandView
	// Reject is the last utterance's rejection reason.
	Reject string
	// Question is a question the player may answer with yes or no ("not sure: did
	// you mean dodge Sparky left? say yes or no"), shown instead of Reject.
	Question string
	// Latency summarises the last utterance's timings.
	Latency string
	// Err is the source's or engine's error, if any.
	Err string
}

// CommandView is one command on the HUD.
type CommandView struct {
	Intent     string
	Confidence float64
	Slots      []SlotView
	// Effect is what the handler reported; Err its error.
	Effect, Err string
	// Forming is true for a command from a partial transcript (not dispatched yet).
	Forming bool
}

// SlotView is one filled slot with the model's confidence in it.
type SlotView struct {
	Name, Value string
	Confidence  float64
}

// View returns the HUD contents at now; the last result stays for keep.
func (l *Loop) View(now time.Time, keep time.Duration) View {
	lv := l.eng.Live(l.shown)
	v := View{Level: lv.Level, Talking: lv.Talking}
	if err := l.eng.Err(); err != nil {
		v.Err = err.Error()
	}
	switch {
	case lv.Partial != "":
		v.Text, v.Partial = lv.Partial, true
		if !lv.Forming.Rejected {
			for _, c := range lv.Forming.Commands {
				cv := commandView(c)
				cv.Forming = true
				v.Commands = append(v.Commands, cv)
			}
		}
	case l.hasLast && now.Sub(l.lastAt) < keep:
		u := l.last
		v.Text = u.Text
		if u.Result.Rejected {
			v.Reject = u.Result.Reason
		}
		if q := l.Question(now); q != "" && l.question.source == l.shown {
			v.Question, v.Reject = q, ""
		}
		for i, c := range u.Result.Commands {
			cv := commandView(c)
			// This utterance's dispatches are in l.recent, in spoken order.
			if i < len(l.recent) && l.recent[i].Command.Utterance == u.ID {
				cv.Effect = l.recent[i].Effect
				if err := l.recent[i].Err; err != nil {
					cv.Err = err.Error()
				}
			}
			v.Commands = append(v.Commands, cv)
		}
		v.Latency = LatencyText(u.Timings, u.Typed)
	}
	return v
}

func commandView(c grammar.Command) CommandView {
	cv := CommandView{Intent: c.Intent, Confidence: c.Confidence}
	names := make([]string, 0, len(c.Slots))
	for k := range c.Slots {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := slotRank(names[i]), slotRank(names[j])
		return ri < rj || ri == rj && names[i] < names[j]
	})
	for _, k := range names {
		conf, ok := c.SlotConfidence[k]
		if !ok {
			conf = c.Confidence
		}
		cv.Slots = append(cv.Slots, SlotView{Name: k, Value: c.Slots[k].String(), Confidence: conf})
	}
	return cv
}

// slotRank puts the usual reading order first: who, what, whom.
func slotRank(name string) int {
	switch name {
	case "actor":
		return 0
	case "move", "item", "direction", "name":
		return 1
	case "target", "steps":
		return 2
	}
	return 3
}

// LatencyText summarises timings for a HUD: "total 312 ms · endpoint 200 ms · asr
// 95 ms · fill 0.4 ms K=2" (typed text has no endpoint or ASR).
func LatencyText(t engine.Timings, typed bool) string {
	ms := func(d time.Duration) string {
		if d < 100*time.Microsecond {
			return fmt.Sprintf("%d µs", d.Microseconds())
		}
		if d < 10*time.Millisecond {
			return fmt.Sprintf("%.1f ms", float64(d)/1e6)
		}
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	parts := []string{"total " + ms(t.Total)}
	if !typed {
		parts = append(parts, "endpoint "+ms(t.Endpoint), "asr "+ms(t.ASR))
	}
	fill := "fill " + ms(t.Fill)
	if t.Steps > 0 {
		fill += fmt.Sprintf(" K=%d", t.Steps)
	}
	parts = append(parts, fill)
	return strings.Join(parts, " · ")
}
