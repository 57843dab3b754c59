package model

import "math"

// tape is the trainer's forward/backward for one example at a time (llm.c style):
// the forward keeps every activation the backward needs, in buffers sized once for
// the Config's maxima; only the NTok real tokens and NCand real candidates are
// computed, which is what padding masks would achieve, without the padded work.
type tape[F Float] struct {
	cfg Config
	w   *Tensors[F] // parameters (read)
	g   *Tensors[F] // gradients (accumulated)

	nt, nc    int
	committed []int32
	tokFeat   []F // [T*Ft]
	candFeat  []F // [C*Fc]
	pool      []F // [C*T]

	xs    [][]F // [Le+1][T*D] encoder residual stream at each block input
	emid  [][]F // [Le][T*D] after self-attention
	eattn []attnAct[F]
	effn  []ffnAct[F]
	hln   lnAct[F] // LNenc, out = h [T*D]

	pooled, cand []F // [C*D]

	ds    [][]F // [Ld+1][P*D] decoder residual stream at each block input
	dm1   [][]F // after self-attention
	dm2   [][]F // after cross-attention
	dself []attnAct[F]
	dcros []attnAct[F]
	dffn  []ffnAct[F]
	zln   lnAct[F] // LNdec
	qo    []F      // [P*D]
	ko    []F      // [C*D]
	logit []F      // [P*C]
	dlog  []F      // [P*C]

	// backward scratch
	dx, dh, dcand, dy, dq, dk, dv, dln, dqo, dko []F
	dff, dp                                      []F
	atmp                                         []F // attention scratch
}

type lnAct[F Float] struct{ out, mean, rstd []F }
type attnAct[F Float] struct {
	ln         lnAct[F]
	q, k, v, y []F
	att        []F
}
type ffnAct[F Float] struct {
	ln       lnAct[F]
	pre, act []F
}

func newLN[F Float](n, D int) lnAct[F] {
	return lnAct[F]{make([]F, n*D), make([]F, n), make([]F, n)}
}

func newAttnAct[F Float](nq, nk, D, H int) attnAct[F] {
	return attnAct[F]{ln: newLN[F](nq, D), q: make([]F, nq*D), k: make([]F, nk*D), v: make([]F, nk*D),
		y: make([]F, nq*D), att: make([]F, H*nq*nk)}
}

func newFFNAct[F Float](n, D, Fh int) ffnAct[F] {
	return ffnAct[F]{ln: newLN[F](n, D), pre: make([]F, n*Fh), act: make([]F, n*Fh)}
}

func newTape[F Float](cfg Config, w, g *Tensors[F]) *tape[F] {
	D, T, C, P, H, Fh := cfg.Dim, cfg.MaxTokens, cfg.MaxCands, cfg.Positions(), cfg.Heads, cfg.FFN
	R := max(T, P)
	tp := &tape[F]{cfg: cfg, w: w, g: g,
		tokFeat: make([]F, T*cfg.TokFeat), candFeat: make([]F, C*cfg.CandFeat), pool: make([]F, C*T),
		hln: newLN[F](T, D), pooled: make([]F, C*D), cand: make([]F, C*D),
		zln: newLN[F](P, D), qo: make([]F, P*D), ko: make([]F, C*D), logit: make([]F, P*C), dlog: make([]F, P*C),
		dx: make([]F, R*D), dh: make([]F, T*D), dcand: make([]F, C*D), dy: make([]F, R*D), dq: make([]F, R*D),
		dk: make([]F, R*D), dv: make([]F, R*D), dln: make([]F, R*D), dqo: make([]F, P*D), dko: make([]F, C*D),
		dff: make([]F, R*Fh), dp: make([]F, attentionBackwardTmp(R, R, D)), atmp: make([]F, attentionTmp(R, D)),
	}
	for l := 0; l <= cfg.EncLayers; l++ {
		tp.xs = append(tp.xs, make([]F, T*D))
		if l < cfg.EncLayers {
			tp.emid = append(tp.emid, make([]F, T*D))
			tp.eattn = append(tp.eattn, newAttnAct[F](T, T, D, H))
			tp.effn = append(tp.effn, newFFNAct[F](T, D, Fh))
		}
	}
	for l := 0; l <= cfg.DecLayers; l++ {
		tp.ds = append(tp.ds, make([]F, P*D))
		if l < cfg.DecLayers {
			tp.dm1 = append(tp.dm1, make([]F, P*D))
			tp.dm2 = append(tp.dm2, make([]F, P*D))
			tp.dself = append(tp.dself, newAttnAct[F](P, P, D, H))
			tp.dcros = append(tp.dcros, newAttnAct[F](P, T, D, H))
			tp.dffn = append(tp.dffn, newFFNAct[F](P, D, Fh))
		}
	}
	return tp
}

