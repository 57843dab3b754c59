package model

import (
	"math"
	"math/rand/v2"
)

// Float is the element type of tensors: float32 for inference and training,
// float64 for the gradient checks in tests.
type Float interface{ ~float32 | ~float64 }

// Attn is one multi-head attention's projections (y = W·x + b, W row-major [out][in]).
type Attn[F Float] struct {
	Wq, Wk, Wv, Wo []F // [D][D]
	Bq, Bk, Bv, Bo []F // [D]
}

// FFN is a two-layer GELU MLP.
type FFN[F Float] struct {
	W1 []F // [Fh][D]
	B1 []F // [Fh]
	W2 []F // [D][Fh]
	B2 []F // [D]
}

// EncBlock is a pre-LN encoder block: LN→self-attn, LN→FFN.
type EncBlock[F Float] struct {
	LN1G, LN1B []F // [D]
	Self       Attn[F]
	LN2G, LN2B []F // [D]
	FFN        FFN[F]
}

// DecBlock is a pre-LN decoder block: LN→self-attn, LN→cross-attn, LN→FFN.
type DecBlock[F Float] struct {
	LN1G, LN1B []F // [D]
	Self       Attn[F]
	LN2G, LN2B []F     // [D]
	Cross      Attn[F] // Wq on the decoder, Wk/Wv on the encoder output
	LN3G, LN3B []F     // [D]
	FFN        FFN[F]
}

// Tensors names every parameter of the network (docs/model.md). All slices are
// views into one contiguous buffer, in declaration order.
type Tensors[F Float] struct {
	// encoder input
	Ehash          []F // [NB][D]
	Wtf            []F // [D][Ft]
	Btf            []F // [D]
	Epos           []F // [T][D]
	Enc            []EncBlock[F]
	LNencG, LNencB []F // [D]
	// candidates
	Ekind []F // [NK][D]
	Wpool []F // [D][D]
	Wcf   []F // [D][Fc]
	Bcf   []F // [D]
	// decoder
	Erole          []F // [S][D]
	Eframe         []F // [F][D]
	Emask          []F // [D]
	Win            []F // [D][D]
	Dec            []DecBlock[F]
	LNdecG, LNdecB []F // [D]
	WqOut, WkOut   []F // [D][D]
}

// Weights is a model: its Config, its tensors and the grammar fingerprint it was
// trained for. Backends only read it; the trainer updates Data in place.
type Weights struct {
	Config      Config
	Fingerprint string // opaque id of the grammar the weights were trained for
	Tensors[float32]
	Data []float32 // every tensor, contiguous, in file order
}

type tensorKind uint8

const (
	kindMatrix tensorKind = iota // gets weight decay
	kindBias
	kindNorm  // LN gain
	kindEmbed // embedding rows
)

type tensorSpec struct {
	name   string
	off, n int
	kind   tensorKind
	fanIn  int
}

