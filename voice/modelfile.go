package voice

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ggmlMagic is the first word of a whisper.cpp ggml model file ("ggml", little endian).
const ggmlMagic = 0x67676d6c

// ErrBadModel is wrapped by every error that reports a model file whisper.cpp would
// reject or, worse, crash on: not ggml, truncated, inconsistent shapes.
var ErrBadModel = errors.New("voice: bad model file")

// ModelInfo describes a whisper ggml model file: its hyper-parameters and how much
// of it is there. ReadModelInfo fills it without loading any weights.
type ModelInfo struct {
	Path string

	// Hyper-parameters, in file order.
	NVocab      int // vocabulary size the model was trained with (51864 for *.en)
	NAudioCtx   int // encoder positions for a full 30 s window (1500)
	NAudioState int // encoder width
	NAudioHead  int
	NAudioLayer int
	NTextCtx    int // decoder positions (448)
	NTextState  int // decoder width (= NAudioState)
	NTextHead   int
	NTextLayer  int
	NMels       int // mel bands (80, or 128 for large-v3)
	FType       int // weight type: 0 f32, 1 f16, 2.. quantized (quantization version removed)

	FileVocab int // tokens stored in the file; whisper.cpp adds the special ones
	Tensors   int // tensors stored; 0 means a weightless (synthesized) test model
	Size      int64
}

// SizeName names the model size by its encoder depth, as whisper.cpp does
// ("tiny.en", "base", ...; "unknown" for other depths).
func (m *ModelInfo) SizeName() string {
	name := map[int]string{4: "tiny", 6: "base", 12: "small", 24: "medium", 32: "large"}[m.NAudioLayer]
	if name == "" {
		return "unknown"
	}
	if m.NVocab < 51865 {
		name += ".en"
	}
	return name
}

// Weightless reports whether the file holds no tensors: a shape-only model from
// SynthModel whose transcripts are meaningless but whose compute cost is real.
func (m *ModelInfo) Weightless() bool { return m.Tensors == 0 }

// ggml tensor types whisper model files use: bytes per block and elements per block.
var ggmlTypes = map[int32][2]int64{
	0: {4, 1}, 1: {2, 1}, // f32, f16
	2: {18, 32}, 3: {20, 32}, 6: {22, 32}, 7: {24, 32}, 8: {34, 32}, // q4_0 q4_1 q5_0 q5_1 q8_0
}

