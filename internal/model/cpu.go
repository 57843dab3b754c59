package model

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

func init() {
	RegisterBackend("cpu", func(w *Weights) (Backend, error) { return NewCPU(w) })
}

// CPU is the pure-Go float32 backend, the reference for every other backend.
// It implements Backend and Filler. Not safe for concurrent use; several CPU
// backends may share one *Weights.
type CPU struct {
	w    *Weights
	rows []*runState // one per batch row, grown on demand, reused across calls
	enc  cpuEnc
	// The decoder reads candidates only through Win·k_c and WkOut·k_c/sqrt(D); as
	// k_c is linear in its parts, both are computed from products folded once here
	// (NewCPU) instead of three D×D products per candidate per transcript.
	in, out candProj
	masked  maskedPrefix
}

// candProj folds a D×D map M (Win, or WkOut/sqrt(D)) into the candidate projection:
// M·k_c = E[kind] + B + Σ_t pool[c][t]·(Pool·h_t) + Feat·CandFeat[c].
type candProj struct {
	E    []float32 // [NK][D] M·Ekind
	B    []float32 // [D] M·bcf
	Pool []float32 // [D][D] M·Wpool
	Feat []float32 // [D][Fc] M·Wcf
	// FeatT is Feat transposed, [Fc][D]: with Fc small, one gemvT over it beats
	// D dot products of length Fc.
	FeatT []float32
}

func newCandProj(w *Weights, m []float32, scale float32) candProj {
	cfg := w.Config
	D, Fc, NK := cfg.Dim, cfg.CandFeat, cfg.Kinds
	p := candProj{E: make([]float32, NK*D), B: make([]float32, D), Pool: make([]float32, D*D), Feat: make([]float32, D*Fc)}
	// row-major products via columns: (M·A)[o][k] = Σ_j M[o][j]·A[j][k]
	mul := func(dst, a []float32, cols int) {
		for o := 0; o < D; o++ {
			for j := 0; j < D; j++ {
				axpy(m[o*D+j]*scale, a[j*cols:(j+1)*cols], dst[o*cols:(o+1)*cols])
			}
		}
	}
	mul(p.Pool, w.Wpool, D)
	mul(p.Feat, w.Wcf, Fc)
	linear(p.E, w.Ekind, m, nil, NK, D, D, false)
	linear(p.B, w.Bcf, m, nil, 1, D, D, false)
	for i := range p.E {
		p.E[i] *= scale
	}
	for i := range p.B {
		p.B[i] *= scale
	}
	p.FeatT = make([]float32, Fc*D)
	for o := 0; o < D; o++ {
		for f := 0; f < Fc; f++ {
			p.FeatT[f*D+o] = p.Feat[o*Fc+f]
		}
	}
	return p
}

type cpuEnc struct {
	c *CPU
	n int
}

func (e *cpuEnc) BatchSize() int { return e.n }

// runState is the preallocated scratch of one batch row: the encoder output and
// candidate projections (kept between Decode calls) and the working buffers.
type runState struct {
	nt, nc int
	h      []float32   // [T][D] encoder output (after LNenc)
	crossK [][]float32 // [Ld][T*D] cross-attention keys over h
	crossV [][]float32 // [Ld][T*D]
	hin    []float32   // [T][D] Win·Wpool·h_t
	hout   []float32   // [T][D] WkOut·Wpool·h_t/sqrt(D)
	kin    []float32   // [C][D] Win·k_c, the decoder input of a committed position
	kout   []float32   // [C][D] WkOut·k_c / sqrt(D)
	// working buffers, sized for max(T, P) rows
	x, xn, q, k, v, y []float32 // [rows][D]
	ff                []float32 // [rows][Fh]
	att               []float32 // [H][rows][max(T,P)]
	pooled            []float32 // [D]
	tmp               []float32 // attention scratch
	committed         []int32   // [P] (Fill)
	prev              []int32   // [P] committed values x0/q0/k0/v0 were computed for
	x0, q0, k0, v0    []float32 // [P][D] decoder input and first-block self q, k, v
	logits            []float32 // [P*C] (Fill)
}

