// Package espeak synthesizes test utterances with espeak-ng and sox, the real
// programs (installed by scripts/setup.sh), for the tests and benchmarks of voice.
package espeak

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/voicecmd/voicecmd/voice"
)

// Available reports whether espeak-ng and sox are installed, naming the missing
// one otherwise.
func Available() error {
	for _, p := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%s not installed (scripts/setup.sh installs it): %w", p, err)
		}
	}
	return nil
}

// Voice is an espeak-ng voice and speaking rate (words per minute).
type Voice struct {
	Name  string // "en-us", "en", "en+f3", ...
	Speed int
}

// Voices is a spread of voices and speeds the tests use.
var Voices = []Voice{{"en-us", 175}, {"en+f3", 150}, {"en-gb+m3", 210}}

var cache sync.Map // key -> []float32

// Say synthesizes text in voice v to mono float32 at voice.SampleRate (espeak-ng
// writes 22.05 kHz; sox resamples). Results are cached per process.
func Say(text string, v Voice) ([]float32, error) {
	key := fmt.Sprintf("%s|%d|%s", v.Name, v.Speed, text)
	if s, ok := cache.Load(key); ok {
		return s.([]float32), nil
	}
	dir, err := os.MkdirTemp("", "voicecmd-speech")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	raw, out := filepath.Join(dir, "espeak.wav"), filepath.Join(dir, "16k.wav")
	if b, err := exec.Command("espeak-ng", "-v", v.Name, "-s", fmt.Sprint(v.Speed), "-w", raw, text).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("espeak-ng: %v: %s", err, b)
	}
	if err := Sox(raw, out, "-r", "16000", "-c", "1", "-b", "16"); err != nil {
		return nil, err
	}
	s, _, err := voice.ReadWAV(out)
	if err != nil {
		return nil, err
	}
	cache.Store(key, s)
	return s, nil
}

// Sox runs `sox in [outopts...] out` (output options before the output file).
func Sox(in, out string, outOpts ...string) error {
	args := append([]string{in}, outOpts...)
	args = append(args, out)
	if b, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("sox %v: %v: %s", args, err, b)
	}
	return nil
}

// Silence returns d seconds of digital silence.
func Silence(seconds float64) []float32 {
	return make([]float32, int(seconds*voice.SampleRate))
}

// Concat joins sample slices.
func Concat(parts ...[]float32) []float32 {
	var out []float32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// WriteWAV writes samples as a 16-bit WAV at path.
func WriteWAV(path string, samples []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := voice.EncodeWAV(f, samples); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
