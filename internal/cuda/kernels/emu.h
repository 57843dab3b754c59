// A small CUDA runtime on the CPU, just enough to run fill.cu as C++ (see
// emu.go). Each CUDA thread of a block is a fiber with its own stack;
// one OS thread runs all the fibers of one block, switching only where CUDA
// threads wait for each other: __syncthreads, __syncwarp and warp shuffles.
// Blocks run on several OS threads at once. __shared__ variables become
// thread_local statics (one copy per OS thread, i.e. per running block), and
// dynamic shared memory is a per-OS-thread buffer poisoned with NaNs at every
// block start, so that a read before a write shows up in the results.
//
// What it checks beyond the arithmetic: a barrier that some live threads of the
// block (or warp) never reach is reported as a deadlock, and a 16-byte shared load
// at an unaligned address as a fault, instead of hanging or passing silently.
#ifndef VC_EMU_H
#define VC_EMU_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#define VC_EMU 1
#define __global__
#define __device__
#define __host__
#define __constant__
#define __shared__ static thread_local
#define __noinline__ __attribute__((noinline))
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define VC_KERNEL // C++ linkage: emu.cc compiles fill.cu into two namespaces

struct uint3 {
	unsigned x, y, z;
};
struct alignas(16) float4 {
	float x, y, z, w;
};

static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }

namespace vcemu {

// Ctx is a fiber's saved machine state. On x86-64 a switch saves and restores
// the callee-saved registers (emu.cc, vcemu_switch): glibc's swapcontext also
// makes a system call per switch, and the emulator switches millions of times
// per fill. Elsewhere, or with VC_EMU_UCONTEXT defined, it is a ucontext.
#if defined(__x86_64__) && !defined(VC_EMU_UCONTEXT)
extern "C" void vcemu_switch(void** save, void* to);
struct Ctx {
	void* sp;
};
static inline void ctxSwitch(Ctx* from, Ctx* to) { vcemu_switch(&from->sp, to->sp); }
#else
struct Ctx {
	ucontext_t uc;
};
static inline void ctxSwitch(Ctx* from, Ctx* to) { swapcontext(&from->uc, &to->uc); }
#endif

enum Wait { RUNNING, AT_BLOCK_BARRIER, AT_WARP_BARRIER, PARKED };

struct Fiber {
	Ctx ctx;
	uint3 tid;
	int lane, warp;
	bool done;
	Wait wait;
	unsigned gen; // generation of the barrier it waits at
};

struct Warp {
	int live, arrived;
	unsigned gen;
	uint32_t slot[32];             // shuffle exchange
	uint32_t mA[32][4], mB[32][2]; // mma fragments
};

// Worker is one OS thread's state: the block it runs and its fibers.
struct Worker {
	Ctx sched;
	Fiber* fibers;
	Warp* warps;
	char* stacks;
	int nthreads;
	Fiber* cur;
	int live, arrived; // block barrier
	unsigned gen;
	uint3 block, bdim, grid;
	char* smem; // dynamic shared memory
	size_t smemBytes;
	const char* fault; // first error of this block, or null
};

extern thread_local Worker* W;

// fault records the first error and parks the fiber for good: the scheduler sees
// a block that cannot progress and reports the fault.
void fault(const char* msg);

static inline void yield() { ctxSwitch(&W->cur->ctx, &W->sched); }

static inline void syncthreads() {
	Worker& k = *W;
	if (++k.arrived == k.live) { // the last one to arrive releases the others
		k.arrived = 0;
		k.gen++;
		return;
	}
	k.cur->wait = AT_BLOCK_BARRIER;
	k.cur->gen = k.gen;
	yield();
}

static inline void syncwarp() {
	Worker& k = *W;
	Warp& w = k.warps[k.cur->warp];
	if (++w.arrived == w.live) {
		w.arrived = 0;
		w.gen++;
		return;
	}
	k.cur->wait = AT_WARP_BARRIER;
	k.cur->gen = w.gen;
	yield();
}

// shfl: every live lane of the warp publishes v, then reads lane src's value.
template <class T>
static inline T shfl(T v, int src) {
	static_assert(sizeof(T) == 4, "32-bit shuffles only");
	Warp& w = W->warps[W->cur->warp];
	uint32_t b;
	memcpy(&b, &v, 4);
	w.slot[W->cur->lane] = b;
	syncwarp();
	b = w.slot[src & 31];
	syncwarp(); // nobody overwrites a slot before every lane has read
	T r;
	memcpy(&r, &b, 4);
	return r;
}

static inline bool inSmem(const void* p) {
	const char* c = (const char*)p;
	return c >= W->smem && c < W->smem + W->smemBytes;
}

} // namespace vcemu

#define threadIdx (vcemu::W->cur->tid)
#define blockIdx (vcemu::W->block)
#define blockDim (vcemu::W->bdim)
#define gridDim (vcemu::W->grid)

static inline void __syncthreads() { vcemu::syncthreads(); }
static inline void __syncwarp(unsigned = 0xffffffffu) { vcemu::syncwarp(); }
template <class T>
static inline T __shfl_sync(unsigned, T v, int src) {
	return vcemu::shfl(v, src);
}
template <class T>
static inline T __shfl_xor_sync(unsigned, T v, int m) {
	return vcemu::shfl(v, vcemu::W->cur->lane ^ m);
}
template <class T>
static inline T __shfl_down_sync(unsigned, T v, unsigned d) {
	int src = vcemu::W->cur->lane + (int)d;
	return vcemu::shfl(v, src < 32 ? src : vcemu::W->cur->lane);
}
static inline unsigned __isShared(const void* p) { return vcemu::inSmem(p); }
static inline size_t __cvta_generic_to_shared(const void* p) {
	if (!vcemu::inSmem(p)) vcemu::fault("__cvta_generic_to_shared of a pointer outside shared memory");
	return (size_t)((const char*)p - vcemu::W->smem);
}

static inline float __uint_as_float(unsigned u) {
	float f;
	memcpy(&f, &u, 4);
	return f;
}
static inline unsigned __float_as_uint(float f) {
	unsigned u;
	memcpy(&u, &f, 4);
	return u;
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 d, a, b, d: every lane
// publishes its fragments (layouts in fill.cu, mma1688), then computes its four
// elements of D from the whole A and B. The tensor cores read only the TF32
// bits of each operand, so the low 13 bits are dropped here too.
static inline void vcemu_mma1688(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
	vcemu::Warp& w = vcemu::W->warps[vcemu::W->cur->warp];
	const int lane = vcemu::W->cur->lane, g = lane >> 2, t = lane & 3;
	memcpy(w.mA[lane], a, sizeof a);
	memcpy(w.mB[lane], b, sizeof b);
	vcemu::syncwarp();
	for (int i = 0; i < 4; i++) {
		const int row = g + (i >> 1) * 8, col = 2 * t + (i & 1);
		float s = d[i];
		for (int k = 0; k < 8; k++) {
			// A[row][k] is register (row >= 8) + 2·(k >= 4) of lane (row % 8)·4 + k % 4;
			// B[k][col] is register (k >= 4) of lane col·4 + k % 4
			const uint32_t av = w.mA[(row & 7) * 4 + (k & 3)][(row >> 3) + 2 * (k >> 2)];
			const uint32_t bv = w.mB[col * 4 + (k & 3)][k >> 2];
			s += __uint_as_float(av & 0xffffe000u) * __uint_as_float(bv & 0xffffe000u);
		}
		d[i] = s;
	}
	vcemu::syncwarp(); // fragments stay until every lane has read them
}

static inline float vcemu_lds1(unsigned a) {
	if (a % 4 != 0 || a + 4 > vcemu::W->smemBytes) vcemu::fault("misaligned or out-of-range shared load");
	float v;
	memcpy(&v, vcemu::W->smem + a, 4);
	return v;
}

// The emulated `extern __shared__` array and 16-byte shared loads (fill.cu).
static inline float* vcemu_dynamic_smem() { return (float*)vcemu::W->smem; }
static inline float4 vcemu_lds4(unsigned a) {
	if (a % 16 != 0 || a + 16 > vcemu::W->smemBytes) vcemu::fault("misaligned or out-of-range 16-byte shared load");
	float4 v;
	memcpy(&v, vcemu::W->smem + a, 16);
	return v;
}

#endif
