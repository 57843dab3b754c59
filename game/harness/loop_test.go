package harness

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
)

// echoFiller understands "INTENT ACTOR ..." with a fixed confidence.
type echoFiller struct{}

func (echoFiller) DefaultSteps() int { return 0 }

func (echoFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	out := make([]grammar.Result, len(texts))
	for i, t := range texts {
		w := strings.Fields(t)
		if len(w) < 2 {
			out[i] = grammar.Reject(t, "not a command")
			continue
		}
		c := grammar.Command{Intent: w[0], Slots: map[string]grammar.Value{"actor": {Str: w[1]}, "target": {Str: "Rattler"}},
			Confidence: 0.9, SlotConfidence: map[string]float64{"actor": 0.8, "target": 0.6}}
		out[i] = grammar.Result{Text: t, Commands: []grammar.Command{c}}
	}
	return out
}

func newLoop(t *testing.T) *Loop {
	t.Helper()
	eng, err := engine.New(engine.Options{Filler: echoFiller{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return NewLoop(eng, 0)
}

func stepUntil(t *testing.T, l *Loop, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		l.Step()
		if done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLoopRoutesAndViews(t *testing.T) {
	l := newLoop(t)
	var got []string
	l.Router.Handle("attack", func(c engine.Command) (string, error) {
		got = append(got, c.Slots["actor"].Str)
		return "-18 HP", nil
	})
	l.Engine().Submit(0, "attack Sparky")
	stepUntil(t, l, func() bool { return len(l.Dispatched()) > 0 })
	d := l.Dispatched()[0]
	if len(got) != 1 || got[0] != "Sparky" || d.Effect != "-18 HP" || d.Frame != l.Frame() {
		t.Fatalf("handler got %v; dispatch %+v", got, d)
	}
	v := l.View(time.Now(), time.Second)
	if v.Text != "attack Sparky" || v.Partial || len(v.Commands) != 1 {
		t.Fatalf("view = %+v", v)
	}
	c := v.Commands[0]
	if c.Effect != "-18 HP" || len(c.Slots) != 2 || c.Slots[0].Name != "actor" || c.Slots[1].Confidence != 0.6 {
		t.Fatalf("command view = %+v (want actor first, target at 0.6)", c)
	}
	if !strings.HasPrefix(v.Latency, "total ") || strings.Contains(v.Latency, "asr") {
		t.Errorf("typed text latency = %q (no ASR stage expected)", v.Latency)
	}
	if v := l.View(time.Now().Add(2*time.Second), time.Second); v.Text != "" {
		t.Errorf("the result should fade after keep: %+v", v)
	}
	if s := l.Stats(); s.Dispatched != 1 || s.Frames != l.Frame() || s.Max <= 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestLoopRejectionAndErrors(t *testing.T) {
	l := newLoop(t)
	l.Router.Handle("hold", func(engine.Command) (string, error) { return "", errors.New("Sparky has fainted") })
	l.Router.Handle("boom", func(engine.Command) (string, error) { panic("kaboom") })
	l.Engine().Submit(0, "mumble")
	stepUntil(t, l, func() bool { return l.View(time.Now(), time.Second).Reject != "" })
	if r := l.View(time.Now(), time.Second).Reject; r != "not a command" {
		t.Fatalf("reject = %q", r)
	}
	for _, tc := range []struct{ text, want string }{
		{"hold Sparky", "fainted"},
		{"dance Sparky", `no handler for intent "dance"`},
		{"boom Sparky", "kaboom"},
	} {
		l.Engine().Submit(0, tc.text)
		stepUntil(t, l, func() bool { return len(l.Dispatched()) > 0 })
		d := l.Dispatched()[0]
		if d.Err == nil || !strings.Contains(d.Err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.text, d.Err, tc.want)
		}
		if v := l.View(time.Now(), time.Second); len(v.Commands) != 1 || !strings.Contains(v.Commands[0].Err, tc.want) {
			t.Errorf("%q: HUD does not show the error: %+v", tc.text, v)
		}
	}
	if s := l.Stats(); s.Failed != 3 {
		t.Errorf("failed = %d, want 3", s.Failed)
	}
}

func TestRouterFallback(t *testing.T) {
	var r Router
	r.Fallback = func(c engine.Command) (string, error) { return "fallback " + c.Intent, nil }
	d := r.Route(engine.Command{Command: grammar.Command{Intent: "wave"}})
	if d.Effect != "fallback wave" || d.Err != nil {
		t.Fatalf("%+v", d)
	}
	var empty Router
	if d := empty.Route(engine.Command{Command: grammar.Command{Intent: "wave"}}); !errors.Is(d.Err, ErrNoHandler) {
		t.Fatalf("err = %v", d.Err)
	}
}

func TestLatencyText(t *testing.T) {
	got := LatencyText(engine.Timings{Total: 312 * time.Millisecond, Endpoint: 200 * time.Millisecond, ASR: 95 * time.Millisecond, Fill: 400 * time.Microsecond, Steps: 2}, false)
	want := "total 312 ms · endpoint 200 ms · asr 95 ms · fill 0.4 ms K=2"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func ExampleRouter() {
	var r Router
	r.Handle("hold", func(c engine.Command) (string, error) {
		return c.Slots["actor"].Str + " stands firm", nil
	})
	c := engine.Command{Command: grammar.Command{Intent: "hold", Slots: map[string]grammar.Value{"actor": {Str: "Sparky"}}}}
	d := r.Route(c)
	fmt.Println(d.Effect, d.Err)
	// Output: Sparky stands firm <nil>
}

func TestLoopFollowActive(t *testing.T) {
	l := newLoop(t)
	p2, _ := l.Engine().AddTypist()
	l.Engine().Submit(p2, "hold Bubbles")
	stepUntil(t, l, func() bool { return len(l.Dispatched()) > 0 })
	if v := l.View(time.Now(), time.Second); v.Text != "" {
		t.Fatalf("without FollowActive the HUD shows source 0 only: %+v", v)
	}
	l.FollowActive = true
	l.Engine().Submit(p2, "hold Sparky")
	stepUntil(t, l, func() bool { return len(l.Dispatched()) > 0 })
	if v := l.View(time.Now(), time.Second); v.Text != "hold Sparky" {
		t.Fatalf("with FollowActive the HUD shows the last speaker: %+v", v)
	}
}

// unsureFiller is sure only of "hold X"; "dodge X" comes out at confidence 0.3, below
// the engine's default MinConfidence, so the loop asks before anything is done.
type unsureFiller struct{ echoFiller }

func (unsureFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	out := echoFiller{}.Fill(texts, st, steps)
	for i := range out {
		for j := range out[i].Commands {
			if out[i].Commands[j].Intent == "dodge" {
				out[i].Commands[j].Confidence = 0.3
			}
		}
	}
	return out
}

func TestUnsureUtteranceAsksFirst(t *testing.T) {
	for _, tc := range []struct {
		answer string
		routed int
	}{
		{"yes", 1}, {"Yeah!", 1}, {"no", 0}, {"hold Bubbles", 1}, // another command: the question is dropped
	} {
		eng, err := engine.New(engine.Options{Filler: unsureFiller{}})
		if err != nil {
			t.Fatal(err)
		}
		l := NewLoop(eng, 0)
		var got []string
		l.Router.Fallback = func(c engine.Command) (string, error) {
			got = append(got, c.Intent+" "+c.Slots["actor"].Str)
			return "", nil
		}
		eng.Submit(0, "dodge Sparky")
		stepUntil(t, l, func() bool { return l.Question(time.Now()) != "" })
		if len(got) != 0 {
			t.Fatalf("an unsure command was executed before the answer: %v", got)
		}
		if v := l.View(time.Now(), time.Second); !strings.Contains(v.Question, "dodge Sparky") || !strings.Contains(v.Question, "yes or no") {
			t.Errorf("HUD question = %q", v.Question)
		}
		eng.Submit(0, tc.answer)
		n := l.Stats().Confirmed + l.Stats().Declined
		stepUntil(t, l, func() bool {
			return len(got) > 0 || l.Stats().Confirmed+l.Stats().Declined > n || l.Question(time.Now()) == ""
		})
		switch {
		case tc.answer == "hold Bubbles":
			if len(got) != 1 || got[0] != "hold Bubbles" {
				t.Errorf("%q: routed %v, want only the new command", tc.answer, got)
			}
		case tc.routed == 1 && (len(got) != 1 || got[0] != "dodge Sparky"):
			t.Errorf("%q: routed %v, want the confirmed dodge", tc.answer, got)
		case tc.routed == 0 && len(got) != 0:
			t.Errorf("%q: routed %v, want nothing", tc.answer, got)
		}
		if l.Question(time.Now()) != "" {
			t.Errorf("%q: the question is still open", tc.answer)
		}
		eng.Close()
	}
}
