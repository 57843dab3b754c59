// Package engine runs the voicecmd pipeline for a game: transcripts from voice sources
// (or typed text) are filled into commands off the game goroutine, and the game collects
// them once per frame with Poll, which never blocks.
//
//	eng, err := engine.New(engine.Options{Filler: f, Sources: []engine.Source{mic}})
//	...
//	func (g *Game) Update() error {
//		for _, c := range eng.Poll() {
//			g.do(c)
//		}
//		return nil
//	}
//
// Pipeline: a Source (voice: capture, endpointing, whisper.cpp) emits partial and final
// Transcripts; a fill goroutine batches the pending transcripts of every source into one
// Filler call under the current vocabulary; Poll hands the results to the game within a
// bounded time budget. Partial transcripts are filled too, so a HUD can show the command
// forming while the player talks.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("engine: closed")
	// ErrNoFiller is returned by New when Options.Filler is nil.
	ErrNoFiller = errors.New("engine: no filler")
	// ErrUnknownSource is returned for a source index the engine does not have.
	ErrUnknownSource = errors.New("engine: unknown source")
	// ErrUnknownValue is returned by vocabulary edits naming a value the state lacks.
	ErrUnknownValue = errors.New("engine: unknown value")
	// ErrBadState is returned when a vocabulary edit would leave an invalid state.
	ErrBadState = errors.New("engine: invalid state")
)

// Filler understands transcripts. engine/fill's *Model is the trained implementation;
// a game or a test may supply its own. The engine calls it from its fill goroutine
// only, so an implementation need not be safe for concurrent use by the engine alone.
type Filler interface {
	// Fill understands texts under state st: one result per text, in order, with
	// K = steps diffusion steps (steps <= 0: the filler's default K).
	Fill(texts []string, st *grammar.State, steps int) []grammar.Result
	// DefaultSteps is the K the filler uses when steps <= 0. The engine starts at
	// Options.Steps (or this), lowers K when a fill overruns Options.FillBudget and
	// raises it back when there is room again. A filler without a notion of steps
	// returns 0: the engine then always passes 0 and never changes K.
	DefaultSteps() int
}

// Options configures an Engine. Only Filler is required; every zero value means the
// documented default.
type Options struct {
	// Filler turns transcripts into commands. Required.
	Filler Filler

	// State is the initial vocabulary (dynamic values, relations, defaults). The engine
	// copies it. Nil means the filler's own default state when it has a
	// State() *grammar.State method, else an empty state.
	State *grammar.State

	// Sources are the voice inputs, one per player; source i is index i in Submit,
	// Talk, Live and Command.Source. A nil Source is a typist (typed text only).
	// Empty means one typist, source 0. More can be added with AddSource.
	Sources []Source

	// PollBudget bounds the time Poll spends on the game goroutine per call.
	// Zero means 500µs. Work left over is done by the next Poll.
	PollBudget time.Duration

	// FillBudget is the time one batched fill may take before the engine lowers the
	// number of steps K for the next fills (only with a StepFiller). Zero means 16ms,
	// so a final transcript's commands are ready within one 60 Hz frame.
	FillBudget time.Duration

	// Steps is the number of diffusion steps K. Zero means the filler's default.
	Steps int

	// MaxBatch is the most transcripts filled in one batch. Zero means 32.
	MaxBatch int

	// MaxQueue bounds the utterances waiting to be filled and the results waiting
	// for Poll. When either is full the oldest is dropped and counted in
	// Stats.Dropped: a flood of Submits, or a game that stopped polling, costs
	// bounded memory. Zero means 256.
	MaxQueue int

	// NoPartials turns off filling of partial transcripts. The zero value fills them.
	NoPartials bool

	// EarlyDispatch dispatches a command from partial transcripts, before the final
	// one, once two consecutive partials of an utterance produced the same commands
	// with confidence ≥ EarlyConfidence. The final result of that utterance is then
	// not dispatched again. Off by default.
	EarlyDispatch bool

	// EarlyConfidence is the confidence early dispatch needs. Zero means 0.9.
	EarlyConfidence float64

	// Endpointing decides from each partial transcript's parse how long a pause
	// ends the player's utterance (sources that implement Endpointer, such as
	// voice.EngineSource with voice.Options.PauseTranscripts). Off by default: the
	// source's fixed trailing silence.
	Endpointing EndpointRule

	// MinConfidence is the confidence an utterance's commands need to be executed
	// (engine/fill's confidences are calibrated: the probability that the commands
	// are exactly what was said). Below it the utterance is rejected with its
	// reading under Result.Clarify, for the game to confirm (package game asks the
	// player "yes / no"). Zero means DefaultMinConfidence; negative executes
	// every command whatever its confidence.
	MinConfidence float64

	// Now is the clock. Nil means time.Now. Tests replace it.
	Now func() time.Time
}

