// Package fill loads a game's trained understanding model and understands text with
// it. A game directory holds three files: the grammar (commands.vcg), the weights
// trained from it (model.vcw, written by `voicecmd train`) and the default game state
// (state.json). Load them, then Understand a transcript, or hand the Model to
// engine.New as its Filler so the engine fills transcripts off the game goroutine:
//
//	m, err := fill.Load("assets/voice", fill.Options{})
//	r := m.Understand("Sparky, thunderbolt the Rattler!", nil)
//	// r.Commands[0]: attack actor=Sparky move=thunderbolt target=Rattler
//
// Understanding is a masked-diffusion fill of command templates: every result is
// either commands that pass the grammar's checker against the state, or a rejection
// with a reason a game can show (docs/model.md explains the model).
package fill

import (
	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/understand"
)

// Files a game directory holds.
const (
	GrammarFile = understand.GrammarFile // the command language (.vcg)
	WeightsFile = understand.WeightsFile // the trained weights (voicecmd train)
	StateFile   = understand.StateFile   // the default game state (JSON)
)

// DefaultSteps is the number of diffusion steps K used when Options.Steps is 0:
// the intent and the confident slots first, the rest conditioned on them.
const DefaultSteps = understand.DefaultSteps

// ErrNoWeights is returned (wrapped, with the fix) by Load when the game directory
// has no trained model. Check it with errors.Is.
var ErrNoWeights = understand.ErrNoWeights

// Options configures a Model. The zero value is usable: K = DefaultSteps on the CPU.
type Options struct {
	// Steps is the default number of diffusion steps K, used when Fill is called
	// with steps <= 0; 0 means DefaultSteps. K = 1 is one-shot; a K as large as the
	// number of slot positions commits one slot per step (slower, no more accurate
	// on the demo's dev set).
	Steps int
	// Backend names the compute backend: "" or "cpu" for pure Go; "cuda" needs a
	// binary built with -tags cuda and an NVIDIA GPU; "auto" is cuda when usable,
	// else cpu.
	Backend string
	// Logf, when set, receives notes worth logging (why "auto" fell back to the
	// CPU). Nil drops them: the package never prints.
	Logf func(format string, args ...any)
}

// Model understands transcripts for one game: its grammar, trained weights and
// default state. It implements engine.Filler. All methods are safe for concurrent
// use by multiple goroutines; compute backends are pooled, one pool per Model
// whatever K each call uses.
type Model struct {
	m *understand.Model
}

// Load reads DIR/commands.vcg, DIR/model.vcw and DIR/state.json. Errors name the
// file and the fix: a grammar error is positioned (file:line:col), a missing or
// stale model says to run `voicecmd train --game DIR`.
func Load(dir string, opts Options) (*Model, error) {
	m, err := understand.Load(dir, understand.Options(opts))
	if err != nil {
		return nil, err
	}
	return &Model{m: m}, nil
}

// Understand understands one transcript under state st (nil: the game's default
// state) with the default K. The result is commands valid for the grammar and st,
// or a rejection with a reason.
func (m *Model) Understand(text string, st *grammar.State) grammar.Result {
	return m.m.Understand(text, st)
}

// Fill understands several transcripts in one batched fill, all under st (nil: the
// default state), with K = steps diffusion steps (steps <= 0: Options.Steps).
// Results are in the order of texts.
func (m *Model) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	return m.m.Fill(texts, st, steps)
}

// DefaultSteps is the K used when Fill is called with steps <= 0.
func (m *Model) DefaultSteps() int { return m.m.DefaultSteps() }

// Grammar returns the game's grammar (do not modify it).
func (m *Model) Grammar() *grammar.Grammar { return m.m.Grammar() }

// State returns a copy of the default state loaded with the game.
func (m *Model) State() *grammar.State { return m.m.State() }

// Backend names the compute backend in use ("cpu" or "cuda").
func (m *Model) Backend() string { return m.m.Backend() }

// Close releases the compute backends. The Model must not be used afterwards.
func (m *Model) Close() error { return m.m.Close() }

// Describe renders a result compactly, the way dev sets write it:
// `attack actor=Sparky move=thunderbolt; retreat actor=Leafy` or `REJECT (reason)`.
func Describe(r grammar.Result) string { return understand.Describe(r) }
