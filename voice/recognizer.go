package voice

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind tells what an Event reports.
type EventKind int

const (
	// EventLevel reports the input level (Level, in dBFS) every LevelInterval.
	EventLevel EventKind = iota
	// EventStart reports that an utterance began (Start).
	EventStart
	// EventPartial carries the transcript of the utterance so far.
	EventPartial
	// EventFinal carries the transcript of a finished utterance, with its timings.
	EventFinal
	// EventError reports a failure (Err). A transcription error affects one
	// utterance and the stream goes on; a source error ends the stream.
	EventError
)

func (k EventKind) String() string {
	return [...]string{"level", "start", "partial", "final", "error"}[k]
}

// Event is what a Recognizer delivers. Times named Start, End and Detected are
// positions in the audio stream, counted from its first sample.
type Event struct {
	Kind      EventKind
	Utterance int // 1-based sequence number of the utterance (0 for level events)

	Level float32 // dBFS, EventLevel

	Text   string  // EventPartial, EventFinal
	Tokens []Token // EventPartial, EventFinal

	Start    time.Duration // where the utterance's audio starts (pre-roll included)
	End      time.Duration // where its speech ended (EventPartial: audio so far; EventLevel: stream position)
	Detected time.Duration // where the end was detected (EventFinal)

	// EndpointDelay is Detected-End: how long after the last word the end of the
	// utterance was known (trailing silence, plus a frame at most).
	EndpointDelay time.Duration
	// ASRTime is the wall time the transcriber took.
	ASRTime time.Duration
	// Latency is the wall time from the end of speech to this final transcript:
	// EndpointDelay, any wait for the transcriber, and ASRTime. It is meaningful
	// for real-time sources (microphone, RealtimeSource); for others, audio
	// arrives faster than real time and it is EndpointDelay plus processing time.
	Latency time.Duration

	Err error // EventError
}

// Options configure a Recognizer. The zero value of every field but Transcriber
// is usable.
type Options struct {
	// Transcriber turns utterances into text; required. The Recognizer calls it
	// from its own goroutine, one call at a time.
	Transcriber Transcriber
	// Endpoint configures utterance detection; ignored when PushToTalk is set.
	Endpoint EndpointOptions
	// PushToTalk, when set, replaces the endpointer: utterances are the audio
	// between its Press and Release (with Endpoint.PreRoll before the Press).
	PushToTalk *PushToTalk
	// PartialInterval is how much new speech triggers a partial transcript of the
	// growing utterance; 0 disables partials. Partials are kept from delaying a
	// final: none is queued once speech has paused, a queued one is dropped when
	// the utterance ends, and a running one is canceled through
	// TranscribeOptions.Cancel (voice/whisper stops it before its encoder; past
	// that point it finishes).
	PartialInterval time.Duration
	// Vocabulary is the initial list of words to bias recognition toward; see
	// Prompt and Recognizer.SetVocabulary.
	Vocabulary []string
	// LevelInterval is how often EventLevel is sent (100 ms); negative disables.
	LevelInterval time.Duration
	// MaxUtterances stops the stream after that many final transcripts; 0 means
	// no limit.
	MaxUtterances int
	// EventBuffer is the capacity of the event channel (256). Level events are
	// dropped when it is full; other events wait for the reader.
	EventBuffer int
	// PauseTranscripts transcribes the utterance as soon as speech pauses (two
	// quiet frames, 40 ms) and sends it as a partial. It lets a listener decide the
	// end of the utterance from what was said (SetEndpointSilence: the engine's
	// grammar-aware endpointing), and when no speech follows the pause, the final
	// transcript reuses this text instead of transcribing the same audio again:
	// whisper then runs during the trailing silence, off the critical path. A
	// silence hint given before a pause began then counts, during that pause, only
	// from Endpoint.TrailingSilence on: the pause's own transcript brings the hint
	// that decides.
	PauseTranscripts bool
}

