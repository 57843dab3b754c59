//go:build display

package game

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
)

// fakeInput replays key events and typed characters, one frame at a time.
type fakeInput struct {
	pressed, released map[ebiten.Key]bool
	chars             []rune
}

func (f *fakeInput) justPressed(k ebiten.Key) bool  { return f.pressed[k] }
func (f *fakeInput) justReleased(k ebiten.Key) bool { return f.released[k] }
func (f *fakeInput) repeated(k ebiten.Key) bool     { return f.pressed[k] }
func (f *fakeInput) appendChars(rs []rune) []rune {
	rs = append(rs, f.chars...)
	f.chars = nil
	return rs
}

// frame sets this frame's input.
func (f *fakeInput) frame(pressed, released []ebiten.Key, chars string) {
	f.pressed, f.released = map[ebiten.Key]bool{}, map[ebiten.Key]bool{}
	for _, k := range pressed {
		f.pressed[k] = true
	}
	for _, k := range released {
		f.released[k] = true
	}
	f.chars = []rune(chars)
}

// echoFiller understands "INTENT ACTOR [SLOT=VALUE]".
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
		c := grammar.Command{Intent: w[0], Slots: map[string]grammar.Value{"actor": {Str: w[1]}}, Confidence: 0.9,
			SlotConfidence: map[string]float64{"actor": 0.8}}
		out[i] = grammar.Result{Text: t, Commands: []grammar.Command{c}}
	}
	return out
}

type talkSource struct {
	engine.SourceFunc
	talks []bool
}

func (s *talkSource) StartTalking() { s.talks = append(s.talks, true) }
func (s *talkSource) StopTalking()  { s.talks = append(s.talks, false) }

