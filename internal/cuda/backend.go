//go:build cuda

package cuda

import (
	_ "embed"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/voicecmd/voicecmd/internal/model"
)

// The kernel (kernels/fill.cu) as PTX for two targets: compute_52, which every
// driver ≥ 520 JIT-compiles for any GPU since Maxwell, with the matrix products
// on the CUDA cores; and compute_80 (Ampere and later: A100, H100, H200, RTX 30xx
// and up), with the products on the tensor cores (TF32 in three passes, see
// fill.cu, mmTC). Open loads the compute_80 build where the GPU has compute
// capability 8.0 or later, else the compute_52 one; VOICECMD_CUDA_KERNEL=cores
// or =tensor forces one. The tensor build passed parity on an H200's tensor
// cores and was 1-10% faster in every measured case (docs/gpu.md).
var (
	//go:embed fill.ptx
	fillPTX string
	//go:embed fill80.ptx
	fill80PTX string
)

// fillKernel is the entry point of both PTX builds. Slower variants that were
// measured and dropped are described in docs/gpu.md.
const fillKernel = "vc_fill"

func init() {
	model.RegisterBackend("cuda", func(w *model.Weights) (model.Backend, error) { return Open(w) })
}

var (
	availOnce sync.Once
	availErr  error
)

// Available reports why no CUDA device is usable (nil if one is): the driver's
// cuInit result and the device count. Safe for concurrent use; the answer is
// computed once.
func Available() error {
	availOnce.Do(func() {
		if err := initErr(); err != nil {
			availErr = err
			return
		}
		n, err := cu.NumDevices()
		if err != nil {
			availErr = fmt.Errorf("cuda: counting devices: %w", err)
		} else if n == 0 {
			availErr = fmt.Errorf("cuda: no CUDA device")
		}
	})
	return availErr
}

// Backend runs the network on device 0. It implements model.Backend and
// model.Filler; Submit/Pending add the asynchronous fill the engine polls.
// A Backend is not safe for concurrent use (like every model.Backend); it may be
// used from any goroutine, since each call binds its context to the calling thread.
type Backend struct {
	w   *model.Weights
	cfg model.Config
	net netDesc

	dev     cu.Device
	ctx     cu.CUContext
	mod     cu.Module
	fn      cu.Function
	stream  cu.Stream
	devName string
	nSM     int
	tensor  bool // the compute_80 build (tensor-core products) is loaded

	dW cu.DevicePtr // weights; the network description is the kernel's constant cnet

	// Grow-only buffers; growing one drops the graphs, which bake in pointers.
	inCap  int // bytes
	dIn    cu.DevicePtr
	hIn    pinned
	encCap int // examples
	dEnc   cu.DevicePtr
	outCap int // bytes
	dOut   cu.DevicePtr
	hOut   pinned

	graphs map[graphKey]*graph
	ev     [4]cu.Event // before upload, before kernel, after kernel, after download

	encBatch []*model.Example // the examples of the last Encode, for Decode
	encGen   int              // bumped by Encode and Fill: invalidates older EncStates
	busy     *Pending
	closed   bool

	blockThreads int // tests and benchmarks: force the block size (0 = by batch size)
}

type graphKey struct{ bcap, steps, threads int }