func newRunState(cfg Config) *runState {
	D, T, C, P := cfg.Dim, cfg.MaxTokens, cfg.MaxCands, cfg.Positions()
	R := max(T, P)
	rs := &runState{
		h: make([]float32, T*D), hin: make([]float32, T*D), hout: make([]float32, T*D),
		kin: make([]float32, C*D), kout: make([]float32, C*D),
		x: make([]float32, R*D), xn: make([]float32, R*D), q: make([]float32, R*D),
		k: make([]float32, R*D), v: make([]float32, R*D), y: make([]float32, R*D),
		ff: make([]float32, R*cfg.FFN), att: make([]float32, cfg.Heads*R*R),
		pooled: make([]float32, D), tmp: make([]float32, attentionTmp(R, D)), committed: make([]int32, P), logits: make([]float32, P*C),
		prev: make([]int32, P), x0: make([]float32, P*D), q0: make([]float32, P*D), k0: make([]float32, P*D), v0: make([]float32, P*D),
	}
	for range cfg.DecLayers {
		rs.crossK = append(rs.crossK, make([]float32, T*D))
		rs.crossV = append(rs.crossV, make([]float32, T*D))
	}
	return rs
}

// NewCPU returns a CPU backend over w. It reads w, never writes it, and folds a
// few products of its tensors up front, so w must not change while the backend
// is in use (open a new one after training). Errors: a Config that does not
// validate or a Data slice of the wrong length.
func NewCPU(w *Weights) (*CPU, error) {
	if err := w.Config.Validate(); err != nil {
		return nil, err
	}
	if int64(len(w.Data)) != paramCount(w.Config) {
		return nil, fmt.Errorf("model: weights hold %d parameters, config needs %d", len(w.Data), paramCount(w.Config))
	}
	c := &CPU{w: w}
	c.enc.c = c
	c.in = newCandProj(w, w.Win, 1)
	c.initMasked()
	c.out = newCandProj(w, w.WkOut, float32(1/math.Sqrt(float64(w.Config.Dim))))
	return c, nil
}

// Name returns "cpu".
func (c *CPU) Name() string { return "cpu" }

// Close releases nothing (the CPU backend holds only memory) and returns nil.
func (c *CPU) Close() error { return nil }

func (c *CPU) grow(n int) {
	for len(c.rows) < n {
		c.rows = append(c.rows, newRunState(c.w.Config))
	}
}

// parallel runs f(i) for i < n, rows spread over up to GOMAXPROCS goroutines;
// a single row runs on the caller's goroutine.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func(wk int) {
			defer wg.Done()
			for i := wk; i < n; i += workers {
				f(i)
			}
		}(wk)
	}
	wg.Wait()
}

// Encode runs the encoder and candidate projections on the calling goroutine (a
// batch of more than one row is spread over GOMAXPROCS goroutines, which have
// ended when it returns). The returned state is valid until the next Encode or
// Fill on c. Errors: an example that does not fit the Config (Example.Check).
// It allocates only when the batch is larger than any before.
func (c *CPU) Encode(batch []*Example) (EncState, error) {
	cfg := c.w.Config
	for i, ex := range batch {
		if err := ex.Check(cfg, false); err != nil {
			return nil, fmt.Errorf("%w (batch row %d)", err, i)
		}
	}
	c.grow(len(batch))
	if len(batch) == 1 { // no closure: a batch of one allocates nothing
		c.encodeRow(c.rows[0], batch[0])
	} else {
		parallel(len(batch), func(i int) { c.encodeRow(c.rows[i], batch[i]) })
	}
	c.enc.n = len(batch)
	return &c.enc, nil
}

// Decode runs one decoder pass for every row of enc: committed [n][P] (-1 =
// masked), logits [n][P*C] written in full (padding candidates -Inf). Rows are
// spread over goroutines as in Encode. It allocates nothing. Errors: a state not
// from the last Encode of c, slices of the wrong length, a committed candidate
// that is not a real candidate of its row.
func (c *CPU) Decode(enc EncState, committed [][]int32, logits [][]float32) error {
	e, ok := enc.(*cpuEnc)
	if !ok || e.c != c {
		return fmt.Errorf("model: cpu Decode: state from another backend")
	}
	cfg := c.w.Config
	P, C := cfg.Positions(), cfg.MaxCands
	if len(committed) != e.n || len(logits) != e.n {
		return fmt.Errorf("model: cpu Decode: %d committed rows and %d logit rows for a batch of %d", len(committed), len(logits), e.n)
	}
	for i := range committed {
		if len(committed[i]) < P || len(logits[i]) < P*C {
			return fmt.Errorf("model: cpu Decode: row %d: committed len %d (want %d), logits len %d (want %d)", i, len(committed[i]), P, len(logits[i]), P*C)
		}
		for p, v := range committed[i][:P] {
			if int(v) >= c.rows[i].nc {
				return fmt.Errorf("model: cpu Decode: row %d position %d committed to candidate %d, only %d candidates", i, p, v, c.rows[i].nc)
			}
		}
	}
	if e.n == 1 {
		c.decodeRow(c.rows[0], committed[0], logits[0], false)
	} else {
		parallel(e.n, func(i int) { c.decodeRow(c.rows[i], committed[i], logits[i], false) })
	}
	return nil
}

