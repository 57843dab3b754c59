package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrBadWAV is wrapped by every error about a WAV file that cannot be decoded.
var ErrBadWAV = errors.New("voice: bad WAV")

// MaxWAVDuration bounds what ReadWAV decodes, so that a huge or lying file cannot
// exhaust memory: one hour, about 230 MB of float32 at 16 kHz.
const MaxWAVDuration = 3600 // seconds

// WAVInfo is the format a WAV file declared.
type WAVInfo struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	Float         bool
	// Truncated is set when the data chunk ended before the length its header
	// gives (a file cut off while written): the samples that are there are returned.
	Truncated bool
}

// ReadWAV decodes a RIFF/WAVE file into mono float32 at SampleRate: PCM of 8, 16,
// 24 or 32 bits or IEEE float of 32 or 64 bits, any number of channels (averaged),
// any rate (resampled). Errors wrap ErrBadWAV and name the problem.
//
// It may be called from any goroutine.
func ReadWAV(path string) ([]float32, WAVInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, WAVInfo{}, fmt.Errorf("voice: %w", err)
	}
	defer f.Close()
	return DecodeWAV(f)
}

// DecodeWAV is ReadWAV on a reader.
func DecodeWAV(r io.Reader) ([]float32, WAVInfo, error) {
	var info WAVInfo
	bad := func(format string, a ...any) ([]float32, WAVInfo, error) {
		return nil, info, fmt.Errorf("%w: %s", ErrBadWAV, fmt.Sprintf(format, a...))
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return bad("too short for a RIFF header")
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return bad("not a RIFF/WAVE file")
	}
	var format uint16
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if haveFmt {
				return bad("no data chunk")
			}
			return bad("no fmt chunk")
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1<<10 {
				return bad("fmt chunk of %d bytes", size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return bad("truncated fmt chunk")
			}
			format = binary.LittleEndian.Uint16(b[0:2])
			info.Channels = int(binary.LittleEndian.Uint16(b[2:4]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[4:8]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[14:16]))
			if format == 0xFFFE && size >= 26 { // WAVE_FORMAT_EXTENSIBLE: sub-format GUID starts at 24
				format = binary.LittleEndian.Uint16(b[24:26])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return bad("data chunk before fmt chunk")
			}
			return decodeData(r, size, format, info)
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return bad("truncated %q chunk", id)
			}
		}
	}
}

func decodeData(r io.Reader, size uint32, format uint16, info WAVInfo) ([]float32, WAVInfo, error) {
	bad := func(format string, a ...any) ([]float32, WAVInfo, error) {
		return nil, info, fmt.Errorf("%w: %s", ErrBadWAV, fmt.Sprintf(format, a...))
	}
	switch {
	case format == 1 && (info.BitsPerSample == 8 || info.BitsPerSample == 16 || info.BitsPerSample == 24 || info.BitsPerSample == 32):
	case format == 3 && (info.BitsPerSample == 32 || info.BitsPerSample == 64):
		info.Float = true
	default:
		return bad("unsupported sample format (format tag %d, %d bits); want PCM 8/16/24/32 or float 32/64", format, info.BitsPerSample)
	}
	if info.Channels < 1 || info.Channels > 32 {
		return bad("%d channels", info.Channels)
	}
	if info.SampleRate < 4000 || info.SampleRate > 384000 {
		return bad("sample rate %d Hz out of range", info.SampleRate)
	}
	frame := info.Channels * info.BitsPerSample / 8
	// At most MaxWAVDuration of audio, and at most 1 GiB of raw data whatever
	// the format (an hour of 384 kHz 32-channel float64 would be 354 GB).
	limit := min(int64(MaxWAVDuration)*int64(info.SampleRate)*int64(frame), 1<<30)
	// Streams written without a known length carry 0 or 0xFFFFFFFF: read to EOF.
	want := int64(size)
	if size == 0 || size == 0xFFFFFFFF {
		want = limit + 1
	}
	if want > limit {
		if size != 0 && size != 0xFFFFFFFF {
			return bad("%d s of audio (%d MB) exceeds the limit (%d s, 1 GiB)", want/int64(frame)/int64(info.SampleRate), want>>20, MaxWAVDuration)
		}
	}
	// Decode in chunks straight into mono float32: memory is 4 bytes per frame
	// (plus the resampled copy), not the raw data and its growing buffer.
	var mono []float32
	if size != 0 && size != 0xFFFFFFFF {
		mono = make([]float32, 0, want/int64(frame))
	}
	chunk := make([]byte, frame*4096)
	bps := info.BitsPerSample / 8
	var n int64
	for n < want {
		k, err := io.ReadFull(r, chunk[:min(int64(len(chunk)), want-n)])
		k -= k % frame // a truncated last frame is dropped
		n += int64(k)
		if n > limit {
			return bad("more than %d s or 1 GiB of audio", MaxWAVDuration)
		}
		for i := 0; i < k; i += frame {
			mono = append(mono, frameToMono(chunk[i:i+frame], info, bps))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if size != 0 && size != 0xFFFFFFFF && n < want {
				info.Truncated = true // the header promised more: say so, keep what is there
			}
			break
		}
		if err != nil {
			return bad("reading data: %v", err)
		}
	}
	return Resample(mono, info.SampleRate), info, nil
}

// frameToMono averages one frame's channels into a sample in [-1, 1].
func frameToMono(b []byte, info WAVInfo, bps int) float32 {
	var sum float64
	for c := 0; c < info.Channels; c++ {
		b := b[c*bps:]
		var v float64
		switch {
		case info.Float && bps == 4:
			v = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case info.Float:
			v = math.Float64frombits(binary.LittleEndian.Uint64(b))
		case bps == 1:
			v = (float64(b[0]) - 128) / 128
		case bps == 2:
			v = float64(int16(binary.LittleEndian.Uint16(b))) / 32768
		case bps == 3:
			v = float64(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24)>>8) / 8388608
		default:
			v = float64(int32(binary.LittleEndian.Uint32(b))) / 2147483648
		}
		if v != v || math.IsInf(v, 0) { // NaN or Inf in a float file
			v = 0
		}
		sum += v
	}
	return float32(math.Max(-1, math.Min(1, sum/float64(info.Channels))))
}

// EncodeWAV writes mono float32 samples at SampleRate as a 16-bit PCM WAV.
func EncodeWAV(w io.Writer, samples []float32) error {
	var b bytes.Buffer
	n := uint32(len(samples) * 2)
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+n)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(SampleRate), uint32(SampleRate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, n)
	pcm := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(floatToS16(s)))
	}
	b.Write(pcm)
	_, err := w.Write(b.Bytes())
	return err
}

func floatToS16(s float32) int16 {
	v := s * 32767
	if v > 32767 {
		v = 32767
	} else if v < -32768 {
		v = -32768
	}
	return int16(v)
}
