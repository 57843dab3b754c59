//go:build amd64 && !noasm

package model

// AVX2+FMA kernels (kernels_amd64.s) for the float32 hot loops; used when the CPU
// and the OS support them, else the portable Go loops run.

//go:noescape
func dotAVX(a, b *float32, n int) float32

//go:noescape
func gemvAVX(w, x, y *float32, rows, cols int)

//go:noescape
func gemvTAVX(a, x, y *float32, rows, cols int)

//go:noescape
func expAVX(x *float32, n int, shift, scale float32)

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

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

var useAVX = detectAVX()

func detectAVX() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // OS saves XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}
