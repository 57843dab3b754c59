package engine

import (
	"context"
	"time"
)

// Transcript is what a Source emits: the text heard so far in one utterance (partial)
// or all of it (final).
type Transcript struct {
	// Utterance identifies the utterance within its source; the partials and the final
	// of one utterance share it. Sources number from 1 upward.
	Utterance uint64
	// Text is the transcript as the recognizer printed it.
	Text string
	// Final is true for the utterance's last transcript (after end of speech).
	Final bool
	// SpeechEnd is when the last word ended, on the wall clock (final only). Zero means
	// unknown; the engine then measures latency from At.
	SpeechEnd time.Time
	// Endpoint is how long end-of-speech detection took after SpeechEnd (final only).
	Endpoint time.Duration
	// ASR is the time spent transcribing this text.
	ASR time.Duration
	// At is when the transcript was ready. Zero means when the engine received it.
	At time.Time
}

// Source produces transcripts for one player: voice capture, endpointing and
// transcription, or a scripted stream in tests and benchmarks.
type Source interface {
	// Run delivers transcripts to emit, in order, until ctx is cancelled or the input
	// ends, and returns then. emit never blocks and may be called from any goroutine
	// Run starts, but not after Run returned. A nil error or context.Canceled means a
	// clean end; any other error is reported by Engine.Err.
	Run(ctx context.Context, emit func(Transcript)) error
}

// Leveler is implemented by sources that can report the input level, for a HUD meter.
type Leveler interface {
	// Level returns the recent input level in [0, 1]. Called from the game goroutine
	// every frame: it must be cheap and safe for concurrent use.
	Level() float64
}

// Talker is implemented by push-to-talk sources. The engine calls it from Talk.
type Talker interface {
	StartTalking()
	StopTalking()
}

// Vocabularist is implemented by sources whose recognizer can be biased toward the
// game's current words (names, moves). The engine calls SetVocabulary when the source
// is added and after every vocabulary change, from the goroutine that made the change.
type Vocabularist interface {
	SetVocabulary(words []string)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, emit func(Transcript)) error

// Run calls f.
func (f SourceFunc) Run(ctx context.Context, emit func(Transcript)) error { return f(ctx, emit) }
