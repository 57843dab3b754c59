// The CPU emulator's scheduler and launch (see emu.h), with fill.cu compiled in.
#include "emu.h"

#include "fill.h"

// The kernel twice: as the compute_52 PTX has it (CUDA-core products) and as the
// compute_80 PTX has it (tensor-core products).
namespace cores {
#define VC_MMA 0
#include "fill.cu"
#undef VC_MMA
} // namespace cores
namespace tensor {
#define VC_MMA 1
#include "fill.cu"
#undef VC_MMA
} // namespace tensor

#include <stdio.h>
#include <sys/mman.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace vcemu {

thread_local Worker* W;

static const size_t kStack = 64 << 10; // per CUDA thread; a guard page below each
static const size_t kPage = 4096;

void fault(const char* msg) {
	if (!W->fault) W->fault = msg;
	W->cur->wait = PARKED; // never resumed: the block stops and reports msg
	for (;;) yield();
}

// The launch being run: every fiber calls the kernel with these arguments.
static struct {
	void (*kernel)(const unsigned char*, long long, long long, float*, void*);
	const unsigned char* in;
	long long steps, mode;
	float* enc;
	void* out;
} args;

// fiberMain is where every fiber starts: the kernel, then the bookkeeping of
// an exited thread, then back to the scheduler for good.
static void fiberMain() {
	args.kernel(args.in, args.steps, args.mode, args.enc, args.out);
	Worker& k = *W;
	Fiber& f = *k.cur;
	Warp& w = k.warps[f.warp];
	f.done = true;
	// a thread that exits no longer holds up the barriers it has not reached
	if (--k.live > 0 && k.arrived == k.live) {
		k.arrived = 0;
		k.gen++;
	}
	if (--w.live > 0 && w.arrived == w.live) {
		w.arrived = 0;
		w.gen++;
	}
	ctxSwitch(&f.ctx, &k.sched); // never resumed
}

#if defined(__x86_64__) && !defined(VC_EMU_UCONTEXT)
// vcemu_switch(save, to): push the callee-saved registers, store the stack
// pointer in *save, load to, pop that fiber's registers, return into it.
asm(R"(
	.text
	.globl vcemu_switch
	.type vcemu_switch, @function
vcemu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size vcemu_switch, .-vcemu_switch
)");

// ctxInit lays out a new stack as vcemu_switch leaves one: six saved registers,
// then the address to return into (fiberMain), entered with the stack aligned
// as after a call.
static void ctxInit(Ctx* c, char* stack, size_t size) {
	void** sp = (void**)(((uintptr_t)stack + size) & ~(uintptr_t)15);
	*--sp = nullptr; // fiberMain's return address: it never returns
	*--sp = (void*)fiberMain;
	for (int i = 0; i < 6; i++) *--sp = nullptr;
	c->sp = sp;
}
#else
static void ctxInit(Ctx* c, char* stack, size_t size) {
	getcontext(&c->uc);
	c->uc.uc_stack.ss_sp = stack;
	c->uc.uc_stack.ss_size = size;
	c->uc.uc_link = nullptr;
	makecontext(&c->uc, fiberMain, 0);
}
#endif

static bool alloc(Worker& k, int nthreads, size_t smemBytes) {
	k.nthreads = nthreads;
	k.fibers = new Fiber[nthreads];
	k.warps = new Warp[(nthreads + 31) / 32];
	size_t n = (size_t)nthreads * (kStack + kPage);
	void* s = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED) return false;
	k.stacks = (char*)s;
	for (int i = 0; i < nthreads; i++) mprotect(k.stacks + i * (kStack + kPage), kPage, PROT_NONE);
	k.smemBytes = smemBytes;
	k.smem = (char*)aligned_alloc(128, (smemBytes + 127) / 128 * 128 + 128);
	return k.smem != nullptr;
}

static void release(Worker& k) {
	delete[] k.fibers;
	delete[] k.warps;
	if (k.stacks) munmap(k.stacks, (size_t)k.nthreads * (kStack + kPage));
	free(k.smem);
}