// DefaultMinConfidence is the MinConfidence used when Options.MinConfidence is 0,
// chosen on the demo's tuning dev set (README, Measured): below it the share of
// wrong commands among the executed rises faster than the share of right ones.
const DefaultMinConfidence = 0.6

func (o *Options) defaults() {
	if o.MinConfidence == 0 {
		o.MinConfidence = DefaultMinConfidence
	}
	if o.PollBudget <= 0 {
		o.PollBudget = 500 * time.Microsecond
	}
	if o.FillBudget <= 0 {
		o.FillBudget = 16 * time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 32
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 256
	}
	if o.EarlyConfidence <= 0 {
		o.EarlyConfidence = 0.9
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Engine is the running pipeline. Create it with New, call Poll once per game Update,
// and Close it when the game ends.
//
// Methods documented "game goroutine" must be called from one goroutine (normally
// Ebiten's Update); every other method is safe for concurrent use.
type Engine struct {
	opts   Options
	filler Filler
	adaptK bool // the filler has steps (DefaultSteps > 0): the engine tunes K
	// grammar is the filler's grammar when it has one (Grammar() *grammar.Grammar),
	// for grammar-aware endpointing
	grammar *grammar.Grammar

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{}

	mu       sync.Mutex // guards everything below up to the game-goroutine fields
	closed   bool
	sources  []*sourceState
	pending  []job // final transcripts and typed text waiting for a fill
	partials map[int]job
	ready    []filled // fill results waiting for Poll
	state    *grammar.State
	stateGen uint64
	steps    int // current K (0: filler's own)
	stats    Stats
	// rowStepCost is the measured fill time per row and step, in nanoseconds (a
	// moving average), for predicting a batch's time.
	rowStepCost float64

	// Game goroutine only.
	live     []Live
	out      []Command
	finished []Utterance
	early    map[utterKey]*earlyState
}

type utterKey struct {
	source    int
	utterance uint64
}

type earlyState struct {
	last       string // signature of the last partial result
	dispatched bool
}

type sourceState struct {
	src         Source
	err         error
	talking     bool
	nextID      uint64 // for typed text
	lastPartial string
}

type job struct {
	source  int
	tr      Transcript
	arrived time.Time
	typed   bool
}

type filled struct {
	job
	result    grammar.Result
	fillStart time.Time
	fillEnd   time.Time
	steps     int
	lowered   bool
}

// New starts an engine: one fill goroutine plus one goroutine per source. It returns
// ErrNoFiller without a filler.
func New(opts Options) (*Engine, error) {
	if opts.Filler == nil {
		return nil, ErrNoFiller
	}
	opts.defaults()
	e := &Engine{
		opts:     opts,
		filler:   opts.Filler,
		wake:     make(chan struct{}, 1),
		partials: map[int]job{},
		early:    map[utterKey]*earlyState{},
	}
	if gf, ok := opts.Filler.(interface{ Grammar() *grammar.Grammar }); ok {
		e.grammar = gf.Grammar()
	}
	if def := opts.Filler.DefaultSteps(); def > 0 {
		e.adaptK = true
		e.steps = opts.Steps
		if e.steps <= 0 {
			e.steps = def
		}
	}
	switch {
	case opts.State != nil:
		e.state = opts.State.Clone()
	default:
		if s, ok := opts.Filler.(interface{ State() *grammar.State }); ok {
			e.state = s.State().Clone()
		} else {
			e.state = (&grammar.State{}).Clone()
		}
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.wg.Add(1)
	go e.fillLoop()
	srcs := opts.Sources
	if len(srcs) == 0 {
		srcs = []Source{nil} // source 0: a typist
	}
	for _, s := range srcs {
		if _, err := e.AddSource(s); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// AddSource starts another voice source and returns its index. It returns ErrClosed
// after Close. Safe for concurrent use.
func (e *Engine) AddSource(src Source) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0, ErrClosed
	}
	i := len(e.sources)
	ss := &sourceState{src: src}
	e.sources = append(e.sources, ss)
	if src != nil {
		if v, ok := src.(Vocabularist); ok {
			v.SetVocabulary(vocabularyWords(e.state))
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			err := src.Run(e.ctx, func(t Transcript) { e.emit(i, t) })
			if err != nil && !errors.Is(err, context.Canceled) {
				e.mu.Lock()
				ss.err = fmt.Errorf("engine: source %d: %w", i, err)
				e.mu.Unlock()
			}
		}()
	}
	return i, nil
}

// AddTypist adds a source with no audio (typed text only, through Submit) and returns
// its index: a second local player, say. Safe for concurrent use.
func (e *Engine) AddTypist() (int, error) { return e.AddSource(nil) }

// Submit fills typed text as source's final transcript: the same pipeline minus ASR.
// It never blocks; the commands arrive through Poll. It returns ErrUnknownSource or
// ErrClosed. Safe for concurrent use.
func (e *Engine) Submit(source int, text string) error {
	now := e.opts.Now()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	if source < 0 || source >= len(e.sources) {
		e.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrUnknownSource, source)
	}
	ss := e.sources[source]
	ss.nextID++
	e.dropOldestPending()
	e.pending = append(e.pending, job{
		source:  source,
		tr:      Transcript{Utterance: typedID | ss.nextID, Text: text, Final: true, SpeechEnd: now, At: now},
		arrived: now,
		typed:   true,
	})
	e.mu.Unlock()
	e.signal()
	return nil
}

// dropOldestPending makes room for one more pending utterance (e.mu held).
func (e *Engine) dropOldestPending() {
	if len(e.pending) >= e.opts.MaxQueue {
		e.pending = append(e.pending[:0], e.pending[1:]...)
		e.stats.Dropped++
	}
}

// typedID marks utterance ids made by Submit so they never collide with a source's own.
const typedID = 1 << 63

// emit is the callback sources deliver transcripts to. It never blocks: a partial
// replaces the source's previous unfilled partial; finals queue.
func (e *Engine) emit(source int, t Transcript) {
	now := e.opts.Now()
	if t.At.IsZero() {
		t.At = now
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	j := job{source: source, tr: t, arrived: now}
	if t.Final {
		delete(e.partials, source)
		e.dropOldestPending()
		e.pending = append(e.pending, j)
		e.stats.Finals++
	} else {
		if e.opts.NoPartials {
			e.mu.Unlock()
			return
		}
		e.partials[source] = j
		e.stats.Partials++
	}
	e.mu.Unlock()
	e.signal()
}

func (e *Engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Close stops every goroutine the engine started (sources included: their contexts are
// cancelled) and waits for them. Later calls return nil; other methods return
// ErrClosed. Safe for concurrent use, but not from inside a Source's Run.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
	return nil
}

// Err returns the first error a source stopped with (nil while all run or ended
// cleanly). Safe for concurrent use.
func (e *Engine) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.sources {
		if s.err != nil {
			return s.err
		}
	}
	return nil
}

// Talk starts (on) or stops push-to-talk on source, when the source supports it
// (implements Talker); it returns ErrUnknownSource for a bad index. Game goroutine or
// any: safe for concurrent use.
func (e *Engine) Talk(source int, on bool) error {
	e.mu.Lock()
	if source < 0 || source >= len(e.sources) {
		e.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrUnknownSource, source)
	}
	ss := e.sources[source]
	ss.talking = on
	src := ss.src
	e.mu.Unlock()
	if t, ok := src.(Talker); ok {
		if on {
			t.StartTalking()
		} else {
			t.StopTalking()
		}
	}
	return nil
}

// Sources returns the number of sources (typists included). Safe for concurrent use.
func (e *Engine) Sources() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sources)
}

// Stats returns counters since New. Safe for concurrent use.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Steps = e.steps
	return s
}

// Stats counts what the engine did.
type Stats struct {
	Partials     int // partial transcripts received
	Finals       int // final transcripts received (typed text not included)
	Fills        int // batched filler calls
	Filled       int // transcripts filled (partial and final)
	MaxBatch     int // largest batch filled
	StepsLowered int // times K was lowered because a fill overran FillBudget
	// BatchesShortened counts batches filled at a lower K than the current one
	// because their predicted time (rows × K × the measured cost) exceeded FillBudget.
	BatchesShortened int
	Steps            int           // current K (0: the filler's own, it cannot be changed)
	Polls            int           // Poll calls
	PollsOverBudget  int           // Poll calls that took longer than PollBudget
	MaxPoll          time.Duration // longest Poll
	Dispatched       int           // commands returned by Poll
	Rejected         int           // final utterances rejected
	// Dropped counts utterances and results dropped, oldest first, because the
	// queue held Options.MaxQueue of them (speech faster than fills, or no Poll).
	Dropped int
}
