// Package fill turns a transcript into game commands: it featurizes the text against
// the grammar and the game state, runs the masked-diffusion model for K steps under
// the grammar/state constraints, and decodes the result into commands or a
// rejection with a reason.
package understand

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
)

// Files a game directory holds.
const (
	GrammarFile = "commands.vcg"
	WeightsFile = "model.vcw"
	StateFile   = "state.json"
)

// DefaultSteps is the number of diffusion steps K used when Options.Steps is 0.
// Two steps: the intent and the confident slots first, the rest conditioned on them
// (see docs/decisions.md and `voicecmd bench fill` for the measured trade-off).
const DefaultSteps = 2

// ErrNoWeights is returned by Load when the game directory has no trained model.
var ErrNoWeights = errors.New("no trained model")

// Options configures a Filler. The zero value is usable.
type Options struct {
	// Steps is the number of diffusion steps K; 0 means DefaultSteps. K = 1 is
	// one-shot; K >= the number of positions commits one slot per step.
	Steps int
	// Backend names the compute backend: "" or "cpu" for pure Go; "cuda" needs a
	// binary built with -tags cuda; "auto" is cuda when usable, else cpu.
	Backend string
}

// Filler understands transcripts for one game (grammar + weights + default state).
// It is safe for concurrent use by multiple goroutines.
type Filler struct {
	g     *grammar.Grammar
	lay   *layout
	w     *model.Weights
	state *grammar.State
	steps int
	name  string // backend name

	mu       sync.Mutex
	backends []model.Backend // idle backends; a Backend is single-goroutine
	open     func() (model.Backend, error)
}

// Fingerprint is the grammar fingerprint stored in weights files.
func Fingerprint(g *grammar.Grammar) string {
	fp := g.Fingerprint()
	return hex.EncodeToString(fp[:])
}

// Load reads DIR/commands.vcg, DIR/model.vcw and DIR/state.json. Errors name the
// file and the fix (a missing model says how to train one).
func Load(dir string, opts Options) (*Filler, error) {
	g, err := grammar.ParseFile(filepath.Join(dir, GrammarFile))
	if err != nil {
		return nil, err
	}
	st, err := grammar.LoadState(filepath.Join(dir, StateFile))
	if err != nil {
		return nil, err
	}
	wpath := filepath.Join(dir, WeightsFile)
	if _, err := os.Stat(wpath); err != nil {
		return nil, fmt.Errorf("fill: %w at %s; run voicecmd train --game %s", ErrNoWeights, wpath, dir)
	}
	w, err := model.Load(wpath, Fingerprint(g))
	if err != nil {
		if errors.Is(err, model.ErrFingerprint) {
			return nil, fmt.Errorf("fill: %w (the grammar %s changed since; run: voicecmd train --game %s)", err, GrammarFile, dir)
		}
		return nil, fmt.Errorf("fill: %w", err)
	}
	return New(g, w, st, opts)
}

// New builds a Filler from parts already in memory.
func New(g *grammar.Grammar, w *model.Weights, st *grammar.State, opts Options) (*Filler, error) {
	lay, err := newLayout(g, w.Config)
	if err != nil {
		return nil, err
	}
	steps := opts.Steps
	if steps <= 0 {
		steps = DefaultSteps
	}
	name := opts.Backend
	if name == "" {
		name = "cpu"
	}
	f := &Filler{g: g, lay: lay, w: w, state: st.Clone(), steps: steps}
	f.open, f.name, err = chooseBackend(name, w)
	if err != nil {
		return nil, err
	}
	b, err := f.open() // fail now, not on the first utterance
	if err != nil {
		return nil, err
	}
	f.backends = append(f.backends, b)
	return f, nil
}

// chooseBackend resolves "auto" to cuda when it opens, else cpu.
func chooseBackend(name string, w *model.Weights) (func() (model.Backend, error), string, error) {
	open := func(n string) func() (model.Backend, error) {
		return func() (model.Backend, error) { return model.OpenBackend(n, w) }
	}
	if name != "auto" {
		return open(name), name, nil
	}
	for _, n := range model.Backends() {
		if n == "cuda" {
			b, err := model.OpenBackend("cuda", w)
			if err == nil {
				b.Close()
				return open("cuda"), "cuda", nil
			}
			fmt.Fprintf(os.Stderr, "fill: backend auto: cuda not usable (%v); using cpu\n", err)
		}
	}
	return open("cpu"), "cpu", nil
}