func newPlugin(t *testing.T, src engine.Source) (*Plugin, *fakeInput) {
	t.Helper()
	var srcs []engine.Source
	if src != nil {
		srcs = []engine.Source{src}
	}
	eng, err := engine.New(engine.Options{Filler: echoFiller{}, Sources: srcs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	p, err := New(Options{Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	in := &fakeInput{}
	p.in = in
	return p, in
}

// waitLimit bounds how long a test waits for something that should happen within
// a few frames: generous, because CI runs every package at once under the race
// detector on two cores (2 s was once not enough there).
const waitLimit = 15 * time.Second

// runFrames calls Update until a dispatch happened (or waitLimit passed).
func runFrames(t *testing.T, p *Plugin, in *fakeInput) []Dispatch {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		in.frame(nil, nil, "")
		p.Update()
		if d := p.Dispatched(); len(d) > 0 {
			return append([]Dispatch(nil), d...)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("nothing dispatched")
	return nil
}

func TestTypedCommandIsRouted(t *testing.T) {
	p, in := newPlugin(t, nil)
	var got []string
	p.Handle("hold", func(c engine.Command) (string, error) {
		got = append(got, c.Slots["actor"].Str)
		return c.Slots["actor"].Str + " holds", nil
	})
	in.frame([]ebiten.Key{ebiten.KeySlash}, nil, "/")
	p.Update()
	if !p.Typing() {
		t.Fatal("slash should open the text box")
	}
	in.frame(nil, nil, "hold Spark")
	p.Update()
	in.frame(nil, nil, "yy")
	p.Update()
	in.frame([]ebiten.Key{ebiten.KeyBackspace}, nil, "")
	p.Update()
	if v := p.view(time.Now()); v.typed != "hold Sparky" || !strings.Contains(v.hint, "ESC") {
		t.Fatalf("text box shows %q (hint %q), want %q", v.typed, v.hint, "hold Sparky")
	}
	in.frame([]ebiten.Key{ebiten.KeyEnter}, nil, "")
	p.Update()
	if p.Typing() {
		t.Fatal("enter should close the text box")
	}
	ds := runFrames(t, p, in)
	if len(got) != 1 || got[0] != "Sparky" || ds[0].Effect != "Sparky holds" || ds[0].Frame < 5 {
		t.Fatalf("handler got %v, dispatch %+v", got, ds)
	}
	v := p.view(time.Now())
	if v.Text != "hold Sparky" || len(v.Commands) != 1 || v.Commands[0].Effect != "Sparky holds" {
		t.Fatalf("HUD view = %+v", v)
	}
	if s := v.Commands[0].Slots; len(s) != 1 || s[0].Confidence != 0.8 {
		t.Errorf("slot confidence not shown: %+v", s)
	}
	if !strings.Contains(v.Latency, "total") || !strings.Contains(v.Latency, "fill") {
		t.Errorf("latency line = %q", v.Latency)
	}
}

func TestEscapeCancelsTyping(t *testing.T) {
	p, in := newPlugin(t, nil)
	in.frame([]ebiten.Key{ebiten.KeyEnter}, nil, "")
	p.Update()
	in.frame(nil, nil, "hold Sparky")
	p.Update()
	in.frame([]ebiten.Key{ebiten.KeyEscape}, nil, "")
	p.Update()
	if p.Typing() {
		t.Fatal("escape should close the box")
	}
	for range 20 {
		in.frame(nil, nil, "")
		p.Update()
		if len(p.Dispatched()) > 0 {
			t.Fatal("a cancelled text was dispatched")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRejectionAndMissingHandlerShown(t *testing.T) {
	p, in := newPlugin(t, nil)
	p.Submit("mumble")
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		in.frame(nil, nil, "")
		p.Update()
		if p.view(time.Now()).Reject != "" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if v := p.view(time.Now()); v.Reject != "not a command" {
		t.Fatalf("rejection not shown: %+v", v)
	}
	p.Submit("dance Sparky")
	ds := runFrames(t, p, in)
	if !errors.Is(ds[0].Err, ErrNoHandler) {
		t.Fatalf("dispatch error = %v, want ErrNoHandler", ds[0].Err)
	}
	if v := p.view(time.Now()); len(v.Commands) != 1 || !strings.Contains(v.Commands[0].Err, "dance") {
		t.Fatalf("HUD should show the missing handler: %+v", v)
	}
}

func TestPanickingHandlerDoesNotCrash(t *testing.T) {
	p, in := newPlugin(t, nil)
	p.Handle("hold", func(engine.Command) (string, error) { panic("boom") })
	p.Submit("hold Sparky")
	ds := runFrames(t, p, in)
	if ds[0].Err == nil || !strings.Contains(ds[0].Err.Error(), "boom") {
		t.Fatalf("err = %v", ds[0].Err)
	}
	if p.Stats().Failed != 1 {
		t.Errorf("stats = %+v", p.Stats())
	}
}

func TestPushToTalk(t *testing.T) {
	src := &talkSource{SourceFunc: func(ctx context.Context, emit func(engine.Transcript)) error {
		<-ctx.Done()
		return nil
	}}
	p, in := newPlugin(t, src)
	in.frame([]ebiten.Key{ebiten.KeySpace}, nil, "")
	p.Update()
	if !p.Talking() || !p.view(time.Now()).Talking {
		t.Fatal("space should start talking")
	}
	in.frame(nil, nil, "")
	p.Update()
	in.frame(nil, []ebiten.Key{ebiten.KeySpace}, "")
	p.Update()
	if p.Talking() {
		t.Fatal("releasing space should stop talking")
	}
	if len(src.talks) != 2 || !src.talks[0] || src.talks[1] {
		t.Fatalf("source talk calls = %v", src.talks)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrNoEngine) {
		t.Fatalf("err = %v", err)
	}
	eng, _ := engine.New(engine.Options{Filler: echoFiller{}})
	defer eng.Close()
	if _, err := New(Options{Engine: eng, Source: 4}); !errors.Is(err, engine.ErrUnknownSource) {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkUpdateIdle(b *testing.B) {
	eng, _ := engine.New(engine.Options{Filler: echoFiller{}})
	defer eng.Close()
	p, _ := New(Options{Engine: eng})
	in := &fakeInput{}
	p.in = in
	in.frame(nil, nil, "")
	b.ReportAllocs()
	for b.Loop() {
		p.Update()
	}
}