// Open uploads w to device 0 and loads the kernels. Errors say why the device
// cannot be used (no driver or device, too little shared memory for the Config).
func Open(w *model.Weights) (*Backend, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	buf, net, err := deviceWeights(w)
	if err != nil {
		return nil, err
	}
	b := &Backend{w: w, cfg: w.Config, net: net, graphs: map[graphKey]*graph{}}
	if b.dev, err = cu.GetDevice(0); err != nil {
		return nil, fmt.Errorf("cuda: device 0: %w", err)
	}
	if b.ctx, err = b.dev.RetainPrimaryCtx(); err != nil {
		return nil, fmt.Errorf("cuda: primary context: %w", err)
	}
	err = b.do(func() error { return b.setup(buf) })
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *Backend) setup(buf []float32) error {
	var err error
	if b.devName, err = b.dev.Name(); err != nil {
		return fmt.Errorf("cuda: device name: %w", err)
	}
	if b.nSM, err = b.dev.Attribute(cu.MultiprocessorCount); err != nil {
		return fmt.Errorf("cuda: device attribute: %w", err)
	}
	major, minor, err := b.dev.ComputeCapability()
	if err != nil {
		return fmt.Errorf("cuda: compute capability: %w", err)
	}
	switch k := KernelBuild(); k {
	case "auto":
		b.tensor = major >= 8
	case "cores":
		b.tensor = false
	case "tensor":
		if major < 8 {
			return fmt.Errorf("cuda: %s=tensor needs compute capability 8.0 (Ampere) or later; %s has %d.%d; unset it to use the CUDA-core kernel",
				KernelEnv, b.devName, major, minor)
		}
		b.tensor = true
	default:
		return fmt.Errorf("cuda: %s=%q: want auto, cores or tensor", KernelEnv, k)
	}
	ptx := fillPTX
	if b.tensor {
		ptx = fill80PTX
	}
	if b.mod, err = cu.LoadData(ptx); err != nil {
		return fmt.Errorf("cuda: loading the kernels (PTX JIT): %w", err)
	}
	if b.fn, err = b.mod.Function(fillKernel); err != nil {
		return fmt.Errorf("cuda: kernel %s: %w", fillKernel, err)
	}
	smem := b.net.smemBytes()
	optin, err := b.dev.Attribute(cu.DeviceAttribute(97)) // CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
	if err != nil || optin < 48<<10 {
		optin = 48 << 10
	}
	if smem > optin {
		return fmt.Errorf("cuda: model needs %d bytes of shared memory per block, %s allows %d", smem, b.devName, optin)
	}
	if smem > 48<<10 {
		if err := setMaxDynamicSmem(b.fn, smem); err != nil {
			return err
		}
	}
	if b.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return fmt.Errorf("cuda: stream: %w", err)
	}
	for i := range b.ev {
		if b.ev[i], err = cu.MakeEvent(cu.DefaultEvent); err != nil {
			return fmt.Errorf("cuda: event: %w", err)
		}
	}
	if b.dW, err = cu.MemAlloc(int64(4 * len(buf))); err != nil {
		return fmt.Errorf("cuda: weights (%d bytes): %w", 4*len(buf), err)
	}
	if err = cu.MemcpyHtoD(b.dW, unsafe.Pointer(&buf[0]), int64(4*len(buf))); err != nil {
		return fmt.Errorf("cuda: uploading weights: %w", err)
	}
	b.net.W = int64(b.dW)
	cnet, size, err := b.mod.Global("cnet")
	if err != nil || size != int64(unsafe.Sizeof(b.net)) {
		return fmt.Errorf("cuda: kernel constant cnet: %d bytes, want %d (%v)", size, unsafe.Sizeof(b.net), err)
	}
	net := b.net // a copy outside Backend, whose Go pointers cgo would reject
	if err = cu.MemcpyHtoD(cnet, unsafe.Pointer(&net), int64(unsafe.Sizeof(net))); err != nil {
		return fmt.Errorf("cuda: uploading network description: %w", err)
	}
	return nil
}

// do runs f with the backend's context current on a locked OS thread.
func (b *Backend) do(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(b.ctx); err != nil {
		return fmt.Errorf("cuda: set context: %w", err)
	}
	return f()
}

// Name returns "cuda".
func (b *Backend) Name() string { return "cuda" }

// Device names the GPU, e.g. "NVIDIA H100 80GB HBM3".
func (b *Backend) Device() string { return b.devName }

// Kernel names the fill kernel in use and its build.
func (b *Backend) Kernel() string {
	if b.tensor {
		return fillKernel + " (compute_80, tensor-core products)"
	}
	return fillKernel + " (compute_52, CUDA-core products)"
}

// Close frees every device and pinned buffer. It waits for a fill in flight.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	return b.do(func() error {
		if b.stream != (cu.Stream{}) {
			b.stream.Synchronize()
		}
		b.dropGraphs()
		for _, p := range []*cu.DevicePtr{&b.dW, &b.dIn, &b.dEnc, &b.dOut} {
			if *p != 0 {
				cu.MemFree(*p)
				*p = 0
			}
		}
		b.hIn.free()
		b.hOut.free()
		for i := range b.ev {
			if b.ev[i] != (cu.Event{}) {
				cu.DestroyEvent(&b.ev[i])
			}
		}
		if b.stream != (cu.Stream{}) {
			b.stream.Destroy()
		}
		if b.mod != (cu.Module{}) {
			b.mod.Unload()
		}
		b.dev.ReleasePrimaryCtx()
		return nil
	})
}

func (b *Backend) dropGraphs() {
	for k, g := range b.graphs {
		g.destroy()
		delete(b.graphs, k)
	}
}