// bind lays out the tensors of cfg over buf (nil: only compute the specs) and
// returns the specs in order. It is the single source of the file layout.
func bind[F Float](cfg Config, t *Tensors[F], buf []F) []tensorSpec {
	D, Fh := cfg.Dim, cfg.FFN
	var specs []tensorSpec
	off := 0
	take := func(name string, kind tensorKind, rows, cols int) []F {
		n := rows * cols
		specs = append(specs, tensorSpec{name, off, n, kind, cols})
		var s []F
		if buf != nil {
			s = buf[off : off+n : off+n]
		}
		off += n
		return s
	}
	attn := func(p string, a *Attn[F]) {
		a.Wq = take(p+".wq", kindMatrix, D, D)
		a.Wk = take(p+".wk", kindMatrix, D, D)
		a.Wv = take(p+".wv", kindMatrix, D, D)
		a.Wo = take(p+".wo", kindMatrix, D, D)
		a.Bq = take(p+".bq", kindBias, 1, D)
		a.Bk = take(p+".bk", kindBias, 1, D)
		a.Bv = take(p+".bv", kindBias, 1, D)
		a.Bo = take(p+".bo", kindBias, 1, D)
	}
	ffn := func(p string, f *FFN[F]) {
		f.W1 = take(p+".w1", kindMatrix, Fh, D)
		f.B1 = take(p+".b1", kindBias, 1, Fh)
		f.W2 = take(p+".w2", kindMatrix, D, Fh)
		f.B2 = take(p+".b2", kindBias, 1, D)
	}
	t.Ehash = take("ehash", kindEmbed, cfg.HashBuckets, D)
	t.Wtf = take("wtf", kindMatrix, D, cfg.TokFeat)
	t.Btf = take("btf", kindBias, 1, D)
	t.Epos = take("epos", kindEmbed, cfg.MaxTokens, D)
	t.Enc = make([]EncBlock[F], cfg.EncLayers)
	for l := range t.Enc {
		b := &t.Enc[l]
		p := "enc" + itoa(l)
		b.LN1G = take(p+".ln1g", kindNorm, 1, D)
		b.LN1B = take(p+".ln1b", kindBias, 1, D)
		attn(p+".self", &b.Self)
		b.LN2G = take(p+".ln2g", kindNorm, 1, D)
		b.LN2B = take(p+".ln2b", kindBias, 1, D)
		ffn(p+".ffn", &b.FFN)
	}
	t.LNencG = take("lnencg", kindNorm, 1, D)
	t.LNencB = take("lnencb", kindBias, 1, D)
	t.Ekind = take("ekind", kindEmbed, cfg.Kinds, D)
	t.Wpool = take("wpool", kindMatrix, D, D)
	t.Wcf = take("wcf", kindMatrix, D, cfg.CandFeat)
	t.Bcf = take("bcf", kindBias, 1, D)
	t.Erole = take("erole", kindEmbed, cfg.Roles, D)
	t.Eframe = take("eframe", kindEmbed, cfg.Frames, D)
	t.Emask = take("emask", kindEmbed, 1, D)
	t.Win = take("win", kindMatrix, D, D)
	t.Dec = make([]DecBlock[F], cfg.DecLayers)
	for l := range t.Dec {
		b := &t.Dec[l]
		p := "dec" + itoa(l)
		b.LN1G = take(p+".ln1g", kindNorm, 1, D)
		b.LN1B = take(p+".ln1b", kindBias, 1, D)
		attn(p+".self", &b.Self)
		b.LN2G = take(p+".ln2g", kindNorm, 1, D)
		b.LN2B = take(p+".ln2b", kindBias, 1, D)
		attn(p+".cross", &b.Cross)
		b.LN3G = take(p+".ln3g", kindNorm, 1, D)
		b.LN3B = take(p+".ln3b", kindBias, 1, D)
		ffn(p+".ffn", &b.FFN)
	}
	t.LNdecG = take("lndecg", kindNorm, 1, D)
	t.LNdecB = take("lndecb", kindBias, 1, D)
	t.WqOut = take("wqout", kindMatrix, D, D)
	t.WkOut = take("wkout", kindMatrix, D, D)
	return specs
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

// paramCount returns the number of parameters of cfg without allocating them.
// It assumes sizes already bounded by maxField (int64 cannot overflow then).
func paramCount(cfg Config) int64 {
	D, Fh := int64(cfg.Dim), int64(cfg.FFN)
	attn := 4*D*D + 4*D
	ffn := 2*Fh*D + Fh + D
	n := int64(cfg.HashBuckets)*D + D*int64(cfg.TokFeat) + D + int64(cfg.MaxTokens)*D
	n += int64(cfg.EncLayers) * (4*D + attn + ffn)
	n += 2*D + int64(cfg.Kinds)*D + D*D + D*int64(cfg.CandFeat) + D
	n += int64(cfg.Roles+cfg.Frames+1)*D + D*D
	n += int64(cfg.DecLayers) * (6*D + 2*attn + ffn)
	n += 2*D + 2*D*D
	return n
}

// newTensors allocates zeroed tensors for cfg.
func newTensors[F Float](cfg Config) (Tensors[F], []F) {
	var t Tensors[F]
	buf := make([]F, paramCount(cfg))
	bind(cfg, &t, buf)
	return t, buf
}

// NewWeights returns freshly initialised weights for cfg, the same for the same seed:
// matrices N(0, 1/fan_in) (residual outputs scaled down by sqrt(2·layers)), embeddings
// N(0, 0.1²) (hash rows by 1/sqrt(Hs) since a token sums Hs of them), LN gains 1, biases 0.
func NewWeights(cfg Config, seed uint64) (*Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Weights{Config: cfg}
	w.Data = make([]float32, paramCount(cfg))
	specs := bind(cfg, &w.Tensors, w.Data)
	rng := rand.New(rand.NewPCG(seed, 0x766f696365636d64))
	layers := float64(cfg.EncLayers + cfg.DecLayers)
	for _, s := range specs {
		dst := w.Data[s.off : s.off+s.n]
		var std float64
		switch s.kind {
		case kindBias:
			continue
		case kindNorm:
			for i := range dst {
				dst[i] = 1
			}
			continue
		case kindEmbed:
			std = 0.1
			if s.name == "ehash" {
				std = 0.1 / math.Sqrt(float64(cfg.HashesPerToken)) * 2
			}
		case kindMatrix:
			std = 1 / math.Sqrt(float64(s.fanIn))
			if hasSuffix(s.name, ".wo") || hasSuffix(s.name, ".w2") {
				std /= math.Sqrt(2 * layers)
			}
		}
		for i := range dst {
			dst[i] = float32(rng.NormFloat64() * std)
		}
	}
	return w, nil
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// Clone returns a deep copy of w.
func (w *Weights) Clone() *Weights {
	c := &Weights{Config: w.Config, Fingerprint: w.Fingerprint}
	c.Data = append([]float32(nil), w.Data...)
	bind(c.Config, &c.Tensors, c.Data)
	return c
}

// NumParams returns the number of parameters.
func (w *Weights) NumParams() int { return len(w.Data) }
