// Package kernels holds the CUDA C source of the GPU backend (fill.cu, fill.h;
// compiled to PTX by `go generate ./internal/cuda`) and runs that same source on
// the CPU: emu.h is a small CUDA runtime (threads as fibers, barriers, warp
// shuffles, shared memory) and emu.cc compiles fill.cu against it. The backend's
// parity tests use it to check the kernel against the pure-Go reference on
// machines without a GPU, as CI is; on a GPU the real kernel is checked the same way.
//
// The emulator checks logic, not speed: a fill of one example takes about a
// second. Only tests import this package.
package kernels

/*
#cgo CXXFLAGS: -std=c++17 -O2
#cgo LDFLAGS: -lpthread
#include <stdlib.h>
int vcemu_launch(const void* net, int netBytes, const float* weights, const unsigned char* in, long long steps,
                 long long mode, float* enc, void* out, int grid, int block, long long smemBytes,
                 int workers, int tensorCores, char* err, int errLen);
*/
import "C"

import (
	"embed"
	"fmt"
	"runtime"
	"unsafe"
)

// Sources are the kernel sources. Embedding them also makes Go rebuild this
// package (and so the emulated kernel) whenever fill.cu or fill.h changes: the
// Go build cache does not otherwise see files that a .cc file includes.
//
//go:embed fill.cu fill.h emu.h
var Sources embed.FS

// Launch describes one launch of vc_fill: the arguments of the kernel and the
// launch configuration, as the GPU backend would pass them.
type Launch struct {
	Net     []byte    // the VCNet (constant memory); its weight address is replaced by Weights'
	Weights []float32 // the device weight buffer
	In      []byte    // the packed batch
	Steps   int64
	Mode    int64
	Enc     []float32 // encoder state, Grid × esStride floats
	Out     []byte    // the kernel's output buffer
	Grid    int       // blocks (examples)
	Block   int       // threads per block, 1..1024
	Smem    int       // dynamic shared memory in bytes
	// TensorCores runs the kernel as the compute_80 PTX has it (matrix products
	// on the tensor cores, VC_MMA) instead of the compute_52 one.
	TensorCores bool
}

// Run runs the launch on the CPU, blocks spread over GOMAXPROCS OS threads. It
// returns an error naming the block that faulted or deadlocked. The slices must
// be as large as the kernel will index: like a GPU, the emulator does not check
// global-memory accesses.
func Run(l Launch) error {
	if len(l.Net) == 0 || len(l.Weights) == 0 || len(l.In) == 0 || len(l.Out) == 0 {
		return fmt.Errorf("kernels: emulated launch with an empty net, weights, input or output buffer")
	}
	enc := unsafe.Pointer(nil)
	if len(l.Enc) > 0 {
		enc = unsafe.Pointer(&l.Enc[0])
	}
	tc := 0
	if l.TensorCores {
		tc = 1
	}
	var msg [512]C.char
	rc := C.vcemu_launch(unsafe.Pointer(&l.Net[0]), C.int(len(l.Net)), (*C.float)(&l.Weights[0]),
		(*C.uchar)(&l.In[0]), C.longlong(l.Steps), C.longlong(l.Mode), (*C.float)(enc), unsafe.Pointer(&l.Out[0]),
		C.int(l.Grid), C.int(l.Block), C.longlong(l.Smem), C.int(runtime.GOMAXPROCS(0)), C.int(tc), &msg[0], C.int(len(msg)))
	if rc != 0 {
		return fmt.Errorf("kernels: emulated vc_fill: %s", C.GoString(&msg[0]))
	}
	return nil
}