func convert[F Float](dst []F, src []float32) {
	for i, v := range src[:len(dst)] {
		dst[i] = F(v)
	}
}

func zero[F Float](s []F) {
	for i := range s {
		s[i] = 0
	}
}

// attnFwd: out = in + Wo·attn(LN(in)·Wq, kv·Wk, kv·Wv) + bo, with kv = LN(in) when kvSrc is nil.
func attnFwd[F Float](a *Attn[F], lnG, lnB []F, act *attnAct[F], in, out, kvSrc, tmp []F, nq, nk, D, H int) {
	layerNorm(act.ln.out, in, lnG, lnB, act.ln.mean, act.ln.rstd, nq, D)
	if kvSrc == nil {
		kvSrc = act.ln.out
	}
	linear(act.q, act.ln.out, a.Wq, a.Bq, nq, D, D, false)
	linear(act.k, kvSrc, a.Wk, a.Bk, nk, D, D, false)
	linear(act.v, kvSrc, a.Wv, a.Bv, nk, D, D, false)
	attention(act.y, act.att, act.q, act.k, act.v, tmp, nq, nk, D, H)
	copy(out[:nq*D], in[:nq*D])
	linear(out, act.y, a.Wo, a.Bo, nq, D, D, true)
}

// attnBwd turns d (gradient of the sub-block output) into the gradient of its input,
// in place; gradients of a cross-attention's keys/values source go to dKv.
func (tp *tape[F]) attnBwd(a, ga *Attn[F], lnG, gLnG, gLnB []F, act *attnAct[F], in, kvSrc, dKv, d []F, nq, nk int) {
	D, H := tp.cfg.Dim, tp.cfg.Heads
	dy, dq, dk, dv, dln := tp.dy[:nq*D], tp.dq[:nq*D], tp.dk[:nk*D], tp.dv[:nk*D], tp.dln[:nq*D]
	zero(dy)
	zero(dq)
	zero(dk)
	zero(dv)
	zero(dln)
	linearBackward(dy, ga.Wo, ga.Bo, d, act.y, a.Wo, nq, D, D)
	attentionBackward(dq, dk, dv, dy, act.att, act.q, act.k, act.v, tp.dp, nq, nk, D, H)
	linearBackward(dln, ga.Wq, ga.Bq, dq, act.ln.out, a.Wq, nq, D, D)
	if kvSrc == nil {
		linearBackward(dln, ga.Wk, ga.Bk, dk, act.ln.out, a.Wk, nk, D, D)
		linearBackward(dln, ga.Wv, ga.Bv, dv, act.ln.out, a.Wv, nk, D, D)
	} else {
		linearBackward(dKv, ga.Wk, ga.Bk, dk, kvSrc, a.Wk, nk, D, D)
		linearBackward(dKv, ga.Wv, ga.Bv, dv, kvSrc, a.Wv, nk, D, D)
	}
	layerNormBackward(d, gLnG, gLnB, dln, in, lnG, act.ln.mean, act.ln.rstd, nq, D)
}

