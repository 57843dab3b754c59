// Package game plugs voicecmd into an Ebiten game: push-to-talk keys, a typed-text
// fallback, a router from intents to handlers, and a HUD overlay showing the mic level,
// the live transcript, the command as it forms (with per-slot confidence), rejections
// and latency.
//
// Call Update at the start of your Game.Update and Draw at the end of your Game.Draw:
//
//	p, _ := game.New(game.Options{Engine: eng})
//	p.Handle("attack", func(c engine.Command) (string, error) { ... })
//
//	func (g *Game) Update() error {
//		if err := g.voice.Update(); err != nil {
//			return err
//		}
//		...
//	}
//	func (g *Game) Draw(screen *ebiten.Image) {
//		...
//		g.voice.Draw(screen)
//	}
//
// A scripted run — a script of timed inputs, a frame limit, a JSON-lines log and a
// screenshot, for tests and recordings under Xvfb — is one option away:
//
//	var run harness.Options
//	run.RegisterFlags(flag.CommandLine) // --script --frames --screenshot --log
//	flag.Parse()
//	p, _ := game.New(game.Options{Engine: eng, Run: run})
//	// Update returns ebiten.Termination when the frames have run.
//
// The package holds no game-specific logic: what a command does is up to the
// handlers. It does not link PortAudio or whisper.cpp: voice input is an engine
// source (voice.EngineSource), added by the game when it wants a microphone.
package game

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/game/harness"
)

// ErrNoEngine is returned by New when Options.Engine is nil.
var ErrNoEngine = errors.New("game: no engine")

// ErrNoHandler is the Dispatch error for an intent no handler is registered for.
var ErrNoHandler = harness.ErrNoHandler

// The router types live in package harness (usable without a display); these
// aliases let a game use them as game.Handler, game.Dispatch and game.Router.
type (
	Handler  = harness.Handler
	Dispatch = harness.Dispatch
	Router   = harness.Router
	Stats    = harness.Stats
)

// Options configures a Plugin. Only Engine is required.
type Options struct {
	// Engine is the running voicecmd engine. Required. The plugin does not close it.
	Engine *engine.Engine

	// Source is the engine source (player) the keys and the text box drive. Zero is
	// the first source.
	Source int

	// TalkKeys are held for push-to-talk. Nil means Space. An empty non-nil slice
	// means no push-to-talk key (always-listening sources).
	TalkKeys []ebiten.Key

	// TypeKeys open the text box for typing a command. Nil means Enter and Slash.
	// An empty non-nil slice disables typing. In the box, Enter submits and Escape
	// cancels.
	TypeKeys []ebiten.Key

	// HUDFollowsActive makes the HUD show whichever source spoke or typed last
	// (several microphones, scripted audio); the keys still drive Source. The zero
	// value shows Source only.
	HUDFollowsActive bool

	// HideHUD turns the overlay off; Draw then draws only the text box when open.
	HideHUD bool

	// HUDHeight is the height of the overlay in screen pixels. Zero means 92.
	HUDHeight int

	// KeepResult is how long the HUD keeps showing the last result. Zero means 4s.
	KeepResult time.Duration

	// Run makes this a scripted run (a script of timed inputs, a frame limit, a log,
	// a screenshot): register its flags with Run.RegisterFlags. The zero value is an
	// ordinary interactive game. With Run.Frames set, Update returns
	// ebiten.Termination once the frames have run and the screenshot is written.
	Run harness.Options
}

// Plugin is the Ebiten side of voicecmd for one player. Create it with New; call its
// Update and Draw from the game's own. All methods are for the game goroutine only.
type Plugin struct {
	opts Options
	eng  *engine.Engine
	loop *harness.Loop
	in   input

	talking bool
	typing  bool
	text    []rune
	chars   []rune
	err     error

	updateTime time.Duration
	hud        hud
	run        *harness.Run // nil unless Options.Run asks for a scripted run
}

// New returns a plugin driving opts.Engine. It returns ErrNoEngine without an engine
// and an error wrapping engine.ErrUnknownSource for a bad Options.Source.
func New(opts Options) (*Plugin, error) {
	if opts.Engine == nil {
		return nil, ErrNoEngine
	}
	if opts.Source < 0 || opts.Source >= opts.Engine.Sources() {
		return nil, fmt.Errorf("game: source %d: %w", opts.Source, engine.ErrUnknownSource)
	}
	if opts.TalkKeys == nil {
		opts.TalkKeys = []ebiten.Key{ebiten.KeySpace}
	}
	if opts.TypeKeys == nil {
		opts.TypeKeys = []ebiten.Key{ebiten.KeyEnter, ebiten.KeySlash}
	}
	if opts.HUDHeight <= 0 {
		opts.HUDHeight = 92
	}
	if opts.KeepResult <= 0 {
		opts.KeepResult = 4 * time.Second
	}
	loop := harness.NewLoop(opts.Engine, opts.Source)
	loop.FollowActive = opts.HUDFollowsActive
	p := &Plugin{opts: opts, eng: opts.Engine, loop: loop, in: ebitenInput{}}
	if opts.Run.Scripted() {
		run, err := harness.Start(opts.Run, loop)
		if err != nil {
			return nil, err
		}
		p.run = run
	}
	return p, nil
}

