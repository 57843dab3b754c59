package voice_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
)

func TestReadWAVFormats(t *testing.T) {
	dir := t.TempDir()
	ref := say(t, "attack with thunderbolt", espeak.Voices[0])
	refPath := filepath.Join(dir, "ref.wav")
	if err := espeak.WriteWAV(refPath, ref); err != nil {
		t.Fatal(err)
	}
	refRMS := voice.RMS(ref)
	cases := []struct {
		name string
		opts []string
	}{
		{"8k s16 mono", []string{"-r", "8000", "-b", "16", "-e", "signed-integer"}},
		{"44.1k s16 stereo", []string{"-r", "44100", "-c", "2", "-b", "16", "-e", "signed-integer"}},
		{"48k float32 stereo", []string{"-r", "48000", "-c", "2", "-b", "32", "-e", "floating-point"}},
		{"22.05k u8 mono", []string{"-r", "22050", "-b", "8", "-e", "unsigned-integer"}},
		{"16k s24 mono", []string{"-r", "16000", "-b", "24", "-e", "signed-integer"}},
		{"16k s32 6ch", []string{"-r", "16000", "-c", "6", "-b", "32", "-e", "signed-integer"}},
		{"32k float64 mono", []string{"-r", "32000", "-b", "64", "-e", "floating-point"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".wav")
			if err := espeak.Sox(refPath, p, c.opts...); err != nil {
				t.Fatal(err)
			}
			got, info, err := voice.ReadWAV(p)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(float64(len(got)-len(ref))) / float64(len(ref)); d > 0.01 {
				t.Errorf("%+v: %d samples, want %d", info, len(got), len(ref))
			}
			if r := voice.RMS(got) / refRMS; r < 0.8 || r > 1.2 {
				t.Errorf("%+v: level ratio %.2f after decoding", info, r)
			}
		})
	}
}

func TestReadWAVBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.wav")
	if err := espeak.WriteWAV(good, espeak.Silence(0.5)); err != nil {
		t.Fatal(err)
	}
	goodBytes, _ := os.ReadFile(good)
	adpcm := filepath.Join(dir, "adpcm.wav")
	if err := espeak.Sox(good, adpcm, "-e", "ima-adpcm"); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	noData := append([]byte(nil), goodBytes[:36]...)
	cases := map[string]string{
		"empty":            write("empty.wav", nil),
		"garbage":          write("garbage.wav", []byte("\x00\x01garbage that is not audio at all, really")),
		"riff not wave":    write("avi.wav", append([]byte("RIFF\x10\x00\x00\x00AVI "), make([]byte, 32)...)),
		"truncated header": write("trunc.wav", goodBytes[:20]),
		"no data chunk":    write("nodata.wav", noData),
		"adpcm":            adpcm,
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := voice.ReadWAV(p)
			if !errors.Is(err, voice.ErrBadWAV) {
				t.Fatalf("err = %v, want ErrBadWAV", err)
			}
			t.Log(err)
		})
	}
	// A data chunk cut short keeps the samples that are there.
	s, _, err := voice.ReadWAV(write("short-data.wav", goodBytes[:len(goodBytes)-1001]))
	if err != nil || len(s) != 8000-501 {
		t.Errorf("truncated data: %d samples, %v", len(s), err)
	}
	if _, _, err := voice.ReadWAV(filepath.Join(dir, "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

// A file cut off while written decodes what is there and says it was truncated.
func TestDecodeWAVTruncated(t *testing.T) {
	var b bytes.Buffer
	one := make([]float32, voice.SampleRate)
	for i := range one {
		one[i] = 0.25
	}
	if err := voice.EncodeWAV(&b, append(one, one...)); err != nil {
		t.Fatal(err)
	}
	whole := b.Bytes()
	cut := whole[:len(whole)-voice.SampleRate*2] // drop the second second (16-bit mono)
	got, info, err := voice.DecodeWAV(bytes.NewReader(cut))
	if err != nil {
		t.Fatal(err)
	}
	if !info.Truncated || len(got) != voice.SampleRate {
		t.Errorf("truncated file: %d samples, Truncated=%v", len(got), info.Truncated)
	}
	if _, info, _ := voice.DecodeWAV(bytes.NewReader(whole)); info.Truncated {
		t.Error("a whole file reported truncated")
	}
}