// ffnFwd: out = in + W2·gelu(W1·LN(in) + b1) + b2.
func ffnFwd[F Float](f *FFN[F], lnG, lnB []F, act *ffnAct[F], in, out []F, n, D, Fh int) {
	layerNorm(act.ln.out, in, lnG, lnB, act.ln.mean, act.ln.rstd, n, D)
	linear(act.pre, act.ln.out, f.W1, f.B1, n, D, Fh, false)
	gelu(act.act[:n*Fh], act.pre[:n*Fh])
	copy(out[:n*D], in[:n*D])
	linear(out, act.act, f.W2, f.B2, n, Fh, D, true)
}

func (tp *tape[F]) ffnBwd(f, gf *FFN[F], lnG, gLnG, gLnB []F, act *ffnAct[F], in, d []F, n int) {
	D, Fh := tp.cfg.Dim, tp.cfg.FFN
	dff, dln := tp.dff[:n*Fh], tp.dln[:n*D]
	zero(dff)
	zero(dln)
	linearBackward(dff, gf.W2, gf.B2, d, act.act, f.W2, n, Fh, D)
	geluBackwardInPlace(dff, act.pre[:n*Fh])
	linearBackward(dln, gf.W1, gf.B1, dff, act.ln.out, f.W1, n, D, Fh)
	layerNormBackward(d, gLnG, gLnB, dln, in, lnG, act.ln.mean, act.ln.rstd, n, D)
}

// forward runs the network on ex with the decoder input committed [P] (-1 = masked)
// and leaves the logits [P*C] (padding candidates -Inf) in tp.logit.
func (tp *tape[F]) forward(ex *Example, committed []int32) {
	cfg, w := tp.cfg, tp.w
	D, T, H, Fh, Ft, Fc := cfg.Dim, cfg.MaxTokens, cfg.Heads, cfg.FFN, cfg.TokFeat, cfg.CandFeat
	S, P, C := cfg.Roles, cfg.Positions(), cfg.MaxCands
	nt, nc := ex.NTok, ex.NCand
	tp.nt, tp.nc, tp.committed = nt, nc, committed
	convert(tp.tokFeat, ex.TokFeat)
	convert(tp.candFeat, ex.CandFeat)
	convert(tp.pool, ex.CandPool)

	// encoder
	x := tp.xs[0]
	embedTokens(x, w, ex, D)
	linear(x, tp.tokFeat, w.Wtf, nil, nt, Ft, D, true)
	for l := range w.Enc {
		b := &w.Enc[l]
		attnFwd(&b.Self, b.LN1G, b.LN1B, &tp.eattn[l], tp.xs[l], tp.emid[l], nil, tp.atmp, nt, nt, D, H)
		ffnFwd(&b.FFN, b.LN2G, b.LN2B, &tp.effn[l], tp.emid[l], tp.xs[l+1], nt, D, Fh)
	}
	h := tp.hln.out
	layerNorm(h, tp.xs[cfg.EncLayers], w.LNencG, w.LNencB, tp.hln.mean, tp.hln.rstd, nt, D)

	// candidates
	for c := 0; c < nc; c++ {
		pl := tp.pooled[c*D : (c+1)*D]
		zero(pl)
		for t, a := range tp.pool[c*T : c*T+nt] {
			if a != 0 {
				axpy(a, h[t*D:(t+1)*D], pl)
			}
		}
		kc := tp.cand[c*D : (c+1)*D]
		kind := int(ex.CandKind[c])
		copy(kc, w.Ekind[kind*D:(kind+1)*D])
		addTo(kc, w.Bcf)
		linear(kc, pl, w.Wpool, nil, 1, D, D, true)
		linear(kc, tp.candFeat[c*Fc:(c+1)*Fc], w.Wcf, nil, 1, Fc, D, true)
	}

	// decoder
	x = tp.ds[0]
	for p := 0; p < P; p++ {
		xp := x[p*D : (p+1)*D]
		copy(xp, w.Erole[(p%S)*D:(p%S+1)*D])
		addTo(xp, w.Eframe[(p/S)*D:(p/S+1)*D])
		if ci := committed[p]; ci < 0 {
			addTo(xp, w.Emask)
		} else {
			linear(xp, tp.cand[int(ci)*D:int(ci+1)*D], w.Win, nil, 1, D, D, true)
		}
	}
	for l := range w.Dec {
		b := &w.Dec[l]
		attnFwd(&b.Self, b.LN1G, b.LN1B, &tp.dself[l], tp.ds[l], tp.dm1[l], nil, tp.atmp, P, P, D, H)
		attnFwd(&b.Cross, b.LN2G, b.LN2B, &tp.dcros[l], tp.dm1[l], tp.dm2[l], h, tp.atmp, P, nt, D, H)
		ffnFwd(&b.FFN, b.LN3G, b.LN3B, &tp.dffn[l], tp.dm2[l], tp.ds[l+1], P, D, Fh)
	}
	layerNorm(tp.zln.out, tp.ds[cfg.DecLayers], w.LNdecG, w.LNdecB, tp.zln.mean, tp.zln.rstd, P, D)
	linear(tp.qo, tp.zln.out, w.WqOut, nil, P, D, D, false)
	linear(tp.ko, tp.cand, w.WkOut, nil, nc, D, D, false)
	s := F(1 / math.Sqrt(float64(D)))
	ninf := F(math.Inf(-1))
	for p := 0; p < P; p++ {
		for c := 0; c < C; c++ {
			if c < nc {
				tp.logit[p*C+c] = dot(tp.qo[p*D:(p+1)*D], tp.ko[c*D:(c+1)*D]) * s
			} else {
				tp.logit[p*C+c] = ninf
			}
		}
	}
}

