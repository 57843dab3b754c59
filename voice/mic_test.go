package voice_test

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
)

// writeMicInput makes samples the next capture of the ALSA file plugin (see
// TestMain). ALSA's null PCM under the file plugin has no clock, so PortAudio
// captures far faster than real time: the ring buffer fills with the start of the
// file and the rest overruns, which the tests also use.
func writeMicInput(t *testing.T, samples []float32) {
	t.Helper()
	b := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(max(-1, min(1, s))*32767)))
	}
	if err := os.WriteFile(filepath.Join(micDir, "mic.raw"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInputDevices(t *testing.T) {
	devs, err := voice.InputDevices()
	if err != nil {
		t.Fatal(err)
	}
	var def *voice.Device
	for i := range devs {
		if devs[i].Default {
			def = &devs[i]
		}
	}
	if def == nil || def.Name != "default" || def.MaxInputChannels < 1 {
		t.Fatalf("devices %+v: want ALSA's default PCM as the default input", devs)
	}
}

// ownProcess runs the calling test in a child process and reports whether this
// is the child. PortAudio's Go binding passes its stream id to C as a pointer,
// which the race detector's pointer checks reject for every stream after a
// process's first; one stream per process keeps `go test -race` meaningful.
func ownProcess(t *testing.T) bool {
	t.Helper()
	if os.Getenv("VOICECMD_TEST_CHILD") == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "VOICECMD_TEST_CHILD="+t.Name())
	out, err := cmd.CombinedOutput()
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "mic_test.go") || strings.Contains(l, "FAIL") || strings.Contains(l, "panic") {
			keep = append(keep, l)
		}
	}
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child test: %v\n%s", err, out)
	}
	if len(keep) > 0 {
		t.Log(strings.Join(keep, "\n"))
	}
	return false
}

func TestMicCapturesThroughPortAudio(t *testing.T) {
	if !ownProcess(t) {
		return
	}
	checkNoLeak(t)
	audio, _ := utterances(t, espeak.Voices[0], 0.4, 1.0, "pikachu use thunderbolt")
	writeMicInput(t, audio)
	mic, err := voice.OpenMic(voice.MicOptions{Buffer: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if mic.CaptureRate() != voice.SampleRate {
		t.Errorf("capture rate %v", mic.CaptureRate())
	}
	r, err := voice.NewRecognizer(mic, voice.Options{Transcriber: &fakeASR{}, MaxUtterances: 1})
	if err != nil {
		mic.Close()
		t.Fatal(err)
	}
	var final *voice.Event
	timeout := time.After(20 * time.Second)
loop:
	for {
		select {
		case ev, ok := <-r.Events():
			if !ok {
				break loop
			}
			if ev.Kind == voice.EventFinal {
				final = &ev
			}
			if ev.Kind == voice.EventError {
				t.Error(ev.Err)
			}
		case <-timeout:
			t.Fatal("no utterance from the microphone")
		}
	}
	r.Close()
	if final == nil {
		t.Fatal("no final transcript")
	}
	// The clockless file plugin delivers chunks of the file out of step with
	// the stream clock, so only the presence of speech is checked, not its timing.
	if d := final.End - final.Start; d < 200*time.Millisecond {
		t.Errorf("utterance of %v", d)
	}
}

func TestMicNoSuchDevice(t *testing.T) {
	_, err := voice.OpenMic(voice.MicOptions{Device: 999, UseDevice: true})
	if !errors.Is(err, voice.ErrNoDevice) {
		t.Fatalf("err = %v, want ErrNoDevice", err)
	}
}

func TestMicCloseUnblocksRead(t *testing.T) {
	if !ownProcess(t) {
		return
	}
	checkNoLeak(t)
	writeMicInput(t, espeak.Silence(0.1))
	mic, err := voice.OpenMic(voice.MicOptions{Buffer: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // nobody reads: the 50 ms ring overruns
	if mic.Overruns() == 0 {
		t.Error("overruns not counted")
	}
	done := make(chan error)
	go func() {
		buf := make([]float32, 320)
		for {
			if _, err := mic.Read(buf); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	mic.Close()
	if err := <-done; !errors.Is(err, voice.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
}