// Fill runs the whole K-step fill; each batch row runs start to end on one goroutine.
func (c *CPU) Fill(batch []*Example, cons []*Constraints, steps int, out []*Sampled) error {
	cfg := c.w.Config
	if len(out) != len(batch) || (cons != nil && len(cons) != len(batch)) {
		return fmt.Errorf("model: cpu Fill: %d examples, %d constraints, %d outputs", len(batch), len(cons), len(out))
	}
	for i, ex := range batch {
		if err := ex.Check(cfg, false); err != nil {
			return fmt.Errorf("%w (batch row %d)", err, i)
		}
		if out[i] == nil {
			return fmt.Errorf("model: cpu Fill: out[%d] is nil", i)
		}
		out[i].ensure(cfg.Positions())
		if cons != nil {
			if err := cons[i].check(cfg); err != nil {
				return fmt.Errorf("%w (batch row %d)", err, i)
			}
		}
	}
	c.grow(len(batch))
	c.enc.n = 0 // the Fill overwrites the encoder state of an earlier Encode
	if len(batch) == 1 {
		var ci *Constraints
		if cons != nil {
			ci = cons[0]
		}
		c.fillRow(c.rows[0], batch[0], ci, steps, out[0])
		return nil
	}
	parallel(len(batch), func(i int) {
		var ci *Constraints
		if cons != nil {
			ci = cons[i]
		}
		c.fillRow(c.rows[i], batch[i], ci, steps, out[i])
	})
	return nil
}

func (c *CPU) fillRow(rs *runState, ex *Example, cons *Constraints, steps int, out *Sampled) {
	c.encodeRow(rs, ex)
	for p := range rs.committed {
		rs.committed[p] = -1
	}
	K := clampSteps(steps, c.w.Config.Positions())
	for s := 0; s < K; s++ {
		c.decodeRow(rs, rs.committed, rs.logits, true) // Sample reads masked rows only
		if Sample(c.w.Config, ex, cons, rs.logits, rs.committed, s, K, out) == 0 {
			break
		}
	}
}

func clampSteps(k, P int) int { return min(max(k, 1), P) }

// encodeRow: token embeddings, Le encoder blocks, LNenc, cross-attention K/V, candidates.
func (c *CPU) encodeRow(rs *runState, ex *Example) {
	w, cfg := c.w, c.w.Config
	D, Ft, T, H, Fh := cfg.Dim, cfg.TokFeat, cfg.MaxTokens, cfg.Heads, cfg.FFN
	nt := ex.NTok
	rs.nt, rs.nc = nt, ex.NCand
	x := rs.x[:nt*D]
	embedTokens(x, &w.Tensors, ex, D)
	linear(x, ex.TokFeat, w.Wtf, nil, nt, Ft, D, true)
	for l := range w.Enc {
		b := &w.Enc[l]
		layerNorm(rs.xn, x, b.LN1G, b.LN1B, nil, nil, nt, D)
		selfAttention(rs, &b.Self, nt, D, H)
		layerNorm(rs.xn, x, b.LN2G, b.LN2B, nil, nil, nt, D)
		ffnForward(rs, &b.FFN, nt, D, Fh)
	}
	layerNorm(rs.h, x, w.LNencG, w.LNencB, nil, nil, nt, D)
	for l := range w.Dec {
		a := &w.Dec[l].Cross
		linear(rs.crossK[l], rs.h, a.Wk, a.Bk, nt, D, D, false)
		linear(rs.crossV[l], rs.h, a.Wv, a.Bv, nt, D, D, false)
	}
	c.resetPrefix(rs)
	// candidates: k_c = Ekind + Wpool·(Σ_t pool·h_t) + Wcf·feat + bcf, seen by the
	// decoder only as Win·k_c and WkOut·k_c/sqrt(D) (candProj).
	linear(rs.hin, rs.h, c.in.Pool, nil, nt, D, D, false)
	linear(rs.hout, rs.h, c.out.Pool, nil, nt, D, D, false)
	nc, Fc := ex.NCand, cfg.CandFeat
	for ci := 0; ci < nc; ci++ {
		kind := int(ex.CandKind[ci])
		feat := ex.CandFeat[ci*Fc : (ci+1)*Fc]
		for _, pr := range [2]struct {
			p    *candProj
			h, k []float32
		}{{&c.in, rs.hin, rs.kin}, {&c.out, rs.hout, rs.kout}} {
			kc := pr.k[ci*D : (ci+1)*D]
			copy(kc, pr.p.E[kind*D:(kind+1)*D])
			addTo(kc, pr.p.B)
			for t, a := range ex.CandPool[ci*T : ci*T+nt] {
				if a != 0 {
					axpy(a, pr.h[t*D:(t+1)*D], kc)
				}
			}
			if useAVX && D%8 == 0 {
				gemvTAVX(&pr.p.FeatT[0], &feat[0], &kc[0], Fc, D) // kc += Feat·feat
			} else {
				linear(kc, feat, pr.p.Feat, nil, 1, Fc, D, true)
			}
		}
	}
}

