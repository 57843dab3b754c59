package cuda

// The GPU kernel's parity tests on the CPU emulator (internal/cuda/kernels): the
// same kernel source, weight layout, batch packing and launch sequence as the
// GPU backend, checked against model.CPU on every machine, CI included.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/voicecmd/voicecmd/internal/cuda/kernels"
	"github.com/voicecmd/voicecmd/internal/model"
)

func init() {
	model.RegisterBackend("cudaemu", func(w *model.Weights) (model.Backend, error) { return newEmu(w, false, 0) })
	model.RegisterBackend("cudaemu-tc", func(w *model.Weights) (model.Backend, error) { return newEmu(w, true, 0) })
}

// variants are the two builds of the kernel: the compute_52 PTX's (CUDA-core
// products) and the compute_80 PTX's (tensor-core products), by backend name.
var variants = []struct {
	name string
	tc   bool
}{{"cudaemu", false}, {"cudaemu-tc", true}}

// emuBackend mirrors Backend's host side (deviceWeights, packBatch, the mode
// bits and buffer sizes of Submit, Encode and Decode) around kernels.Run.
type emuBackend struct {
	cfg      model.Config
	net      netDesc
	weights  []float32
	tc       bool      // the tensor-core build of the kernel
	threads  int       // block size; 0: 1024 up to 4 examples (the latency paths), else 256
	enc      []float32 // encoder state left by the last Encode or Fill
	encBatch []*model.Example
}

func newEmu(w *model.Weights, tc bool, threads int) (*emuBackend, error) {
	buf, net, err := deviceWeights(w)
	if err != nil {
		return nil, err
	}
	return &emuBackend{cfg: w.Config, net: net, weights: buf, tc: tc, threads: threads}, nil
}

func (e *emuBackend) Name() string {
	if e.tc {
		return "cudaemu-tc"
	}
	return "cudaemu"
}
func (e *emuBackend) Close() error { return nil }

func (e *emuBackend) check(batch []*model.Example, cons []*model.Constraints) error {
	if len(batch) == 0 {
		return fmt.Errorf("cudaemu: empty batch")
	}
	for i, ex := range batch {
		if err := ex.Check(e.cfg, false); err != nil {
			return fmt.Errorf("%w (batch row %d)", err, i)
		}
		if err := checkConstraints(e.cfg, consAt(cons, i)); err != nil {
			return fmt.Errorf("%w (batch row %d)", err, i)
		}
	}
	return nil
}

// run packs the batch padded to bcap examples and runs one emulated launch.
func (e *emuBackend) run(batch []*model.Example, cons []*model.Constraints, committed [][]int32, steps, mode, outBytes int) ([]byte, error) {
	bcap := bucket(len(batch))
	size, offs := batchLayout(e.cfg, batch, cons, committed != nil, bcap)
	in := make([]byte, size)
	if err := packBatch(e.cfg, in, bcap, batch, cons, committed, offs, size); err != nil {
		return nil, err
	}
	if mode&modeEncode != 0 {
		e.enc = make([]float32, bcap*int(e.net.EsStride))
		e.encBatch = append(e.encBatch[:0], batch...)
	}
	threads := e.threads
	if threads == 0 {
		threads = 256
		if bcap <= 4 {
			threads = 1024
		}
	}
	out := make([]byte, max(outBytes, 4))
	err := kernels.Run(kernels.Launch{
		Net: unsafe.Slice((*byte)(unsafe.Pointer(&e.net)), unsafe.Sizeof(e.net)), Weights: e.weights,
		In: in, Steps: int64(steps), Mode: int64(mode), Enc: e.enc, Out: out,
		Grid: bcap, Block: threads, Smem: e.net.smemBytes(), TensorCores: e.tc,
	})
	return out, err
}

func (e *emuBackend) Fill(batch []*model.Example, cons []*model.Constraints, steps int, out []*model.Sampled) error {
	if err := e.check(batch, cons); err != nil {
		return err
	}
	if len(out) != len(batch) {
		return fmt.Errorf("cudaemu: %d examples, %d outputs", len(batch), len(out))
	}
	P := e.cfg.Positions()
	stride := 4 * 5 * P
	o, err := e.run(batch, cons, nil, min(max(steps, 1), P), modeFill|modeEncode, bucket(len(batch))*stride)
	if err != nil {
		return err
	}
	for i := range batch {
		if out[i] == nil {
			out[i] = model.NewSampled(e.cfg)
		}
		unpackFill(o[i*stride:], P, out[i])
	}
	return nil
}

type emuEnc struct{ n int }

func (s emuEnc) BatchSize() int { return s.n }

func (e *emuBackend) Encode(batch []*model.Example) (model.EncState, error) {
	if err := e.check(batch, nil); err != nil {
		return nil, err
	}
	if _, err := e.run(batch, nil, nil, 0, modeEncode, 0); err != nil {
		return nil, err
	}
	return emuEnc{len(batch)}, nil
}

func (e *emuBackend) Decode(enc model.EncState, committed [][]int32, logits [][]float32) error {
	P, C := e.cfg.Positions(), e.cfg.MaxCands
	n := enc.BatchSize()
	o, err := e.run(e.encBatch, nil, committed, 1, modeLogits, bucket(n)*P*C*4)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		copy(logits[i], unsafe.Slice((*float32)(unsafe.Pointer(&o[i*P*C*4])), P*C))
	}
	return nil
}

// The emulator runs a demo-sized fill in milliseconds to tens of milliseconds,
// so these use small batches; the GPU tests (cuda_test.go) run the large ones.

