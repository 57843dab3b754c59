/* Shared between fill.cu (device) and the Go host code (cgo): the layout of the
 * network description and of the per-example headers. Every field is 8 bytes
 * or a pair of 4-byte ints, so the C and Go layouts cannot drift. */
#ifndef VC_FILL_H
#define VC_FILL_H

#define VC_MAXL 8 /* encoder / decoder layers supported */

/* Offsets (in floats) of one encoder block's tensors in the device weight
 * buffer. Matrices are stored transposed, [in][out], so that the threads of a
 * warp, which own consecutive outputs, read consecutive words. */
typedef struct {
	long long ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2;
} VCEncOff;

typedef struct {
	long long ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b;
	long long cwq, cbq, cwkv, cbkv, cwo, cbo, ln3g, ln3b;
	long long w1, b1, w2, b2;
} VCDecOff;

typedef struct {
	int D, H, Le, Ld, Fh, NB, T, Hs, Ft, C, NK, Fc, S, F, P, R; /* R = max(T,P) */
	long long w; /* device address of the weight buffer */
	/* shared-memory layout in floats (computed by the host) */
	long long smX, smXN, smQKV, smSC, smInts, smTotal;
	/* encoder state per example in encbuf, in floats */
	long long esKIN, esKK, esCKV, esStride;
	long long ehash, wtf, btf, epos, lnencg, lnencb;
	long long ekind, wpool, wcf, bcf, erole, eframe, emask, win;
	long long lndecg, lndecb, wqout, wkout;
	VCEncOff enc[VC_MAXL];
	VCDecOff dec[VC_MAXL];
} VCNet;

/* One example's header; byte offsets into the input blob (which starts with
 * the headers themselves). ntok == 0 marks an unused block of the grid. */
typedef struct {
	int ntok, ncand;
	int ntab, words; /* pair tables; words = ceil(ncand/32) per bit row */
	long long hash;     /* int32 [ntok][Hs], -1 = unused */
	long long tokfeat;  /* f32 [ntok][Ft] */
	long long kind;     /* int32 [ncand] */
	long long pool;     /* f32 [ncand][ntok] */
	long long candfeat; /* f32 [ncand][Fc] */
	long long allowed;  /* u32 [P][words] bit rows */
	long long tabs;     /* ntab x { int32 roleA, roleB; u32 [ncand][words] } */
	long long committed;/* int32 [P], decode mode only */
} VCEx;

/* mode bits */
#define VC_ENCODE 1 /* run the encoder (else read it from encbuf) */
#define VC_FILL 2   /* K diffusion steps with sampling; writes VCOut */
#define VC_LOGITS 4 /* one decoder pass with the given committed; writes logits */

/* Fill output per example: five arrays of P (Step widened to int32). */
#define VC_OUT_WORDS(P) (5 * (P))

#endif
