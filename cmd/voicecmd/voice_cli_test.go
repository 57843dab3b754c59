package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
)

var (
	voiceModelOnce sync.Once
	voiceModelPath string
)

// synthTiny writes a weightless tiny.en model with the CLI itself, once.
func synthTiny(t *testing.T) string {
	t.Helper()
	voiceModelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "voicecmd-cli-model")
		if err != nil {
			t.Fatal(err)
		}
		voiceModelPath = filepath.Join(dir, "tiny.en.bin")
		if _, errs, code := runCLI(t, "", "models", "synth", "--size", "tiny.en", "--out", voiceModelPath); code != 0 {
			t.Fatalf("models synth: exit %d: %s", code, errs)
		}
	})
	return voiceModelPath
}

func speechWAV(t *testing.T, phrases ...string) string {
	t.Helper()
	if err := espeak.Available(); err != nil {
		t.Fatal(err)
	}
	audio := espeak.Silence(0.5)
	for _, p := range phrases {
		s, err := espeak.Say(p, espeak.Voices[0])
		if err != nil {
			t.Fatal(err)
		}
		audio = espeak.Concat(audio, s, espeak.Silence(1))
	}
	p := filepath.Join(t.TempDir(), "speech.wav")
	if err := espeak.WriteWAV(p, audio); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTranscribeWAVJSON(t *testing.T) {
	model := synthTiny(t)
	wav := speechWAV(t, "pikachu use thunderbolt", "charizard fly north")
	out, errs, code := runCLI(t, "", "transcribe", "--model", model, "--wav", wav, "--json", "--threads", "2", "--vocab", "Pikachu, Charizard")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for 2 utterances:\n%s", len(lines), out)
	}
	prevEnd := int64(0)
	for i, l := range lines {
		var u map[string]any
		if err := json.Unmarshal([]byte(l), &u); err != nil {
			t.Fatalf("line %d not JSON: %q", i, l)
		}
		for _, k := range []string{"utterance", "text", "start_ms", "end_ms", "endpoint_delay_ms", "asr_ms"} {
			if _, ok := u[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i, k, l)
			}
		}
		start, end := int64(u["start_ms"].(float64)), int64(u["end_ms"].(float64))
		if start < prevEnd || end-start < 500 || u["endpoint_delay_ms"].(float64) > 300 {
			t.Errorf("line %d: %s", i, l)
		}
		prevEnd = end
	}
	if !strings.Contains(errs, "weightless") {
		t.Errorf("no note that the model is weightless: %q", errs)
	}
}

func TestTranscribeMaxUtterancesText(t *testing.T) {
	model := synthTiny(t)
	wav := speechWAV(t, "go north", "go south")
	out, errs, code := runCLI(t, "", "transcribe", "--model", model, "--wav", wav, "--max-utterances", "1")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "#1 [") {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
}

func TestVoiceCLIErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.wav")
	os.WriteFile(garbage, []byte("not a wav file at all"), 0o644)
	notModel := filepath.Join(dir, "model.bin")
	os.WriteFile(notModel, []byte("definitely not ggml"), 0o644)
	model := synthTiny(t)
	wav := speechWAV(t, "go")
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"transcribe", "--help"}, 0, "usage"},
		{[]string{"transcribe"}, 2, "need --model"},
		{[]string{"transcribe", "--model", model}, 2, "exactly one of"},
		{[]string{"transcribe", "--model", model, "--wav", wav, "--mic"}, 2, "exactly one of"},
		{[]string{"transcribe", "--model", notModel, "--wav", wav}, 1, "bad model file"},
		{[]string{"transcribe", "--model", filepath.Join(dir, "missing.bin"), "--wav", wav}, 1, "no such file"},
		{[]string{"transcribe", "--model", model, "--wav", garbage}, 1, "bad WAV"},
		{[]string{"transcribe", "--model", model, "--mic", "--device", "999"}, 1, "no input device"},
		{[]string{"devices", "--help"}, 0, "usage"},
		{[]string{"models"}, 2, "usage"},
		{[]string{"models", "get", "huge.en"}, 2, "unknown model"},
		{[]string{"models", "synth", "--size", "huge.en", "--out", filepath.Join(dir, "x.bin")}, 2, "unknown size"},
		{[]string{"models", "info", notModel}, 1, "bad magic"},
		{[]string{"bench", "asr"}, 2, "usage"},
		{[]string{"bench", "asr", "--model", notModel}, 1, "bad model file"},
	}
	for _, c := range cases {
		_, errs, code := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

func TestModelsInfo(t *testing.T) {
	out, errs, code := runCLI(t, "", "models", "info", synthTiny(t))
	if code != 0 || !strings.Contains(out, "tiny.en, weightless") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}

func TestModelsGetFromMirror(t *testing.T) {
	// The mirror serves the wrong bytes: the SHA-256 check must refuse them.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not the tiny.en model"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	_, errs, code := runCLI(t, "", "models", "get", "tiny.en", "--dir", dir, "--url", srv.URL+"/ggml-tiny.en.bin")
	if code != 1 || !strings.Contains(errs, "checksum mismatch") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "ggml-tiny.en.bin")); err == nil {
		t.Fatal("a corrupt model was saved")
	}
	// Nobody listening: a clear offline error.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, errs, code = runCLI(t, "", "models", "get", "tiny.en", "--dir", dir, "--url", "http://"+addr+"/x.bin")
	if code != 1 || !strings.Contains(errs, "unreachable (offline?)") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestDevicesThroughALSAFile(t *testing.T) {
	// ALSA's default PCM reads a file: `devices` lists it as the default input.
	dir := t.TempDir()
	raw := filepath.Join(dir, "mic.raw")
	os.WriteFile(raw, make([]byte, 3200), 0o644)
	rc := `pcm.!default { type plug; slave { pcm "f"; format S16_LE; rate 16000; channels 1 } }
pcm.f { type file; slave.pcm "null"; file "/dev/null"; infile "` + raw + `"; format "raw" }
`
	os.WriteFile(filepath.Join(dir, ".asoundrc"), []byte(rc), 0o644)
	t.Setenv("HOME", dir)
	out, errs, code := runCLI(t, "", "devices", "--json")
	var devs []voice.Device
	if code != 0 || json.Unmarshal([]byte(out), &devs) != nil {
		t.Fatalf("exit %d: %q %s", code, out, errs)
	}
	found := false
	for _, d := range devs {
		found = found || (d.Default && d.Name == "default")
	}
	if !found {
		t.Fatalf("no default device in %+v", devs)
	}
}

func TestNoSoundCard(t *testing.T) {
	// An empty HOME: no .asoundrc, and these machines have no sound card.
	t.Setenv("HOME", t.TempDir())
	if _, errs, code := runCLI(t, "", "devices"); code != 1 || !strings.Contains(errs, "no input devices found") {
		t.Errorf("devices: exit %d: %s", code, errs)
	}
	if _, errs, code := runCLI(t, "", "transcribe", "--model", synthTiny(t), "--mic"); code != 1 || !strings.Contains(errs, "voice: no input device") {
		t.Errorf("transcribe --mic: exit %d: %s", code, errs)
	}
}

func TestBenchASRJSON(t *testing.T) {
	out, errs, code := runCLI(t, "", "bench", "asr", "--model", synthTiny(t), "--utterances", "1", "--reps", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r map[string]float64
	json.Unmarshal([]byte(out), &r) // string fields (model, machine) are skipped
	for _, k := range []string{"trimmed_p50_ms", "trimmed_p95_ms", "default_p50_ms", "audio_seconds", "threads"} {
		if r[k] <= 0 {
			t.Errorf("%s = %v in %s", k, r[k], out)
		}
	}
}
