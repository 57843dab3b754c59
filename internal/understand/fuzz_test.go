package understand

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"unicode/utf8"

	"github.com/voicecmd/voicecmd/internal/model"
)

// FuzzUnderstand: whatever the transcriber prints, Understand answers without
// panicking, every command it returns is valid for the grammar and the state, and
// text made only of filler, joining and article words, punctuation or numbers is
// never a command.
func FuzzUnderstand(f *testing.F) {
	for _, s := range []string{"Sparky, thunderbolt the Rattler!", "", "[BLANK_AUDIO]", "call Leafy ¡Zoë!", "go 99999999999 steps left",
		"and and and then", "Sparky Sparky Sparky Sparky", "rename to", "\x00\xff", "use a potion on",
		"uh and um", "the the", "3 5 7", "okay, so... 12!"} {
		f.Add(s)
	}
	g, st, _ := demo(f)
	fl, err := Load(gameDir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := fl.Understand(text, nil)
		if onlyNoise(fl.lay, text) && !r.Rejected {
			t.Fatalf("%q has only filler words, punctuation or numbers and became %+v", text, r.Commands)
		}
		if r.Rejected {
			if r.Reason == "" || r.Commands == nil || len(r.Commands) != 0 {
				t.Fatalf("%q: malformed rejection %+v", text, r)
			}
			return
		}
		if len(r.Commands) == 0 {
			t.Fatalf("%q: accepted with no commands", text)
		}
		for _, c := range r.Commands {
			if err := g.Check(c, st); err != nil {
				t.Fatalf("%q: invalid command %+v: %v", text, c, err)
			}
			for _, v := range c.Slots {
				if !v.IsNum && !utf8.ValidString(v.Str) {
					t.Fatalf("%q: slot value is not UTF-8: %q", text, v.Str)
				}
			}
		}
	})
}

// onlyNoise reports whether every word of text is a filler, joining or article word
// or a number.
func onlyNoise(l *layout, text string) bool {
	toks := tokenize(text)
	return len(toks) > 0 && l.onlyFillers(toks)
}

// FuzzWeightsThroughFeaturizer: a weights file with a valid checksum but any shape
// fields either loads and understands without panicking or is refused with an
// error. The fuzzer picks a field and a value; the file is re-summed so the checksum
// never hides the case.
func FuzzWeightsThroughFeaturizer(f *testing.F) {
	g, st, _ := demo(f)
	cfg, err := ConfigFor(g, model.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	cfg.Dim, cfg.FFN, cfg.HashBuckets, cfg.Heads = 8, 8, 16, 2
	w, err := model.NewWeights(cfg, 1)
	if err != nil {
		f.Fatal(err)
	}
	w.Fingerprint = Fingerprint(g)
	var buf bytes.Buffer
	if err := model.Write(&buf, w); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	for field := range 14 {
		f.Add(uint8(field), uint32(1))
		f.Add(uint8(field), uint32(100000))
	}
	f.Fuzz(func(t *testing.T, field uint8, value uint32) {
		b := append([]byte(nil), good...)
		// header: magic(4) version(4) nfields(4) fields(4 each)
		off := 12 + 4*int(field%14)
		binary.LittleEndian.PutUint32(b[off:], value)
		body := b[:len(b)-sha256.Size]
		sum := sha256.Sum256(body)
		copy(b[len(b)-sha256.Size:], sum[:])
		w, err := model.Parse("fuzz", b, Fingerprint(g))
		if err != nil {
			return
		}
		m, err := New(g, w, st, Options{})
		if err != nil {
			return
		}
		defer m.Close()
		m.Understand("Sparky, thunderbolt the Rattler!", nil)
	})
}
