//go:build cuda

// gorgonia.org/cu calls cuInit from its package init and exits the process when
// it fails, so a cuda build would die on a machine with the driver library but
// no usable GPU before any fallback could run. This definition of cuInit, linked
// into the executable, takes precedence over libcuda's: it forwards to the real
// one, records the result for Available (driver.go), and reports success to cu.
// Every later driver call then fails cleanly (CUDA_ERROR_NOT_INITIALIZED) and the
// "auto" backend falls back to the CPU with the recorded reason.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <cuda.h>

static CUresult vc_init_result = CUDA_ERROR_NOT_INITIALIZED;

CUresult CUDAAPI cuInit(unsigned int flags) {
	CUresult (*real)(unsigned int) = (CUresult(*)(unsigned int))dlsym(RTLD_NEXT, "cuInit");
	vc_init_result = real ? real(flags) : CUDA_ERROR_NOT_INITIALIZED;
	return CUDA_SUCCESS;
}

CUresult vcInitResult(void) { return vc_init_result; }