// selfAttention: x += Wo·attn(Wq·xn, Wk·xn, Wv·xn) + bo over n rows.
func selfAttention(rs *runState, a *Attn[float32], n, D, H int) {
	linear(rs.q, rs.xn, a.Wq, a.Bq, n, D, D, false)
	linear(rs.k, rs.xn, a.Wk, a.Bk, n, D, D, false)
	linear(rs.v, rs.xn, a.Wv, a.Bv, n, D, D, false)
	attention(rs.y, rs.att, rs.q, rs.k, rs.v, rs.tmp, n, n, D, H)
	linear(rs.x, rs.y, a.Wo, a.Bo, n, D, D, true)
}

// ffnForward: x += W2·gelu(W1·xn + b1) + b2 over n rows.
func ffnForward(rs *runState, f *FFN[float32], n, D, Fh int) {
	linear(rs.ff, rs.xn, f.W1, f.B1, n, D, Fh, false)
	gelu(rs.ff[:n*Fh], rs.ff[:n*Fh])
	linear(rs.x, rs.ff, f.W2, f.B2, n, Fh, D, true)
}

// decodeRow: decoder input from committed, Ld decoder blocks, LNdec, pointer logits
// (with maskedOnly, only the rows of still-masked positions).
func (c *CPU) decodeRow(rs *runState, committed []int32, logits []float32, maskedOnly bool) {
	w, cfg := c.w, c.w.Config
	D, H, P, C, Fh := cfg.Dim, cfg.Heads, cfg.Positions(), cfg.MaxCands, cfg.FFN
	x := rs.x[:P*D]
	c.decodePrefix(rs, committed)
	for l := range w.Dec {
		b := &w.Dec[l]
		if l > 0 {
			layerNorm(rs.xn, x, b.LN1G, b.LN1B, nil, nil, P, D)
			selfAttention(rs, &b.Self, P, D, H)
			layerNorm(rs.xn, x, b.LN2G, b.LN2B, nil, nil, P, D)
			linear(rs.q, rs.xn, b.Cross.Wq, b.Cross.Bq, P, D, D, false)
		}
		attention(rs.y, rs.att, rs.q, rs.crossK[l], rs.crossV[l], rs.tmp, P, rs.nt, D, H)
		linear(rs.x, rs.y, b.Cross.Wo, b.Cross.Bo, P, D, D, true)
		layerNorm(rs.xn, x, b.LN3G, b.LN3B, nil, nil, P, D)
		ffnForward(rs, &b.FFN, P, D, Fh)
	}
	layerNorm(rs.xn, x, w.LNdecG, w.LNdecB, nil, nil, P, D)
	linear(rs.q, rs.xn, w.WqOut, nil, P, D, D, false)
	ninf := float32(math.Inf(-1))
	for p := 0; p < P; p++ {
		if maskedOnly && committed[p] >= 0 {
			continue
		}
		row := logits[p*C : (p+1)*C]
		linear(row, rs.q[p*D:(p+1)*D], rs.kout, nil, 1, D, rs.nc, false)
		for ci := rs.nc; ci < C; ci++ {
			row[ci] = ninf
		}
	}
}