// Stats are counters of a running Recognizer.
type Stats struct {
	Utterances    int    // final transcripts delivered
	Partials      int    // partial transcripts delivered
	DroppedLevels int    // level events dropped because the channel was full
	Overruns      uint64 // samples the source dropped (microphone), if it counts them
}

// A Recognizer runs source → endpointing → transcription on its own goroutines
// and delivers Events. Create one with NewRecognizer; read events from Events or
// Poll; stop it with Close.
type Recognizer struct {
	src    AudioSource
	opts   Options
	ep     EndpointOptions
	tr     Transcriber
	prompt atomic.Pointer[string]

	events   chan Event
	finals   chan job
	partials chan job // capacity 1: only the newest partial is kept
	done     chan struct{}
	captured chan struct{} // closed when the capture goroutine has returned
	wg       sync.WaitGroup
	closeOne sync.Once

	utterances, partialsOut, droppedLevels atomic.Int64
	lastFinal                              atomic.Int64

	// the endpoint silences asked for by SetEndpointSilence(s): utterance, and
	// samples after a word that ends level or rising / falling (prosody.go)
	hintUtt, hintSilence, hintFalling atomic.Int64
	// pauses counts the pauses in speech so far; hintPause is its value when the
	// hint was given. With PauseTranscripts every pause brings its own transcript
	// and hint; until it comes, a hint given before the pause began — which judged
	// fewer words than the pause follows — may not end the utterance sooner than the
	// fixed silence would ("Cinder," read as complete must not end "Cinder, ember"
	// before "ember" is read).
	pauses, hintPause atomic.Int64
	// tail is the last pause transcript (transcribe goroutine only)
	tail struct {
		id, end int
		tr      Transcription
		asr     time.Duration
	}
}

// SetEndpointSilence sets how much trailing silence ends utterance utt (the id of
// its events), from now on, instead of Endpoint.TrailingSilence: a listener that
// knows from a partial transcript that the command is complete asks for a short
// one, one that knows more words must follow for a long one. A value for an
// utterance other than the current one is ignored. Safe for concurrent use.
func (r *Recognizer) SetEndpointSilence(utt int, d time.Duration) {
	r.SetEndpointSilences(utt, d, d)
}

// SetEndpointSilences is SetEndpointSilence with a second duration for when the
// player's voice fell at the last word, the way a finished statement ends (final
// lowering): level is used when the pitch ended level or rising, or could not be
// told, falling when it fell. A listener that knows a command is complete but
// could still take more words ("Sparky, thunderbolt" … "the Rattler") asks for a
// long level and a short falling silence. Safe for concurrent use.
func (r *Recognizer) SetEndpointSilences(utt int, level, falling time.Duration) {
	r.hintSilence.Store(int64(Samples(max(level, 0))))
	r.hintFalling.Store(int64(Samples(max(falling, 0))))
	r.hintPause.Store(r.pauses.Load())
	r.hintUtt.Store(int64(utt))
}

type job struct {
	id                   int
	samples              []float32
	start, end, detected int       // stream positions in samples
	detectedAt           time.Time // wall time when the end was detected
	partial              bool
	pause                bool  // a pause transcript (Options.PauseTranscripts): never canceled by finals
	reuse                bool  // a final whose speech a pause transcript covers: reuse its text
	err                  error // a source error, delivered after the finals before it
}

