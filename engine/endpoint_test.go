package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

func TestEndpointRuleSilence(t *testing.T) {
	g, err := grammar.Parse("e.vcg", `
type monster dynamic
type enemy dynamic
type move dynamic
intent attack(actor: monster, move: move, target?: enemy) {
    default actor: state
    say "{actor} {move} [{target}]"
}
intent retreat(actor: monster) {
    default actor: state
    say "{actor} come back"
}`)
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(intent string, said ...string) grammar.Command {
		c := grammar.Command{Intent: intent, Slots: map[string]grammar.Value{}, SlotConfidence: map[string]float64{}}
		for _, s := range said {
			c.Slots[s], c.SlotConfidence[s] = grammar.Str("x"), 0.9
		}
		return c
	}
	res := func(cs ...grammar.Command) grammar.Result { return grammar.Result{Commands: cs} }
	rule := EndpointRule{On: true}
	for _, tc := range []struct {
		name string
		r    grammar.Result
		g    *grammar.Grammar
		want time.Duration
	}{
		{"complete, nothing optional left", res(cmd("retreat", "actor")), g, 100 * time.Millisecond},
		{"target may follow", res(cmd("attack", "actor", "move")), g, 450 * time.Millisecond},
		{"all said", res(cmd("attack", "actor", "move", "target")), g, 100 * time.Millisecond},
		{"only the last command counts", res(cmd("attack", "actor", "move"), cmd("retreat", "actor")), g, 100 * time.Millisecond},
		{"a defaulted slot may still be said", res(cmd("retreat")), g, 450 * time.Millisecond},
		{"rejection", grammar.Reject("Sparky use", "attack: which move?"), g, 700 * time.Millisecond},
		{"no grammar", res(cmd("attack", "actor", "move")), nil, 100 * time.Millisecond},
	} {
		if got := rule.Silence(tc.r, tc.g, nil); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// with the pitch of the last word: only an open command ends sooner after a
	// fall, and only when OpenFalling is set
	pitch := EndpointRule{On: true, OpenFalling: 150 * time.Millisecond}
	for _, tc := range []struct {
		name           string
		rule           EndpointRule
		r              grammar.Result
		level, falling time.Duration
	}{
		{"target may follow", pitch, res(cmd("attack", "actor", "move")), 450 * time.Millisecond, 150 * time.Millisecond},
		{"target may follow, pitch rule off", rule, res(cmd("attack", "actor", "move")), 450 * time.Millisecond, 450 * time.Millisecond},
		{"complete", pitch, res(cmd("retreat", "actor")), 100 * time.Millisecond, 100 * time.Millisecond},
		{"rejection: a fall does not make it a command", pitch, grammar.Reject("Sparky use", "attack: which move?"), 700 * time.Millisecond, 700 * time.Millisecond},
		{"OpenFalling above Open: Open", EndpointRule{On: true, Open: 100 * time.Millisecond, OpenFalling: time.Second}, res(cmd("attack", "actor", "move")), 100 * time.Millisecond, 100 * time.Millisecond},
	} {
		if level, falling := tc.rule.Silences(tc.r, g, nil); level != tc.level || falling != tc.falling {
			t.Errorf("%s: Silences = %v, %v; want %v, %v", tc.name, level, falling, tc.level, tc.falling)
		}
	}
	custom := EndpointRule{On: true, Complete: 50 * time.Millisecond, Open: time.Second, Incomplete: 2 * time.Second}
	if got := custom.Silence(res(cmd("attack", "actor", "move")), g, nil); got != time.Second {
		t.Errorf("custom Open: %v", got)
	}
}

// An optional slot that no value of the state could fill cannot follow: after
// "Bubbles, rain dance" no target comes when rain dance targets no enemy.
func TestEndpointOptionalSlotNoValueFits(t *testing.T) {
	g, err := grammar.Parse("e.vcg", `
type monster dynamic
type enemy dynamic
type move dynamic
relation targets(move, enemy)
intent attack(actor: monster, move: move, target?: enemy) {
    require targets(move, target)
    say "{actor} {move} [{target}]"
}`)
	if err != nil {
		t.Fatal(err)
	}
	st := &grammar.State{
		Values:    map[string][]string{"monster": {"Bubbles"}, "enemy": {"Rattler", "Stonejaw"}, "move": {"water gun", "rain dance"}},
		Relations: map[string][][]string{"targets": {{"water gun", "Rattler"}, {"water gun", "Stonejaw"}}},
	}
	said := func(move string, target ...string) grammar.Result {
		c := grammar.Command{Intent: "attack", Slots: map[string]grammar.Value{"actor": grammar.Str("Bubbles"), "move": grammar.Str(move)},
			SlotConfidence: map[string]float64{"actor": 1, "move": 1}}
		for _, x := range target {
			c.Slots["target"], c.SlotConfidence["target"] = grammar.Str(x), 1
		}
		return grammar.Result{Commands: []grammar.Command{c}}
	}
	rule := EndpointRule{On: true}
	for _, tc := range []struct {
		name string
		r    grammar.Result
		st   *grammar.State
		want time.Duration
	}{
		{"self move: no target can follow", said("rain dance"), st, 100 * time.Millisecond},
		{"a move that targets: one may follow", said("water gun"), st, 450 * time.Millisecond},
		{"target said", said("water gun", "Rattler"), st, 100 * time.Millisecond},
		{"no state: any optional slot may follow", said("rain dance"), nil, 450 * time.Millisecond},
		{"no enemy left: nothing can follow", said("water gun"), &grammar.State{Values: map[string][]string{"monster": {"Bubbles"}, "move": {"water gun"}}}, 100 * time.Millisecond},
	} {
		if got := rule.Silence(tc.r, g, tc.st); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// hintSource emits partials and records the silences the engine asks for.
type hintSource struct {
	texts []string
	mu    sync.Mutex
	got   []time.Duration
	done  chan struct{}
}

func (s *hintSource) Run(ctx context.Context, emit func(Transcript)) error {
	for _, t := range s.texts {
		emit(Transcript{Utterance: 7, Text: t})
		time.Sleep(20 * time.Millisecond)
	}
	close(s.done)
	<-ctx.Done()
	return nil
}

// waitHints waits (2 s at most) until the source has emitted its texts and been
// asked for n silences, polling the engine meanwhile.
func (s *hintSource) waitHints(e *Engine, n int) {
	<-s.done
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		got := len(s.got)
		s.mu.Unlock()
		if got >= n {
			return
		}
		e.Poll()
		time.Sleep(time.Millisecond)
	}
}

func (s *hintSource) SetEndpointSilence(utt uint64, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if utt == 7 {
		s.got = append(s.got, d)
	}
}

func TestEngineHintsTheEndpoint(t *testing.T) {
	src := &hintSource{texts: []string{"hold", "hold Sparky"}, done: make(chan struct{})}
	e := newEngine(t, Options{Filler: &wordFiller{}, Sources: []Source{src}, Endpointing: EndpointRule{On: true}})
	src.waitHints(e, 2)
	src.mu.Lock()
	defer src.mu.Unlock()
	// "hold" alone is no command for wordFiller (a rejection): wait long; "hold
	// Sparky" is complete: end soon.
	if len(src.got) < 2 || src.got[0] != 700*time.Millisecond || src.got[len(src.got)-1] != 100*time.Millisecond {
		t.Errorf("silences asked for: %v", src.got)
	}
}

// pitchSource is a hintSource that also hears pitch (ProsodyEndpointer).
type pitchSource struct {
	hintSource
	falling []time.Duration
}

func (s *pitchSource) SetEndpointSilences(utt uint64, level, falling time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if utt == 7 {
		s.got = append(s.got, level)
		s.falling = append(s.falling, falling)
	}
}

// grammarFiller is a wordFiller with a grammar, for the rules that read it.
type grammarFiller struct {
	wordFiller
	g *grammar.Grammar
}

func (f *grammarFiller) Grammar() *grammar.Grammar { return f.g }

// A source that hears pitch gets both silences, and only through
// SetEndpointSilences: "hold Sparky" may still take its optional speed, so a fall
// ends it sooner; "hold" alone is no command, fall or not.
func TestEngineHintsBothSilences(t *testing.T) {
	g, err := grammar.Parse("h.vcg", `
type monster dynamic
type speed enum {
    slow
    fast
}
intent hold(actor: monster, speed?: speed) {
    say "hold {actor} [{speed}]"
}`)
	if err != nil {
		t.Fatal(err)
	}
	src := &pitchSource{hintSource: hintSource{texts: []string{"hold", "hold Sparky"}, done: make(chan struct{})}}
	e := newEngine(t, Options{Filler: &grammarFiller{g: g}, Sources: []Source{src},
		Endpointing: EndpointRule{On: true, OpenFalling: 150 * time.Millisecond}})
	src.waitHints(e, 2)
	src.mu.Lock()
	defer src.mu.Unlock()
	ms := time.Millisecond
	if len(src.got) != 2 || src.got[0] != 700*ms || src.falling[0] != 700*ms || src.got[1] != 450*ms || src.falling[1] != 150*ms {
		t.Errorf("silences asked for: level %v, falling %v; want [700ms 450ms], [700ms 150ms]", src.got, src.falling)
	}
}
