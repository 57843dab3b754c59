// Package whisper implements voice.Transcriber with whisper.cpp, through the Go
// bindings github.com/ggerganov/whisper.cpp/bindings/go.
//
// It is the only package of voicecmd that links whisper.cpp; importing voice
// alone does not. The static libraries and headers come from
// scripts/build-whisper.sh (run by scripts/setup.sh), which installs them where
// the C compiler looks by default, so `go build` needs no CGO_* variables.
package whisper

/*
#include <whisper.h>

// whisper.rn's copy of ggml prefixes its symbols with wsp_; upstream's does not.
#ifdef WSP_GGML_FILE_MAGIC
#define VOICECMD_LOG_LEVEL enum wsp_ggml_log_level
#define VOICECMD_GGML_LOG_SET wsp_ggml_log_set
#else
#define VOICECMD_LOG_LEVEL enum ggml_log_level
#define VOICECMD_GGML_LOG_SET ggml_log_set
#endif

static void voicecmd_whisper_discard_log(VOICECMD_LOG_LEVEL level, const char * text, void * user_data) {
	(void) level; (void) text; (void) user_data;
}

static void voicecmd_whisper_quiet(void) {
	whisper_log_set(voicecmd_whisper_discard_log, NULL);
	VOICECMD_GGML_LOG_SET(voicecmd_whisper_discard_log, NULL);
}
*/
import "C"

import (
	"errors"
	"fmt"

	"runtime"
	"strings"
	"sync"
	"time"

	whisperc "github.com/ggerganov/whisper.cpp/bindings/go"

	"github.com/voicecmd/voicecmd/voice"
)

// Options configure a Model. The zero value is the low-latency configuration.
type Options struct {
	// Threads is the number of CPU threads whisper.cpp uses per transcription
	// (0: the number of CPUs, at most 4).
	Threads int
	// Default uses whisper.cpp's default decoding parameters — the full 30 s
	// encoder window, temperature fallback, no token limit — instead of the
	// trimmed configuration. It exists to measure what trimming buys.
	Default bool
	// Verbose keeps whisper.cpp's log lines on stderr (off: discarded).
	Verbose bool
}

// Model is a loaded whisper model. Load it once and reuse it: loading reads the
// whole file. Its methods are safe for concurrent use (calls are serialized).
type Model struct {
	mu   sync.Mutex
	ctx  *whisperc.Context
	info *voice.ModelInfo
	opts Options
}

var quietOnce sync.Once

// Load checks the model file with voice.ReadModelInfo (so that corrupt,
// truncated or foreign files get an error naming the problem instead of
// reaching whisper.cpp) and loads it. Errors wrap voice.ErrBadModel for bad
// files and fs errors for missing ones.
//
// It may be called from any goroutine.
func Load(path string, opts Options) (*Model, error) {
	info, err := voice.ReadModelInfo(path)
	if err != nil {
		return nil, err
	}
	if opts.Threads <= 0 {
		opts.Threads = min(runtime.NumCPU(), 4)
	}
	if !opts.Verbose {
		quietOnce.Do(func() { C.voicecmd_whisper_quiet() })
	}
	ctx := whisperc.Whisper_init(path)
	if ctx == nil {
		return nil, fmt.Errorf("%w: %s: whisper.cpp could not load it", voice.ErrBadModel, path)
	}
	return &Model{ctx: ctx, info: info, opts: opts}, nil
}

// Info describes the loaded model file. Concurrency-safe.
func (m *Model) Info() *voice.ModelInfo { return m.info }

// Threads is the number of threads used per transcription. Concurrency-safe.
func (m *Model) Threads() int { return m.opts.Threads }

// ErrClosed is returned by Transcribe after Close.
var ErrClosed = errors.New("voice/whisper: model closed")

// AudioCtx is the encoder window used for n samples in the trimmed
// configuration: the positions the audio covers (one per 20 ms), plus a margin,
// rounded up to a multiple of 64, at most the model's 1500.
func AudioCtx(n int) int {
	pos := n/320 + 32
	return min((pos+63)/64*64, 1500)
}

// MaxTokens bounds decoding for an utterance of n samples in the trimmed
// configuration: game commands are short, and a runaway decode of a noisy
// utterance should not cost seconds. About 8 tokens per second of audio plus 16.
func MaxTokens(n int) int {
	return 16 + 8*n/voice.SampleRate
}

// Transcribe implements voice.Transcriber: greedy decoding, one segment, the
// encoder window trimmed to the utterance (AudioCtx), the prompt from opts, and
// no temperature fallback (unless Options.Default). Samples shorter than 100 ms
// yield an empty transcript.
//
// It may be called from any goroutine; calls are serialized.
func (m *Model) Transcribe(samples []float32, opts voice.TranscribeOptions) (voice.Transcription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx == nil {
		return voice.Transcription{}, ErrClosed
	}
	if len(samples) < voice.SampleRate/10 {
		return voice.Transcription{}, nil
	}
	p := m.ctx.Whisper_full_default_params(whisperc.SAMPLING_GREEDY)
	p.SetThreads(m.opts.Threads)
	p.SetPrintProgress(false)
	p.SetPrintRealtime(false)
	p.SetPrintTimestamps(false)
	if !m.opts.Default {
		p.SetAudioCtx(AudioCtx(len(samples)))
		p.SetSingleSegment(true)
		p.SetNoContext(true)
		p.SetMaxTokensPerSegment(MaxTokens(len(samples)))
		p.SetTemperatureFallback(0)
		p.SetTokenTimestamps(true)
		if opts.Prompt != "" {
			p.SetInitialPrompt(opts.Prompt)
		}
	}
	var begin func() bool
	canceled := false
	if opts.Cancel != nil {
		begin = func() bool {
			canceled = opts.Cancel()
			return !canceled
		}
	}
	if err := m.ctx.Whisper_full(p, samples, begin, nil, nil); err != nil {
		if canceled {
			return voice.Transcription{}, voice.ErrCanceled
		}
		return voice.Transcription{}, fmt.Errorf("voice/whisper: transcription failed: %w", err)
	}
	if canceled {
		return voice.Transcription{}, voice.ErrCanceled
	}
	var tr voice.Transcription
	var text strings.Builder
	eot := m.ctx.Whisper_token_eot()
	for s := 0; s < m.ctx.Whisper_full_n_segments(); s++ {
		text.WriteString(m.ctx.Whisper_full_get_segment_text(s))
		for t := 0; t < m.ctx.Whisper_full_n_tokens(s); t++ {
			id := m.ctx.Whisper_full_get_token_id(s, t)
			if id >= eot { // special and timestamp tokens
				continue
			}
			d := m.ctx.Whisper_full_get_token_data(s, t)
			tr.Tokens = append(tr.Tokens, voice.Token{
				ID: int(id), Text: m.ctx.Whisper_full_get_token_text(s, t),
				P:     m.ctx.Whisper_full_get_token_p(s, t),
				Start: time.Duration(d.T0()) * 10 * time.Millisecond,
				End:   time.Duration(d.T1()) * 10 * time.Millisecond,
			})
		}
	}
	tr.Text = strings.TrimSpace(text.String())
	return tr, nil
}

// Close frees the model. It waits for a transcription in progress; later calls
// to Transcribe return ErrClosed. It may be called more than once.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctx != nil {
		m.ctx.Whisper_free()
		m.ctx = nil
	}
	return nil
}

var _ voice.Transcriber = (*Model)(nil)
