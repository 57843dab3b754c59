// Package understand is the understanding core behind engine/fill: it featurizes a
// transcript against the grammar and the game state, runs the masked-diffusion model
// for K steps under the grammar/state constraints, and decodes the result into
// commands or a rejection with a reason. It also holds the trainer and the dev-set
// evaluation, which the CLI uses.
package understand

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// Options configures a Model. The zero value is usable.
type Options struct {
	// Steps is the default number of diffusion steps K, used when a call passes
	// steps <= 0; 0 means DefaultSteps. K = 1 is one-shot; K >= the number of
	// positions commits one slot per step.
	Steps int
	// Backend names the compute backend: "" or "cpu" for pure Go; "cuda" needs a
	// binary built with -tags cuda; "auto" is cuda when usable, else cpu.
	Backend string
	// Logf, when set, receives notes a caller may want to log (why "auto" fell
	// back to the CPU). Nil: notes are dropped; the library never prints.
	Logf func(format string, args ...any)
}

// Model understands transcripts for one game (grammar + weights + default state).
// It is safe for concurrent use by multiple goroutines; it keeps one pool of
// backends whatever K each call uses.
type Model struct {
	g     *grammar.Grammar
	lay   *layout
	w     *model.Weights
	state *grammar.State
	steps int
	name  string // backend name

	cal *Calibration // nil: confidences are the raw model probabilities

	mu       sync.Mutex
	backends []model.Backend // idle backends; a Backend is single-goroutine
}

// Fingerprint is the grammar fingerprint stored in weights files.
func Fingerprint(g *grammar.Grammar) string {
	fp := g.Fingerprint()
	return hex.EncodeToString(fp[:])
}

// Load reads DIR/commands.vcg, DIR/model.vcw and DIR/state.json. Errors name the
// file and the fix (a missing model says how to train one).
func Load(dir string, opts Options) (*Model, error) {
	g, err := grammar.ParseFile(filepath.Join(dir, GrammarFile))
	if err != nil {
		return nil, err
	}
	st, err := LoadState(g, filepath.Join(dir, StateFile), opts.Logf)
	if err != nil {
		return nil, err
	}
	wpath := filepath.Join(dir, WeightsFile)
	if _, err := os.Stat(wpath); err != nil {
		return nil, fmt.Errorf("fill: %w at %s; run: voicecmd train --game %s", ErrNoWeights, wpath, dir)
	}
	w, err := model.Load(wpath, Fingerprint(g))
	if err != nil {
		if errors.Is(err, model.ErrFingerprint) {
			return nil, fmt.Errorf("fill: %w (the grammar %s changed since; run: voicecmd train --game %s)", err, GrammarFile, dir)
		}
		return nil, fmt.Errorf("fill: %w", err)
	}
	cal, err := LoadCalibration(CalibrationPath(wpath))
	if err != nil {
		return nil, err
	}
	m, err := New(g, w, st, opts)
	if err != nil {
		return nil, err
	}
	m.SetCalibration(cal)
	return m, nil
}

// SetCalibration makes the model report calibrated confidences (nil: raw). Call it
// before the model is shared between goroutines.
func (f *Model) SetCalibration(c *Calibration) { f.cal = c }

// Calibration returns the model's calibration, or nil.
func (f *Model) Calibration() *Calibration { return f.cal }

// LoadState reads a state file and checks it against g (grammar.CheckState): a
// state that does not fit the grammar is an error naming the file; warnings (a
// monster called "left") go to logf when it is not nil.
func LoadState(g *grammar.Grammar, path string, logf func(string, ...any)) (*grammar.State, error) {
	st, err := grammar.LoadState(path)
	if err != nil {
		return nil, err
	}
	warnings, err := g.CheckState(st)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if logf != nil {
		for _, w := range warnings {
			logf("%s: warning: %s", path, w.Error())
		}
	}
	return st, nil
}