// ensure grows the buffers to hold a batch of bcap examples packed into inBytes.
func (b *Backend) ensure(bcap, inBytes, outBytes int) error {
	grew := false
	if inBytes > b.inCap {
		n := max(inBytes+inBytes/2, 64<<10)
		if b.dIn != 0 {
			cu.MemFree(b.dIn)
			b.dIn = 0
		}
		b.hIn.free()
		b.inCap = 0
		var err error
		if b.dIn, err = cu.MemAlloc(int64(n)); err != nil {
			return fmt.Errorf("cuda: input buffer (%d bytes): %w", n, err)
		}
		if b.hIn, err = allocPinned(n); err != nil {
			return err
		}
		b.inCap, grew = n, true
	}
	if bcap > b.encCap {
		if b.dEnc != 0 {
			cu.MemFree(b.dEnc)
			b.dEnc = 0
		}
		b.encCap = 0
		var err error
		if b.dEnc, err = cu.MemAlloc(int64(bcap) * b.net.EsStride * 4); err != nil {
			return fmt.Errorf("cuda: encoder state for %d examples: %w", bcap, err)
		}
		b.encCap, grew = bcap, true
	}
	if outBytes > b.outCap {
		if b.dOut != 0 {
			cu.MemFree(b.dOut)
			b.dOut = 0
		}
		b.hOut.free()
		b.outCap = 0
		var err error
		if b.dOut, err = cu.MemAlloc(int64(outBytes)); err != nil {
			return fmt.Errorf("cuda: output buffer (%d bytes): %w", outBytes, err)
		}
		if b.hOut, err = allocPinned(outBytes); err != nil {
			return err
		}
		b.outCap, grew = outBytes, true
	}
	if grew {
		b.dropGraphs()
	}
	return nil
}

// threads picks the block size: wide blocks while the grid leaves SMs idle
// (latency), narrow ones once several blocks share each SM (throughput).
func (b *Backend) threads(bcap int) int {
	if b.blockThreads > 0 {
		return b.blockThreads
	}
	switch {
	case bcap <= b.nSM: // one block per SM at most: all the threads a block may have
		return 1024
	case bcap <= 2*b.nSM:
		return 512
	default:
		return 256
	}
}

func (b *Backend) launch(bcap, steps, mode int) error {
	in, enc, out := b.dIn, b.dEnc, b.dOut
	st, md := int64(steps), int64(mode)
	// cu copies 8 bytes per argument: every kernel parameter is a pointer or a long long.
	args := []unsafe.Pointer{
		unsafe.Pointer(&in), unsafe.Pointer(&st), unsafe.Pointer(&md), unsafe.Pointer(&enc), unsafe.Pointer(&out),
	}
	if err := b.fn.Launch(bcap, 1, 1, b.threads(bcap), 1, 1, b.net.smemBytes(), b.stream, args); err != nil {
		return fmt.Errorf("cuda: launching %s (%d blocks): %w", fillKernel, bcap, err)
	}
	return nil
}

// fillGraph returns the graph of a fill of bcap examples, recording it on first use.
func (b *Backend) fillGraph(bcap, steps int) (*graph, error) {
	k := graphKey{bcap, steps, b.threads(bcap)}
	if g := b.graphs[k]; g != nil {
		return g, nil
	}
	g, err := capture(b.stream, func() error { return b.launch(bcap, steps, modeFill|modeEncode) })
	if err != nil {
		return nil, err
	}
	b.graphs[k] = g
	return g, nil
}

func (b *Backend) checkBatch(batch []*model.Example, cons []*model.Constraints) error {
	if b.closed {
		return fmt.Errorf("cuda: backend closed")
	}
	if len(batch) == 0 {
		return fmt.Errorf("cuda: empty batch")
	}
	if cons != nil && len(cons) != len(batch) {
		return fmt.Errorf("cuda: %d examples, %d constraints", len(batch), len(cons))
	}
	for i, ex := range batch {
		if err := ex.Check(b.cfg, false); err != nil {
			return fmt.Errorf("%w (batch row %d)", err, i)
		}
		if cons != nil {
			if err := checkConstraints(b.cfg, cons[i]); err != nil {
				return fmt.Errorf("%w (batch row %d)", err, i)
			}
		}
	}
	return nil
}

// pack writes the batch into the pinned input buffer, growing the buffers first.
func (b *Backend) pack(batch []*model.Example, cons []*model.Constraints, committed [][]int32, bcap, outBytes int) (int, error) {
	size, offs := batchLayout(b.cfg, batch, cons, committed != nil, bcap)
	if err := b.ensure(bcap, size, outBytes); err != nil {
		return 0, err
	}
	if err := packBatch(b.cfg, b.hIn.b, bcap, batch, cons, committed, offs, size); err != nil {
		return 0, err
	}
	return size, nil
}

