package whisper_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

var tinyPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "voicecmd-whisper-test")
	if err != nil {
		panic(err)
	}
	tinyPath = filepath.Join(dir, "tiny.en.bin")
	f, err := os.Create(tinyPath)
	if err != nil {
		panic(err)
	}
	if err := voice.SynthModel(f, "tiny.en"); err != nil {
		panic(err)
	}
	f.Close()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// loadTiny loads the synthesized tiny.en model once per test binary.
var tiny *whisper.Model

func loadTiny(t testing.TB) *whisper.Model {
	t.Helper()
	if tiny == nil {
		m, err := whisper.Load(tinyPath, whisper.Options{Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		tiny = m
	}
	return tiny
}

func say(t testing.TB, text string) []float32 {
	t.Helper()
	if err := espeak.Available(); err != nil {
		t.Fatal(err)
	}
	s, err := espeak.Say(text, espeak.Voices[0])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadSynthesizedModel(t *testing.T) {
	m := loadTiny(t)
	info := m.Info()
	if info.SizeName() != "tiny.en" || !info.Weightless() || info.NAudioState != 384 || info.FileVocab != 50256 {
		t.Fatalf("info = %+v, want a weightless tiny.en", info)
	}
}

func TestTranscribeRunsFullCompute(t *testing.T) {
	m := loadTiny(t)
	s := say(t, "pikachu use thunderbolt on charizard")
	t0 := time.Now()
	tr, err := m.Transcribe(s, voice.TranscribeOptions{Prompt: voice.Prompt([]string{"Pikachu", "thunderbolt", "Charizard"})})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.1f s of speech: %v, text %q, %d tokens", float64(len(s))/voice.SampleRate, time.Since(t0), tr.Text, len(tr.Tokens))
	for _, tok := range tr.Tokens {
		if tok.P < 0 || tok.P > 1 {
			t.Errorf("token %q has probability %v", tok.Text, tok.P)
		}
	}
	// Too short to transcribe: empty, no error.
	if tr, err := m.Transcribe(s[:100], voice.TranscribeOptions{}); err != nil || tr.Text != "" {
		t.Errorf("100 samples: %q, %v", tr.Text, err)
	}
}

func TestAudioCtx(t *testing.T) {
	for _, c := range []struct {
		seconds float64
		want    int
	}{{0.5, 64}, {2.7, 192}, {3, 192}, {10, 576}, {30, 1500}, {60, 1500}} {
		if got := whisper.AudioCtx(int(c.seconds * voice.SampleRate)); got != c.want {
			t.Errorf("AudioCtx(%v s) = %d, want %d", c.seconds, got, c.want)
		}
	}
}

func TestBadModelFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := append([]byte(nil), good...)
	corrupt[4+4*4] = 7 // n_audio_layer's low byte: 7 layers... keep shape plausible
	corrupt[4+2*4] = 0xff
	corrupt[4+2*4+1] = 0xff // n_audio_state 65535: not divisible by heads, width mismatch
	tensorTrunc := append(append([]byte(nil), good...), 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x80, 1, 0, 0, 0x80, 5, 0, 0, 'a', 'b', 'c', 'd', 1, 2, 3)
	cases := []struct{ name, path string }{
		{"empty", write("empty.bin", nil)},
		{"text", write("text.bin", []byte("hello, this is not a model\n"))},
		{"gguf", write("model.gguf", append([]byte("GGUF"), make([]byte, 64)...))},
		{"truncated header", write("trunc-header.bin", good[:20])},
		{"truncated mel filters", write("trunc-mel.bin", good[:1000])},
		{"truncated vocabulary", write("trunc-vocab.bin", good[:len(good)-100])},
		{"truncated tensor data", write("trunc-tensor.bin", tensorTrunc)},
		{"corrupt header", write("corrupt.bin", corrupt)},
		{"directory", dir},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := whisper.Load(c.path, whisper.Options{})
			if err == nil {
				m.Close()
				t.Fatal("loaded")
			}
			if !errors.Is(err, voice.ErrBadModel) {
				t.Fatalf("error %v does not wrap ErrBadModel", err)
			}
			t.Log(err)
		})
	}
	if _, err := whisper.Load(filepath.Join(dir, "missing.bin"), whisper.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestClosedModel(t *testing.T) {
	m, err := whisper.Load(tinyPath, whisper.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	m.Close()
	if _, err := m.Transcribe(make([]float32, voice.SampleRate), voice.TranscribeOptions{}); !errors.Is(err, whisper.ErrClosed) {
		t.Fatalf("Transcribe after Close: %v", err)
	}
}

func TestRecognizerWithWhisper(t *testing.T) {
	m := loadTiny(t)
	before := runtime.NumGoroutine()
	audio := espeak.Silence(0.5)
	for _, p := range []string{"bulbasaur use vine whip", "squirtle come back"} {
		audio = espeak.Concat(audio, say(t, p), espeak.Silence(0.8))
	}
	rec, err := voice.NewRecognizer(voice.RealtimeSource(audio, 0), voice.Options{
		Transcriber: m, PartialInterval: 500 * time.Millisecond, Vocabulary: []string{"Bulbasaur", "Squirtle", "vine whip"}})
	if err != nil {
		t.Fatal(err)
	}
	var finals int
	for ev := range rec.Events() {
		switch ev.Kind {
		case voice.EventError:
			t.Error(ev.Err)
		case voice.EventFinal:
			finals++
			if ev.ASRTime <= 0 || ev.Latency < ev.EndpointDelay+ev.ASRTime || ev.EndpointDelay > 300*time.Millisecond {
				t.Errorf("final %+v", ev)
			}
			t.Logf("utterance %d: %v-%v, endpoint +%v, asr %v, latency %v", ev.Utterance, ev.Start, ev.End, ev.EndpointDelay, ev.ASRTime, ev.Latency)
		}
	}
	rec.Close()
	if finals != 2 {
		t.Fatalf("%d finals, want 2", finals)
	}
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines leaked", n-before)
	}
}

// BenchmarkTranscribe compares the trimmed configuration with whisper.cpp's
// defaults on one ~3 s espeak-ng utterance (weightless tiny.en, 2 threads):
// go test -run XXX -bench Transcribe ./voice/whisper
func BenchmarkTranscribe(b *testing.B) {
	s := say(b, "pikachu, use thunderbolt on the wild charizard right now")
	for _, def := range []bool{false, true} {
		name := "trimmed"
		if def {
			name = "default"
		}
		b.Run(name, func(b *testing.B) {
			m, err := whisper.Load(tinyPath, whisper.Options{Threads: 2, Default: def})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			b.ReportMetric(float64(len(s))/voice.SampleRate, "audio_s")
			for i := 0; i < b.N; i++ {
				if _, err := m.Transcribe(s, voice.TranscribeOptions{Prompt: "Pikachu, Charizard, thunderbolt"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestTranscribeCancel(t *testing.T) {
	m := loadTiny(t)
	s := say(t, "go north")
	polled := 0
	_, err := m.Transcribe(s, voice.TranscribeOptions{Cancel: func() bool { polled++; return true }})
	if !errors.Is(err, voice.ErrCanceled) || polled != 1 {
		t.Fatalf("err = %v after %d polls, want ErrCanceled", err, polled)
	}
	// Not canceled: runs to the end.
	if _, err := m.Transcribe(s, voice.TranscribeOptions{Cancel: func() bool { return false }}); err != nil {
		t.Fatal(err)
	}
}
