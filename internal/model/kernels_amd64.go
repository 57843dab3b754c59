//go:build amd64 && !noasm

package model

import "golang.org/x/sys/cpu"

// AVX2+FMA kernels (kernels_amd64.s) for the float32 hot loops; used when the CPU
// and the OS support them, else the portable Go loops run.

//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func gemvAVX(w, x, y *float32, rows, cols int)

//go:noescape
func gemvTAVX(a, x, y *float32, rows, cols int)

//go:noescape
func geluAVX(dst, src *float32, n int)

//go:noescape
func gerAVX(dw, gr, x *float32, n, cols, rows, gs, xs int)

//go:noescape
func softmaxAVX(x *float32, n int, scale float32)

//go:noescape
func layerNormAVX(out, in, gain, bias *float32, n int, stats *float32)

//go:noescape
func axpyAVX(a float32, x, y *float32, n int)

// useAVX: AVX2 and FMA in the CPU, and YMM state saved by the OS (x/sys/cpu checks
// OSXSAVE/XGETBV before reporting AVX features).
var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA
