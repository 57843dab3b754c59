// Package fill turns a transcript into game commands: it featurizes the text against
// the grammar and the game state, runs the masked-diffusion model for K steps with the
// grammar/state constraints, and decodes the result into commands or a rejection.
package fill

import (
	"github.com/voicecmd/voicecmd/grammar"
)

// Options configures a Filler. The zero value is usable.
type Options struct {
	// Steps is the number of diffusion steps K; 0 means the model's default.
	Steps int
	// Backend selects the compute backend: "" or "cpu" for pure Go, "cuda" (builds
	// with -tags cuda), "auto" for cuda when usable else cpu.
	Backend string
}

// Filler understands transcripts for one game (grammar + weights). It is safe for
// concurrent use by multiple goroutines.
type Filler struct {
	opts Options
}

// Load reads DIR/commands.vcg, DIR/model.vcw and DIR/state.json.
// TEMPORARY: placeholder until the model lands; replaced by the real implementation.
func Load(dir string, opts Options) (*Filler, error) {
	return &Filler{opts: opts}, nil
}

// State returns the default state loaded from the game directory (a copy).
func (f *Filler) State() *grammar.State { return &grammar.State{} }

// Parse understands one transcript under state st (nil = the loaded default state).
func (f *Filler) Parse(text string, st *grammar.State) grammar.Result {
	return grammar.Reject(text, "filler not implemented yet")
}

// ParseBatch understands several transcripts in one batched fill.
func (f *Filler) ParseBatch(texts []string, st *grammar.State) []grammar.Result {
	out := make([]grammar.Result, len(texts))
	for i, t := range texts {
		out[i] = f.Parse(t, st)
	}
	return out
}