// ReadModelInfo reads and checks the structure of a ggml whisper model file: the
// header, mel filters, vocabulary and every tensor header, skipping tensor data. It
// rejects what whisper.cpp would otherwise read past the end of, allocate without
// bound, or abort on; errors wrap ErrBadModel (or the fs error for a missing file).
//
// It may be called from any goroutine.
func ReadModelInfo(path string) (*ModelInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("voice: model: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("voice: model: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%w: %s is a directory", ErrBadModel, path)
	}
	info := &ModelInfo{Path: path, Size: st.Size()}
	r := &modelReader{r: bufio.NewReaderSize(f, 1<<16), size: st.Size()}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadModel, path, fmt.Sprintf(format, a...))
	}

	if magic, err := r.u32(); err != nil || magic != ggmlMagic {
		if err == nil && (magic == 0x46554747 || magic == 0x47475546) {
			return nil, bad("GGUF file; whisper.cpp needs a ggml whisper model (ggml-*.bin)")
		}
		return nil, bad("not a ggml whisper model (bad magic)")
	}
	hp := []*int{&info.NVocab, &info.NAudioCtx, &info.NAudioState, &info.NAudioHead, &info.NAudioLayer,
		&info.NTextCtx, &info.NTextState, &info.NTextHead, &info.NTextLayer, &info.NMels, &info.FType}
	for _, p := range hp {
		v, err := r.i32()
		if err != nil {
			return nil, bad("truncated header")
		}
		*p = int(v)
	}
	info.FType %= 1000 // quantization version lives in the thousands
	switch {
	case info.NVocab < 100 || info.NVocab > 1<<18:
		return nil, bad("n_vocab %d out of range", info.NVocab)
	case info.NAudioCtx < 1 || info.NAudioCtx > 1<<14 || info.NTextCtx < 4 || info.NTextCtx > 1<<14:
		return nil, bad("context sizes %d/%d out of range", info.NAudioCtx, info.NTextCtx)
	case info.NAudioState != info.NTextState || info.NAudioState < 1 || info.NAudioState > 1<<14:
		return nil, bad("encoder width %d and decoder width %d must match", info.NAudioState, info.NTextState)
	case info.NAudioHead < 1 || info.NTextHead < 1 || info.NAudioState%info.NAudioHead != 0 || info.NTextState%info.NTextHead != 0:
		return nil, bad("head counts %d/%d do not divide width %d", info.NAudioHead, info.NTextHead, info.NAudioState)
	case info.NAudioLayer < 1 || info.NAudioLayer > 128 || info.NTextLayer < 1 || info.NTextLayer > 128:
		return nil, bad("layer counts %d/%d out of range", info.NAudioLayer, info.NTextLayer)
	case info.NMels != 80 && info.NMels != 128:
		return nil, bad("n_mels %d (want 80 or 128)", info.NMels)
	}
	if _, ok := ggmlTypes[int32(info.FType)]; !ok {
		return nil, bad("unsupported ftype %d", info.FType)
	}
	// whisper.cpp allocates every tensor from the header before reading any:
	// refuse headers whose weights could not be real (large-v3 is ~3 GB in f16).
	w := int64(info.NAudioState)
	weights := (int64(info.NAudioLayer)*12+int64(info.NTextLayer)*16)*w*w + int64(info.NVocab+info.NTextCtx+info.NAudioCtx)*w
	if weights*2 > 16<<30 {
		return nil, bad("header describes %.0f GB of weights", float64(weights*2)/(1<<30))
	}

	nMel, err1 := r.i32()
	nFFT, err2 := r.i32()
	if err1 != nil || err2 != nil {
		return nil, bad("truncated mel filters")
	}
	if int(nMel) != info.NMels || nFFT < 1 || nFFT > 4096 {
		return nil, bad("mel filters %dx%d do not fit n_mels %d", nMel, nFFT, info.NMels)
	}
	if err := r.skip(int64(nMel) * int64(nFFT) * 4); err != nil {
		return nil, bad("truncated mel filters")
	}

	nv, err := r.i32()
	if err != nil {
		return nil, bad("truncated vocabulary")
	}
	if nv < 0 || int(nv) > info.NVocab {
		return nil, bad("vocabulary of %d tokens for n_vocab %d", nv, info.NVocab)
	}
	info.FileVocab = int(nv)
	for i := 0; i < int(nv); i++ {
		n, err := r.u32()
		if err != nil {
			return nil, bad("truncated vocabulary at token %d", i)
		}
		if n > 1024 {
			return nil, bad("token %d is %d bytes long", i, n)
		}
		if err := r.skip(int64(n)); err != nil {
			return nil, bad("truncated vocabulary at token %d", i)
		}
	}

	for {
		nDims, err := r.i32()
		if err == io.EOF {
			break
		}
		nameLen, err1 := r.i32()
		ttype, err2 := r.i32()
		if err != nil || err1 != nil || err2 != nil {
			return nil, bad("truncated tensor header after %d tensors", info.Tensors)
		}
		if nDims < 1 || nDims > 4 || nameLen < 1 || nameLen > 256 {
			return nil, bad("tensor %d: corrupt header (dims %d, name length %d)", info.Tensors, nDims, nameLen)
		}
		tsz, ok := ggmlTypes[ttype]
		if !ok {
			return nil, bad("tensor %d: unsupported type %d", info.Tensors, ttype)
		}
		n := int64(1)
		for d := int32(0); d < nDims; d++ {
			ne, err := r.i32()
			if err != nil || ne < 1 {
				return nil, bad("tensor %d: corrupt shape", info.Tensors)
			}
			n *= int64(ne)
			if n > 1<<34 {
				return nil, bad("tensor %d: too large", info.Tensors)
			}
		}
		if err := r.skip(int64(nameLen)); err != nil {
			return nil, bad("truncated tensor %d name", info.Tensors)
		}
		if n%tsz[1] != 0 {
			return nil, bad("tensor %d: %d elements do not fill blocks of %d", info.Tensors, n, tsz[1])
		}
		if err := r.skip(n / tsz[1] * tsz[0]); err != nil {
			return nil, bad("truncated: tensor %d data ends past the end of the file (%d bytes)", info.Tensors, info.Size)
		}
		info.Tensors++
	}
	return info, nil
}

type modelReader struct {
	r    *bufio.Reader
	off  int64
	size int64
	buf  [4]byte
}

