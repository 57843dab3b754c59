package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func savedBytes(t testing.TB, w *Weights) []byte {
	var b bytes.Buffer
	if err := Write(&b, w); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSaveLoadRoundTrip(t *testing.T) {
	w, _ := NewWeights(tinyConfig(), 4)
	w.Fingerprint = "grammar-abc"
	path := filepath.Join(t.TempDir(), "m.vcw")
	if err := Save(path, w); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path, "grammar-abc")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config != w.Config || got.Fingerprint != w.Fingerprint || len(got.Data) != len(w.Data) {
		t.Fatalf("loaded %+v %q, saved %+v %q", got.Config, got.Fingerprint, w.Config, w.Fingerprint)
	}
	for i := range w.Data {
		if got.Data[i] != w.Data[i] {
			t.Fatalf("parameter %d: loaded %v, saved %v", i, got.Data[i], w.Data[i])
		}
	}
	// the named tensors view the loaded data
	if &got.WkOut[0] != &got.Data[len(got.Data)-len(got.WkOut)] {
		t.Fatal("tensors do not view Data")
	}
	if _, err := Load(path, ""); err != nil {
		t.Fatalf("empty wantFingerprint should accept any: %v", err)
	}
}

// resum recomputes the checksum so that a test can corrupt a field behind it.
func resum(b []byte) []byte {
	body := b[:len(b)-sha256.Size]
	s := sha256.Sum256(body)
	return append(append([]byte(nil), body...), s[:]...)
}

func TestLoadBadFiles(t *testing.T) {
	w, _ := NewWeights(tinyConfig(), 4)
	w.Fingerprint = "grammar-abc"
	good := savedBytes(t, w)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	le := binary.LittleEndian
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotWeights, "missing"},
		{"text file", []byte("hello, world\n"), ErrNotWeights, "missing"},
		{"magic only", []byte("VCMW"), ErrCorrupt, "header"},
		{"truncated header", good[:20], ErrCorrupt, ""},
		{"truncated tensors", good[:len(good)/2], ErrCorrupt, ""},
		{"truncated checksum", good[:len(good)-1], ErrCorrupt, "checksum"},
		{"flipped tensor bit", mod(func(b []byte) []byte { b[len(b)-100] ^= 1; return b }), ErrCorrupt, "checksum"},
		{"flipped checksum bit", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt, "checksum"},
		{"version 2", mod(func(b []byte) []byte { le.PutUint32(b[4:], 2); return resum(b) }), ErrVersion, "version 2"},
		{"zero Dim", mod(func(b []byte) []byte { le.PutUint32(b[12:], 0); return resum(b) }), ErrCorrupt, "Dim"},
		{"huge HashBuckets", mod(func(b []byte) []byte { le.PutUint32(b[12+5*4:], 1<<30); return resum(b) }), ErrCorrupt, "HashBuckets"},
		{"Dim not divisible by Heads", mod(func(b []byte) []byte { le.PutUint32(b[12:], 9); return resum(b) }), ErrCorrupt, "divisible"},
		{"wrong field count", mod(func(b []byte) []byte { le.PutUint32(b[8:], 13); return resum(b) }), ErrCorrupt, "fields"},
		{"fingerprint length past end", mod(func(b []byte) []byte { le.PutUint32(b[12+14*4:], 4000); return resum(b) }), ErrCorrupt, "parameters"},
		{"extra bytes", resum(append(append([]byte(nil), good[:len(good)-sha256.Size]...), 0, 0, 0, 0, 0, 0, 0, 0)), ErrCorrupt, "parameters"},
		{"NaN parameter", mod(func(b []byte) []byte {
			le.PutUint32(b[len(b)-sha256.Size-4:], 0x7fc00000)
			return resum(b)
		}), ErrCorrupt, "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.vcw", tt.data, "grammar-abc")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "m.vcw") || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q should name the file and contain %q", err, tt.msg)
			}
		})
	}
}

func TestLoadWrongGrammar(t *testing.T) {
	w, _ := NewWeights(tinyConfig(), 4)
	w.Fingerprint = "grammar-abc"
	path := filepath.Join(t.TempDir(), "model.vcw")
	if err := Save(path, w); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, "grammar-xyz")
	if !errors.Is(err, ErrFingerprint) {
		t.Fatalf("err = %v, want ErrFingerprint", err)
	}
	for _, s := range []string{path, "another grammar", "grammar-abc", "grammar-xyz", "voicecmd train"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	_, err = Load(filepath.Join(t.TempDir(), "missing.vcw"), "")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want os.ErrNotExist", err)
	}
}

func FuzzParse(f *testing.F) {
	w, _ := NewWeights(tinyConfig(), 4)
	w.Fingerprint = "fp"
	good := savedBytes(f, w)
	f.Add(good)
	f.Add(good[:40])
	f.Add([]byte("VCMW\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := Parse("fuzz", b, "")
		if err == nil {
			if err := w.Config.Validate(); err != nil {
				t.Fatalf("accepted a file with a bad config: %v", err)
			}
			if _, err := NewCPU(w); err != nil {
				t.Fatalf("accepted weights the CPU backend rejects: %v", err)
			}
		}
		// the fuzzer mostly breaks the checksum; also try the same bytes re-summed
		if len(b) >= sha256.Size {
			if w, err := Parse("fuzz", resum(b), ""); err == nil {
				if _, err := NewCPU(w); err != nil {
					t.Fatalf("accepted weights the CPU backend rejects: %v", err)
				}
			}
		}
	})
}
