package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Weights file layout (little endian):
//
//	magic "VCMW" | version uint32 | nfields uint32 | Config fields int32 × nfields
//	| fingerprint length uint32 | fingerprint bytes | nparams uint64 | float32 × nparams
//	| SHA-256 of everything before it
const (
	fileMagic      = "VCMW"
	fileVersion    = 1
	maxFingerprint = 4096
)

// Sentinel errors of Load, checked with errors.Is.
var (
	ErrNotWeights  = errors.New("not a voicecmd weights file")
	ErrVersion     = errors.New("unsupported weights file version")
	ErrCorrupt     = errors.New("weights file is truncated or corrupt")
	ErrFingerprint = errors.New("weights were trained for another grammar")
)

// Write writes w (Config, Fingerprint, tensors, checksum) in the weights file format.
func Write(out io.Writer, w *Weights) error {
	if err := w.Config.Validate(); err != nil {
		return err
	}
	if int64(len(w.Data)) != paramCount(w.Config) {
		return fmt.Errorf("model: weights hold %d parameters, config needs %d", len(w.Data), paramCount(w.Config))
	}
	if len(w.Fingerprint) > maxFingerprint {
		return fmt.Errorf("model: fingerprint of %d bytes, max %d", len(w.Fingerprint), maxFingerprint)
	}
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, fileVersion))
	f := w.Config.fields()
	buf.Write(le.AppendUint32(nil, uint32(len(f))))
	for _, v := range f {
		buf.Write(le.AppendUint32(nil, uint32(v)))
	}
	buf.Write(le.AppendUint32(nil, uint32(len(w.Fingerprint))))
	buf.WriteString(w.Fingerprint)
	buf.Write(le.AppendUint64(nil, uint64(len(w.Data))))
	b := buf.Bytes()
	for _, v := range w.Data {
		b = le.AppendUint32(b, math.Float32bits(v))
	}
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	_, err := out.Write(b)
	return err
}

// Save writes w to path (via a temporary file renamed into place).
func Save(path string, w *Weights) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("model: save weights: %w", err)
	}
	if err := Write(f, w); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("model: save weights %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("model: save weights %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("model: save weights: %w", err)
	}
	return nil
}

// Load reads the weights file at path. If wantFingerprint is not empty and differs
// from the file's, it fails with ErrFingerprint and a message that says to retrain.
// Every error names the file and wraps ErrNotWeights, ErrVersion, ErrCorrupt,
// ErrFingerprint or the os error; no input makes it panic (fuzzed). Safe for
// concurrent use.
func Load(path, wantFingerprint string) (*Weights, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: load weights: %w", err)
	}
	return Parse(path, b, wantFingerprint)
}

// Parse decodes a weights file held in b; name is used in errors.
func Parse(name string, b []byte, wantFingerprint string) (*Weights, error) {
	bad := func(kind error, format string, a ...any) error {
		return fmt.Errorf("model: weights file %s: %s: %w", name, fmt.Sprintf(format, a...), kind)
	}
	if len(b) < 4 || string(b[:4]) != fileMagic {
		return nil, bad(ErrNotWeights, "missing %q header", fileMagic)
	}
	le := binary.LittleEndian
	if len(b) < 8 {
		return nil, bad(ErrCorrupt, "file ends inside the header")
	}
	if v := le.Uint32(b[4:]); v != fileVersion {
		return nil, bad(ErrVersion, "version %d, this build reads version %d", v, fileVersion)
	}
	if len(b) < 8+sha256.Size {
		return nil, bad(ErrCorrupt, "file ends inside the header")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, bad(ErrCorrupt, "checksum mismatch (%d bytes)", len(b))
	}
	r := body[8:]
	u32 := func() (uint32, bool) {
		if len(r) < 4 {
			return 0, false
		}
		v := le.Uint32(r)
		r = r[4:]
		return v, true
	}
	nf, ok := u32()
	if !ok || int(nf) != len(fieldNames) {
		return nil, bad(ErrCorrupt, "config has %d fields, want %d", nf, len(fieldNames))
	}
	f := make([]int, nf)
	for i := range f {
		v, ok := u32()
		if !ok {
			return nil, bad(ErrCorrupt, "file ends inside the config")
		}
		f[i] = int(int32(v))
	}
	cfg := configFromFields(f)
	if err := cfg.Validate(); err != nil {
		return nil, bad(ErrCorrupt, "%v", err)
	}
	fl, ok := u32()
	if !ok || fl > maxFingerprint || int(fl) > len(r) {
		return nil, bad(ErrCorrupt, "bad fingerprint length")
	}
	fp := string(r[:fl])
	r = r[fl:]
	if len(r) < 8 {
		return nil, bad(ErrCorrupt, "file ends before the tensors")
	}
	n := le.Uint64(r)
	r = r[8:]
	if want := uint64(paramCount(cfg)); n != want || uint64(len(r)) != 4*want {
		return nil, bad(ErrCorrupt, "%d parameters and %d tensor bytes, config needs %d parameters", n, len(r), want)
	}
	if wantFingerprint != "" && fp != wantFingerprint {
		return nil, fmt.Errorf("model: weights file %s was trained for another grammar (fingerprint %s, this grammar %s); retrain with voicecmd train: %w",
			name, short(fp), short(wantFingerprint), ErrFingerprint)
	}
	w := &Weights{Config: cfg, Fingerprint: fp, Data: make([]float32, n)}
	for i := range w.Data {
		v := math.Float32frombits(le.Uint32(r[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, bad(ErrCorrupt, "parameter %d is %v", i, v)
		}
		w.Data[i] = v
	}
	bind(cfg, &w.Tensors, w.Data)
	return w, nil
}

// short quotes a fingerprint for an error message, cut to 24 bytes.
func short(fp string) string {
	if len(fp) > 24 {
		return fmt.Sprintf("%q...", fp[:24])
	}
	return fmt.Sprintf("%q", fp)
}
