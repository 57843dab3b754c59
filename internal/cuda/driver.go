//go:build cuda

package cuda

// The few driver calls gorgonia.org/cu v0.9.6 does not wrap: stream capture and
// graph instantiate/launch (its graph API can neither pass kernel arguments nor
// launch), pinned host memory, and the opt-in for more than 48 KB of dynamic
// shared memory. Streams and functions come from cu and are passed as raw handles.

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include "kernels/fill.h"

CUresult vcInitResult(void); // shim.c

static CUresult vcBeginCapture(CUstream s) { return cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL); }
static CUresult vcEndCapture(CUstream s, CUgraph* g) { return cuStreamEndCapture(s, g); }
static CUresult vcInstantiate(CUgraphExec* e, CUgraph g) { return cuGraphInstantiateWithFlags(e, g, 0); }
static CUresult vcGraphLaunch(CUgraphExec e, CUstream s) { return cuGraphLaunch(e, s); }
static void vcGraphDestroy(CUgraph g, CUgraphExec e) {
	if (e) cuGraphExecDestroy(e);
	if (g) cuGraphDestroy(g);
}
static CUresult vcHostAlloc(void** p, size_t n) { return cuMemHostAlloc(p, n, 0); }
static CUresult vcHostFree(void* p) { return cuMemFreeHost(p); }
static CUresult vcSetMaxSmem(CUfunction f, int n) {
	return cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, n);
}
static const char* vcErrName(CUresult r) {
	const char* s = 0;
	if (cuGetErrorName(r, &s) != CUDA_SUCCESS || !s) return "CUDA_ERROR_UNKNOWN";
	return s;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// Layout checks between kernels/fill.h and pack.go (see TestLayout).
const (
	cSizeofNet = C.sizeof_VCNet
	cSizeofEx  = C.sizeof_VCEx
)

func drvErr(what string, r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return fmt.Errorf("cuda: %s: %s (%d)", what, C.GoString(C.vcErrName(r)), int(r))
}

// initErr reports whether cuInit succeeded (see shim.c).
func initErr() error { return drvErr("cuInit", C.vcInitResult()) }

func rawStream(s cu.Stream) C.CUstream { return C.CUstream(unsafe.Pointer(s.C())) }

// rawFunc takes the CUfunction out of a cu.Function (a struct of that one handle).
func rawFunc(f cu.Function) C.CUfunction { return *(*C.CUfunction)(unsafe.Pointer(&f)) }

// graph is one instantiated CUDA graph.
type graph struct {
	g C.CUgraph
	e C.CUgraphExec
}

// capture records what record enqueues on s into a graph and instantiates it.
// The caller holds the OS thread (capture mode is thread-local).
func capture(s cu.Stream, record func() error) (*graph, error) {
	st := rawStream(s)
	if err := drvErr("cuStreamBeginCapture", C.vcBeginCapture(st)); err != nil {
		return nil, err
	}
	rerr := record()
	var g graph
	if err := drvErr("cuStreamEndCapture", C.vcEndCapture(st, &g.g)); err != nil {
		return nil, err
	}
	if rerr != nil {
		g.destroy()
		return nil, rerr
	}
	if err := drvErr("cuGraphInstantiateWithFlags", C.vcInstantiate(&g.e, g.g)); err != nil {
		g.destroy()
		return nil, err
	}
	return &g, nil
}

func (g *graph) launch(s cu.Stream) error {
	return drvErr("cuGraphLaunch", C.vcGraphLaunch(g.e, rawStream(s)))
}

func (g *graph) destroy() {
	C.vcGraphDestroy(g.g, g.e)
	g.g, g.e = nil, nil
}

// pinned is page-locked host memory, so async copies really are asynchronous.
type pinned struct {
	p unsafe.Pointer
	b []byte
}

func allocPinned(n int) (pinned, error) {
	var p unsafe.Pointer
	if err := drvErr("cuMemHostAlloc", C.vcHostAlloc(&p, C.size_t(n))); err != nil {
		return pinned{}, err
	}
	return pinned{p, unsafe.Slice((*byte)(p), n)}, nil
}

func (p *pinned) free() {
	if p.p != nil {
		C.vcHostFree(p.p)
	}
	*p = pinned{}
}

func setMaxDynamicSmem(f cu.Function, n int) error {
	return drvErr("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", C.vcSetMaxSmem(rawFunc(f), C.int(n)))
}
