package voice_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/voicecmd/voicecmd/voice"
)

// FuzzReadModelInfo: no input makes the model check panic or hang; whatever it
// accepts has a plausible shape. Seeds run in every `go test`; explore with
// go test -fuzz ReadModelInfo ./voice
func FuzzReadModelInfo(f *testing.F) {
	var good bytes.Buffer
	if err := voice.SynthModel(&good, "tiny.en"); err != nil {
		f.Fatal(err)
	}
	b := good.Bytes()
	f.Add(b[:200])
	f.Add(b[:64])
	f.Add([]byte("lmgg"))
	f.Add(append(append([]byte(nil), b[:48]...), 1, 0, 0, 0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.bin")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := voice.ReadModelInfo(p)
		if err == nil && (info.NAudioState != info.NTextState || info.NMels != 80 && info.NMels != 128) {
			t.Fatalf("accepted %+v", info)
		}
	})
}

// FuzzDecodeWAV: no input makes the WAV decoder panic; decoded samples are in
// [-1, 1].
func FuzzDecodeWAV(f *testing.F) {
	var good bytes.Buffer
	voice.EncodeWAV(&good, []float32{0, 0.5, -0.5, 1, -1})
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:44])
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x02\x00\x80\xbb\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := voice.DecodeWAV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, v := range s {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("sample %v", v)
			}
		}
	})
}
