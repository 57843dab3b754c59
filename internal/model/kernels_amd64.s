//go:build amd64 && !noasm

#include "textflag.h"

// func dotAVX(a, b *float32, n int) float32
TEXT ·dotAVX(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
dot16:
	CMPQ CX, $16
	JL   dot8
	VMOVUPS (SI), Y2
	VMOVUPS 32(SI), Y3
	VFMADD231PS (DI), Y2, Y0
	VFMADD231PS 32(DI), Y3, Y1
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  dot16
dot8:
	CMPQ CX, $8
	JL   dotreduce
	VMOVUPS (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
dotreduce:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
dottail:
	CMPQ CX, $0
	JE   dotdone
	VMOVSS (SI), X2
	VFMADD231SS (DI), X2, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dottail
dotdone:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func gemvAVX(w, x, y *float32, rows, cols int)
// y[o] = w[o*cols:(o+1)*cols]·x for o < rows; cols must be a positive multiple of 8.
TEXT ·gemvAVX(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ cols+32(FP), R9
	SHLQ $2, R9 // row stride in bytes
gemv4:
	CMPQ R8, $4
	JL   gemv1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, R11
	LEAQ (SI)(R9*1), R12
	LEAQ (R12)(R9*1), R13
	LEAQ (R13)(R9*1), BX
	XORQ AX, AX
gemv4in:
	VMOVUPS (DI)(AX*1), Y4
	VFMADD231PS (R11)(AX*1), Y4, Y0
	VFMADD231PS (R12)(AX*1), Y4, Y1
	VFMADD231PS (R13)(AX*1), Y4, Y2
	VFMADD231PS (BX)(AX*1), Y4, Y3
	ADDQ $32, AX
	CMPQ AX, R9
	JL   gemv4in
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DX)
	ADDQ $16, DX
	LEAQ (SI)(R9*4), SI
	SUBQ $4, R8
	JMP  gemv4
gemv1:
	CMPQ R8, $0
	JE   gemvdone
	VXORPS Y0, Y0, Y0
	XORQ AX, AX
gemv1in:
	VMOVUPS (DI)(AX*1), Y4
	VFMADD231PS (SI)(AX*1), Y4, Y0
	ADDQ $32, AX
	CMPQ AX, R9
	JL   gemv1in
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	ADDQ R9, SI
	DECQ R8
	JMP  gemv1
gemvdone:
	VZEROUPPER
	RET

// func axpyAVX(a float32, x, y *float32, n int)
// y[i] += a*x[i] for i < n.
TEXT ·axpyAVX(SB), NOSPLIT, $0-32
	VBROADCASTSS a+0(FP), Y0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
axpy8:
	CMPQ CX, $8
	JL   axpytail
	VMOVUPS (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpy8
axpytail:
	CMPQ CX, $0
	JE   axpydone
	VMOVSS (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpytail
axpydone:
	VZEROUPPER
	RET

// func gemvTAVX(a, x, y *float32, rows, cols int)
// y[c] += Σ_r x[r]·a[r*cols+c] for c < cols; cols must be a positive multiple of 8.
// Columns go in blocks of 32 (four accumulators), then 8.
TEXT ·gemvTAVX(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ cols+32(FP), R9
	SHLQ $2, R9 // row stride in bytes
	XORQ AX, AX // column byte offset
gemvT32:
	MOVQ R9, BX
	SUBQ AX, BX
	CMPQ BX, $128
	JL   gemvT8
	VMOVUPS (DX)(AX*1), Y0
	VMOVUPS 32(DX)(AX*1), Y1
	VMOVUPS 64(DX)(AX*1), Y2
	VMOVUPS 96(DX)(AX*1), Y3
	LEAQ (SI)(AX*1), R11 // &a[0][col]
	MOVQ DI, R12
	MOVQ R8, CX
gemvT32row:
	VBROADCASTSS (R12), Y4
	VFMADD231PS (R11), Y4, Y0
	VFMADD231PS 32(R11), Y4, Y1
	VFMADD231PS 64(R11), Y4, Y2
	VFMADD231PS 96(R11), Y4, Y3
	ADDQ R9, R11
	ADDQ $4, R12
	DECQ CX
	JNZ  gemvT32row
	VMOVUPS Y0, (DX)(AX*1)
	VMOVUPS Y1, 32(DX)(AX*1)
	VMOVUPS Y2, 64(DX)(AX*1)
	VMOVUPS Y3, 96(DX)(AX*1)
	ADDQ $128, AX
	JMP  gemvT32
gemvT8:
	CMPQ AX, R9
	JGE  gemvTdone
	VMOVUPS (DX)(AX*1), Y0
	LEAQ (SI)(AX*1), R11
	MOVQ DI, R12
	MOVQ R8, CX
gemvT8row:
	VBROADCASTSS (R12), Y4
	VFMADD231PS (R11), Y4, Y0
	ADDQ R9, R11
	ADDQ $4, R12
	DECQ CX
	JNZ  gemvT8row
	VMOVUPS Y0, (DX)(AX*1)
	ADDQ $32, AX
	JMP  gemvT8
gemvTdone:
	VZEROUPPER
	RET

DATA expc<>+0(SB)/4, $0x3fb8aa3b  // log2(e)
DATA expc<>+4(SB)/4, $0x4b400000  // 1.5·2^23
DATA expc<>+8(SB)/4, $0x3f317200  // ln2 high
DATA expc<>+12(SB)/4, $0x35bfbe8e // ln2 low
DATA expc<>+16(SB)/4, $0xc2ae0000 // -87
DATA expc<>+20(SB)/4, $0x42b00000 // 88
DATA expc<>+24(SB)/4, $0x3ab60b61 // 1/720
DATA expc<>+28(SB)/4, $0x3c088889 // 1/120
DATA expc<>+32(SB)/4, $0x3d2aaaab // 1/24
DATA expc<>+36(SB)/4, $0x3e2aaaab // 1/6
DATA expc<>+40(SB)/4, $0x3f000000 // 1/2
DATA expc<>+44(SB)/4, $0x3f800000 // 1
DATA expc<>+48(SB)/4, $0x3fcc422a // 2·sqrt(2/pi)
DATA expc<>+52(SB)/4, $0x3d372713 // 0.044715
GLOBL expc<>(SB), RODATA|NOPTR, $56

#define EXPCONST \
	VBROADCASTSS expc<>+0(SB), Y5 \
	VBROADCASTSS expc<>+4(SB), Y6 \
	VBROADCASTSS expc<>+8(SB), Y7 \
	VBROADCASTSS expc<>+12(SB), Y8 \
	VBROADCASTSS expc<>+16(SB), Y9 \
	VBROADCASTSS expc<>+20(SB), Y10 \
	VBROADCASTSS expc<>+24(SB), Y11 \
	VBROADCASTSS expc<>+28(SB), Y12 \
	VBROADCASTSS expc<>+32(SB), Y13

// Y0 = exp(Y0), same method as exp32; clobbers Y1-Y4; needs EXPCONST (Y5-Y13).
#define EXP8 \
	VMAXPS Y9, Y0, Y0 \
	VMINPS Y10, Y0, Y0 \
	VMOVAPS Y0, Y1 \
	VFMADD213PS Y6, Y5, Y1 \
	VSUBPS Y6, Y1, Y2 \
	VPSUBD Y6, Y1, Y1 \
	VPSLLD $23, Y1, Y1 \
	VFNMADD231PS Y7, Y2, Y0 \
	VFNMADD231PS Y8, Y2, Y0 \
	VMOVAPS Y11, Y3 \
	VFMADD213PS Y12, Y0, Y3 \
	VFMADD213PS Y13, Y0, Y3 \
	VBROADCASTSS expc<>+36(SB), Y4 \
	VFMADD213PS Y4, Y0, Y3 \
	VBROADCASTSS expc<>+40(SB), Y4 \
	VFMADD213PS Y4, Y0, Y3 \
	VBROADCASTSS expc<>+44(SB), Y4 \
	VFMADD213PS Y4, Y0, Y3 \
	VFMADD213PS Y4, Y0, Y3 \
	VPADDD Y1, Y3, Y0

// func geluAVX(dst, src *float32, n int)
// dst[i] = gelu(src[i]) (tanh form, as x·e/(e+1) with e = exp(2u)); n must be a multiple of 8.
TEXT ·geluAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONST
geluloop:
	CMPQ CX, $0
	JLE  geludone
	VMOVUPS (SI), Y0
	VMULPS Y0, Y0, Y1
	VBROADCASTSS expc<>+52(SB), Y2
	VBROADCASTSS expc<>+44(SB), Y3
	VFMADD213PS Y3, Y2, Y1
	VMULPS Y0, Y1, Y1
	VBROADCASTSS expc<>+48(SB), Y2
	VMULPS Y2, Y1, Y0
	EXP8
	VBROADCASTSS expc<>+44(SB), Y4
	VADDPS Y4, Y0, Y1
	VDIVPS Y1, Y0, Y0
	VMULPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  geluloop
geludone:
	VZEROUPPER
	RET

// func gerAVX(dw, gr, x *float32, n, cols, rows, gs, xs int)
// dw[o*cols+c] += Σ_{i<n} gr[i*gs+o]·x[i*xs+c] for o < rows, c < cols;
// cols must be a positive multiple of 8. Each 32- (or 8-) column block of a dw row
// stays in registers across the sum over i.
TEXT ·gerAVX(SB), NOSPLIT, $0-64
	MOVQ dw+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ cols+32(FP), R9
	MOVQ gs+48(FP), R11
	SHLQ $2, R11 // g row stride, bytes
	MOVQ xs+56(FP), R12
	SHLQ $2, R12 // x row stride, bytes
	XORQ AX, AX // column byte offset
gerblk32:
	MOVQ R9, BX
	SHLQ $2, BX
	SUBQ AX, BX
	CMPQ BX, $128
	JL   gerblk8
	XORQ CX, CX // o
gerp32:
	MOVQ CX, R13
	ADDQ $2, R13
	CMPQ R13, rows+40(FP)
	JG   gero32
	// two dw rows o, o+1 at once: each x block load feeds two FMAs
	MOVQ CX, R13
	IMULQ R9, R13
	LEAQ (DI)(R13*4), R13
	ADDQ AX, R13
	VMOVUPS (R13), Y0
	VMOVUPS 32(R13), Y1
	VMOVUPS 64(R13), Y2
	VMOVUPS 96(R13), Y3
	VMOVUPS (R13)(R9*4), Y5
	VMOVUPS 32(R13)(R9*4), Y6
	VMOVUPS 64(R13)(R9*4), Y7
	VMOVUPS 96(R13)(R9*4), Y8
	LEAQ (SI)(CX*4), R8
	LEAQ (DX)(AX*1), R10
	MOVQ n+24(FP), BX
gerpi32:
	CMPQ BX, $0
	JE   gerpstore32
	VBROADCASTSS (R8), Y4
	VBROADCASTSS 4(R8), Y9
	VMOVUPS (R10), Y10
	VMOVUPS 32(R10), Y11
	VMOVUPS 64(R10), Y12
	VMOVUPS 96(R10), Y13
	VFMADD231PS Y10, Y4, Y0
	VFMADD231PS Y11, Y4, Y1
	VFMADD231PS Y12, Y4, Y2
	VFMADD231PS Y13, Y4, Y3
	VFMADD231PS Y10, Y9, Y5
	VFMADD231PS Y11, Y9, Y6
	VFMADD231PS Y12, Y9, Y7
	VFMADD231PS Y13, Y9, Y8
	ADDQ R11, R8
	ADDQ R12, R10
	DECQ BX
	JMP  gerpi32
gerpstore32:
	VMOVUPS Y0, (R13)
	VMOVUPS Y1, 32(R13)
	VMOVUPS Y2, 64(R13)
	VMOVUPS Y3, 96(R13)
	VMOVUPS Y5, (R13)(R9*4)
	VMOVUPS Y6, 32(R13)(R9*4)
	VMOVUPS Y7, 64(R13)(R9*4)
	VMOVUPS Y8, 96(R13)(R9*4)
	ADDQ $2, CX
	JMP  gerp32
gero32:
	CMPQ CX, rows+40(FP)
	JGE  gernext32
	// row pointer: dw + (o*cols)*4 + AX
	MOVQ CX, R13
	IMULQ R9, R13
	LEAQ (DI)(R13*4), R13
	ADDQ AX, R13
	VMOVUPS (R13), Y0
	VMOVUPS 32(R13), Y1
	VMOVUPS 64(R13), Y2
	VMOVUPS 96(R13), Y3
	LEAQ (SI)(CX*4), R8 // &g[0*gs+o]
	LEAQ (DX)(AX*1), R10 // &x[0*xs+c]
	MOVQ n+24(FP), BX
geri32:
	CMPQ BX, $0
	JE   gerstore32
	VBROADCASTSS (R8), Y4
	VFMADD231PS (R10), Y4, Y0
	VFMADD231PS 32(R10), Y4, Y1
	VFMADD231PS 64(R10), Y4, Y2
	VFMADD231PS 96(R10), Y4, Y3
	ADDQ R11, R8
	ADDQ R12, R10
	DECQ BX
	JMP  geri32
gerstore32:
	VMOVUPS Y0, (R13)
	VMOVUPS Y1, 32(R13)
	VMOVUPS Y2, 64(R13)
	VMOVUPS Y3, 96(R13)
	INCQ CX
	JMP  gero32
gernext32:
	ADDQ $128, AX
	JMP  gerblk32
gerblk8:
	CMPQ BX, $32
	JL   gerdone
	XORQ CX, CX
gero8:
	CMPQ CX, rows+40(FP)
	JGE  gernext8
	MOVQ CX, R13
	IMULQ R9, R13
	LEAQ (DI)(R13*4), R13
	ADDQ AX, R13
	VMOVUPS (R13), Y0
	LEAQ (SI)(CX*4), R8
	LEAQ (DX)(AX*1), R10
	MOVQ n+24(FP), BX
geri8:
	CMPQ BX, $0
	JE   gerstore8
	VBROADCASTSS (R8), Y4
	VFMADD231PS (R10), Y4, Y0
	ADDQ R11, R8
	ADDQ R12, R10
	DECQ BX
	JMP  geri8
gerstore8:
	VMOVUPS Y0, (R13)
	INCQ CX
	JMP  gero8
gernext8:
	ADDQ $32, AX
	MOVQ R9, BX
	SHLQ $2, BX
	SUBQ AX, BX
	JMP  gerblk8
gerdone:
	VZEROUPPER
	RET

// func softmaxAVX(x *float32, n int, scale float32)
// x[:n] = softmax(x[:n]·scale) (scale > 0); n must be a positive multiple of 8.
TEXT ·softmaxAVX(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	SHLQ $2, CX // bytes
	EXPCONST
	VMOVUPS (DI), Y15
	MOVQ $32, AX
smmax:
	CMPQ AX, CX
	JGE  smmaxdone
	VMAXPS (DI)(AX*1), Y15, Y15
	ADDQ $32, AX
	JMP  smmax
smmaxdone:
	VEXTRACTF128 $1, Y15, X1
	VMAXPS X1, X15, X15
	VPERMILPS $0x4E, X15, X1
	VMAXPS X1, X15, X15
	VPERMILPS $0xB1, X15, X1
	VMAXPS X1, X15, X15
	VBROADCASTSS scale+16(FP), Y1
	VMULSS X1, X15, X15
	VBROADCASTSS X15, Y15 // max·scale
	VXORPS Y14, Y14, Y14  // sum
	XORQ AX, AX
smexp:
	CMPQ AX, CX
	JGE  smexpdone
	VMOVUPS (DI)(AX*1), Y0
	VBROADCASTSS scale+16(FP), Y1
	VMULPS Y1, Y0, Y0
	VSUBPS Y15, Y0, Y0
	EXP8
	VADDPS Y0, Y14, Y14
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP  smexp
smexpdone:
	VEXTRACTF128 $1, Y14, X1
	VADDPS X1, X14, X14
	VHADDPS X14, X14, X14
	VHADDPS X14, X14, X14
	VBROADCASTSS expc<>+44(SB), X1
	VDIVSS X14, X1, X1
	VBROADCASTSS X1, Y1
	XORQ AX, AX
smnorm:
	CMPQ AX, CX
	JGE  smdone
	VMULPS (DI)(AX*1), Y1, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	JMP  smnorm
smdone:
	VZEROUPPER
	RET

DATA lnc<>+0(SB)/4, $0x3727c5ac // 1e-5
DATA lnc<>+4(SB)/4, $0x3f800000 // 1
GLOBL lnc<>(SB), RODATA|NOPTR, $8

// func layerNormAVX(out, in, gain, bias *float32, n int, stats *float32)
// One row: out = (in-mean)/sqrt(var+1e-5)·gain + bias (two-pass variance);
// stats[0], stats[1] = mean, 1/sqrt(var+1e-5). n must be a positive multiple of 8.
TEXT ·layerNormAVX(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ in+8(FP), SI
	MOVQ gain+16(FP), R8
	MOVQ bias+24(FP), R9
	MOVQ n+32(FP), CX
	CVTSQ2SS CX, X7 // n as float
	SHLQ $2, CX
	VXORPS Y0, Y0, Y0
	XORQ AX, AX
lnsum:
	VADDPS (SI)(AX*1), Y0, Y0
	ADDQ $32, AX
	CMPQ AX, CX
	JL   lnsum
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VDIVSS X7, X0, X0
	VBROADCASTSS X0, Y2 // mean
	VXORPS Y3, Y3, Y3
	XORQ AX, AX
lnvar:
	VMOVUPS (SI)(AX*1), Y4
	VSUBPS Y2, Y4, Y4
	VFMADD231PS Y4, Y4, Y3
	ADDQ $32, AX
	CMPQ AX, CX
	JL   lnvar
	VEXTRACTF128 $1, Y3, X1
	VADDPS X1, X3, X3
	VHADDPS X3, X3, X3
	VHADDPS X3, X3, X3
	VDIVSS X7, X3, X3
	VADDSS lnc<>+0(SB), X3, X3
	VSQRTSS X3, X3, X3
	VMOVSS lnc<>+4(SB), X1
	VDIVSS X3, X1, X1
	VBROADCASTSS X1, Y5 // rstd
	MOVQ stats+40(FP), DX
	VMOVSS X2, (DX)
	VMOVSS X1, 4(DX)
	XORQ AX, AX
lnout:
	VMOVUPS (SI)(AX*1), Y4
	VSUBPS Y2, Y4, Y4
	VMULPS Y5, Y4, Y4
	VMOVUPS (R8)(AX*1), Y6
	VFMADD213PS (R9)(AX*1), Y6, Y4
	VMOVUPS Y4, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JL   lnout
	VZEROUPPER
	RET

