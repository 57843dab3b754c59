package model

import (
	"math"
	"unsafe"
)

// f32 reinterprets s as []float32 when F is 4 bytes wide (the branch is resolved
// per instantiation), so the float32 instantiation can call the AVX2 kernels.
func f32[F Float](s []F) ([]float32, bool) {
	var z F
	if unsafe.Sizeof(z) != 4 {
		return nil, false
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), true
}

// Kernels shared by the inference forward (float32) and the trainer (float32, and
// float64 in gradient checks). Matrices are row-major with the contiguous dimension
// innermost: W [out][in], activations [rows][width].

func dot[F Float](a, b []F) F {
	n := len(a)
	b = b[:n]
	if useAVX && n >= 8 {
		if a32, ok := f32(a); ok {
			b32, _ := f32(b)
			return F(dotAVX(&a32[0], &b32[0], n))
		}
	}
	var s0, s1, s2, s3 F
	i := 0
	for ; i+8 <= n; i += 8 {
		s0 += a[i]*b[i] + a[i+4]*b[i+4]
		s1 += a[i+1]*b[i+1] + a[i+5]*b[i+5]
		s2 += a[i+2]*b[i+2] + a[i+6]*b[i+6]
		s3 += a[i+3]*b[i+3] + a[i+7]*b[i+7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy: y += a·x.
func axpy[F Float](a F, x, y []F) {
	n := len(x)
	y = y[:n]
	if useAVX && n >= 8 {
		if x32, ok := f32(x); ok {
			y32, _ := f32(y)
			axpyAVX(float32(a), &x32[0], &y32[0], n)
			return
		}
	}
	i := 0
	for ; i+4 <= n; i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < n; i++ {
		y[i] += a * x[i]
	}
}

func addTo[F Float](y, x []F) {
	x = x[:len(y)]
	if useAVX && len(y) >= 8 {
		if y32, ok := f32(y); ok {
			x32, _ := f32(x)
			axpyAVX(1, &x32[0], &y32[0], len(y))
			return
		}
	}
	for i := range y {
		y[i] += x[i]
	}
}

// linear: out[i] = W·in[i] + b for i < n rows; b may be nil. If acc, out += instead.
func linear[F Float](out, in, w, b []F, n, I, O int, acc bool) {
	w = w[:O*I]
	if useAVX && I%8 == 0 && n > 0 {
		if w32, ok := f32(w); ok {
			in32, _ := f32(in[:n*I])
			out32, _ := f32(out[:n*O])
			var b32 []float32
			if b != nil {
				b32, _ = f32(b[:O])
			}
			linearAVX(out32, in32, w32, b32, n, I, O, acc)
			return
		}
	}
	for i := 0; i < n; i++ {
		x := in[i*I : (i+1)*I]
		y := out[i*O : (i+1)*O]
		o := 0
		// four output rows at a time: x stays in cache, four independent sums.
		for ; o+4 <= O; o += 4 {
			w0, w1, w2, w3 := w[o*I:(o+1)*I], w[(o+1)*I:(o+2)*I], w[(o+2)*I:(o+3)*I], w[(o+3)*I:(o+4)*I]
			var s0, s1, s2, s3 F
			for k, xv := range x {
				s0 += w0[k] * xv
				s1 += w1[k] * xv
				s2 += w2[k] * xv
				s3 += w3[k] * xv
			}
			if b != nil {
				s0 += b[o]
				s1 += b[o+1]
				s2 += b[o+2]
				s3 += b[o+3]
			}
			if acc {
				y[o] += s0
				y[o+1] += s1
				y[o+2] += s2
				y[o+3] += s3
			} else {
				y[o], y[o+1], y[o+2], y[o+3] = s0, s1, s2, s3
			}
		}
		for ; o < O; o++ {
			s := dot(w[o*I:(o+1)*I], x)
			if b != nil {
				s += b[o]
			}
			if acc {
				y[o] += s
			} else {
				y[o] = s
			}
		}
	}
}

// linearBackward accumulates the gradients of out = W·in + b: dIn (may be nil), dW, db (may be nil).
func linearBackward[F Float](dIn, dW, db, dOut, in, w []F, n, I, O int) {
	if useAVX && I%8 == 0 && n > 0 {
		if dW32, ok := f32(dW[:O*I]); ok {
			dOut32, _ := f32(dOut[:n*O])
			in32, _ := f32(in[:n*I])
			w32, _ := f32(w[:O*I])
			if dIn != nil {
				dIn32, _ := f32(dIn[:n*I])
				for i := 0; i < n; i++ {
					gemvTAVX(&w32[0], &dOut32[i*O], &dIn32[i*I], O, I)
				}
			}
			gerAVX(&dW32[0], &dOut32[0], &in32[0], n, I, O, O, I)
			if db != nil {
				for i := 0; i < n; i++ {
					addTo(db[:O], dOut[i*O:(i+1)*O])
				}
			}
			return
		}
	}
	for i := 0; i < n; i++ {
		g := dOut[i*O : (i+1)*O]
		x := in[i*I : (i+1)*I]
		for o, gv := range g {
			if gv == 0 {
				continue
			}
			if dIn != nil {
				axpy(gv, w[o*I:(o+1)*I], dIn[i*I:(i+1)*I])
			}
			axpy(gv, x, dW[o*I:(o+1)*I])
			if db != nil {
				db[o] += gv
			}
		}
	}
}

const lnEps = 1e-5

// layerNorm normalises n rows of width D; mean and rstd (may be nil) keep the statistics for backward.
func layerNorm[F Float](out, in, g, b, mean, rstd []F, n, D int) {
	if useAVX && D%8 == 0 && n > 0 {
		if out32, ok := f32(out[:n*D]); ok {
			in32, _ := f32(in[:n*D])
			g32, _ := f32(g[:D])
			b32, _ := f32(b[:D])
			var st [2]float32
			for i := 0; i < n; i++ {
				layerNormAVX(&out32[i*D], &in32[i*D], &g32[0], &b32[0], D, &st[0])
				if mean != nil {
					mean[i], rstd[i] = F(st[0]), F(st[1])
				}
			}
			return
		}
	}
	layerNormGo(out, in, g, b, mean, rstd, n, D)
}

func layerNormGo[F Float](out, in, g, b, mean, rstd []F, n, D int) {
	for i := 0; i < n; i++ {
		x := in[i*D : (i+1)*D]
		y := out[i*D : (i+1)*D]
		var m F
		for _, v := range x {
			m += v
		}
		m /= F(D)
		var va F
		for _, v := range x {
			d := v - m
			va += d * d
		}
		va /= F(D)
		r := F(1 / math.Sqrt(float64(va)+lnEps))
		for k, v := range x {
			y[k] = (v-m)*r*g[k] + b[k]
		}
		if mean != nil {
			mean[i], rstd[i] = m, r
		}
	}
}

func layerNormBackward[F Float](dIn, dg, db, dOut, in, g, mean, rstd []F, n, D int) {
	for i := 0; i < n; i++ {
		x := in[i*D : (i+1)*D]
		dy := dOut[i*D : (i+1)*D]
		dx := dIn[i*D : (i+1)*D]
		m, r := mean[i], rstd[i]
		var sum, sumN F
		for k := range x {
			nk := (x[k] - m) * r
			dn := dy[k] * g[k]
			sum += dn
			sumN += dn * nk
		}
		sum /= F(D)
		sumN /= F(D)
		for k := range x {
			nk := (x[k] - m) * r
			dn := dy[k] * g[k]
			dg[k] += dy[k] * nk
			db[k] += dy[k]
			dx[k] += r * (dn - sum - nk*sumN)
		}
	}
}

const geluC = 0.7978845608028654 // sqrt(2/pi)

func gelu[F Float](out, in []F) {
	out = out[:len(in)]
	if n8 := len(in) &^ 7; useAVX && n8 > 0 {
		if in32, ok := f32(in); ok {
			out32, _ := f32(out)
			geluAVX(&out32[0], &in32[0], n8)
			out, in = out[n8:], in[n8:]
		}
	}
	for i, x := range in {
		t := tanh(F(geluC) * (x + 0.044715*x*x*x))
		out[i] = 0.5 * x * (1 + t)
	}
}

// geluBackwardInPlace: d[i] *= gelu'(in[i]).
func geluBackwardInPlace[F Float](d, in []F) {
	d = d[:len(in)]
	for i, x := range in {
		t := tanh(F(geluC) * (x + 0.044715*x*x*x))
		du := F(geluC) * (1 + 3*0.044715*x*x)
		d[i] *= 0.5*(1+t) + 0.5*x*(1-t*t)*du
	}
}

// tanh and exp use float32 approximations (relative error ~1e-7) in the float32
// instantiation, where math.Exp/Tanh were a third of the decoder's time.
func tanh[F Float](x F) F {
	var z F
	if unsafe.Sizeof(z) == 4 {
		return F(tanh32(float32(x)))
	}
	return F(math.Tanh(float64(x)))
}

func exp[F Float](x F) F {
	var z F
	if unsafe.Sizeof(z) == 4 {
		return F(exp32(float32(x)))
	}
	return F(math.Exp(float64(x)))
}

// attentionTmp is the scratch attention needs for nk keys of width D.
func attentionTmp(nk, D int) int {
	nkp := (nk + 7) &^ 7
	return 2*D*nkp + 2*nkp
}

// attention: multi-head softmax attention of nq queries over nk keys, rows of width D
// split into H heads. att [H][nq][nk] receives the probabilities (kept for backward).
// tmp (attentionTmp(nk, D) long) lets the float32 instantiation use the AVX kernels.
func attention[F Float](out, att, q, k, v, tmp []F, nq, nk, D, H int) {
	if useAVX && len(tmp) >= attentionTmp(nk, D) {
		if out32, ok := f32(out); ok {
			att32, _ := f32(att)
			q32, _ := f32(q)
			k32, _ := f32(k)
			v32, _ := f32(v)
			tmp32, _ := f32(tmp)
			attentionAVX(out32, att32, q32, k32, v32, tmp32, nq, nk, D, H)
			return
		}
	}
	hs := D / H
	scale := F(1 / math.Sqrt(float64(hs)))
	for h := 0; h < H; h++ {
		o0 := h * hs
		for i := 0; i < nq; i++ {
			qi := q[i*D+o0 : i*D+o0+hs]
			a := att[(h*nq+i)*nk : (h*nq+i+1)*nk]
			mx := F(math.Inf(-1))
			for j := range a {
				s := dot(qi, k[j*D+o0:j*D+o0+hs]) * scale
				a[j] = s
				if s > mx {
					mx = s
				}
			}
			var sum F
			for j, s := range a {
				e := exp(s - mx)
				a[j] = e
				sum += e
			}
			inv := 1 / sum
			oi := out[i*D+o0 : i*D+o0+hs]
			for d := range oi {
				oi[d] = 0
			}
			for j := range a {
				a[j] *= inv
				axpy(a[j], v[j*D+o0:j*D+o0+hs], oi)
			}
		}
	}
}

// attentionBackwardTmp is the scratch attentionBackward needs to use the AVX kernels.
func attentionBackwardTmp(nq, nk, D int) int {
	nkp := (nk + 7) &^ 7
	return 4*D*nkp + 2*nq*nkp + nkp + D
}

// attentionBackward accumulates dq, dk, dv; dp is scratch of length nk, or of
// attentionBackwardTmp(nq, nk, D) to use the AVX kernels in the float32 instantiation.
func attentionBackward[F Float](dq, dk, dv, dOut, att, q, k, v, dp []F, nq, nk, D, H int) {
	if useAVX && len(dp) >= attentionBackwardTmp(nq, nk, D) {
		if dq32, ok := f32(dq); ok {
			dk32, _ := f32(dk)
			dv32, _ := f32(dv)
			dOut32, _ := f32(dOut)
			att32, _ := f32(att)
			q32, _ := f32(q)
			k32, _ := f32(k)
			v32, _ := f32(v)
			tmp32, _ := f32(dp)
			attentionBackwardAVX(dq32, dk32, dv32, dOut32, att32, q32, k32, v32, tmp32, nq, nk, D, H)
			return
		}
	}
	hs := D / H
	scale := F(1 / math.Sqrt(float64(hs)))
	for h := 0; h < H; h++ {
		o0 := h * hs
		for i := 0; i < nq; i++ {
			a := att[(h*nq+i)*nk : (h*nq+i+1)*nk]
			do := dOut[i*D+o0 : i*D+o0+hs]
			var s F
			for j := range a {
				vj := v[j*D+o0 : j*D+o0+hs]
				dp[j] = dot(do, vj)
				s += dp[j] * a[j]
				axpy(a[j], do, dv[j*D+o0:j*D+o0+hs])
			}
			qi := q[i*D+o0 : i*D+o0+hs]
			dqi := dq[i*D+o0 : i*D+o0+hs]
			for j := range a {
				ds := a[j] * (dp[j] - s) * scale
				if ds == 0 {
					continue
				}
				axpy(ds, k[j*D+o0:j*D+o0+hs], dqi)
				axpy(ds, qi, dk[j*D+o0:j*D+o0+hs])
			}
		}
	}
}

// embedTokens writes the encoder input of ex's tokens into x ([NTok][D]): the
// position embedding, the token-feature bias and the hashed-id embeddings (ids
// < 0 are unused). The token features are added by the caller (a linear layer).
func embedTokens[F Float](x []F, w *Tensors[F], ex *Example, D int) {
	for t := 0; t < ex.NTok; t++ {
		xt := x[t*D : (t+1)*D]
		copy(xt, w.Epos[t*D:(t+1)*D])
		addTo(xt, w.Btf)
		for _, id := range ex.TokHash[t] {
			if id >= 0 {
				addTo(xt, w.Ehash[int(id)*D:int(id+1)*D])
			}
		}
	}
}
