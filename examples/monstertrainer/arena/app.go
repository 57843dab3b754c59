// Package arena is the monster-trainer demo's Ebiten game: it wires the voicecmd
// engine and plugin to the battle, draws it, and implements the command line (voice,
// typed text, scripts, logs, screenshots).
package arena

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/engine/fill"
	"github.com/voicecmd/voicecmd/examples/monstertrainer/battle"
	"github.com/voicecmd/voicecmd/game"
	"github.com/voicecmd/voicecmd/game/harness"
	"github.com/voicecmd/voicecmd/grammar"
)

// Config is the demo's command line.
type Config struct {
	GameDir string          // commands.vcg, model.vcw, state.json
	Model   string          // whisper model; "" for typed text only
	Mic     bool            // with Model: listen to the microphone (push-to-talk)
	Run     harness.Options // --script, --frames, --screenshot, --log
	Seed    uint64
	Steps   int // diffusion steps K (0: the model's default)
	Calm    bool
	Early   bool // dispatch from partial transcripts (engine.Options.EarlyDispatch)
	OpenMic bool // listen without push-to-talk: grammar-aware endpointing ends each command

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
	c.Run.RegisterFlags(fs)
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed of the battle")
	fs.IntVar(&c.Steps, "steps", 0, "diffusion steps K (0: the model's default)")
	fs.BoolVar(&c.Calm, "calm", false, "enemies do not act (for demos and tests)")
	fs.BoolVar(&c.Early, "early", false, "act on a command as soon as two partial transcripts agree on it")
	fs.BoolVar(&c.OpenMic, "open-mic", false, "with --model: always listening, no push-to-talk; the grammar decides when a command is finished")
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
	return c, c.Run.Validate()
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
		src, cl, err := openVoice(cfg.Model, cfg.OpenMic)
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
	eng, err := engine.New(engine.Options{Filler: f, State: st, Sources: sources, Steps: cfg.Steps, EarlyDispatch: cfg.Early,
		Endpointing: engine.EndpointRule{On: cfg.OpenMic}})
	if err != nil {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	defer closeModel() // after the engine has stopped the recognizers
	defer eng.Close()
	if closeVoice != nil {
		defer closeVoice()
	}
	g, err := NewGame(eng, cfg)
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
	return g.Close()
}

// Game is the demo as an ebiten.Game.
type Game struct {
	cfg    Config
	eng    *engine.Engine
	plugin *game.Plugin
	world  *battle.World
	view   *view
	closed bool
}

// NewGame builds the demo around a running engine. A scripted run (cfg.Run) is
// played by the plugin; wav events stream through whisper when cfg.Model is set.
func NewGame(eng *engine.Engine, cfg Config) (*Game, error) {
	g := &Game{cfg: cfg, eng: eng, world: battle.New(cfg.Seed), view: newView()}
	run := cfg.Run
	run.PlayWAV = g.playWAV
	p, err := game.New(game.Options{Engine: eng, HUDFollowsActive: true, Run: run})
	if err != nil {
		return nil, fmt.Errorf("monstertrainer: %w", err)
	}
	g.plugin = p
	g.world.EnemiesAct = !cfg.Calm
	g.world.OnRename = func(old, new string) error { return eng.Rename("monster", old, new) }
	// The monster sent in last is who "dodge left" (no name) means.
	g.world.OnSwitch = func(name string) { eng.SetDefault("monster", name) }
	for _, in := range battle.Intents {
		p.Handle(in, func(c engine.Command) (string, error) { return g.world.Do(c.Command) })
	}
	return g, nil
}

// World returns the battle.
func (g *Game) World() *battle.World { return g.world }

// Close writes the log's end record and closes it; it returns the scripted run's
// first error. (Scripted audio sources stop with the engine.)
func (g *Game) Close() error {
	if g.closed {
		return nil
	}
	g.closed = true
	if r := g.plugin.Run(); r != nil {
		g.logEnd(r)
	}
	return g.plugin.Close()
}

// Update runs one frame: voice commands and the script (the plugin), then the battle.
func (g *Game) Update() error {
	if err := g.plugin.Update(); err != nil {
		return err
	}
	if !g.plugin.Typing() {
		g.keys()
	}
	g.world.Step()
	g.view.update(g.world)
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

func (g *Game) logEnd(r *harness.Run) {
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
	r.Log(map[string]any{"frame": g.plugin.Frame(), "type": "end", "outcome": g.world.Outcome.String(),
		"party": party, "enemies": enemies, "vocabulary": g.eng.State().Values["monster"]})
}

// Draw draws the battle and the voice HUD (the plugin saves a scripted run's
// screenshot after it).
func (g *Game) Draw(screen *ebiten.Image) {
	g.view.draw(screen, g.world)
	g.plugin.Draw(screen)
}

// Layout fixes the logical screen at 960×540, scaled to the window.
func (g *Game) Layout(w, h int) (int, int) { return battle.Width, battle.Height }