// Close ends a scripted run: it closes the log and returns the run's first error
// (a failed script event or screenshot). Without a run it returns nil. It does not
// close the engine.
func (p *Plugin) Close() error {
	if p.run == nil {
		return nil
	}
	return p.run.Close()
}

// Run returns the scripted run (nil for an interactive game), for a game that logs
// its own records (Run.Log) or checks Run.Err.
func (p *Plugin) Run() *harness.Run { return p.run }

// Handle registers the handler for intent, replacing any earlier one.
func (p *Plugin) Handle(intent string, h Handler) { p.loop.Router.Handle(intent, h) }

// Router returns the plugin's router, to set a Fallback or route commands by hand.
func (p *Plugin) Router() *Router { return &p.loop.Router }

// Update reads the push-to-talk and typing keys, polls the engine and routes the
// commands that are ready to their handlers (which run inside Update, on the game
// goroutine); in a scripted run it also plays the script's inputs due this frame.
// Call it once at the start of the game's Update and return its error. It never
// blocks. It returns nil, or ebiten.Termination when a scripted run with
// Options.Run.Frames is over.
func (p *Plugin) Update() error {
	if p.run != nil && p.run.Done() {
		return ebiten.Termination
	}
	if p.run != nil && p.run.WantsScreenshot() {
		return nil // the last frame is drawn; wait for Draw to save it
	}
	start := time.Now()
	p.keys()
	keys := time.Since(start)
	p.loop.Step()
	p.updateTime = keys + p.loop.Stats().Last
	if p.run != nil {
		p.run.Step(p.updateTime)
	}
	return nil
}

// keys handles push-to-talk and the text box.
func (p *Plugin) keys() {
	if p.typing {
		p.chars = p.in.appendChars(p.chars[:0])
		for _, r := range p.chars {
			if r >= ' ' && r != 0x7f {
				p.text = append(p.text, r)
			}
		}
		switch {
		case p.in.justPressed(ebiten.KeyEscape):
			p.typing, p.text = false, p.text[:0]
		case p.in.justPressed(ebiten.KeyEnter) || p.in.justPressed(ebiten.KeyNumpadEnter):
			if s := strings.TrimSpace(string(p.text)); s != "" {
				p.err = p.eng.Submit(p.opts.Source, s)
			}
			p.typing, p.text = false, p.text[:0]
		case p.in.repeated(ebiten.KeyBackspace) && len(p.text) > 0:
			p.text = p.text[:len(p.text)-1]
		}
		return
	}
	for _, k := range p.opts.TalkKeys {
		if !p.talking && p.in.justPressed(k) {
			p.talking = true
			p.err = p.eng.Talk(p.opts.Source, true)
		} else if p.talking && p.in.justReleased(k) {
			p.talking = false
			p.err = p.eng.Talk(p.opts.Source, false)
		}
	}
	for _, k := range p.opts.TypeKeys {
		if p.in.justPressed(k) {
			p.typing = true
			p.text = p.text[:0]
			p.in.appendChars(p.chars[:0]) // drop the '/' that opened the box
			if p.talking {
				p.talking = false
				p.err = p.eng.Talk(p.opts.Source, false)
			}
			break
		}
	}
}

// Submit sends text as if the player typed it. Game goroutine; never blocks.
func (p *Plugin) Submit(text string) error { return p.eng.Submit(p.opts.Source, text) }

// Dispatched returns the commands the last Update routed, with their effects and
// frame numbers. The slice is reused by the next Update.
func (p *Plugin) Dispatched() []Dispatch { return p.loop.Dispatched() }

// Typing reports whether the text box is open: the game should then ignore its own
// keyboard shortcuts, which the player is using to type.
func (p *Plugin) Typing() bool { return p.typing }

// Talking reports whether push-to-talk is held.
func (p *Plugin) Talking() bool { return p.talking }

// Frame returns the number of Update calls so far.
func (p *Plugin) Frame() int64 { return p.loop.Frame() }

// UpdateTime returns the time the last Update spent, handlers excluded: the plugin's
// own cost in the frame.
func (p *Plugin) UpdateTime() time.Duration { return p.updateTime }

// Stats returns the plugin's counters.
func (p *Plugin) Stats() Stats { return p.loop.Stats() }

// Err returns the last error from the engine (a source that stopped, a failed
// submit), or nil.
func (p *Plugin) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.eng.Err()
}

// view is the HUD's contents: the loop's view plus the text box.
func (p *Plugin) view(now time.Time) hudView {
	v := hudView{View: p.loop.View(now, p.opts.KeepResult), typing: p.typing, typed: string(p.text), hint: p.hint()}
	v.Talking = v.Talking || p.talking
	if v.Err == "" && p.err != nil {
		v.Err = p.err.Error()
	}
	return v
}

type hudView struct {
	harness.View
	typing bool
	typed  string
	hint   string
}

func (p *Plugin) hint() string {
	if p.typing {
		return "ENTER send · ESC cancel"
	}
	var hs []string
	if len(p.opts.TalkKeys) > 0 {
		hs = append(hs, "hold "+keyName(p.opts.TalkKeys[0])+" to talk")
	}
	if len(p.opts.TypeKeys) > 0 {
		hs = append(hs, keyName(p.opts.TypeKeys[0])+" to type")
	}
	return strings.Join(hs, " · ")
}

func keyName(k ebiten.Key) string { return strings.ToUpper(k.String()) }