// Pending is a fill in flight. Its methods must be called from one goroutine.
type Pending struct {
	b     *Backend
	batch int
	out   []*model.Sampled
	t0    time.Time
	done  bool
	err   error
	// Host is the time from Submit to the result being visible (set by Wait/Done).
	Host time.Duration
}

// Submit starts a fill of batch (steps diffusion steps; cons may be nil) and
// returns at once; poll Done each frame or call Wait. Results land in out
// (out[i] is (re)allocated if short) when Done reports true. One fill may be in
// flight per Backend: Submit waits for an earlier one to finish first.
func (b *Backend) Submit(batch []*model.Example, cons []*model.Constraints, steps int, out []*model.Sampled) (*Pending, error) {
	t0 := time.Now()
	if err := b.checkBatch(batch, cons); err != nil {
		return nil, err
	}
	if len(out) != len(batch) {
		return nil, fmt.Errorf("cuda: %d examples, %d outputs", len(batch), len(out))
	}
	if b.busy != nil {
		b.busy.Wait()
	}
	P := b.cfg.Positions()
	K := min(max(steps, 1), P)
	bcap := bucket(len(batch))
	outStride := 4 * 5 * P
	pd := &Pending{b: b, batch: len(batch), out: out, t0: t0}
	err := b.do(func() error {
		n, err := b.pack(batch, cons, nil, bcap, bcap*outStride)
		if err != nil {
			return err
		}
		g, err := b.fillGraph(bcap, K)
		if err != nil {
			return err
		}
		return b.enqueue(n, len(batch)*outStride, func() error { return g.launch(b.stream) })
	})
	if err != nil {
		return nil, err
	}
	b.encGen++
	b.encBatch = nil
	b.busy = pd
	return pd, nil
}

// submitEmpty runs the fill graph of bcap examples on headers that all say
// "no example": every block exits at once, so its time is the fixed cost of a
// fill (copies, graph launch, event round trip). Benchmarks only.
func (b *Backend) submitEmpty(bcap, steps int) (*Pending, error) {
	if b.busy != nil {
		b.busy.Wait()
	}
	pd := &Pending{b: b, t0: time.Now()}
	err := b.do(func() error {
		outStride := 4 * 5 * b.cfg.Positions()
		if err := b.ensure(bcap, bcap*exHeaderSize, bcap*outStride); err != nil {
			return err
		}
		clear(b.hIn.b[:bcap*exHeaderSize])
		g, err := b.fillGraph(bcap, steps)
		if err != nil {
			return err
		}
		return b.enqueue(bcap*exHeaderSize, 0, func() error { return g.launch(b.stream) })
	})
	if err != nil {
		return nil, err
	}
	b.busy = pd
	return pd, nil
}

// enqueue: upload inBytes, run, download outBytes, with events between.
func (b *Backend) enqueue(inBytes, outBytes int, run func() error) error {
	s := b.stream
	if err := b.ev[0].Record(s); err != nil {
		return fmt.Errorf("cuda: event: %w", err)
	}
	if err := cu.MemcpyHtoDAsync(b.dIn, b.hIn.p, int64(inBytes), s); err != nil {
		return fmt.Errorf("cuda: upload: %w", err)
	}
	b.ev[1].Record(s)
	if err := run(); err != nil {
		return err
	}
	b.ev[2].Record(s)
	if outBytes > 0 {
		if err := cu.MemcpyDtoHAsync(b.hOut.p, b.dOut, int64(outBytes), s); err != nil {
			return fmt.Errorf("cuda: download: %w", err)
		}
	}
	return b.ev[3].Record(s)
}

// Done reports, without blocking, whether the fill has finished; when it has,
// the results are in out. An error of the fill is returned by Wait.
func (p *Pending) Done() bool {
	if p.done {
		return true
	}
	var ready bool
	p.err = p.b.do(func() error {
		err := p.b.ev[3].Query()
		if err == nil {
			ready = true
			return nil
		}
		if err == cu.NotReady {
			return nil
		}
		ready = true
		return fmt.Errorf("cuda: fill: %w", err)
	})
	if ready || p.err != nil {
		p.finish()
	}
	return p.done
}

// Wait blocks until the fill has finished and returns its error.
func (p *Pending) Wait() error {
	if !p.done {
		if err := p.b.do(func() error { return p.b.ev[3].Synchronize() }); err != nil && p.err == nil {
			p.err = fmt.Errorf("cuda: fill: %w", err)
		}
		p.finish()
	}
	return p.err
}