// NewRecognizer starts recognizing src. It takes ownership of src: Close closes
// it. The returned Recognizer has started its goroutines; events flow until the
// source ends (the Events channel is then closed), fails, or Close is called.
//
// It may be called from any goroutine. The error is non-nil only for invalid
// options.
func NewRecognizer(src AudioSource, opts Options) (*Recognizer, error) {
	if src == nil {
		return nil, errors.New("voice: NewRecognizer: nil source")
	}
	if opts.Transcriber == nil {
		return nil, errors.New("voice: NewRecognizer: Options.Transcriber is nil")
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 256
	}
	if opts.LevelInterval == 0 {
		opts.LevelInterval = 100 * time.Millisecond
	}
	r := &Recognizer{
		src: src, opts: opts, ep: opts.Endpoint.withDefaults(), tr: opts.Transcriber,
		events:   make(chan Event, opts.EventBuffer),
		finals:   make(chan job, 16),
		partials: make(chan job, 1),
		done:     make(chan struct{}),
		captured: make(chan struct{}),
	}
	r.SetVocabulary(opts.Vocabulary)
	r.wg.Add(2)
	go r.capture()
	go r.transcribe()
	return r, nil
}

// Events returns the channel events are delivered on. It is closed after the
// last event, when the source has ended and every utterance was transcribed, or
// after Close. Receive from it on any goroutine; a game loop that must not block
// uses Poll instead.
func (r *Recognizer) Events() <-chan Event { return r.events }

// Poll returns the next event if one is ready, without blocking; ok is false when
// none is. Call it from the game's Update, as often as once per frame.
func (r *Recognizer) Poll() (ev Event, ok bool) {
	select {
	case ev, ok = <-r.events:
		return ev, ok
	default:
		return Event{}, false
	}
}

// SetVocabulary replaces the words recognition is biased toward (see Prompt).
// It takes effect from the next transcription. Concurrency-safe; never blocks.
func (r *Recognizer) SetVocabulary(words []string) {
	p := Prompt(words)
	r.prompt.Store(&p)
}

// Stats returns the current counters. Concurrency-safe.
func (r *Recognizer) Stats() Stats {
	s := Stats{
		Utterances:    int(r.utterances.Load()),
		Partials:      int(r.partialsOut.Load()),
		DroppedLevels: int(r.droppedLevels.Load()),
	}
	if oc, ok := r.src.(OverrunCounter); ok {
		s.Overruns = oc.Overruns()
	}
	return s
}

// Close stops the Recognizer: it closes the source, waits for a transcription in
// progress to finish (whisper cannot be interrupted mid-decode; a few hundred ms
// at most with a trimmed window), stops both goroutines and closes the Events
// channel. Events not yet received are discarded. It may be called from any
// goroutine, more than once; it returns the source's Close error.
func (r *Recognizer) Close() error {
	var err error
	r.closeOne.Do(func() {
		close(r.done)
		err = r.src.Close()
	})
	r.wg.Wait()
	return err
}

// send delivers ev, waiting for room unless the Recognizer is closing; it
// reports false when closing.
func (r *Recognizer) send(ev Event) bool {
	select {
	case r.events <- ev:
		return true
	case <-r.done:
		return false
	}
}