// loss computes the masked-diffusion loss of the last forward (mean over masked
// positions of the cross-entropy over Allowed candidates) and sets dlog to its
// gradient times scale. It returns the loss (not scaled).
func (tp *tape[F]) loss(ex *Example, scale F) float64 {
	P, C, nc := tp.cfg.Positions(), tp.cfg.MaxCands, tp.nc
	zero(tp.dlog)
	nm := 0
	for p := 0; p < P; p++ {
		if tp.committed[p] < 0 {
			nm++
		}
	}
	if nm == 0 {
		return 0
	}
	var total float64
	for p := 0; p < P; p++ {
		if tp.committed[p] >= 0 {
			continue
		}
		row := tp.logit[p*C : p*C+nc]
		allowed := ex.Allowed[p*C : p*C+nc]
		mx := F(math.Inf(-1))
		for c, ok := range allowed {
			if ok && row[c] > mx {
				mx = row[c]
			}
		}
		var sum float64
		for c, ok := range allowed {
			if ok {
				sum += math.Exp(float64(row[c] - mx))
			}
		}
		tg := int(ex.Target[p])
		total += math.Log(sum) - float64(row[tg]-mx)
		d := tp.dlog[p*C : p*C+nc]
		k := scale / F(nm)
		for c, ok := range allowed {
			if ok {
				d[c] = F(math.Exp(float64(row[c]-mx))/sum) * k
			}
		}
		d[tg] -= k
	}
	return total / float64(nm)
}