// New builds a Model from parts already in memory.
func New(g *grammar.Grammar, w *model.Weights, st *grammar.State, opts Options) (*Model, error) {
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
	f := &Model{g: g, lay: lay, w: w, state: st.Clone(), steps: steps}
	g.Bind(f.state) // renames touch only their own type's side of a relation
	// Open one backend now, so a bad backend fails here and not on the first
	// utterance; "auto" is resolved once, by its one rule in model.OpenAuto.
	var b model.Backend
	if name == "auto" {
		var fallback string
		b, fallback, err = model.OpenAuto(w)
		if fallback != "" && opts.Logf != nil {
			opts.Logf("fill: backend auto: using cpu (%s)", fallback)
		}
	} else {
		b, err = model.OpenBackend(name, w)
	}
	if err != nil {
		return nil, fmt.Errorf("fill: %w", err)
	}
	f.name = b.Name()
	f.backends = append(f.backends, b)
	return f, nil
}

// Grammar returns the grammar. Steps returns the default K. Backend names the backend in use.
func (f *Model) Grammar() *grammar.Grammar { return f.g }
func (f *Model) Steps() int                { return f.steps }
func (f *Model) Backend() string           { return f.name }
func (f *Model) Weights() *model.Weights   { return f.w }

// State returns a copy of the default state loaded with the game.
func (f *Model) State() *grammar.State { return f.state.Clone() }

// Understand understands one transcript under state st (nil: the game's default
// state) with the default K.
func (f *Model) Understand(text string, st *grammar.State) grammar.Result {
	return f.Fill([]string{text}, st, 0)[0]
}

// Fill understands several transcripts in one batched fill, all under st, with K =
// steps diffusion steps (steps <= 0: the default K). Results are in the order of texts.
func (f *Model) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	sts := make([]*grammar.State, len(texts))
	for i := range sts {
		sts[i] = st
	}
	return f.FillEach(texts, sts, steps)
}

// DefaultSteps is the K used when a call passes steps <= 0.
func (f *Model) DefaultSteps() int { return f.steps }

// FillEach is Fill with one state per transcript (several players).
func (f *Model) FillEach(texts []string, sts []*grammar.State, steps int) []grammar.Result {
	looks := make([]firstLook, len(texts))
	out := f.fillAs(texts, sts, steps, nil, looks)
	f.splitPass(texts, sts, steps, out, looks)
	f.listPass(texts, sts, steps, out, looks)
	f.correctionPass(texts, sts, steps, out)
	f.addresseePass(texts, sts, steps, out, looks)
	f.vocativePass(texts, sts, steps, out, looks)
	f.digitPass(texts, sts, steps, out)
	return out
}

// splitBelow: a one-command reading less confident than this is read again as
// clauses (split.go); readings of several commands and rejections always are.
const splitBelow = 0.6

// splitPass reads again, clause by clause, the utterances whose whole reading may
// have run several commands together (split.go), and keeps the clauses' reading
// where it is the more confident one. All the clauses are filled in one batch.
func (f *Model) splitPass(texts []string, sts []*grammar.State, steps int, out []grammar.Result, looks []firstLook) {
	type job struct {
		i     int
		c     *clauses
		first int // index of its first clause in the batch
	}
	var jobs []job
	var ctexts []string
	var csts []*grammar.State
	for i, r := range out {
		if (sure(r) && len(r.Commands) < 2) || (r.Rejected && finalReason(r.Reason)) {
			continue
		}
		st, clean, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		c := f.lay.clausesOf(clean, looks[i].known)
		if c == nil {
			continue
		}
		jobs = append(jobs, job{i, c, len(ctexts)})
		for range c.texts {
			csts = append(csts, st)
		}
		ctexts = append(ctexts, c.texts...)
	}
	if len(jobs) == 0 {
		return
	}
	results := f.fillAs(ctexts, csts, steps, slices.Repeat([]reading{{clause: true}}, len(ctexts)), nil)
	for _, j := range jobs {
		split, ok := f.lay.bestSplit(j.c, results[j.first:j.first+len(j.c.texts)], csts[j.first])
		if !ok {
			continue
		}
		split.Text = texts[j.i]
		out[j.i] = moreLikely(out[j.i], split)
	}
}

// moreLikely returns the reading to keep of two readings of one utterance: the
// second where the whole one failed or is less confident, and also where the
// two disagree and the second is sure enough (at least splitBelow): a clause read
// alone is less often confused than the clauses run together ("potion for Cinder
// and a super potion for Leafy" read whole as two super potions).
func moreLikely(whole, second grammar.Result) grammar.Result {
	switch {
	case whole.Rejected, second.Confidence() > whole.Confidence():
		return second
	case second.Confidence() >= splitBelow && Describe(whole) != Describe(second):
		return second
	}
	return whole
}

