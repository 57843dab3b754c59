package voice_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/voice"
)

func TestSynthModelShapes(t *testing.T) {
	dir := t.TempDir()
	for name, shape := range voice.ModelShapes {
		var b bytes.Buffer
		if err := voice.SynthModel(&b, name); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".bin")
		os.WriteFile(p, b.Bytes(), 0o644)
		info, err := voice.ReadModelInfo(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.SizeName() != name || info.NAudioState != shape.State || info.NTextLayer != shape.Layers ||
			info.NAudioCtx != 1500 || info.NTextCtx != 448 || info.NMels != 80 || !info.Weightless() {
			t.Errorf("%s: %+v", name, info)
		}
	}
	if err := voice.SynthModel(&bytes.Buffer{}, "huge.en"); err == nil {
		t.Error("unknown size accepted")
	}
}

func TestMelFilters(t *testing.T) {
	f := voice.MelFilters(voice.SampleRate, 400, 80)
	if len(f) != 80*201 {
		t.Fatalf("%d weights", len(f))
	}
	// Each filter is a triangle: non-negative, one peak, centres rising with the row.
	prevPeak := -1
	for m := 0; m < 80; m++ {
		row := f[m*201 : (m+1)*201]
		peak := 0
		for k, w := range row {
			if w < 0 {
				t.Fatalf("negative weight at %d,%d", m, k)
			}
			if w > row[peak] {
				peak = k
			}
		}
		if row[peak] == 0 || peak < prevPeak {
			t.Fatalf("filter %d peaks at bin %d after %d", m, peak, prevPeak)
		}
		prevPeak = peak
	}
	// Slaney normalization: the low filters (narrow) are taller than the high ones.
	if f[1] < f[79*201+190] {
		t.Error("area normalization missing")
	}
}

func TestModelHeaderTooBig(t *testing.T) {
	// A well-formed header for a model no machine could hold: whisper.cpp would
	// try to allocate it all before reading a tensor.
	var b bytes.Buffer
	for _, v := range []uint32{0x67676d6c, 51864, 1500, 8192, 8, 64, 448, 8192, 8, 64, 80, 1} {
		b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	}
	p := filepath.Join(t.TempDir(), "huge.bin")
	os.WriteFile(p, b.Bytes(), 0o644)
	_, err := voice.ReadModelInfo(p)
	if !errors.Is(err, voice.ErrBadModel) || !strings.Contains(err.Error(), "GB of weights") {
		t.Fatalf("err = %v", err)
	}
}
