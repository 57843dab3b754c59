package voice

import "time"

// EndpointOptions configure the energy endpointer that cuts the stream into
// utterances. Zero fields take the defaults given.
type EndpointOptions struct {
	// Frame is the analysis frame (20 ms). Decisions are made once per frame.
	Frame time.Duration
	// TrailingSilence is how long the level must stay below the speech threshold
	// after the last speech frame before the utterance ends (250 ms). It bounds
	// end-of-speech detection: the end is known Frame+TrailingSilence after the
	// last word at most. Pauses between words shorter than this do not split.
	TrailingSilence time.Duration
	// MinSpeech is how long the level must stay above the threshold to start an
	// utterance (60 ms); clicks and pops shorter than this are ignored.
	MinSpeech time.Duration
	// PreRoll is audio kept before the detected start so that soft first
	// syllables are not cut (200 ms).
	PreRoll time.Duration
	// MaxUtterance ends an utterance that runs this long (15 s); the next one
	// starts right after.
	MaxUtterance time.Duration
	// MarginDB is how far above the tracked noise floor a frame must be to count
	// as speech, in dB (12).
	MarginDB float32
	// FloorDB is the lowest level counted as speech in dBFS whatever the noise
	// floor (-50); it keeps digital silence and hiss from triggering.
	FloorDB float32
}

func (o EndpointOptions) withDefaults() EndpointOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Frame, 20*time.Millisecond)
	def(&o.TrailingSilence, 250*time.Millisecond)
	def(&o.MinSpeech, 60*time.Millisecond)
	def(&o.PreRoll, 200*time.Millisecond)
	def(&o.MaxUtterance, 15*time.Second)
	if o.MarginDB == 0 {
		o.MarginDB = 12
	}
	if o.FloorDB == 0 {
		o.FloorDB = -50
	}
	return o
}

// endpointEvent is what the endpointer reports after a frame.
type endpointEvent int

const (
	epNone   endpointEvent = iota
	epStart                // an utterance started; its audio begins at start
	epEnd                  // the utterance ended; its speech ended at end
	epPause                // speech inside an utterance went quiet (a possible end)
	epResume               // speech resumed after epPause
)

// endpointer is the energy voice-activity detector: a state machine fed one frame
// at a time. It tracks the noise floor with a slow follower that only moves
// quickly downwards, so steady background noise raises the threshold while speech
// does not. Positions are sample offsets from the start of the stream.
type endpointer struct {
	o          EndpointOptions
	frame      int
	floorDB    float32
	inSpeech   bool
	run        int // consecutive speech frames while not in an utterance
	silence    int // consecutive non-speech frames while in an utterance
	start      int // first sample of the utterance (pre-roll included)
	lastSpeech int // end of the last speech frame
	pos        int // samples consumed so far
	paused     bool
	limit      int // trailing silence that ends the utterance, in samples (0: TrailingSilence)
}

func newEndpointer(o EndpointOptions) *endpointer {
	o = o.withDefaults()
	return &endpointer{o: o, frame: Samples(o.Frame), floorDB: -60}
}

// push consumes one frame (len == e.frame) with level db and reports a transition.
func (e *endpointer) push(db float32) endpointEvent {
	e.pos += e.frame
	thr := max(e.floorDB+e.o.MarginDB, e.o.FloorDB)
	speech := db > thr
	// Noise floor: fast down, slow up (about 3 dB/s at 20 ms frames), and not
	// pulled up by speech.
	if db < e.floorDB {
		e.floorDB += (db - e.floorDB) * 0.3
	} else if !speech {
		e.floorDB += min(db-e.floorDB, 0.06)
	}
	if !e.inSpeech {
		if !speech {
			e.run = 0
			return epNone
		}
		e.run++
		if e.run*e.frame < Samples(e.o.MinSpeech) {
			return epNone
		}
		e.inSpeech, e.silence, e.paused = true, 0, false
		e.lastSpeech = e.pos
		e.start = max(0, e.pos-e.run*e.frame-Samples(e.o.PreRoll))
		e.run = 0
		return epStart
	}
	if speech {
		e.silence = 0
		e.lastSpeech = e.pos
		if e.pos-e.start >= Samples(e.o.MaxUtterance) {
			e.inSpeech = false
			return epEnd
		}
		if e.paused {
			e.paused = false
			return epResume
		}
		return epNone
	}
	e.silence++
	limit := e.limit
	if limit <= 0 {
		limit = Samples(e.o.TrailingSilence)
	}
	if e.silence*e.frame >= max(limit, 3*e.frame) || e.pos-e.start >= Samples(e.o.MaxUtterance) {
		e.inSpeech = false
		return epEnd
	}
	if !e.paused && e.silence*e.frame >= 2*e.frame {
		e.paused = true
		return epPause
	}
	return epNone
}
