package model

// float32 implementations behind the generic kernels of ops.go: the AVX2 paths
// (kernels_amd64.s) and the fast exp/tanh.

import "math"

// linearAVX is linear for float32 with I a multiple of 8. (A two-row kernel that
// loads each weight once per row pair measured no faster: at these sizes the rows
// stay in L1 and gemvAVX already runs near the FMA throughput.)
func linearAVX(out, in, w, b []float32, n, I, O int, acc bool) {
	var tmp [128]float32
	for i := 0; i < n; i++ {
		x := in[i*I : (i+1)*I]
		y := out[i*O : (i+1)*O]
		if !acc {
			gemvAVX(&w[0], &x[0], &y[0], O, I)
			if b != nil {
				addTo(y, b)
			}
			continue
		}
		for o0 := 0; o0 < O; o0 += len(tmp) {
			m := min(len(tmp), O-o0)
			gemvAVX(&w[o0*I], &x[0], &tmp[0], m, I)
			yy := y[o0 : o0+m]
			addTo(yy, tmp[:m])
			if b != nil {
				addTo(yy, b[o0:o0+m])
			}
		}
	}
}

// exp32: e^x = 2^n·e^r with n = round(x/ln2), |r| <= ln2/2, e^r by a degree-6 polynomial.
func exp32(x float32) float32 {
	if x < -87 {
		return 0
	}
	if x > 88.3 { // (rounds to Inf above ~88.72 anyway; the callers pass x <= 18)
		return float32(math.Inf(1))
	}
	const magic = 12582912 // 1.5·2^23: adding it rounds to an integer
	t := x*1.442695041 + magic
	n := t - magic
	r := x - n*0.693145752 - n*1.42860677e-06
	p := float32(1.0 / 720)
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

func tanh32(x float32) float32 {
	if x > 9 {
		return 1
	}
	if x < -9 {
		return -1
	}
	e := exp32(2 * x)
	return (e - 1) / (e + 1)
}

// attentionAVX is attention for float32: keys and values are transposed into
// [D][nkp] (nkp = nk rounded up to 8) so that both the scores and the weighted sum
// of one query and head are single AVX kernel calls over contiguous keys.
func attentionAVX(out, att, q, k, v, tmp []float32, nq, nk, D, H int) {
	hs := D / H
	nkp := (nk + 7) &^ 7
	kT, vT := tmp[:D*nkp], tmp[D*nkp:2*D*nkp]
	s, mask := tmp[2*D*nkp:2*D*nkp+nkp], tmp[2*D*nkp+nkp:2*D*nkp+2*nkp]
	transposeKV(kT, vT, k, v, nk, nkp, D)
	// scores start from the key mask: 0 for real keys, -1e30 for the padding,
	// whose probability then underflows (its value row is zero anyway).
	for j := range mask {
		mask[j] = 0
		if j >= nk {
			mask[j] = -1e30
		}
	}
	scale := float32(1 / math.Sqrt(float64(hs)))
	for h := 0; h < H; h++ {
		kh, vh := kT[h*hs*nkp:], vT[h*hs*nkp:]
		for i := 0; i < nq; i++ {
			copy(s, mask)
			gemvTAVX(&kh[0], &q[i*D+h*hs], &s[0], hs, nkp)
			softmaxAVX(&s[0], nkp, scale)
			copy(att[(h*nq+i)*nk:(h*nq+i+1)*nk], s)
			gemvAVX(&vh[0], &s[0], &out[i*D+h*hs], hs, nkp)
		}
	}
}

// transposeKV writes the nk key and value rows ([nk][D]) as columns of kT and vT
// ([D][nkp]), zeroing the padding columns nk..nkp-1.
func transposeKV(kT, vT, k, v []float32, nk, nkp, D int) {
	for j := 0; j < nk; j++ {
		kr, vr := k[j*D:(j+1)*D], v[j*D:(j+1)*D]
		for c := range kr {
			kT[c*nkp+j] = kr[c]
			vT[c*nkp+j] = vr[c]
		}
	}
	for c := 0; c < D; c++ {
		for j := nk; j < nkp; j++ {
			kT[c*nkp+j], vT[c*nkp+j] = 0, 0
		}
	}
}

// attentionBackwardAVX is attentionBackward for float32, per head in the transposed
// [hs][nkp] layout of attentionAVX so that every product is one AVX kernel call.
func attentionBackwardAVX(dq, dk, dv, dOut, att, q, k, v, tmp []float32, nq, nk, D, H int) {
	hs := D / H
	nkp := (nk + 7) &^ 7
	kT, vT, dkT, dvT := tmp[:D*nkp], tmp[D*nkp:2*D*nkp], tmp[2*D*nkp:3*D*nkp], tmp[3*D*nkp:4*D*nkp]
	rest := tmp[4*D*nkp:]
	ap, ds, dp, t := rest[:nq*nkp], rest[nq*nkp:2*nq*nkp], rest[2*nq*nkp:2*nq*nkp+nkp], rest[2*nq*nkp+nkp:2*nq*nkp+nkp+D]
	transposeKV(kT, vT, k, v, nk, nkp, D)
	for i := range dkT {
		dkT[i], dvT[i] = 0, 0
	}
	scale := float32(1 / math.Sqrt(float64(hs)))
	for h := 0; h < H; h++ {
		o0 := h * hs
		kh, vh := kT[o0*nkp:], vT[o0*nkp:]
		for i := 0; i < nq; i++ {
			a := att[(h*nq+i)*nk : (h*nq+i+1)*nk]
			api, dsi := ap[i*nkp:(i+1)*nkp], ds[i*nkp:(i+1)*nkp]
			copy(api, a)
			for j := range dp {
				dp[j] = 0
			}
			for j := nk; j < nkp; j++ {
				api[j], dsi[j] = 0, 0
			}
			gemvTAVX(&vh[0], &dOut[i*D+o0], &dp[0], hs, nkp) // dp[j] = dO_i·v_j
			var sum float32
			for j, aj := range a {
				sum += aj * dp[j]
			}
			for j, aj := range a {
				dsi[j] = aj * (dp[j] - sum) * scale
			}
			gemvAVX(&kh[0], &dsi[0], &t[0], hs, nkp) // Σ_j dS_ij k_j
			addTo(dq[i*D+o0:i*D+o0+hs], t[:hs])
		}
		gerAVX(&dvT[o0*nkp], &dOut[o0], &ap[0], nq, nkp, hs, D, nkp) // dv_j += Σ_i a_ij dO_i
		gerAVX(&dkT[o0*nkp], &q[o0], &ds[0], nq, nkp, hs, D, nkp)    // dk_j += Σ_i dS_ij q_i
	}
	for j := 0; j < nk; j++ {
		dkr, dvr := dk[j*D:(j+1)*D], dv[j*D:(j+1)*D]
		for c := range dkr {
			dkr[c] += dkT[c*nkp+j]
			dvr[c] += dvT[c*nkp+j]
		}
	}
}