// backward accumulates into tp.g the gradient of the loss whose dlogits are in tp.dlog.
func (tp *tape[F]) backward(ex *Example) {
	cfg, w, g := tp.cfg, tp.w, tp.g
	D, T, Ft, Fc := cfg.Dim, cfg.MaxTokens, cfg.TokFeat, cfg.CandFeat
	S, P, C := cfg.Roles, cfg.Positions(), cfg.MaxCands
	nt, nc := tp.nt, tp.nc
	s := F(1 / math.Sqrt(float64(D)))

	// logits = qo·ko/sqrt(D)
	dqo, dko := tp.dqo, tp.dko[:nc*D]
	zero(dqo)
	zero(dko)
	for p := 0; p < P; p++ {
		for c, dl := range tp.dlog[p*C : p*C+nc] {
			if dl != 0 {
				axpy(dl*s, tp.ko[c*D:(c+1)*D], dqo[p*D:(p+1)*D])
				axpy(dl*s, tp.qo[p*D:(p+1)*D], dko[c*D:(c+1)*D])
			}
		}
	}
	dcand, dh, d := tp.dcand[:nc*D], tp.dh[:nt*D], tp.dx[:P*D]
	zero(dcand)
	zero(dh)
	zero(d)
	dz := tp.dln[:P*D]
	zero(dz)
	linearBackward(dz, g.WqOut, nil, dqo, tp.zln.out, w.WqOut, P, D, D)
	linearBackward(dcand, g.WkOut, nil, dko, tp.cand, w.WkOut, nc, D, D)
	layerNormBackward(d, g.LNdecG, g.LNdecB, dz, tp.ds[cfg.DecLayers], w.LNdecG, tp.zln.mean, tp.zln.rstd, P, D)

	for l := len(w.Dec) - 1; l >= 0; l-- {
		b, gb := &w.Dec[l], &g.Dec[l]
		tp.ffnBwd(&b.FFN, &gb.FFN, b.LN3G, gb.LN3G, gb.LN3B, &tp.dffn[l], tp.dm2[l], d, P)
		tp.attnBwd(&b.Cross, &gb.Cross, b.LN2G, gb.LN2G, gb.LN2B, &tp.dcros[l], tp.dm1[l], tp.hln.out, dh, d, P, nt)
		tp.attnBwd(&b.Self, &gb.Self, b.LN1G, gb.LN1G, gb.LN1B, &tp.dself[l], tp.ds[l], nil, nil, d, P, P)
	}
	// decoder input
	for p := 0; p < P; p++ {
		dp := d[p*D : (p+1)*D]
		addTo(g.Erole[(p%S)*D:(p%S+1)*D], dp)
		addTo(g.Eframe[(p/S)*D:(p/S+1)*D], dp)
		if ci := int(tp.committed[p]); ci < 0 {
			addTo(g.Emask, dp)
		} else {
			linearBackward(dcand[ci*D:(ci+1)*D], g.Win, nil, dp, tp.cand[ci*D:(ci+1)*D], w.Win, 1, D, D)
		}
	}
	// candidates
	dpl := tp.dy[:D]
	for c := 0; c < nc; c++ {
		dk := dcand[c*D : (c+1)*D]
		kind := int(ex.CandKind[c])
		addTo(g.Ekind[kind*D:(kind+1)*D], dk)
		addTo(g.Bcf, dk)
		linearBackward(nil, g.Wcf, nil, dk, tp.candFeat[c*Fc:(c+1)*Fc], w.Wcf, 1, Fc, D)
		zero(dpl)
		linearBackward(dpl, g.Wpool, nil, dk, tp.pooled[c*D:(c+1)*D], w.Wpool, 1, D, D)
		for t, a := range tp.pool[c*T : c*T+nt] {
			if a != 0 {
				axpy(a, dpl, dh[t*D:(t+1)*D])
			}
		}
	}
	// encoder
	d = tp.dx[:nt*D]
	zero(d)
	layerNormBackward(d, g.LNencG, g.LNencB, dh, tp.xs[cfg.EncLayers], w.LNencG, tp.hln.mean, tp.hln.rstd, nt, D)
	for l := len(w.Enc) - 1; l >= 0; l-- {
		b, gb := &w.Enc[l], &g.Enc[l]
		tp.ffnBwd(&b.FFN, &gb.FFN, b.LN2G, gb.LN2G, gb.LN2B, &tp.effn[l], tp.emid[l], d, nt)
		tp.attnBwd(&b.Self, &gb.Self, b.LN1G, gb.LN1G, gb.LN1B, &tp.eattn[l], tp.xs[l], nil, nil, d, nt, nt)
	}
	for t := 0; t < nt; t++ {
		dt := d[t*D : (t+1)*D]
		addTo(g.Epos[t*D:(t+1)*D], dt)
		addTo(g.Btf, dt)
		for _, id := range ex.TokHash[t] {
			if id >= 0 {
				addTo(g.Ehash[int(id)*D:int(id+1)*D], dt)
			}
		}
	}
	linearBackward(nil, g.Wtf, nil, d, tp.tokFeat, w.Wtf, nt, Ft, D)
}
