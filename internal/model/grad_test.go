package model

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func tensors64(cfg Config, data []float32) (Tensors[float64], []float64) {
	var t Tensors[float64]
	buf := make([]float64, len(data))
	for i, v := range data {
		buf[i] = float64(v)
	}
	bind(cfg, &t, buf)
	return t, buf
}

// TestGradients compares the trainer's backward against central finite differences,
// in float64, for entries of every parameter tensor.
func TestGradients(t *testing.T) {
	cfg := tinyConfig()
	w, err := NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	// perturb LN gains and biases so their gradients are generic
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range w.Data {
		w.Data[i] += float32(rng.NormFloat64() * 0.05)
	}
	var exs []*Example
	var masks [][]int32
	for i := 0; i < 3; i++ {
		ex := synthExample(cfg, rng)
		ex.NTok = min(ex.NTok+2, cfg.MaxTokens, cfg.MaxCands-1) // more tokens than candidates use
		ex.NCand = ex.NTok + 1
		for c := 0; c < ex.NCand; c++ {
			ex.CandPool[c*cfg.MaxTokens+rng.IntN(ex.NTok)] += 0.5
			ex.CandKind[c] = int32(rng.IntN(cfg.Kinds))
		}
		for p := 0; p < cfg.Positions(); p++ {
			for c := 0; c < ex.NCand; c++ {
				ex.Allowed[p*cfg.MaxCands+c] = c == int(ex.Target[p]) || rng.IntN(3) > 0
			}
		}
		m := make([]int32, cfg.Positions())
		DrawMask(rng, ex.Target, m)
		m[0], m[1] = -1, ex.Target[1]
		exs = append(exs, ex)
		masks = append(masks, m)
	}
	pt, pbuf := tensors64(cfg, w.Data)
	gt, gbuf := newTensors[float64](cfg)
	tp := newTape(cfg, &pt, &gt)
	lossAt := func() float64 {
		var l float64
		for i, ex := range exs {
			tp.forward(ex, masks[i])
			l += tp.loss(ex, 1)
		}
		return l
	}
	for i, ex := range exs {
		tp.forward(ex, masks[i])
		tp.loss(ex, 1)
		tp.backward(ex)
	}
	specs := bind[float64](cfg, &Tensors[float64]{}, nil)
	const eps = 1e-5
	for _, s := range specs {
		idx := make([]int, s.n)
		for i := range idx {
			idx[i] = s.off + i
		}
		sort.Slice(idx, func(a, b int) bool { return math.Abs(gbuf[idx[a]]) > math.Abs(gbuf[idx[b]]) })
		if gbuf[idx[0]] == 0 {
			t.Errorf("%s: no gradient at all", s.name)
			continue
		}
		check := idx[:min(4, len(idx))]
		check = append(check, idx[rng.IntN(len(idx))])
		for _, k := range check {
			orig := pbuf[k]
			pbuf[k] = orig + eps
			lp := lossAt()
			pbuf[k] = orig - eps
			lm := lossAt()
			pbuf[k] = orig
			num := (lp - lm) / (2 * eps)
			an := gbuf[k]
			if d := math.Abs(num - an); d > 1e-6+1e-4*math.Max(math.Abs(num), math.Abs(an)) {
				t.Errorf("%s[%d]: analytic %.9g, numeric %.9g", s.name, k-s.off, an, num)
			}
		}
	}
}

func TestFastMath(t *testing.T) {
	for x := -90.0; x < 88.3; x += 0.0137 {
		got, want := float64(exp32(float32(x))), math.Exp(float64(float32(x)))
		if math.Abs(got-want) > 3e-7*want+2e-38 {
			t.Fatalf("exp32(%v) = %v, want %v", x, got, want)
		}
	}
	for x := -12.0; x < 12; x += 0.0013 {
		got, want := float64(tanh32(float32(x))), math.Tanh(float64(float32(x)))
		if math.Abs(got-want) > 3e-7 {
			t.Fatalf("tanh32(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestVectorMath(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2 on this machine")
	}
	xs := make([]float32, 0, 4096)
	for x := float32(-30); x < 30; x += 0.0173 {
		xs = append(xs, x)
	}
	xs = xs[:len(xs)&^7]
	out := make([]float32, len(xs))
	gelu(out, xs)
	for i, x := range xs {
		xf := float64(x)
		want := 0.5 * xf * (1 + math.Tanh(0.7978845608028654*(xf+0.044715*xf*xf*xf)))
		if math.Abs(float64(out[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("gelu(%v) = %v, want %v", x, out[i], want)
		}
	}

}

// TestGradients32 checks the float32 backward (AVX2 kernels where available, on a
// config whose widths are multiples of 8) against the float64 one.
func TestGradients32(t *testing.T) {
	cfg := Config{Dim: 16, Heads: 2, EncLayers: 1, DecLayers: 1, FFN: 32, HashBuckets: 64,
		MaxTokens: 9, HashesPerToken: 3, TokFeat: 8, MaxCands: 10, Kinds: 4, CandFeat: 8,
		Roles: 3, Frames: 3}
	w, _ := NewWeights(cfg, 2)
	rng := rand.New(rand.NewPCG(3, 3))
	g64t, g64 := newTensors[float64](cfg)
	p64, _ := tensors64(cfg, w.Data)
	tp64 := newTape(cfg, &p64, &g64t)
	g32t, g32 := newTensors[float32](cfg)
	tp32 := newTape(cfg, &w.Tensors, &g32t)
	for i := 0; i < 4; i++ {
		ex := synthExample(cfg, rng)
		m := make([]int32, cfg.Positions())
		DrawMask(rng, ex.Target, m)
		tp64.forward(ex, m)
		l64 := tp64.loss(ex, 1)
		tp64.backward(ex)
		tp32.forward(ex, m)
		l32 := tp32.loss(ex, 1)
		tp32.backward(ex)
		if math.Abs(l64-l32) > 1e-4 {
			t.Fatalf("loss float32 %v, float64 %v", l32, l64)
		}
	}
	var scale float64
	for _, v := range g64 {
		scale = math.Max(scale, math.Abs(v))
	}
	for _, s := range bind[float64](cfg, &Tensors[float64]{}, nil) {
		for k := s.off; k < s.off+s.n; k++ {
			if d := math.Abs(float64(g32[k]) - g64[k]); d > 1e-4*scale+1e-3*math.Abs(g64[k]) {
				t.Fatalf("%s[%d]: float32 grad %v, float64 %v", s.name, k-s.off, g32[k], g64[k])
			}
		}
	}
}
