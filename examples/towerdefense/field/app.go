// Package field is the tower-defense example's Ebiten game: it wires the voicecmd
// engine and plugin to the defense rules, draws the map, and implements the
// command line (typed text, optional voice, scripts, logs, screenshots).
package field

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
	"github.com/voicecmd/voicecmd/examples/towerdefense/defense"
	"github.com/voicecmd/voicecmd/game"
	"github.com/voicecmd/voicecmd/game/harness"
	"github.com/voicecmd/voicecmd/grammar"
)

// Config is the game's command line.
type Config struct {
	GameDir string          // commands.vcg, model.vcw, state.json
	Model   string          // whisper model; "" for typed text only
	Mic     bool            // with Model: listen to the microphone (push-to-talk)
	Run     harness.Options // --script, --frames, --screenshot, --log
	Seed    uint64
	Steps   int  // diffusion steps K (0: the model's default)
	Calm    bool // no enemy waves (demos, tests)
	Early   bool // dispatch from partial transcripts (engine.Options.EarlyDispatch)

	// Filler replaces the trained filler from GameDir (tests, other front ends).
	Filler engine.Filler
}

// ParseFlags reads the command line.
func ParseFlags(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("towerdefense", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.GameDir, "game", defaultGameDir(), "game directory with commands.vcg, model.vcw and state.json")
	fs.StringVar(&c.Model, "model", "", "whisper ggml model for voice input (hold SPACE to talk); without it, type commands (ENTER)")
	fs.BoolVar(&c.Mic, "mic", true, "with --model: listen to the microphone (--mic=false: scripted wav input only)")
	c.Run.RegisterFlags(fs)
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed of the game")
	fs.IntVar(&c.Steps, "steps", 0, "diffusion steps K (0: the model's default)")
	fs.BoolVar(&c.Calm, "calm", false, "no enemy waves (for demos and tests)")
	fs.BoolVar(&c.Early, "early", false, "act on a command as soon as two partial transcripts agree on it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: towerdefense [flags]\n\nCommand your squads by voice or by typing. Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("towerdefense: unexpected argument %q", fs.Arg(0))
	}
	return c, c.Run.Validate()
}

// defaultGameDir finds the game's directory from the repository root or from inside it.
func defaultGameDir() string {
	for _, d := range []string{"examples/towerdefense", "."} {
		if _, err := os.Stat(filepath.Join(d, "commands.vcg")); err == nil {
			return d
		}
	}
	return "examples/towerdefense"
}

// Main runs the game and returns the exit code.
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