// decodePrefix leaves in rs.x the residual stream after the first decoder block's
// self-attention and in rs.q that block's cross-attention queries. Both depend on
// the transcript only through the committed slots, so:
//   - with every slot masked (step 0 of a fill) they are constants (c.masked);
//   - otherwise the per-position part (input, LN1, q/k/v) is recomputed only for the
//     positions whose committed value changed since the last call (rs.prev).
//
// Row-wise kernels make both shortcuts bit-identical to a full recomputation.
func (c *CPU) decodePrefix(rs *runState, committed []int32) {
	D, P := c.w.Config.Dim, c.w.Config.Positions()
	all := true
	for _, v := range committed[:P] {
		if v >= 0 {
			all = false
			break
		}
	}
	if all {
		copy(rs.x[:P*D], c.masked.xmid)
		copy(rs.q[:P*D], c.masked.cq)
		return
	}
	for p := 0; p < P; p++ {
		if committed[p] == rs.prev[p] {
			continue
		}
		c.inputRow(rs.x0[p*D:(p+1)*D], rs.kin, p, committed[p])
		c.qkvRow(rs.q0, rs.k0, rs.v0, rs.x0, rs.xn, p)
		rs.prev[p] = committed[p]
	}
	c.prefixFromRows(rs)
}

// prefixFromRows runs the first decoder block's self-attention from rs.q0/k0/v0 and x0.
func (c *CPU) prefixFromRows(rs *runState) {
	cfg := c.w.Config
	D, H, P := cfg.Dim, cfg.Heads, cfg.Positions()
	b := &c.w.Dec[0]
	x := rs.x[:P*D]
	copy(x, rs.x0)
	attention(rs.y, rs.att, rs.q0, rs.k0, rs.v0, rs.tmp, P, P, D, H)
	linear(x, rs.y, b.Self.Wo, b.Self.Bo, P, D, D, true)
	layerNorm(rs.xn, x, b.LN2G, b.LN2B, nil, nil, P, D)
	linear(rs.q, rs.xn, b.Cross.Wq, b.Cross.Bq, P, D, D, false)
}

// inputRow writes the decoder input of position p: Erole + Eframe + (Emask or Win·k_c).
func (c *CPU) inputRow(xp, kin []float32, p int, ci int32) {
	w, D, S := c.w, c.w.Config.Dim, c.w.Config.Roles
	copy(xp, w.Erole[(p%S)*D:(p%S+1)*D])
	addTo(xp, w.Eframe[(p/S)*D:(p/S+1)*D])
	if ci < 0 {
		addTo(xp, w.Emask)
	} else {
		addTo(xp, kin[int(ci)*D:int(ci+1)*D])
	}
}

// qkvRow computes row p of the first decoder block's self-attention q, k, v from x0.
func (c *CPU) qkvRow(q, k, v, x0, xn []float32, p int) {
	b, D := &c.w.Dec[0], c.w.Config.Dim
	r := p * D
	layerNorm(xn[:D], x0[r:r+D], b.LN1G, b.LN1B, nil, nil, 1, D)
	linear(q[r:r+D], xn[:D], b.Self.Wq, b.Self.Bq, 1, D, D, false)
	linear(k[r:r+D], xn[:D], b.Self.Wk, b.Self.Bk, 1, D, D, false)
	linear(v[r:r+D], xn[:D], b.Self.Wv, b.Self.Bv, 1, D, D, false)
}

// maskedPrefix is the decoder prefix (see decodePrefix) with every slot masked.
type maskedPrefix struct {
	x0, q0, k0, v0 []float32 // [P][D] input and first-block self-attention q, k, v
	xmid, cq       []float32 // [P][D] after the self-attention; cross-attention queries
}

func (c *CPU) initMasked() {
	cfg := c.w.Config
	D, P := cfg.Dim, cfg.Positions()
	rs := newRunState(cfg)
	m := &c.masked
	m.x0, m.q0, m.k0, m.v0 = make([]float32, P*D), make([]float32, P*D), make([]float32, P*D), make([]float32, P*D)
	for p := 0; p < P; p++ {
		c.inputRow(m.x0[p*D:(p+1)*D], nil, p, -1)
		c.qkvRow(m.q0, m.k0, m.v0, m.x0, rs.xn, p)
	}
	// run the general path once from the masked state to get xmid and cq
	copy(rs.x0, m.x0)
	copy(rs.q0, m.q0)
	copy(rs.k0, m.k0)
	copy(rs.v0, m.v0)
	c.prefixFromRows(rs)
	m.xmid = append([]float32(nil), rs.x[:P*D]...)
	m.cq = append([]float32(nil), rs.q[:P*D]...)
}

// resetPrefix puts rs in the all-masked state after a new Encode.
func (c *CPU) resetPrefix(rs *runState) {
	copy(rs.x0, c.masked.x0)
	copy(rs.q0, c.masked.q0)
	copy(rs.k0, c.masked.k0)
	copy(rs.v0, c.masked.v0)
	for p := range rs.prev {
		rs.prev[p] = -1
	}
}
