// The whole K-step fill of docs/model.md in one kernel: one thread block per
// example runs the encoder, the candidate projections, and K rounds of
// decoder + sampler, keeping activations in shared memory. At these sizes
// (D=48, 27 positions) launch overhead dominates, so one launch per fill beats
// any split into per-layer kernels; batch parallelism comes from the grid.
//
// Compiled to PTX by `go generate` (see ../doc.go); the PTX is committed and
// loaded with cuModuleLoadData, so the driver JIT-compiles it for the card.
// The same source also builds as C++ for the CPU emulator (emu.h, VC_EMU), which
// runs the GPU parity tests where no GPU is.
#include "fill.h"

// VC_MMA: matrix products on the tensor cores (mma.sync, TF32 in three passes
// for float32 accuracy). It needs sm_80, so it is on in the compute_80 PTX
// (fill80.ptx) and off in the compute_52 one (fill.ptx), which older GPUs run.
#ifndef VC_MMA
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define VC_MMA 1
#else
#define VC_MMA 0
#endif
#endif

// The kernel's linkage: C names in the PTX; the CPU emulator (emu.h) compiles
// this file twice, with and without VC_MMA, into two C++ namespaces.
#ifndef VC_KERNEL
#define VC_KERNEL extern "C" __global__
#endif

#define FULL 0xffffffffu

// The network description lives in constant memory: every thread reads the
// same field at the same time, which the constant cache serves in one access.
__constant__ VCNet cnet;
#define WP ((const float*)cnet.w)
#define TID ((int)threadIdx.x)
#define NTH ((int)blockDim.x)
#define LANE ((int)threadIdx.x & 31)
#define WARP ((int)threadIdx.x >> 5)
#define NWARPS ((int)blockDim.x >> 5)

__device__ __forceinline__ float warpSum(float v) {
	for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL, v, o);
	return v;
}

__device__ __forceinline__ float warpMax(float v) {
	for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL, v, o));
	return v;
}

// argmax over (v, i): larger v wins, ties go to the lower index; i < 0 = none.
__device__ __forceinline__ void warpArgmax(float& v, int& i) {
	for (int o = 16; o > 0; o >>= 1) {
		float ov = __shfl_xor_sync(FULL, v, o);
		int oi = __shfl_xor_sync(FULL, i, o);
		bool take = oi >= 0 && (i < 0 || ov > v || (ov == v && oi < i));
		if (take) {
			v = ov;
			i = oi;
		}
	}
}

__device__ __forceinline__ float gelu(float x) {
	float t = tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x));
	return 0.5f * x * (1.0f + t);
}

// layerNorm: out[r] = LN(in[r]) for r < R, one warp per row (out may equal in).
__device__ __noinline__ void layerNorm(float* out, const float* in, const float* g, const float* b, int R, int D) {
	for (int r = WARP; r < R; r += NWARPS) {
		const float* x = in + (long long)r * D;
		float s = 0.f;
		for (int d = LANE; d < D; d += 32) s += x[d];
		float m = warpSum(s) / D;
		float v = 0.f;
		for (int d = LANE; d < D; d += 32) {
			float t = x[d] - m;
			v += t * t;
		}
		v = warpSum(v) / D;
		float rs = rsqrtf(v + 1e-5f);
		float* y = out + (long long)r * D;
		for (int d = LANE; d < D; d += 32) y[d] = (x[d] - m) * rs * g[d] + b[d];
	}
}

__device__ __forceinline__ float4 lds4(unsigned a) {
#ifdef VC_EMU // the CPU emulator (emu.h) has no PTX
	return vcemu_lds4(a);
#else
	float4 v;
	asm volatile("ld.shared.v4.f32 {%0, %1, %2, %3}, [%4];" : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w) : "r"(a));
	return v;
#endif
}

// lds1 loads a float at a shared-memory address, ldg1 one from global memory:
// with the state space explicit the loads need no generic-address translation
// (64-bit address arithmetic per load, which dominated the attention loops).
// They are not volatile, so the compiler may schedule them (nothing a product
// or an attention reads is written during it).
#ifdef VC_EMU
__device__ __forceinline__ float lds1(unsigned a) { return vcemu_lds1(a); }
__device__ __forceinline__ float ldg1(const float* p) { return *p; }
#else
__device__ __forceinline__ float lds1(unsigned a) {
	float v;
	asm("ld.shared.f32 %0, [%1];" : "=f"(v) : "r"(a));
	return v;
}
__device__ __forceinline__ float ldg1(const float* p) {
	float v;
	asm("ld.global.f32 %0, [%1];" : "=f"(v) : "l"(p));
	return v;
}
#endif

// smaddr is p's 32-bit shared-memory address.
__device__ __forceinline__ unsigned smaddr(const float* p) { return (unsigned)__cvta_generic_to_shared(p); }

enum { MM_STORE = 0, MM_ADD = 1, MM_GELU = 2, MM_STORE_T = 3 };