// Run plays the game in a window until it is closed or cfg.Run.Frames have run.
func Run(cfg Config) error {
	f := cfg.Filler
	if f == nil {
		m, err := fill.Load(cfg.GameDir, fill.Options{Steps: cfg.Steps})
		if err != nil {
			return fmt.Errorf("towerdefense: %w", err)
		}
		defer m.Close()
		f = m
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
		return fmt.Errorf("towerdefense: %w", err)
	}
	eng, err := engine.New(engine.Options{Filler: f, State: st, Sources: sources, Steps: cfg.Steps, EarlyDispatch: cfg.Early})
	if err != nil {
		return fmt.Errorf("towerdefense: %w", err)
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
	ebiten.SetWindowSize(defense.Width, defense.Height)
	ebiten.SetWindowTitle("voicecmd — tower defense")
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	if err := ebiten.RunGame(g); err != nil && !errors.Is(err, ebiten.Termination) {
		return fmt.Errorf("towerdefense: %w", err)
	}
	return g.Close()
}

// Game is the tower defense as an ebiten.Game.
type Game struct {
	cfg    Config
	eng    *engine.Engine
	plugin *game.Plugin
	world  *defense.World
	view   *view
	closed bool
}

// NewGame builds the game around a running engine. A scripted run (cfg.Run) is
// played by the plugin; wav events stream through whisper when cfg.Model is set.
func NewGame(eng *engine.Engine, cfg Config) (*Game, error) {
	g := &Game{cfg: cfg, eng: eng, world: defense.New(cfg.Seed), view: newView()}
	run := cfg.Run
	run.PlayWAV = g.playWAV
	p, err := game.New(game.Options{Engine: eng, HUDFollowsActive: true, Run: run})
	if err != nil {
		return nil, fmt.Errorf("towerdefense: %w", err)
	}
	g.plugin = p
	g.hook(g.world)
	for _, in := range defense.Intents {
		p.Handle(in, func(c engine.Command) (string, error) { return g.world.Do(c.Command) })
	}
	return g, nil
}

// hook connects a world to the voice vocabulary: a rename renames the squad for the
// filler too, and the squad commanded last is the one "hold!" (no name) means.
func (g *Game) hook(w *defense.World) {
	w.Waves = !g.cfg.Calm
	w.OnRename = func(old, new string) error { return g.eng.Rename("squad", old, new) }
	w.OnCommand = func(squad string) { g.eng.SetDefault("squad", squad) }
}

// World returns the game's rules and state.
func (g *Game) World() *defense.World { return g.world }

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

// Update runs one frame: voice commands and the script (the plugin), then the game.
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

// keys: the game's own shortcut: R starts a new game once this one is over.
func (g *Game) keys() {
	if g.world.Outcome == defense.Ongoing || !ebiten.IsKeyPressed(ebiten.KeyR) {
		return
	}
	old := g.world
	g.world = defense.New(g.cfg.Seed + uint64(g.plugin.Frame()))
	g.hook(g.world)
	// Keep the names the player gave: the vocabulary already has them.
	for i, q := range old.Squads {
		g.world.Squads[i].Name = q.Name
	}
}

// EndRecord is the log's last record: where every squad is and what is built.
type EndRecord struct {
	Frame      int64       `json:"frame"`
	Type       string      `json:"type"` // "end"
	Outcome    string      `json:"outcome"`
	Gold       int         `json:"gold"`
	Lives      int         `json:"lives"`
	Wave       int         `json:"wave"`
	Squads     []SquadEnd  `json:"squads"`
	Structures []BuiltEnd  `json:"structures"`
	Vocabulary []string    `json:"vocabulary"` // the engine's squad names
	Enemies    []EnemySeen `json:"enemies"`
}

// SquadEnd is one squad in the end record.
type SquadEnd struct {
	Name      string  `json:"name"`
	Unit      string  `json:"unit"`
	Soldiers  int     `json:"soldiers"`
	X         float64 `json:"x"`
	Y         float64 `json:"y"`
	At        string  `json:"at"` // the place it stands at, "" in the open
	Order     string  `json:"order"`
	Formation string  `json:"formation"`
}

// BuiltEnd is one structure in the end record.
type BuiltEnd struct {
	Kind  string `json:"kind"`
	Place string `json:"place"`
	Level int    `json:"level"`
}

// EnemySeen is one enemy on the map in the end record.
type EnemySeen struct {
	Kind  string  `json:"kind"`
	HP    int     `json:"hp"`
	MaxHP int     `json:"max_hp"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
}

// End returns the end record of the game as it stands.
func (g *Game) End() EndRecord {
	w := g.world
	rec := EndRecord{Frame: g.plugin.Frame(), Type: "end", Outcome: w.Outcome.String(), Gold: w.Gold,
		Lives: w.Lives, Wave: w.Wave, Squads: []SquadEnd{}, Structures: []BuiltEnd{}, Enemies: []EnemySeen{}}
	for _, q := range w.Squads {
		at := ""
		if q.At != nil {
			at = q.At.Name
		}
		rec.Squads = append(rec.Squads, SquadEnd{q.Name, q.Unit, q.Soldiers, q.Pos.X, q.Pos.Y, at, q.Order.String(), q.Formation})
	}
	for _, s := range w.Structures {
		rec.Structures = append(rec.Structures, BuiltEnd{s.Kind, s.Place.Name, s.Level})
	}
	for _, e := range w.Enemies {
		rec.Enemies = append(rec.Enemies, EnemySeen{e.Kind, max(e.HP, 0), e.MaxHP, e.Pos.X, e.Pos.Y})
	}
	rec.Vocabulary = g.eng.State().Values["squad"]
	return rec
}

func (g *Game) logEnd(r *harness.Run) { r.Log(g.End()) }

// Draw draws the map and the voice HUD (the plugin saves a scripted run's
// screenshot after it).
func (g *Game) Draw(screen *ebiten.Image) {
	g.view.draw(screen, g.world)
	g.plugin.Draw(screen)
}

// Layout fixes the logical screen at 960×540, scaled to the window.
func (g *Game) Layout(w, h int) (int, int) { return defense.Width, defense.Height }