func (m *modelReader) u32() (uint32, error) {
	n, err := io.ReadFull(m.r, m.buf[:])
	m.off += int64(n)
	if err == io.ErrUnexpectedEOF {
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(m.buf[:]), nil
}

func (m *modelReader) i32() (int32, error) {
	v, err := m.u32()
	return int32(v), err
}

func (m *modelReader) skip(n int64) error {
	if n < 0 || m.off+n > m.size {
		return io.ErrUnexpectedEOF
	}
	d, err := m.r.Discard(int(n))
	m.off += int64(d)
	return err
}

// ModelShape holds the hyper-parameters of one released whisper model size.
type ModelShape struct {
	Name                 string
	State, Heads, Layers int
	Vocab                int
}

// ModelShapes are the English-only sizes that SynthModel and DownloadModel know.
var ModelShapes = map[string]ModelShape{
	"tiny.en":  {"tiny.en", 384, 6, 4, 51864},
	"base.en":  {"base.en", 512, 8, 6, 51864},
	"small.en": {"small.en", 768, 12, 12, 51864},
}

// SynthModel writes a weightless whisper model of the named size ("tiny.en",
// "base.en", "small.en") to w: the released model's hyper-parameters (f16), real
// mel filters, and a synthesized byte-level vocabulary, but no tensors. whisper.cpp
// loads such a file as an empty test model and runs the full encoder and decoder
// compute on uninitialized weights, so it measures latency and exercises the
// plumbing; its transcripts are noise.
//
// It may be called from any goroutine.
func SynthModel(w io.Writer, size string) error {
	shape, ok := ModelShapes[size]
	if !ok {
		return fmt.Errorf("voice: synth: unknown model size %q (have tiny.en, base.en, small.en)", size)
	}
	bw := bufio.NewWriter(w)
	put := func(v any) { binary.Write(bw, binary.LittleEndian, v) }
	put(uint32(ggmlMagic))
	put([]int32{int32(shape.Vocab), 1500, int32(shape.State), int32(shape.Heads), int32(shape.Layers),
		448, int32(shape.State), int32(shape.Heads), int32(shape.Layers), 80, 1})
	const nMels, nFFT = 80, 201
	put([]int32{nMels, nFFT})
	put(MelFilters(SampleRate, 400, nMels))
	vocab := synthVocab(50256)
	put(int32(len(vocab)))
	for _, t := range vocab {
		put(uint32(len(t)))
		bw.WriteString(t)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("voice: synth: %w", err)
	}
	return nil
}

// MelFilters returns the Slaney-style mel filterbank (librosa's default, which
// whisper's models were trained with): nMels rows of nFFT/2+1 weights, row major.
func MelFilters(sampleRate, nFFT, nMels int) []float32 {
	const fSp, minLogHz, minLogMel = 200.0 / 3, 1000.0, 15.0
	logStep := math.Log(6.4) / 27
	hzToMel := func(f float64) float64 {
		if f < minLogHz {
			return f / fSp
		}
		return minLogMel + math.Log(f/minLogHz)/logStep
	}
	melToHz := func(m float64) float64 {
		if m < minLogMel {
			return m * fSp
		}
		return minLogHz * math.Exp(logStep*(m-minLogMel))
	}
	nBins := nFFT/2 + 1
	maxMel := hzToMel(float64(sampleRate) / 2)
	pts := make([]float64, nMels+2)
	for i := range pts {
		pts[i] = melToHz(maxMel * float64(i) / float64(nMels+1))
	}
	out := make([]float32, nMels*nBins)
	for m := 0; m < nMels; m++ {
		lo, mid, hi := pts[m], pts[m+1], pts[m+2]
		enorm := 2 / (hi - lo)
		for k := 0; k < nBins; k++ {
			f := float64(k) * float64(sampleRate) / float64(nFFT)
			w := math.Max(0, math.Min((f-lo)/(mid-lo), (hi-f)/(hi-mid)))
			out[m*nBins+k] = float32(w * enorm)
		}
	}
	return out
}

// synthVocab builds n distinct tokens the way byte-level BPE vocabularies start:
// the 256 single bytes, then common English words with and without a leading space,
// then made-up syllable tokens to fill the table.
func synthVocab(n int) []string {
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	add := func(t string) {
		if len(out) < n && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for b := 0; b < 256; b++ {
		add(string([]byte{byte(b)}))
	}
	for _, w := range commonWords {
		add(" " + w)
		add(w)
	}
	cons := "bcdfghjklmnprstvwyz"
	vows := "aeiou"
	var syl []string
	for _, c := range cons {
		for _, v := range vows {
			syl = append(syl, string(c)+string(v))
		}
	}
	for _, a := range syl {
		for _, b := range syl {
			add(" " + a + b)
			add(a + b)
		}
	}
	for _, a := range syl {
		for _, b := range syl {
			for _, c := range syl {
				if len(out) == n {
					return out
				}
				add(" " + a + b + c)
			}
		}
	}
	return out
}

var commonWords = []string{
	"the", "a", "an", "and", "or", "to", "of", "in", "on", "at", "with", "use", "attack", "go", "move",
	"north", "south", "east", "west", "left", "right", "up", "down", "stop", "run", "jump", "fire",
	"heal", "potion", "switch", "swap", "item", "bag", "throw", "ball", "catch", "defend", "block",
	"pikachu", "charizard", "bulbasaur", "squirtle", "thunderbolt", "tackle", "ember", "quick",
	"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "yes", "no",
	"please", "now", "then", "again", "it", "that", "this", "is", "be", "do", "not", "my", "your",
	"him", "her", "them", "all", "open", "close", "door", "take", "drop", "give", "look", "inventory",
	"hello", "world", "say", "what", "where", "who", "how", "why", "when", "can", "will", "next",
}