// rereadable returns the state transcript i is understood under (nil in sts: the
// game's) and its text cleaned of transcriber artefacts, or false when precheck
// rejects it (nothing to read again).
func (f *Model) rereadable(texts []string, sts []*grammar.State, i int) (*grammar.State, string, bool) {
	st := sts[i]
	if st == nil {
		st = f.state
	}
	clean, rej := precheck(texts[i])
	return st, clean, rej == nil
}

// fillOnce reads every transcript whole, in one batch.
func (f *Model) fillOnce(texts []string, sts []*grammar.State, steps int) []grammar.Result {
	return f.fillAs(texts, sts, steps, nil, nil)
}

// firstLook is what the whole reading of an utterance saw that its second
// readings use, so that they need not featurize it again: which words the grammar
// knows (by the byte offset where each starts) and the list it says, if any.
type firstLook struct {
	known    map[int]bool
	list     *list
	named    map[string]bool // the addressee types a value of which was said (pronouns.go)
	trailing *trailingName   // an addressee value said last (pronouns.go)
}

// look records what the whole reading of f saw (firstLook).
func (l *layout) look(f *featurized) firstLook {
	lk := firstLook{known: map[int]bool{}, named: map[string]bool{}}
	for t, tk := range f.toks {
		lk.known[tk.start] = l.knownWord(f, t)
	}
	for _, c := range f.cands {
		if c.kind == cDyn && l.addressees[c.typ] && c.match.from >= 0 && c.match.score >= poolThreshold {
			lk.named[c.typ] = true
			if c.match.to == len(f.toks) && c.match.from > 0 && c.match.score >= delexThreshold {
				lk.trailing = &trailingName{typ: c.typ, value: c.value, start: f.toks[c.match.from].start}
			}
		}
	}
	if ls, ok := l.listIn(f); ok {
		ls.text = l.asGroup(f, ls)
		lk.list = &ls
	}
	return lk
}

// sure reports whether r is a reading confident enough to need no second one
// (one command at least splitBelow; several commands are read by clauses too).
func sure(r grammar.Result) bool { return !r.Rejected && r.Confidence() >= splitBelow }

// reading says how a transcript of a second reading is to be read: as a clause of
// a longer utterance (split.go), or with a list said as a group phrase (lists.go).
type reading struct {
	clause bool
	listed *list
}

// fillAs is fillOnce where text i is read as hows[i] says; hows may be nil. When
// looks is not nil, it also records what each reading that may need a second one
// saw (firstLook); a sure one-command reading pays nothing for it.
func (f *Model) fillAs(texts []string, sts []*grammar.State, steps int, hows []reading, looks []firstLook) []grammar.Result {
	if steps <= 0 {
		steps = f.steps
	}
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
		if hows != nil {
			ft.listed, ft.clause = hows[i].listed, hows[i].clause
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
	sampled, err := f.run(feats, steps)
	forEach(len(feats), func(j int) {
		if err != nil {
			out[idx[j]] = grammar.Reject(texts[idx[j]], "model error: %v", err)
			return
		}
		r := f.cal.calibrate(f.lay.decode(feats[j], sampled[j]))
		r.Text = texts[idx[j]] // as given, even where spans were cut from a cleaned copy
		out[idx[j]] = r
		if looks != nil && (!sure(r) || len(r.Commands) > 1) { // only what a second reading may read
			looks[idx[j]] = f.lay.look(feats[j])
		}
	})
	for _, ft := range feats {
		f.lay.release(ft)
	}
	return out
}

// run executes the K-step fill on an idle backend.
func (f *Model) run(feats []*featurized, steps int) ([]*model.Sampled, error) {
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
	return out, b.Fill(batch, cons, steps, out)
}

func (f *Model) take() (model.Backend, error) {
	f.mu.Lock()
	if n := len(f.backends); n > 0 {
		b := f.backends[n-1]
		f.backends = f.backends[:n-1]
		f.mu.Unlock()
		return b, nil
	}
	f.mu.Unlock()
	return model.OpenBackend(f.name, f.w)
}

func (f *Model) give(b model.Backend) {
	f.mu.Lock()
	f.backends = append(f.backends, b)
	f.mu.Unlock()
}

// Close releases the backends.
func (f *Model) Close() error {
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
