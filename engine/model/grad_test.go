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
