package voice_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
)

// micDir holds the ALSA configuration the microphone tests capture through: its
// default PCM is ALSA's file plugin reading mic.raw (16 kHz s16 mono), so
// PortAudio runs its real capture path without a sound card. HOME points here
// before PortAudio (and so ALSA) starts; ALSA reads $HOME/.asoundrc.
var micDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "voicecmd-voice-test")
	if err != nil {
		panic(err)
	}
	micDir = dir
	rc := fmt.Sprintf(`pcm.!default {
  type plug
  slave { pcm "voicecmdfile"; format S16_LE; rate 16000; channels 1 }
}
pcm.voicecmdfile {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile %q
  format "raw"
}
`, filepath.Join(dir, "mic.raw"))
	if err := os.WriteFile(filepath.Join(dir, ".asoundrc"), []byte(rc), 0o644); err != nil {
		panic(err)
	}
	// ALSA lists the file PCM only while its infile exists.
	if err := os.WriteFile(filepath.Join(dir, "mic.raw"), make([]byte, 3200), 0o644); err != nil {
		panic(err)
	}
	os.Setenv("HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func say(t testing.TB, text string, v espeak.Voice) []float32 {
	t.Helper()
	if err := espeak.Available(); err != nil {
		t.Fatal(err)
	}
	s, err := espeak.Say(text, v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeASR is a Transcriber that records what it was given and answers with the
// utterance's length, after an optional delay.
type fakeASR struct {
	mu      sync.Mutex
	delay   time.Duration
	calls   []voice.TranscribeOptions
	lengths []int
	fail    map[int]error // call index -> error
}

func (f *fakeASR) Transcribe(s []float32, o voice.TranscribeOptions) (voice.Transcription, error) {
	f.mu.Lock()
	i := len(f.calls)
	f.calls = append(f.calls, o)
	f.lengths = append(f.lengths, len(s))
	err := f.fail[i]
	f.mu.Unlock()
	time.Sleep(f.delay)
	if err != nil {
		return voice.Transcription{}, err
	}
	return voice.Transcription{Text: fmt.Sprintf("%.2fs", float64(len(s))/voice.SampleRate),
		Tokens: []voice.Token{{ID: 1, Text: "x", P: 0.5}}}, nil
}

// collect runs a Recognizer to the end of its source and returns its events.
func collect(t testing.TB, src voice.AudioSource, o voice.Options) []voice.Event {
	t.Helper()
	r, err := voice.NewRecognizer(src, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var evs []voice.Event
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-r.Events():
			if !ok {
				return evs
			}
			if ev.Kind != voice.EventLevel {
				evs = append(evs, ev)
			}
		case <-timeout:
			t.Fatal("recognizer did not finish")
		}
	}
}

func finals(evs []voice.Event) []voice.Event {
	var out []voice.Event
	for _, e := range evs {
		if e.Kind == voice.EventFinal {
			out = append(out, e)
		}
	}
	return out
}

func describe(evs []voice.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n  %v #%d %q start=%v end=%v det=%v err=%v", e.Kind, e.Utterance, e.Text, e.Start, e.End, e.Detected, e.Err)
	}
	return b.String()
}

// checkNoLeak fails if goroutines started during the test are still running.
func checkNoLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
		}
	})
}