// mmT: out[r][n] (op)= (bias[n] + sum_k in[r][k] * Wt[k][n]) * scale for r < R,
// n < N (MM_STORE_T stores out[n][r]). Wt is [K][ldw] in global memory (plain
// loads: it may have been written earlier in this kernel); in and out are
// row-major with strides ldi, ldo.
// Each work item owns RP consecutive rows of one output column: one weight
// load serves RP multiply-adds; consecutive threads take consecutive columns,
// so a warp's weight loads coalesce and its input loads broadcast.
template <int RP, bool VEC>
__device__ __forceinline__ void mmT(float* out, int ldo, const float* in, int ldi, const float* Wt, int ldw,
                                    const float* bias, int R, int K, int N, int op, float scale) {
	int groups = (R + RP - 1) / RP;
	int items = groups * N;
	for (int it = TID; it < items; it += NTH) {
		int n = it % N, r0 = (it / N) * RP;
		float acc[RP];
		const float* xr[RP];
		unsigned xs[RP]; // VEC: the same rows as 32-bit shared-memory addresses
#pragma unroll
		for (int i = 0; i < RP; i++) {
			acc[i] = 0.f;
			int r = min(r0 + i, R - 1);
			xr[i] = in + r * ldi;
			if (VEC) xs[i] = (unsigned)__cvta_generic_to_shared(xr[i]);
		}
		const float* w = Wt + n;
		int k = 0;
		// eight weight loads in flight before the first multiply-add
		for (; k + 8 <= K; k += 8) {
			float wk[8];
#pragma unroll
			for (int j = 0; j < 8; j++) wk[j] = w[(k + j) * ldw];
#pragma unroll
			for (int i = 0; i < RP; i++) {
				if (VEC) {
					float4 a = lds4(xs[i] + 4 * k), b = lds4(xs[i] + 4 * k + 16);
					acc[i] += a.x * wk[0];
					acc[i] += a.y * wk[1];
					acc[i] += a.z * wk[2];
					acc[i] += a.w * wk[3];
					acc[i] += b.x * wk[4];
					acc[i] += b.y * wk[5];
					acc[i] += b.z * wk[6];
					acc[i] += b.w * wk[7];
				} else {
#pragma unroll
					for (int j = 0; j < 8; j++) acc[i] += xr[i][k + j] * wk[j];
				}
			}
		}
		for (; k < K; k++) {
			float wk = w[k * ldw];
#pragma unroll
			for (int i = 0; i < RP; i++) acc[i] += xr[i][k] * wk;
		}
		float bn = bias ? bias[n] : 0.f;
#pragma unroll
		for (int i = 0; i < RP; i++) {
			int r = r0 + i;
			if (r < R) {
				float v = (acc[i] + bn) * scale;
				float* o = op == MM_STORE_T ? out + n * ldo + r : out + r * ldo + n;
				if (op == MM_ADD)
					*o += v;
				else if (op == MM_GELU)
					*o = gelu(v);
				else
					*o = v;
			}
		}
	}
}