func (p *Pending) finish() {
	p.done = true
	if p.b.busy == p {
		p.b.busy = nil
	}
	if p.err == nil {
		P := p.b.cfg.Positions()
		stride := 4 * 5 * P
		for i := 0; i < p.batch; i++ {
			if p.out[i] == nil || len(p.out[i].Step) < P || len(p.out[i].Chosen) < P || len(p.out[i].Free) < P ||
				len(p.out[i].Conf) < P || len(p.out[i].FreeProb) < P {
				p.out[i] = model.NewSampled(p.b.cfg)
			}
			unpackFill(p.b.hOut.b[i*stride:], P, p.out[i])
		}
	}
	p.Host = time.Since(p.t0)
}

// DeviceTimes returns the device time of the finished fill: the kernel graph
// alone, and upload + graph + download.
func (p *Pending) DeviceTimes() (kernel, total time.Duration, err error) {
	if !p.done {
		return 0, 0, fmt.Errorf("cuda: fill not finished")
	}
	err = p.b.do(func() error {
		k, err := p.b.ev[1].Elapsed(p.b.ev[2])
		if err != nil {
			return err
		}
		t, err := p.b.ev[0].Elapsed(p.b.ev[3])
		if err != nil {
			return err
		}
		kernel = time.Duration(k * float64(time.Millisecond))
		total = time.Duration(t * float64(time.Millisecond))
		return nil
	})
	return
}

// Fill runs the whole K-step fill (model.Filler): Submit, then Wait.
func (b *Backend) Fill(batch []*model.Example, cons []*model.Constraints, steps int, out []*model.Sampled) error {
	p, err := b.Submit(batch, cons, steps, out)
	if err != nil {
		return err
	}
	return p.Wait()
}

type encState struct {
	b   *Backend
	n   int
	gen int
}

func (e *encState) BatchSize() int { return e.n }

// Encode runs the encoder and candidate projections; the state stays on the
// device until the next Encode or Fill.
func (b *Backend) Encode(batch []*model.Example) (model.EncState, error) {
	if err := b.checkBatch(batch, nil); err != nil {
		return nil, err
	}
	if b.busy != nil {
		b.busy.Wait()
	}
	bcap := bucket(len(batch))
	err := b.do(func() error {
		n, err := b.pack(batch, nil, nil, bcap, 0)
		if err != nil {
			return err
		}
		if err := b.enqueue(n, 0, func() error { return b.launch(bcap, 0, modeEncode) }); err != nil {
			return err
		}
		return b.stream.Synchronize()
	})
	if err != nil {
		return nil, err
	}
	b.encGen++
	b.encBatch = append(b.encBatch[:0], batch...)
	return &encState{b: b, n: len(batch), gen: b.encGen}, nil
}

// Decode runs one decoder pass over the encoded batch (logits [P*C] per row,
// -Inf for padding candidates).
func (b *Backend) Decode(enc model.EncState, committed [][]int32, logits [][]float32) error {
	e, ok := enc.(*encState)
	if !ok || e.b != b {
		return fmt.Errorf("cuda: Decode: state from another backend")
	}
	if e.gen != b.encGen {
		return fmt.Errorf("cuda: Decode: encoder state replaced by a later Encode or Fill")
	}
	P, C := b.cfg.Positions(), b.cfg.MaxCands
	if len(committed) != e.n || len(logits) != e.n {
		return fmt.Errorf("cuda: Decode: %d committed rows and %d logit rows for a batch of %d", len(committed), len(logits), e.n)
	}
	for i := range committed {
		if len(committed[i]) < P || len(logits[i]) < P*C {
			return fmt.Errorf("cuda: Decode: row %d: committed len %d (want %d), logits len %d (want %d)",
				i, len(committed[i]), P, len(logits[i]), P*C)
		}
		for p, v := range committed[i][:P] {
			if int(v) >= b.encBatch[i].NCand {
				return fmt.Errorf("cuda: Decode: row %d position %d committed to candidate %d, only %d candidates",
					i, p, v, b.encBatch[i].NCand)
			}
		}
	}
	bcap := bucket(e.n)
	outBytes := e.n * P * C * 4
	return b.do(func() error {
		n, err := b.pack(b.encBatch, nil, committed, bcap, bcap*P*C*4)
		if err != nil {
			return err
		}
		if err := b.enqueue(n, outBytes, func() error { return b.launch(bcap, 1, modeLogits) }); err != nil {
			return err
		}
		if err := b.stream.Synchronize(); err != nil {
			return fmt.Errorf("cuda: decode: %w", err)
		}
		for i := 0; i < e.n; i++ {
			src := unsafe.Slice((*float32)(unsafe.Pointer(&b.hOut.b[i*P*C*4])), P*C)
			copy(logits[i], src)
		}
		return nil
	})
}
