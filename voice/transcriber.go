package voice

import (
	"errors"
	"strings"
	"time"
)

// A Transcriber turns one utterance of audio into text. voice/whisper.Model is the
// implementation backed by whisper.cpp; tests may use their own.
//
// Transcribe is called from one goroutine at a time by a Recognizer; an
// implementation that is also used elsewhere must serialize itself.
type Transcriber interface {
	Transcribe(samples []float32, opts TranscribeOptions) (Transcription, error)
}

// TranscribeOptions are per-call settings.
type TranscribeOptions struct {
	// Prompt is text that precedes the audio, biasing recognition toward its
	// words (see Prompt). Empty for none.
	Prompt string
	// Partial marks a transcription of an utterance still in progress; an
	// implementation may trade accuracy for speed.
	Partial bool
	// Cancel, when set, is polled by the implementation at points where it can
	// stop early (voice/whisper: before the encoder runs); if it returns true,
	// Transcribe returns ErrCanceled. The Recognizer cancels a partial when a
	// final is waiting, and everything when it is closing.
	Cancel func() bool
}

// ErrCanceled is returned by a Transcriber whose TranscribeOptions.Cancel said stop.
var ErrCanceled = errors.New("voice: transcription canceled")

// Transcription is the result of one transcription.
type Transcription struct {
	Text   string  // trimmed text of all segments
	Tokens []Token // text tokens only (no special or timestamp tokens)
}

// Token is one recognized token.
type Token struct {
	ID   int
	Text string
	P    float32 // probability the model gave the token, in [0, 1]
	// Start and End are the token's times within the utterance, when known.
	Start, End time.Duration
}

// MaxPromptBytes bounds the prompt built by Prompt; whisper keeps at most half its
// 448-token text context for the prompt, and a shorter prompt decodes faster.
const MaxPromptBytes = 400

// Prompt builds an initial prompt from the game's current vocabulary (entity
// names, moves, items): distinct non-empty words in order, comma separated, at
// most MaxPromptBytes long. whisper treats the prompt as preceding text, so words
// in it become more likely in the transcript.
func Prompt(words []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.Join(strings.Fields(w), " ")
		k := strings.ToLower(w)
		if w == "" || seen[k] {
			continue
		}
		seen[k] = true
		if b.Len()+len(w)+2 > MaxPromptBytes {
			break
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(w)
	}
	return b.String()
}