func TestEmuDecodeParity(t *testing.T) {
	for _, v := range variants {
		for name, cfg := range configs() {
			t.Run(v.name+"/"+name, func(t *testing.T) {
				w := randomWeights(t, cfg, 3)
				dev, err := newEmu(w, v.tc, 0)
				if err != nil {
					t.Fatal(err)
				}
				decodeParity(t, name, cfg, w, dev, []int{1, 6})
			})
		}
	}
}

func TestEmuFillParity(t *testing.T) {
	for _, v := range variants {
		for name, cfg := range configs() {
			t.Run(v.name+"/"+name, func(t *testing.T) {
				w := randomWeights(t, cfg, 5)
				dev, err := newEmu(w, v.tc, 0)
				if err != nil {
					t.Fatal(err)
				}
				fillParity(t, name, cfg, w, dev, []fillCase{{1, 1}, {1, 2}, {2, cfg.Positions()}, {5, 3}, {2, 0}})
			})
		}
		// block sizes the GPU backend picks for other batch sizes (and an odd one)
		for _, threads := range []int{512, 128, 96} {
			t.Run(fmt.Sprint(v.name, "/demo-", threads, "threads"), func(t *testing.T) {
				cfg := model.DefaultConfig()
				w := randomWeights(t, cfg, 6)
				dev, err := newEmu(w, v.tc, threads)
				if err != nil {
					t.Fatal(err)
				}
				fillParity(t, "demo", cfg, w, dev, []fillCase{{2, 2}})
			})
		}
	}
}

// TestEmuRandomConfigs: shapes nobody picked by hand (widths that are not
// multiples of 8 or 32, one head or six, short and long token lists) through
// both builds of the kernel.
func TestEmuRandomConfigs(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	for i := 0; i < 6; i++ {
		cfg := model.DefaultConfig()
		cfg.Heads = 1 + rng.IntN(6)
		cfg.Dim = cfg.Heads * (4 + rng.IntN(17))
		cfg.FFN = 8 + rng.IntN(153)
		cfg.EncLayers, cfg.DecLayers = 1+rng.IntN(3), 1+rng.IntN(2)
		cfg.MaxTokens, cfg.MaxCands = 4+rng.IntN(37), 4+rng.IntN(97)
		cfg.Roles, cfg.Frames = 2+rng.IntN(8), 1+rng.IntN(4)
		cfg.TokFeat, cfg.CandFeat = 1+rng.IntN(20), 1+rng.IntN(10)
		cfg.HashBuckets, cfg.HashesPerToken, cfg.Kinds = 64+rng.IntN(448), 1+rng.IntN(12), 2+rng.IntN(63)
		if err := cfg.Validate(); err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		for _, v := range variants {
			name := fmt.Sprintf("%s/D%d-H%d-F%d-L%d.%d-T%d-C%d-P%d", v.name, cfg.Dim, cfg.Heads, cfg.FFN,
				cfg.EncLayers, cfg.DecLayers, cfg.MaxTokens, cfg.MaxCands, cfg.Positions())
			t.Run(name, func(t *testing.T) {
				w := randomWeights(t, cfg, uint64(i))
				dev, err := newEmu(w, v.tc, 0)
				if err != nil {
					t.Fatal(err)
				}
				if dev.net.smemBytes() > 227<<10 {
					t.Skipf("needs %d bytes of shared memory per block", dev.net.smemBytes())
				}
				decodeParity(t, name, cfg, w, dev, []int{2})
				fillParity(t, name, cfg, w, dev, []fillCase{{1, 2}, {2, 1 + rng.IntN(cfg.Positions())}})
			})
		}
	}
}

func TestEmuDevSetParity(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { devSetParity(t, v.name, 40, 3) })
	}
}

// TestEmuBadLaunch: launches the GPU would refuse fail with a reason instead of
// running.
func TestEmuBadLaunch(t *testing.T) {
	cfg := model.DefaultConfig()
	e, err := newEmu(randomWeights(t, cfg, 1), false, 0)
	if err != nil {
		t.Fatal(err)
	}
	ex := demoExample(cfg, rand.New(rand.NewPCG(1, 1)))
	size, offs := batchLayout(cfg, []*model.Example{ex}, nil, false, 1)
	in := make([]byte, size)
	if err := packBatch(cfg, in, 1, []*model.Example{ex}, nil, nil, offs, size); err != nil {
		t.Fatal(err)
	}
	net := unsafe.Slice((*byte)(unsafe.Pointer(&e.net)), unsafe.Sizeof(e.net))
	good := kernels.Launch{Net: net, Weights: e.weights, In: in, Steps: 2, Mode: modeFill | modeEncode,
		Enc: make([]float32, e.net.EsStride), Out: make([]byte, 4*5*cfg.Positions()), Grid: 1, Block: 256, Smem: e.net.smemBytes()}
	if err := kernels.Run(good); err != nil {
		t.Fatalf("good launch: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(l *kernels.Launch)
		want string
	}{
		{"no threads", func(l *kernels.Launch) { l.Block = 0 }, "bad launch"},
		{"too many threads", func(l *kernels.Launch) { l.Block = 2048 }, "bad launch"},
		{"no blocks", func(l *kernels.Launch) { l.Grid = 0 }, "bad launch"},
		{"too much shared memory", func(l *kernels.Launch) { l.Smem = 1 << 20 }, "bad launch"},
		{"short net", func(l *kernels.Launch) { l.Net = l.Net[:100] }, "network description"},
		{"no input", func(l *kernels.Launch) { l.In = nil }, "empty"},
	} {
		l := good
		tc.edit(&l)
		err := kernels.Run(l)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