func (r *Recognizer) closing() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// capture reads the source, runs the endpointer and hands utterances to the
// transcription goroutine.
func (r *Recognizer) capture() {
	defer r.wg.Done()
	defer close(r.captured)
	defer close(r.finals)

	ep := newEndpointer(r.ep)
	frame := ep.frame
	preroll := Samples(r.ep.PreRoll) + Samples(r.ep.MinSpeech) + frame
	maxLen := Samples(r.ep.MaxUtterance)
	var (
		buf       = make([]float32, 4*frame)
		pending   []float32 // samples not yet framed
		recent    []float32 // the last `preroll` samples, for pre-roll
		utt       []float32 // the current utterance's audio
		inUtt     bool
		uttStart  int
		id        int
		lastPart  int
		paused    bool
		pos       int // samples framed so far
		levelAcc  float64
		levelN    int
		levelStep = Samples(r.opts.LevelInterval)
		ptt       = r.opts.PushToTalk
		pauseEnd  int  // speech end the last pause transcript of this utterance covers
		fell      bool // the voice fell at the end of the speech before this pause
		fellKnown bool // fell was worked out for this pause
	)
	finish := func(end, detected int) bool {
		inUtt = false
		// Keep up to 100 ms after the last speech: whisper does better with a
		// little silence after the last word than with none.
		keep := min(len(utt), end-uttStart+Samples(100*time.Millisecond))
		j := job{id: id, samples: utt[:max(keep, 0)], start: uttStart, end: end, detected: detected, detectedAt: time.Now(),
			reuse: r.opts.PauseTranscripts && pauseEnd >= end}
		utt = nil
		// Drop a pending partial of this utterance: the final supersedes it (a
		// pause transcript already running is waited for and reused instead).
		select {
		case <-r.partials:
			j.reuse = false
		default:
		}
		select {
		case r.finals <- j:
			return true
		case <-r.done:
			return false
		}
	}
	begin := func(start int) bool {
		id++
		inUtt, paused, lastPart, pauseEnd = true, false, 0, 0
		uttStart = max(start, pos-len(recent))
		utt = append(make([]float32, 0, Samples(3*time.Second)), recent[len(recent)-(pos-uttStart):]...)
		return r.send(Event{Kind: EventStart, Utterance: id, Start: Duration(uttStart)})
	}
	for {
		n, err := r.src.Read(buf)
		pending = append(pending, buf[:n]...)
		off := 0
		for len(pending)-off >= frame {
			f := pending[off : off+frame]
			rms := RMS(f)
			db := DBFS(rms)
			for _, v := range f {
				levelAcc += float64(v) * float64(v)
			}
			levelN += frame
			if levelStep > 0 && levelN >= levelStep {
				lvl := DBFS(float32(sqrt(levelAcc / float64(levelN))))
				levelAcc, levelN = 0, 0
				select {
				case r.events <- Event{Kind: EventLevel, Level: lvl, End: Duration(pos + frame)}:
				default:
					r.droppedLevels.Add(1)
				}
			}
			if inUtt {
				utt = append(utt, f...)
			}
			pos += frame
			recent = append(recent, f...)
			if len(recent) > 2*preroll {
				recent = append(recent[:0], recent[len(recent)-preroll:]...)
			}
			off += frame

			if ptt != nil {
				switch down := ptt.Pressed(); {
				case down && !inUtt:
					if !begin(pos - frame - Samples(r.ep.PreRoll)) {
						return
					}
				case inUtt && (!down || pos-uttStart >= maxLen):
					if !finish(pos, pos) {
						return
					}
				}
			} else {
				ep.limit = 0
				if inUtt && r.hintUtt.Load() == int64(id) {
					ep.limit = int(r.hintSilence.Load())
					if falling := int(r.hintFalling.Load()); paused && falling != ep.limit {
						// how the voice ended (a millisecond or two), once per pause and
						// only when a listener asked for another silence after a fall
						if !fellKnown {
							fell = pitchFalls(utt[:max(0, min(len(utt), ep.lastSpeech-uttStart))])
							fellKnown = true
						}
						if fell {
							ep.limit = falling
						}
					}
					if paused && r.opts.PauseTranscripts && r.hintPause.Load() < r.pauses.Load() { // stale: see Recognizer.pauses
						ep.limit = max(ep.limit, Samples(r.ep.TrailingSilence))
					}
				}
				switch ep.push(db) {
				case epStart:
					if !begin(ep.start) {
						return
					}
				case epEnd:
					if !finish(ep.lastSpeech, pos) {
						return
					}
				case epPause:
					paused = true
					r.pauses.Add(1)
					fellKnown = false
					if r.opts.PauseTranscripts && inUtt {
						snap := append([]float32(nil), utt...)
						p := job{id: id, samples: snap, start: uttStart, end: ep.lastSpeech, partial: true, pause: true}
						select { // replace any partial still waiting
						case <-r.partials:
						default:
						}
						select {
						case r.partials <- p:
							pauseEnd = ep.lastSpeech
						default:
						}
					}
				case epResume:
					paused = false
				}
			}
			if inUtt && !paused && r.opts.PartialInterval > 0 && len(utt)-lastPart >= Samples(r.opts.PartialInterval) {
				lastPart = len(utt)
				snap := append([]float32(nil), utt...)
				p := job{id: id, samples: snap, start: uttStart, end: pos, partial: true}
				select { // replace any partial still waiting
				case <-r.partials:
				default:
				}
				select {
				case r.partials <- p:
				default:
				}
			}
		}
		// Keep the unframed rest at the front of the same array: no allocation
		// per read once pending has grown to its working size.
		pending = pending[:copy(pending, pending[off:])]
		if err != nil {
			if inUtt && !r.closing() {
				finish(pos, pos)
			}
			if err != io.EOF && !errors.Is(err, ErrClosed) {
				select {
				case r.finals <- job{err: err}:
				case <-r.done:
				}
			}
			return
		}
		if r.closing() {
			return
		}
	}
}

