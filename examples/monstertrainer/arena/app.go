// Package arena is the monster-trainer demo's Ebiten game: it wires the voicecmd
// engine and plugin to the battle, draws it, and implements the command line (voice,
// typed text, scripts, logs, screenshots).
package arena

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/engine/fill"
	"github.com/voicecmd/voicecmd/examples/monstertrainer/battle"
	"github.com/voicecmd/voicecmd/examples/monstertrainer/script"
	"github.com/voicecmd/voicecmd/game"
	"github.com/voicecmd/voicecmd/grammar"
)

// Config is the demo's command line.
type Config struct {
	GameDir    string // commands.vcg, model.vcw, state.json
	Model      string // whisper model; "" for typed text only
	Mic        bool   // with Model: listen to the microphone (push-to-talk)
	Script     string // scripted input
	Frames     int    // exit after this many frames (0: run until the window closes)
	Screenshot string // PNG of the last frame
	Log        string // JSON lines log
	Seed       uint64
	Steps      int // diffusion steps K (0: the model's default)
	Calm       bool
	Early      bool // dispatch from partial transcripts (engine.Options.EarlyDispatch)

	// Filler replaces the trained filler from GameDir (tests, other front ends).
	Filler engine.Filler
}

// ParseFlags reads the command line.
func ParseFlags(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("monstertrainer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.GameDir, "game", defaultGameDir(), "game directory with commands.vcg, model.vcw and state.json")
	fs.StringVar(&c.Model, "model", "", "whisper ggml model for voice input (hold SPACE to talk); without it, type commands (ENTER)")
	fs.BoolVar(&c.Mic, "mic", true, "with --model: listen to the microphone (--mic=false: scripted wav input only)")
	fs.StringVar(&c.Script, "script", "", "script file: lines `FRAME say TEXT` or `FRAME wav FILE`")
	fs.IntVar(&c.Frames, "frames", 0, "exit after N frames (0: run until the window is closed)")
	fs.StringVar(&c.Screenshot, "screenshot", "", "write a PNG of the last frame to FILE (with --frames)")
	fs.StringVar(&c.Log, "log", "", "write JSON lines to FILE: each dispatched command with its frame and effect, each frame's Update time")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed of the battle")
	fs.IntVar(&c.Steps, "steps", 0, "diffusion steps K (0: the model's default)")
	fs.BoolVar(&c.Calm, "calm", false, "enemies do not act (for demos and tests)")
	fs.BoolVar(&c.Early, "early", false, "act on a command as soon as two partial transcripts agree on it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: monstertrainer [flags]\n\nCommand your monsters by voice or by typing. Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("monstertrainer: unexpected argument %q", fs.Arg(0))
	}
	if c.Screenshot != "" && c.Frames <= 0 {
		return c, errors.New("monstertrainer: --screenshot needs --frames")
	}
	return c, nil
}

// defaultGameDir finds the demo's directory from the repository root or from inside it.
func defaultGameDir() string {
	for _, d := range []string{"examples/monstertrainer", "."} {
		if _, err := os.Stat(filepath.Join(d, "commands.vcg")); err == nil {
			return d
		}
	}
	return "examples/monstertrainer"
}

// Main runs the demo and returns the exit code.
func Main(args []string) int {
	cfg, err := ParseFlags(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := Run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// Run plays the demo in a window until it is closed or cfg.Frames have run.
func Run(cfg Config) error {
	script, err := script.Load(cfg.Script)
	if err != nil {
		return err
	}
	f := cfg.Filler
	if f == nil {
		ff, err := fill.Load(cfg.GameDir, fill.Options{Steps: cfg.Steps})
		if err != nil {
			return fmt.Errorf("monstertrainer: %w", err)
		}
		f = ff
	}
	var sources []engine.Source
	var closeVoice func()
	if cfg.Model != "" && cfg.Mic {
		src, cl, err := openVoice(cfg.Model)
		if err != nil {
			return err
		}
		sources, closeVoice = []engine.Source{src}, cl
	}
	// The vocabulary starts from the game's state.json (the trained filler loads the
	// same file; a replacement filler may not).
	st, err := grammar.LoadState(filepath.Join(cfg.GameDir, "state.json"))
	if err != nil {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	eng, err := engine.New(engine.Options{Filler: f, State: st, Sources: sources, Steps: cfg.Steps, EarlyDispatch: cfg.Early})
	if err != nil {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	defer closeModel() // after the engine has stopped the recognizers
	defer eng.Close()
	if closeVoice != nil {
		defer closeVoice()
	}
	g, err := NewGame(eng, cfg, script)
	if err != nil {
		return err
	}
	defer g.Close()
	ebiten.SetWindowSize(battle.Width, battle.Height)
	ebiten.SetWindowTitle("voicecmd — monster trainer")
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	if err := ebiten.RunGame(g); err != nil && !errors.Is(err, ebiten.Termination) {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	return g.err
}

// Game is the demo as an ebiten.Game.
type Game struct {
	cfg    Config
	eng    *engine.Engine
	plugin *game.Plugin
	world  *battle.World
	script []script.Event
	next   int
	log    *json.Encoder
	logF   *os.File
	shot   bool
	err    error
	view   *view
}

// NewGame builds the demo around a running engine.
func NewGame(eng *engine.Engine, cfg Config, events []script.Event) (*Game, error) {
	p, err := game.New(game.Options{Engine: eng, HUDFollowsActive: true})
	if err != nil {
		return nil, err
	}
	g := &Game{cfg: cfg, eng: eng, plugin: p, world: battle.New(cfg.Seed), script: events, view: newView()}
	g.world.EnemiesAct = !cfg.Calm
	g.world.OnRename = func(old, new string) error { return eng.Rename("monster", old, new) }
	// The monster sent in last is who "dodge left" (no name) means.
	g.world.OnSwitch = func(name string) { eng.SetDefault("monster", name) }
	for _, in := range battle.Intents {
		p.Handle(in, func(c engine.Command) (string, error) { return g.world.Do(c.Command) })
	}
	if cfg.Log != "" {
		g.logF, err = os.Create(cfg.Log)
		if err != nil {
			return nil, fmt.Errorf("monstertrainer: log: %w", err)
		}
		g.log = json.NewEncoder(g.logF)
	}
	return g, nil
}

// World returns the battle.
func (g *Game) World() *battle.World { return g.world }

// Close writes the log's end record and closes it. (Scripted audio sources stop
// with the engine.)
func (g *Game) Close() error {
	if g.logF != nil {
		g.logEnd()
		return g.logF.Close()
	}
	return nil
}

// Update runs one frame: voice commands, script, battle.
func (g *Game) Update() error {
	start := time.Now()
	if g.cfg.Frames > 0 && g.plugin.Frame() >= int64(g.cfg.Frames) && (g.shot || g.cfg.Screenshot == "") {
		return ebiten.Termination
	}
	if g.cfg.Frames > 0 && g.plugin.Frame() >= int64(g.cfg.Frames) {
		return nil // wait for Draw to take the screenshot
	}
	if err := g.plugin.Update(); err != nil {
		return err
	}
	frame := g.plugin.Frame()
	for g.next < len(g.script) && g.script[g.next].Frame <= frame {
		g.runEvent(g.script[g.next])
		g.next++
	}
	for _, d := range g.plugin.Dispatched() {
		g.logDispatch(d)
	}
	for _, u := range g.eng.Finished() {
		if u.Result.Rejected {
			g.logLine(map[string]any{"frame": frame, "type": "rejected", "text": u.Text, "reason": u.Result.Reason})
		}
	}
	if !g.plugin.Typing() {
		g.keys()
	}
	g.world.Step()
	g.view.update(g.world)
	g.logLine(map[string]any{"frame": frame, "type": "frame",
		"update_us": time.Since(start).Microseconds(), "plugin_us": g.plugin.UpdateTime().Microseconds()})
	return nil
}

// keys: the demo's own shortcut: R starts a new battle once this one is over.
func (g *Game) keys() {
	if g.world.Outcome == battle.Ongoing || !ebiten.IsKeyPressed(ebiten.KeyR) {
		return
	}
	old := g.world
	g.world = battle.New(g.cfg.Seed + uint64(g.plugin.Frame()))
	g.world.EnemiesAct, g.world.OnRename = old.EnemiesAct, old.OnRename
	// Keep the names the player gave: the vocabulary already has them.
	for i, m := range old.Party {
		g.world.Party[i].Name = m.Name
	}
}

func (g *Game) runEvent(ev script.Event) {
	switch ev.Kind {
	case "say":
		if err := g.plugin.Submit(ev.Arg); err != nil {
			g.fail(err)
		}
	case "wav":
		if err := g.playWAV(ev.Arg); err != nil {
			g.fail(err)
		}
	}
}

func (g *Game) fail(err error) {
	if g.err == nil {
		g.err = err
	}
	g.logLine(map[string]any{"frame": g.plugin.Frame(), "type": "error", "error": err.Error()})
}

func (g *Game) logDispatch(d game.Dispatch) {
	slots := map[string]any{}
	for k, v := range d.Command.Slots {
		if v.IsNum {
			slots[k] = v.Num
		} else {
			slots[k] = v.Str
		}
	}
	rec := map[string]any{
		"frame": d.Frame, "type": "command", "intent": d.Command.Intent, "slots": slots,
		"text": d.Command.Text, "confidence": d.Command.Confidence, "effect": d.Effect,
		"latency_ms": float64(d.Command.Timings.Total.Microseconds()) / 1000,
	}
	if d.Err != nil {
		rec["error"] = d.Err.Error()
	}
	g.logLine(rec)
}

func (g *Game) logEnd() {
	type mon struct {
		Name    string  `json:"name"`
		HP      int     `json:"hp"`
		MaxHP   int     `json:"max_hp"`
		OnField bool    `json:"on_field"`
		X       float64 `json:"x"`
		Y       float64 `json:"y"`
	}
	var party, enemies []mon
	for _, m := range g.world.Party {
		party = append(party, mon{m.Name, m.HP, m.MaxHP, m.OnField, m.ToX, m.ToY})
	}
	for _, m := range g.world.Enemies {
		enemies = append(enemies, mon{m.Name, m.HP, m.MaxHP, m.OnField, m.ToX, m.ToY})
	}
	g.logLine(map[string]any{"frame": g.plugin.Frame(), "type": "end", "outcome": g.world.Outcome.String(),
		"party": party, "enemies": enemies, "vocabulary": g.eng.State().Values["monster"]})
}

func (g *Game) logLine(v any) {
	if g.log != nil {
		g.log.Encode(v)
	}
}

// Draw draws the battle and the voice HUD.
func (g *Game) Draw(screen *ebiten.Image) {
	g.view.draw(screen, g.world)
	g.plugin.Draw(screen)
	if g.cfg.Screenshot != "" && !g.shot && g.cfg.Frames > 0 && g.plugin.Frame() >= int64(g.cfg.Frames) {
		g.shot = true
		if err := saveScreenshot(screen, g.cfg.Screenshot); err != nil {
			g.fail(err)
		}
	}
}

func saveScreenshot(screen *ebiten.Image, path string) error {
	b := screen.Bounds()
	img := image.NewRGBA(b)
	screen.ReadPixels(img.Pix)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("monstertrainer: screenshot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("monstertrainer: screenshot: %w", err)
	}
	return f.Close()
}

// Layout fixes the logical screen at 960×540, scaled to the window.
func (g *Game) Layout(w, h int) (int, int) { return battle.Width, battle.Height }