// Grammar returns the grammar. Steps returns K. Backend names the backend in use.
func (f *Filler) Grammar() *grammar.Grammar { return f.g }
func (f *Filler) Steps() int                { return f.steps }
func (f *Filler) Backend() string           { return f.name }
func (f *Filler) Weights() *model.Weights   { return f.w }

// State returns a copy of the default state loaded with the game.
func (f *Filler) State() *grammar.State { return f.state.Clone() }

// WithSteps returns a Filler sharing f's model but filling with K = steps.
func (f *Filler) WithSteps(steps int) *Filler {
	g := &Filler{g: f.g, lay: f.lay, w: f.w, state: f.state, steps: steps, name: f.name, open: f.open}
	if steps <= 0 {
		g.steps = DefaultSteps
	}
	return g
}

// Parse understands one transcript under state st (nil: the game's default state).
func (f *Filler) Parse(text string, st *grammar.State) grammar.Result {
	return f.ParseBatch([]string{text}, st)[0]
}

// ParseBatch understands several transcripts in one batched fill, all under st.
// Results are in the order of texts.
func (f *Filler) ParseBatch(texts []string, st *grammar.State) []grammar.Result {
	sts := make([]*grammar.State, len(texts))
	for i := range sts {
		sts[i] = st
	}
	return f.ParseEach(texts, sts)
}

// ParseEach is ParseBatch with one state per transcript (several players).
func (f *Filler) ParseEach(texts []string, sts []*grammar.State) []grammar.Result {
	out := make([]grammar.Result, len(texts))
	all := make([]*featurized, len(texts))
	forEach(len(texts), func(i int) {
		st := sts[i]
		if st == nil {
			st = f.state
		}
		clean, rej := precheck(texts[i])
		if rej != nil {
			out[i] = *rej
			return
		}
		ft, err := f.lay.featurize(clean, st)
		if err != nil {
			out[i] = grammar.Reject(texts[i], "%v", err)
			return
		}
		all[i] = ft
	})
	var feats []*featurized
	var idx []int
	for i, ft := range all {
		if ft != nil {
			feats = append(feats, ft)
			idx = append(idx, i)
		}
	}
	if len(feats) == 0 {
		return out
	}
	sampled, err := f.run(feats)
	forEach(len(feats), func(j int) {
		if err != nil {
			out[idx[j]] = grammar.Reject(texts[idx[j]], "model error: %v", err)
			return
		}
		r := f.lay.decode(feats[j], sampled[j])
		r.Text = texts[idx[j]] // as given, even where spans were cut from a cleaned copy
		out[idx[j]] = r
	})
	for _, ft := range feats {
		f.lay.release(ft)
	}
	return out
}

// run executes the K-step fill on an idle backend.
func (f *Filler) run(feats []*featurized) ([]*model.Sampled, error) {
	b, err := f.take()
	if err != nil {
		return nil, err
	}
	defer f.give(b)
	batch := make([]*model.Example, len(feats))
	cons := make([]*model.Constraints, len(feats))
	out := make([]*model.Sampled, len(feats))
	for i, ft := range feats {
		batch[i], cons[i], out[i] = ft.ex, ft.cons, model.NewSampled(f.w.Config)
	}
	if fl, ok := b.(model.Filler); ok {
		return out, fl.Fill(batch, cons, f.steps, out)
	}
	return out, fmt.Errorf("fill: backend %s cannot fill", b.Name())
}

func (f *Filler) take() (model.Backend, error) {
	f.mu.Lock()
	if n := len(f.backends); n > 0 {
		b := f.backends[n-1]
		f.backends = f.backends[:n-1]
		f.mu.Unlock()
		return b, nil
	}
	f.mu.Unlock()
	return f.open()
}

func (f *Filler) give(b model.Backend) {
	f.mu.Lock()
	f.backends = append(f.backends, b)
	f.mu.Unlock()
}

// Close releases the backends.
func (f *Filler) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first error
	for _, b := range f.backends {
		if err := b.Close(); err != nil && first == nil {
			first = err
		}
	}
	f.backends = nil
	return first
}

// forEach runs f(0..n-1), spread over the CPUs when n is large enough to pay for it.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/8)
	if workers < 2 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}(w)
	}
	wg.Wait()
}