// transcribe runs the transcriber on finals (first) and partials, and closes the
// event channel when the capture goroutine is done and every final is out.
func (r *Recognizer) transcribe() {
	defer r.wg.Done()
	defer func() {
		<-r.captured // nothing sends on events after this
		close(r.events)
	}()
	for {
		var j job
		var ok bool
		select {
		case j, ok = <-r.finals:
		default:
			select {
			case j, ok = <-r.finals:
			case j = <-r.partials:
				ok = true
			case <-r.done:
				return
			}
		}
		if !ok {
			return // capture ended and all finals are done
		}
		if j.err != nil {
			r.send(Event{Kind: EventError, Err: j.err})
			continue
		}
		if j.partial && int64(j.id) <= r.lastFinal.Load() {
			continue // its final was already sent
		}
		if !j.partial {
			r.lastFinal.Store(int64(j.id))
		}
		if r.closing() {
			return
		}
		t0 := time.Now()
		cancel := r.closing
		if j.partial && !j.pause {
			// A final waiting behind this partial matters more (a pause transcript
			// is what that final will reuse: it finishes).
			cancel = func() bool { return len(r.finals) > 0 || r.closing() }
		}
		var tr Transcription
		var err error
		reused := j.reuse && r.tail.id == j.id && r.tail.end >= j.end
		if reused {
			tr = r.tail.tr // no speech since the pause: the same audio, the same text
		} else {
			tr, err = r.tr.Transcribe(j.samples, TranscribeOptions{Prompt: *r.prompt.Load(), Partial: j.partial, Cancel: cancel})
		}
		asr := time.Since(t0)
		if reused {
			asr = 0 // no transcription on this final's path
		}
		if j.pause && err == nil {
			r.tail.id, r.tail.end, r.tail.tr, r.tail.asr = j.id, j.end, tr, asr
		}
		if errors.Is(err, ErrCanceled) {
			continue
		}
		ev := Event{Utterance: j.id, Start: Duration(j.start), End: Duration(j.end), ASRTime: asr}
		switch {
		case err != nil:
			ev.Kind, ev.Err = EventError, err
		case j.partial:
			if int64(j.id) <= r.lastFinal.Load() {
				continue
			}
			ev.Kind, ev.Text, ev.Tokens = EventPartial, tr.Text, tr.Tokens
			r.partialsOut.Add(1)
		default:
			ev.Kind, ev.Text, ev.Tokens = EventFinal, tr.Text, tr.Tokens
			ev.Detected = Duration(j.detected)
			ev.EndpointDelay = Duration(j.detected - j.end)
			ev.Latency = ev.EndpointDelay + time.Since(j.detectedAt)
			r.utterances.Add(1)
		}
		if !r.send(ev) {
			return
		}
		if ev.Kind == EventFinal && r.opts.MaxUtterances > 0 && int(r.utterances.Load()) >= r.opts.MaxUtterances {
			r.closeOne.Do(func() {
				close(r.done)
				r.src.Close()
			})
			return
		}
	}
}