#if VC_MMA
// TF32 tensor-core products. mma1688 is D += A·B for a 16×8 tile of D with
// k = 8, A and B as TF32 (float32 with the low 13 mantissa bits zero) in the
// register fragments of the PTX ISA ("Matrix Fragments for mma.m16n8k8",
// .tf32): with g = lane/4 and t = lane%4, a = A[g][t], A[g+8][t], A[g][t+4],
// A[g+8][t+4]; b = B[t][g], B[t+4][g]; d = D[g][2t], D[g][2t+1], D[g+8][2t],
// D[g+8][2t+1].
#ifdef VC_EMU
__device__ __forceinline__ void mma1688(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
	vcemu_mma1688(d, a, b);
}
#else
__device__ __forceinline__ void mma1688(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
	asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
	    "{%0, %1, %2, %3};"
	    : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
	    : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif

// split writes x = hi + lo as two TF32 numbers, each rounded to nearest (two
// integer operations: sm_90 has no single instruction for cvt.rna.tf32, and
// these operands are finite); hi·hi + hi·lo + lo·hi then carries about 21 of
// float32's 24 mantissa bits ("3xTF32"). TF32 alone moves the logits by 1-2e-3,
// more than the CPU parity allows (measured on the emulator).
__device__ __forceinline__ void split(float x, unsigned& hi, unsigned& lo) {
	hi = (__float_as_uint(x) + 0x1000u) & 0xffffe000u;
	lo = (__float_as_uint(x - __uint_as_float(hi)) + 0x1000u) & 0xffffe000u;
}

// mmStep adds k = k0..k0+7 of the products into acc: A rows x0 and x1 (this
// lane's g and g+8; shared-memory addresses s0, s1 when SH), B columns w[j]
// (global memory). TAIL: k may pass K, and those k count as 0.
template <int NT, bool TAIL, bool SH>
__device__ __forceinline__ void mmStep(float (&acc)[NT][4], const float* x0, const float* x1, unsigned s0, unsigned s1,
                                       const float* const (&w)[NT], int ldw, int k0, int K) {
	const int t = LANE & 3, ka = k0 + t, kb = ka + 4;
	const bool va = !TAIL || ka < K, vb = !TAIL || kb < K;
	float a[4] = {0.f, 0.f, 0.f, 0.f};
	if (va) {
		a[0] = SH ? lds1(s0 + 4 * ka) : x0[ka];
		a[1] = SH ? lds1(s1 + 4 * ka) : x1[ka];
	}
	if (vb) {
		a[2] = SH ? lds1(s0 + 4 * kb) : x0[kb];
		a[3] = SH ? lds1(s1 + 4 * kb) : x1[kb];
	}
	unsigned ah[4], al[4];
#pragma unroll
	for (int i = 0; i < 4; i++) split(a[i], ah[i], al[i]);
#pragma unroll
	for (int j = 0; j < NT; j++) {
		unsigned bh[2], bl[2];
		split(va ? ldg1(w[j] + ka * ldw) : 0.f, bh[0], bl[0]);
		split(vb ? ldg1(w[j] + kb * ldw) : 0.f, bh[1], bl[1]);
		mma1688(acc[j], al, bh); // small terms first
		mma1688(acc[j], ah, bl);
		mma1688(acc[j], ah, bh);
	}
}

// mmTC computes what mmT does, one warp per 16-row × 8·NT-column block of the
// output: NT tiles share each A fragment. Rows past R and columns past N load
// clamped (valid) addresses and are not stored.
template <int NT, bool SH>
__device__ __forceinline__ void mmTC(float* out, int ldo, const float* in, int ldi, const float* Wt, int ldw,
                                     const float* bias, int R, int K, int N, int op, float scale) {
	const int g = LANE >> 2, t = LANE & 3;
	const int colBlocks = (N + 8 * NT - 1) / (8 * NT), items = ((R + 15) >> 4) * colBlocks;
	for (int it = WARP; it < items; it += NWARPS) { // warp-uniform: mma.sync needs the whole warp
		const int r0 = (it / colBlocks) * 16, c0 = (it % colBlocks) * 8 * NT;
		const float* x0 = in + min(r0 + g, R - 1) * ldi;
		const float* x1 = in + min(r0 + g + 8, R - 1) * ldi;
		const float* w[NT];
		float acc[NT][4];
#pragma unroll
		for (int j = 0; j < NT; j++) {
			w[j] = Wt + min(c0 + 8 * j + g, N - 1);
			acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.f;
		}
		const unsigned s0 = SH ? (unsigned)__cvta_generic_to_shared(x0) : 0u;
		const unsigned s1 = SH ? (unsigned)__cvta_generic_to_shared(x1) : 0u;
		int k0 = 0;
		for (; k0 + 8 <= K; k0 += 8) mmStep<NT, false, SH>(acc, x0, x1, s0, s1, w, ldw, k0, K);
		if (k0 < K) mmStep<NT, true, SH>(acc, x0, x1, s0, s1, w, ldw, k0, K);
#pragma unroll
		for (int j = 0; j < NT; j++) {
#pragma unroll
			for (int i = 0; i < 4; i++) {
				const int r = r0 + g + (i >> 1) * 8, n = c0 + 8 * j + 2 * t + (i & 1);
				if (r >= R || n >= N) continue;
				const float v = (acc[j][i] + (bias ? bias[n] : 0.f)) * scale;
				float* o = op == MM_STORE_T ? out + n * ldo + r : out + r * ldo + n;
				if (op == MM_ADD)
					*o += v;
				else if (op == MM_GELU)
					*o = gelu(v);
				else
					*o = v;
			}
		}
	}
}
#endif

// mm picks the row blocking: the fewest rows per item (shortest dependency
// chains, best at batch 1) that still fit the block in one pass, else four; and
// 16-byte input loads where the rows are aligned for them.
__device__ __noinline__ void mm(float* out, int ldo, const float* in, int ldi, const float* Wt, const float* b, int R,
                                int K, int N, int op, int ldw = -1, float scale = 1.f) {
	if (ldw < 0) ldw = N;
#if VC_MMA
	// as many column tiles per warp as it takes to cover the product in one pass
	const int tiles = ((R + 15) >> 4) * ((N + 7) >> 3);
	const bool sh = __isShared(in);
	// (four tiles per warp would spill: 64 registers per thread at 1024 threads)
	if (tiles <= NWARPS) {
		if (sh)
			mmTC<1, true>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
		else
			mmTC<1, false>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
	} else {
		if (sh)
			mmTC<2, true>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
		else
			mmTC<2, false>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
	}
#else
	// 16-byte shared loads where the input is aligned shared memory; generic loads
	// otherwise (inputs read straight from the batch blob, odd widths)
	bool vec = __isShared(in) && ((unsigned long long)in & 15) == 0 && (ldi & 3) == 0;
	// Short chains pay only while the SM has issue slots to spare, i.e. with the
	// 1024-thread blocks the host picks for small batches; else four rows.
	const bool latency = NTH >= 1024;
	if (latency && R * N <= NTH) {
		if (vec)
			mmT<1, true>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
		else
			mmT<1, false>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
	} else if (latency && ((R + 1) >> 1) * N <= NTH) {
		if (vec)
			mmT<2, true>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
		else
			mmT<2, false>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
	} else {
		if (vec)
			mmT<4, true>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
		else
			mmT<4, false>(out, ldo, in, ldi, Wt, ldw, b, R, K, N, op, scale);
	}
#endif
}

// kvAt reads K or V at element offset off: from shared memory at the 32-bit
// address sbase (self-attention) or from global memory at base (cross-attention
// reads the encoder's keys and values from encbuf).
template <bool KVSH>
__device__ __forceinline__ float kvAt(const float* base, unsigned sbase, int off) {
	return KVSH ? lds1(sbase + 4u * off) : ldg1(base + off);
}

// attentionT: O[i] = softmax_j(Q[i]·K[j]/sqrt(hs)) V[j] per head, for i < nq
// and keys j < nk, for any head size hs. Q, K, V rows have strides lq, lk, lv; O
// has stride D; Q and O are in shared memory, K and V too when KVSH. One warp per
// (head, query): lane j scores key j (and j+32, ...), the softmax is two warp
// reductions, and the probabilities reach the output lanes by shuffle, so the
// scores never touch shared memory. Needs nk <= 128 (checked by the host: T and P
// are at most 128).
template <bool KVSH>
__device__ __forceinline__ void attentionT(float* O, const float* Q, int lq, const float* Kp, int lk,
                                           const float* V, int lv, int nq, int nk) {
	const int D = cnet.D, H = cnet.H, hs = D / H;
	const float scale = rsqrtf((float)hs);
	const unsigned sQ = smaddr(Q);
	const unsigned sK = KVSH ? smaddr(Kp) : 0u, sV = KVSH ? smaddr(V) : 0u;
	for (int row = WARP; row < H * nq; row += NWARPS) {
		const int h = row / nq, i = row - h * nq;
		const unsigned q = sQ + 4u * (i * lq + h * hs);
		float p[4];
		float m = -INFINITY;
#pragma unroll
		for (int u = 0; u < 4; u++) {
			const int j = LANE + 32 * u;
			p[u] = -INFINITY;
			if (j < nk) {
				const int k0 = j * lk + h * hs;
				float a = 0.f;
				for (int d = 0; d < hs; d++) a += lds1(q + 4u * d) * kvAt<KVSH>(Kp, sK, k0 + d);
				p[u] = a * scale;
				m = fmaxf(m, p[u]);
			}
		}
		m = warpMax(m);
		float sum = 0.f;
#pragma unroll
		for (int u = 0; u < 4; u++) {
			p[u] = LANE + 32 * u < nk ? expf(p[u] - m) : 0.f;
			sum += p[u];
		}
		const float inv = 1.f / warpSum(sum);
#pragma unroll
		for (int u = 0; u < 4; u++) p[u] *= inv;
		const int v0 = h * hs;
		float* o = O + i * D + h * hs;
		const int G = 32 / hs; // lane groups of hs lanes
		if (nk <= 32 && G >= 2) {
			// group g sums keys g, g+G, ...; then group 0 adds up the others
			const int g = LANE / hs, d = LANE - g * hs;
			float acc = 0.f;
			int off = g * lv + v0 + d;
			for (int j0 = 0; j0 < nk; j0 += G, off += G * lv) {
				const int j = j0 + g;
				const float pj = __shfl_sync(FULL, p[0], j & 31);
				if (g < G && j < nk) acc += pj * kvAt<KVSH>(V, sV, off);
			}
			for (int gg = 1; gg < G; gg++) {
				const float part = __shfl_down_sync(FULL, acc, gg * hs);
				if (g == 0) acc += part;
			}
			if (g == 0) o[d] = acc;
			continue;
		}
		for (int d0 = 0; d0 < hs; d0 += 32) {
			const int d = d0 + LANE;
			float acc = 0.f;
#pragma unroll
			for (int u = 0; u < 4; u++) {
				if (32 * u >= nk) break;
				const int n = min(32, nk - 32 * u);
				for (int jj = 0; jj < n; jj++) {
					float pj = __shfl_sync(FULL, p[u], jj);
					if (d < hs) acc += pj * kvAt<KVSH>(V, sV, (32 * u + jj) * lv + v0 + d);
				}
			}
			if (d < hs) o[d] = acc;
		}
	}
}

// attentionQ computes what attentionT does for a head size HS known at compile
// time, with one warp per (head, block of 32 queries) and one lane per query:
// each lane holds its query and output rows in registers and walks the keys once
// with an online softmax (a running maximum and sum; the output is rescaled when
// the maximum grows). Every K and V element a step reads is then one address for
// the whole warp (a broadcast load), and no lane waits for another: about a
// tenth of attentionT's instructions at the demo sizes, where the lanes of a
// row-per-warp layout mostly idle or shuffle (measured, docs/gpu.md).
template <int HS, bool KVSH>
__device__ __forceinline__ void attentionQ(float* O, const float* Q, int lq, const float* Kp, int lk,
                                           const float* V, int lv, int nq, int nk) {
	const int D = cnet.D, H = cnet.H, qblocks = (nq + 31) >> 5;
	const float scale = rsqrtf((float)HS);
	const unsigned sQ = smaddr(Q);
	const unsigned sK = KVSH ? smaddr(Kp) : 0u, sV = KVSH ? smaddr(V) : 0u;
	for (int task = WARP; task < H * qblocks; task += NWARPS) {
		const int h = task / qblocks, i = (task - h * qblocks) * 32 + LANE;
		if (i >= nq) continue; // lanes never exchange data here
		float q[HS], o[HS];
		const unsigned qa = sQ + 4u * (i * lq + h * HS);
#pragma unroll
		for (int d = 0; d < HS; d++) {
			q[d] = lds1(qa + 4u * d);
			o[d] = 0.f;
		}
		float m = -INFINITY, l = 0.f;
		int koff = h * HS, voff = h * HS;
		for (int j = 0; j < nk; j++, koff += lk, voff += lv) {
			float a = 0.f;
#pragma unroll
			for (int d = 0; d < HS; d++) a += q[d] * kvAt<KVSH>(Kp, sK, koff + d);
			const float sc = a * scale;
			if (sc > m) { // the first key always: exp(-inf) = 0 clears l and o
				const float c = expf(m - sc);
				l *= c;
#pragma unroll
				for (int d = 0; d < HS; d++) o[d] *= c;
				m = sc;
			}
			const float pj = expf(sc - m);
			l += pj;
#pragma unroll
			for (int d = 0; d < HS; d++) o[d] += pj * kvAt<KVSH>(V, sV, voff + d);
		}
		const float inv = 1.f / l;
		float* out = O + i * D + h * HS;
#pragma unroll
		for (int d = 0; d < HS; d++) out[d] = o[d] * inv;
	}
}

// attentionHS runs attentionQ where the head size is one of the common ones (8,
// 12 and 16: the demo's is 12; larger ones would not fit two rows per lane in
// registers), else attentionT, with K and V in shared or global memory.
template <bool KVSH>
__device__ __forceinline__ void attentionHS(float* O, const float* Q, int lq, const float* Kp, int lk, const float* V,
                                            int lv, int nq, int nk) {
	switch (cnet.D / cnet.H) {
	case 8:
		attentionQ<8, KVSH>(O, Q, lq, Kp, lk, V, lv, nq, nk);
		break;
	case 12:
		attentionQ<12, KVSH>(O, Q, lq, Kp, lk, V, lv, nq, nk);
		break;
	case 16:
		attentionQ<16, KVSH>(O, Q, lq, Kp, lk, V, lv, nq, nk);
		break;
	default:
		attentionT<KVSH>(O, Q, lq, Kp, lk, V, lv, nq, nk);
	}
}

// attention: O[i] = softmax_j(Q[i]·K[j]/sqrt(hs)) V[j] per head (attentionHS).
// Ends with a barrier.
__device__ __noinline__ void attention(float* O, const float* Q, int lq, const float* Kp, int lk, const float* V,
                                       int lv, int nq, int nk) {
	if (__isShared(Kp))
		attentionHS<true>(O, Q, lq, Kp, lk, V, lv, nq, nk);
	else
		attentionHS<false>(O, Q, lq, Kp, lk, V, lv, nq, nk);
	__syncthreads();
}

__device__ __forceinline__ bool bit(const unsigned* row, int i) { return (row[i >> 5] >> (i & 31)) & 1u; }

// pairOK: candidate cd at position p satisfies every pair table whose other role
// is committed (com >= 0) in p's frame. tabs holds ntab x {roleA, roleB, bits}.
__device__ bool pairOK(const int* tabs, int ntab, int ncand, int words, const int* com, int S, int p, int cd) {
	const int role = p % S, f0 = p - role, stride = 2 + ncand * words;
	for (int t = 0; t < ntab; t++) {
		const int* tb = tabs + (long long)t * stride;
		const unsigned* bits = (const unsigned*)(tb + 2);
		if (tb[1] == role) {
			int a = com[f0 + tb[0]];
			if (a >= 0 && !bit(bits + (long long)a * words, cd)) return false;
		}
		if (tb[0] == role) {
			int b = com[f0 + tb[1]];
			if (b >= 0 && !bit(bits + (long long)cd * words, b)) return false;
		}
	}
	return true;
}

VC_KERNEL void __launch_bounds__(1024)
    vc_fill(const unsigned char* __restrict__ in, long long steps, long long mode, float* encbuf, void* out) {
#ifdef VC_EMU
	float* sm = vcemu_dynamic_smem();
#else
	extern __shared__ float sm[];
#endif
	// Per-block pointers live in shared memory rather than registers: the body
	// calls non-inlined helpers, and keeping ~30 pointers live across those
	// calls would otherwise spill.
	__shared__ struct {
		float *X_, *XN_, *QKV_, *SC_, *KIN_, *KK_, *CKV_;
		int *com_, *done_, *chs_, *fre_, *cm_, *ord_;
		float *cnf_, *fpr_;
		VCEx ex_;
	} B;
	if (threadIdx.x == 0) {
		B.ex_ = ((const VCEx*)in)[blockIdx.x];
		B.X_ = sm + cnet.smX;     // [R][D] residual stream
		B.XN_ = sm + cnet.smXN;   // [R][D] normalised / attention output
		B.QKV_ = sm + cnet.smQKV; // [R][max(3D,Fh)]
		B.SC_ = sm + cnet.smSC;   // attention scores; logits [P][C]
		const int P = cnet.P;
		B.com_ = (int*)(sm + cnet.smInts); // [P] committed candidate (-1 = mask token)
		B.done_ = B.com_ + P;               // [P] position already committed
		B.chs_ = B.done_ + P;               // [P] constrained choice this step
		B.fre_ = B.chs_ + P;                // [P] free choice this step
		B.cm_ = B.fre_ + P;                 // [P] commit this step
		B.cnf_ = (float*)(B.cm_ + P);       // [P] conf this step
		B.fpr_ = B.cnf_ + P;                // [P] free prob this step
		B.ord_ = (int*)(B.fpr_ + P);        // [P] commit order this step
		float* es = encbuf + (long long)blockIdx.x * cnet.esStride;
		B.KIN_ = es + cnet.esKIN; // [C][D] Win·k_c
		B.KK_ = es + cnet.esKK;   // [C][D] WkOut·k_c
		B.CKV_ = es + cnet.esCKV; // [Ld][T][2D] cross-attention keys and values
	}
	__syncthreads();
	if (B.ex_.ntok <= 0) return;
	const float* __restrict__ W = WP;
	const int D = cnet.D, P = cnet.P, S = cnet.S, C = cnet.C, T = cnet.T, Ld = cnet.Ld, Fh = cnet.Fh;
	const int LQ = 3 * D + 1; // odd row stride: attention's per-key reads hit distinct banks
#define ex B.ex_
#define ntok B.ex_.ntok
#define ncand B.ex_.ncand
#define words B.ex_.words
#define X B.X_
#define XN B.XN_
#define QKV B.QKV_
#define SC B.SC_
#define KIN B.KIN_
#define KK B.KK_
#define CKV B.CKV_
#define com B.com_
#define done B.done_
#define chs B.chs_
#define fre B.fre_
#define cm B.cm_
#define cnf B.cnf_
#define fpr B.fpr_
#define ord B.ord_

	if (mode & VC_ENCODE) {
		const int* hash = (const int*)(in + ex.hash);
		const int Hs = cnet.Hs;
		for (int it = TID; it < ntok * D; it += NTH) {
			int t = it / D, d = it % D;
			float s = 0.f;
			const int* ht = hash + t * Hs;
			int j = 0;
			for (; j + 4 <= Hs; j += 4) { // four independent row loads in flight
				int h0 = ht[j], h1 = ht[j + 1], h2 = ht[j + 2], h3 = ht[j + 3];
				float e0 = h0 >= 0 ? W[cnet.ehash + (long long)h0 * D + d] : 0.f;
				float e1 = h1 >= 0 ? W[cnet.ehash + (long long)h1 * D + d] : 0.f;
				float e2 = h2 >= 0 ? W[cnet.ehash + (long long)h2 * D + d] : 0.f;
				float e3 = h3 >= 0 ? W[cnet.ehash + (long long)h3 * D + d] : 0.f;
				s += e0;
				s += e1;
				s += e2;
				s += e3;
			}
			for (; j < Hs; j++) {
				int h = ht[j];
				if (h >= 0) s += W[cnet.ehash + (long long)h * D + d];
			}
			X[it] = s + W[cnet.btf + d] + W[cnet.epos + (long long)t * D + d];
		}
		__syncthreads();
		mm(X, D, (const float*)(in + ex.tokfeat), cnet.Ft, W + cnet.wtf, 0, ntok, cnet.Ft, D, MM_ADD);
		__syncthreads();
		for (int l = 0; l < cnet.Le; l++) {
			const VCEncOff& o = cnet.enc[l];
			layerNorm(XN, X, W + o.ln1g, W + o.ln1b, ntok, D);
			__syncthreads();
			mm(QKV, LQ, XN, D, W + o.wqkv, W + o.bqkv, ntok, D, 3 * D, MM_STORE);
			__syncthreads();
			attention(XN, QKV, LQ, QKV + D, LQ, QKV + 2 * D, LQ, ntok, ntok);
			mm(X, D, XN, D, W + o.wo, W + o.bo, ntok, D, D, MM_ADD);
			__syncthreads();
			layerNorm(XN, X, W + o.ln2g, W + o.ln2b, ntok, D);
			__syncthreads();
			mm(QKV, Fh, XN, D, W + o.w1, W + o.b1, ntok, D, Fh, MM_GELU);
			__syncthreads();
			mm(X, D, QKV, Fh, W + o.w2, W + o.b2, ntok, Fh, D, MM_ADD);
			__syncthreads();
		}
		layerNorm(X, X, W + cnet.lnencg, W + cnet.lnencb, ntok, D);
		__syncthreads();
		// candidates: k_c = Ekind[kind] + Wpool·(sum_t pool[c][t] h_t) + Wcf·feat + bcf
		float* POOL = XN; // [C][D]; with KC, scratch spanning XN, QKV, SC
		float* KC = XN + (long long)C * D;
		const int* kind = (const int*)(in + ex.kind);
		const float* pool = (const float*)(in + ex.pool);
		for (int it = TID; it < ncand * D; it += NTH) {
			int cd = it / D, d = it % D;
			float s = 0.f;
			for (int t = 0; t < ntok; t++) s += pool[cd * ntok + t] * X[t * D + d];
			POOL[it] = s;
			KC[it] = W[cnet.ekind + (long long)kind[cd] * D + d] + W[cnet.bcf + d];
		}
		__syncthreads();
		mm(KC, D, POOL, D, W + cnet.wpool, 0, ncand, D, D, MM_ADD);
		__syncthreads();
		mm(KC, D, (const float*)(in + ex.candfeat), cnet.Fc, W + cnet.wcf, 0, ncand, cnet.Fc, D, MM_ADD);
		__syncthreads();
		mm(KIN, D, KC, D, W + cnet.win, 0, ncand, D, D, MM_STORE);
		// stored transposed, [D][C], and pre-scaled by 1/sqrt(D) like the CPU's kout:
		// the logits below are then a plain mm with coalesced reads
		mm(KK, C, KC, D, W + cnet.wkout, 0, ncand, D, D, MM_STORE_T, -1, rsqrtf((float)D));
		for (int l = 0; l < Ld; l++)
			mm(CKV + (long long)l * T * 2 * D, 2 * D, X, D, W + cnet.dec[l].cwkv, W + cnet.dec[l].cbkv, ntok, D, 2 * D,
			   MM_STORE);
		__syncthreads();
	}
	if (!(mode & (VC_FILL | VC_LOGITS))) return;

	const int* comIn = (const int*)(in + ex.committed);
	int* o = (int*)out + (long long)blockIdx.x * VC_OUT_WORDS(P);
	for (int p = TID; p < P; p += NTH) {
		com[p] = (mode & VC_LOGITS) ? comIn[p] : -1;
		done[p] = 0;
		if (mode & VC_FILL) o[4 * P + p] = -1;
	}
	__syncthreads();
	int K = (mode & VC_LOGITS) ? 1 : (int)steps;
	if (K < 1) K = 1;
	if (K > P) K = P;
	const float lscale = rsqrtf((float)D);
	for (int s = 0; s < K; s++) {
		for (int it = TID; it < P * D; it += NTH) {
			int p = it / D, d = it % D;
			int k = com[p];
			float e = k < 0 ? W[cnet.emask + d] : KIN[(long long)k * D + d];
			X[it] = W[cnet.erole + (long long)(p % S) * D + d] + W[cnet.eframe + (long long)(p / S) * D + d] + e;
		}
		__syncthreads();
		for (int l = 0; l < Ld; l++) {
			const VCDecOff& o = cnet.dec[l];
			layerNorm(XN, X, W + o.ln1g, W + o.ln1b, P, D);
			__syncthreads();
			mm(QKV, LQ, XN, D, W + o.wqkv, W + o.bqkv, P, D, 3 * D, MM_STORE);
			__syncthreads();
			attention(XN, QKV, LQ, QKV + D, LQ, QKV + 2 * D, LQ, P, P);
			mm(X, D, XN, D, W + o.wo, W + o.bo, P, D, D, MM_ADD);
			__syncthreads();
			layerNorm(XN, X, W + o.ln2g, W + o.ln2b, P, D);
			__syncthreads();
			mm(QKV, D + 1, XN, D, W + o.cwq, W + o.cbq, P, D, D, MM_STORE);
			__syncthreads();
			const float* ckv = CKV + (long long)l * T * 2 * D;
			attention(XN, QKV, D + 1, ckv, 2 * D, ckv + D, 2 * D, P, ntok);
			mm(X, D, XN, D, W + o.cwo, W + o.cbo, P, D, D, MM_ADD);
			__syncthreads();
			layerNorm(XN, X, W + o.ln3g, W + o.ln3b, P, D);
			__syncthreads();
			mm(QKV, Fh, XN, D, W + o.w1, W + o.b1, P, D, Fh, MM_GELU);
			__syncthreads();
			mm(X, D, QKV, Fh, W + o.w2, W + o.b2, P, Fh, D, MM_ADD);
			__syncthreads();
		}
		layerNorm(XN, X, W + cnet.lndecg, W + cnet.lndecb, P, D);
		__syncthreads();
		mm(QKV, D, XN, D, W + cnet.wqout, 0, P, D, D, MM_STORE);
		__syncthreads();
		// logits [P][C] = q · KKᵀ (KK is [D][C], scaled); padding candidates -inf
		float* LG = (mode & VC_LOGITS) ? (float*)out + (long long)blockIdx.x * P * C : SC;
		mm(LG, C, QKV, D, KK, 0, P, D, ncand, MM_STORE, C);
		if (mode & VC_LOGITS)
			for (int it = TID; it < P * (C - ncand); it += NTH)
				LG[(it / (C - ncand)) * C + ncand + it % (C - ncand)] = -INFINITY;
		if (mode & VC_LOGITS) return;
		__syncthreads();

		// sampler, one warp per still-masked position (docs/model.md, Sampling)
		const unsigned* allowed = (const unsigned*)(in + ex.allowed);
		const int* tabs = (const int*)(in + ex.tabs);
		for (int p = WARP; p < P; p += NWARPS) {
			if (done[p]) continue;
			const unsigned* arow = allowed + (long long)p * words;
			float mx = -INFINITY, fv = -INFINITY, cv = -INFINITY;
			int fi = -1, ci = -1;
			for (int cd = LANE; cd < ncand; cd += 32) {
				if (!bit(arow, cd)) continue;
				float v = SC[p * C + cd];
				mx = fmaxf(mx, v);
				if (fi < 0 || v > fv) {
					fv = v;
					fi = cd;
				}
				if ((ci < 0 || v > cv) && pairOK(tabs, ex.ntab, ncand, words, com, S, p, cd)) {
					cv = v;
					ci = cd;
				}
			}
			mx = warpMax(mx);
			float se = 0.f;
			for (int cd = LANE; cd < ncand; cd += 32)
				if (bit(arow, cd)) se += expf(SC[p * C + cd] - mx);
			se = warpSum(se);
			warpArgmax(fv, fi);
			warpArgmax(cv, ci);
			if (LANE == 0) {
				float fp = 0.f, cf = 0.f;
				if (fi >= 0) fp = expf(fv - mx) / se;
				if (ci >= 0)
					cf = expf(cv - mx) / se;
				else
					ci = fi;
				chs[p] = ci;
				fre[p] = fi;
				cnf[p] = cf;
				fpr[p] = fp;
			}
		}
		__syncthreads();
		// commit the n most confident masked positions (lower p first on ties)
		int m = 0;
		for (int p = 0; p < P; p++) m += !done[p];
		int n = (m + (K - s) - 1) / (K - s);
		for (int p = TID; p < P; p += NTH) {
			int take = 0;
			if (!done[p]) {
				float cp = cnf[p];
				int rank = 0;
				for (int q = 0; q < P; q++)
					if (!done[q] && (cnf[q] > cp || (cnf[q] == cp && q < p))) rank++;
				take = rank < n;
				if (take) ord[rank] = p;
			}
			cm[p] = take;
		}
		__syncthreads();
		// One after the other in that order: a choice that breaks a pair table
		// against a position committed before it (this step included) is re-picked
		// under everything committed so far (docs/model.md, Sampling, 3).
		if (ex.ntab > 0 && WARP == 0) {
			for (int r = 0; r < n; r++) {
				const int p = ord[r];
				if (cnf[p] > 0.f) {
					const int old = chs[p];
					if (!pairOK(tabs, ex.ntab, ncand, words, com, S, p, old)) {
						const unsigned* arow = allowed + (long long)p * words;
						float cv = -INFINITY;
						int ci = -1;
						for (int cd = LANE; cd < ncand; cd += 32) {
							if (!bit(arow, cd)) continue;
							float v = SC[p * C + cd];
							if ((ci < 0 || v > cv) && pairOK(tabs, ex.ntab, ncand, words, com, S, p, cd)) {
								cv = v;
								ci = cd;
							}
						}
						warpArgmax(cv, ci);
						if (LANE == 0) {
							if (ci < 0) {
								chs[p] = fre[p];
								cnf[p] = 0.f;
							} else {
								cnf[p] *= expf(cv - SC[p * C + old]);
								chs[p] = ci;
							}
						}
					}
				}
				__syncwarp();
				if (LANE == 0) com[p] = chs[p];
				__syncwarp();
			}
		}
		__syncthreads();
		for (int p = TID; p < P; p += NTH) {
			if (!cm[p]) continue;
			done[p] = 1;
			com[p] = chs[p];
			o[p] = chs[p];
			o[P + p] = fre[p];
			((float*)o)[2 * P + p] = cnf[p];
			((float*)o)[3 * P + p] = fpr[p];
			o[4 * P + p] = s;
		}
		__syncthreads();
		int left = 0;
		for (int p = 0; p < P; p++) left += !done[p];
		if (left == 0) break; // uniform: every thread counts the same flags
	}
}
// The shorthands for the block's shared pointers end with the kernel.
#undef ex
#undef ntok
#undef ncand
#undef words
#undef X
#undef XN
#undef QKV
#undef SC
#undef KIN
#undef KK
#undef CKV
#undef com
#undef done
#undef chs
#undef fre
#undef cm
#undef cnf
#undef fpr
#undef ord