// runBlock runs block b to completion; it returns an error message or null.
static const char* runBlock(Worker& k, unsigned b, unsigned grid, char* msg, size_t msgLen) {
	const int n = k.nthreads;
	k.block = {b, 0, 0};
	k.bdim = {(unsigned)n, 1, 1};
	k.grid = {grid, 1, 1};
	k.live = n;
	k.arrived = 0;
	k.gen = 0;
	k.fault = nullptr;
	memset(k.smem, 0xff, k.smemBytes); // NaN: shared memory starts as garbage on a GPU too
	for (int w = 0; w < (n + 31) / 32; w++) k.warps[w] = Warp{min(32, n - 32 * w), 0, 0, {}};
	for (int i = 0; i < n; i++) {
		Fiber& f = k.fibers[i];
		f.tid = {(unsigned)i, 0, 0};
		f.lane = i & 31;
		f.warp = i >> 5;
		f.done = false;
		f.wait = RUNNING;
		ctxInit(&f.ctx, k.stacks + i * (kStack + kPage) + kPage, kStack);
	}
	for (;;) {
		bool progress = false, all = true;
		for (int i = 0; i < n; i++) {
			Fiber& f = k.fibers[i];
			if (f.done) continue;
			all = false;
			bool ready = f.wait == RUNNING || (f.wait == AT_BLOCK_BARRIER && f.gen != k.gen) ||
			             (f.wait == AT_WARP_BARRIER && f.gen != k.warps[f.warp].gen);
			if (!ready) continue;
			f.wait = RUNNING;
			k.cur = &f;
			ctxSwitch(&k.sched, &f.ctx);
			progress = true;
		}
		if (all) return nullptr;
		if (!progress) break;
	}
	if (k.fault) {
		snprintf(msg, msgLen, "block %u: %s", b, k.fault);
		return msg;
	}
	int atBlock = 0, atWarp = 0;
	for (int i = 0; i < n; i++) {
		atBlock += !k.fibers[i].done && k.fibers[i].wait == AT_BLOCK_BARRIER;
		atWarp += !k.fibers[i].done && k.fibers[i].wait == AT_WARP_BARRIER;
	}
	snprintf(msg, msgLen,
	         "block %u deadlocked: of %d live threads, %d wait at __syncthreads and %d at a warp barrier or shuffle "
	         "(a barrier inside divergent code)",
	         b, k.live, atBlock, atWarp);
	return msg;
}

} // namespace vcemu

extern "C" int vcemu_launch(const void* net, int netBytes, const float* weights, const unsigned char* in, long long steps,
                            long long mode, float* enc, void* out, int grid, int block, long long smemBytes,
                            int workers, int tensorCores, char* err, int errLen) {
	using namespace vcemu;
	if (netBytes != (int)sizeof(VCNet)) {
		snprintf(err, errLen, "network description is %d bytes, VCNet %d", netBytes, (int)sizeof(VCNet));
		return 1;
	}
	if (grid < 1 || block < 1 || block > 1024 || smemBytes < 0 || smemBytes > (227 << 10) || workers < 1) {
		snprintf(err, errLen, "bad launch: grid %d, block %d, %lld bytes of shared memory, %d workers", grid, block,
		         smemBytes, workers);
		return 1;
	}
	static std::mutex mu; // cnet and args are globals: one launch at a time
	std::lock_guard<std::mutex> lock(mu);
	VCNet& cnet = tensorCores ? tensor::cnet : cores::cnet;
	memcpy(&cnet, net, sizeof(VCNet));
	cnet.w = (long long)(uintptr_t)weights;
	args = {tensorCores ? tensor::vc_fill : cores::vc_fill, in, steps, mode, enc, out};
	std::atomic<int> next{0};
	std::atomic<bool> failed{false};
	std::mutex errMu;
	auto work = [&]() {
		Worker k{};
		W = &k;
		char msg[256];
		if (!alloc(k, block, (size_t)smemBytes)) {
			std::lock_guard<std::mutex> l(errMu);
			if (!failed.exchange(true)) snprintf(err, errLen, "out of memory for %d fiber stacks", block);
		} else {
			for (int b; !failed && (b = next++) < grid;) {
				if (const char* e = runBlock(k, (unsigned)b, (unsigned)grid, msg, sizeof msg)) {
					std::lock_guard<std::mutex> l(errMu);
					if (!failed.exchange(true)) snprintf(err, errLen, "%s", e);
				}
			}
		}
		release(k);
		W = nullptr;
	};
	workers = min(workers, grid);
	std::vector<std::thread> ts;
	for (int i = 1; i < workers; i++) ts.emplace_back(work);
	work();
	for (auto& t : ts) t.join();
	cnet.w = 0;
	return failed ? 1 : 0;
}
