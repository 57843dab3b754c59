//go:build cuda

package cuda

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/voicecmd/voicecmd/internal/model"
)

var (
	tableFlag = flag.Bool("cuda.table", false, "print the GPU benchmark table (TestBenchTable)")
	tableReps = flag.Int("cuda.reps", 200, "fills per row of the benchmark table")
	tableOut  = flag.String("cuda.tableout", "", "also write the benchmark table to this file")
)

// openOrSkip opens the cuda backend, or skips the test saying why no device is usable.
func openOrSkip(t testing.TB, w *model.Weights) *Backend {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("no usable CUDA device: %v", err)
	}
	b, err := Open(w)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// builds lists the kernel builds (KernelEnv values) the device can run: the
// compute_52 one everywhere, the compute_80 one from compute capability 8.0.
func builds(t testing.TB) []string {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("no usable CUDA device: %v", err)
	}
	dev, err := cu.GetDevice(0)
	if err != nil {
		t.Fatal(err)
	}
	major, _, err := dev.ComputeCapability()
	if err != nil {
		t.Fatal(err)
	}
	if major >= 8 {
		return []string{"tensor", "cores"}
	}
	return []string{"cores"}
}

// openBuild opens the backend with the given kernel build.
func openBuild(t *testing.T, w *model.Weights, build string) *Backend {
	t.Helper()
	t.Setenv(KernelEnv, build)
	return openOrSkip(t, w)
}

func TestLayout(t *testing.T) {
	if got := int(unsafe.Sizeof(netDesc{})); got != cSizeofNet {
		t.Errorf("netDesc is %d bytes, C VCNet %d", got, cSizeofNet)
	}
	if got := int(unsafe.Sizeof(exHeader{})); got != cSizeofEx {
		t.Errorf("exHeader is %d bytes, C VCEx %d", got, cSizeofEx)
	}
	if cSizeofEx != exHeaderSize {
		t.Errorf("exHeaderSize %d, C VCEx %d", exHeaderSize, cSizeofEx)
	}
}

// TestDecodeParity: Encode + Decode logits on the GPU match the CPU backend
// within 1e-3 on random weights, inputs and committed slots.
func TestDecodeParity(t *testing.T) {
	for _, build := range builds(t) {
		for name, cfg := range configs() {
			t.Run(build+"/"+name, func(t *testing.T) {
				w := randomWeights(t, cfg, 3)
				decodeParity(t, name, cfg, w, openBuild(t, w, build), []int{1, 5, 70})
			})
		}
	}
}

// TestFillParity: the whole fill on the GPU commits the same candidates at the
// same steps as the CPU reference, with Conf/FreeProb within 1e-3.
func TestFillParity(t *testing.T) {
	for _, build := range builds(t) {
		for name, cfg := range configs() {
			t.Run(build+"/"+name, func(t *testing.T) {
				w := randomWeights(t, cfg, 5)
				cases := []fillCase{{1, 1}, {1, 2}, {3, 3}, {40, 2}, {200, 4}, {7, cfg.Positions()}, {2, 0}}
				fillParity(t, name, cfg, w, openBuild(t, w, build), cases)
			})
		}
	}
}

// TestPending: Submit returns before the fill ends; Done polls without blocking
// and turns true; the results equal a synchronous Fill's.
func TestPending(t *testing.T) {
	cfg := model.DefaultConfig()
	w := randomWeights(t, cfg, 9)
	g := openOrSkip(t, w)
	rng := rand.New(rand.NewPCG(1, 2))
	batch := []*model.Example{demoExample(cfg, rng), demoExample(cfg, rng)}
	out := []*model.Sampled{nil, nil}
	p, err := g.Submit(batch, nil, 2, out)
	if err != nil {
		t.Fatal(err)
	}
	polls := 0
	for deadline := time.Now().Add(10 * time.Second); !p.Done(); polls++ {
		if time.Now().After(deadline) {
			t.Fatal("fill not done after 10s")
		}
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	ref := []*model.Sampled{model.NewSampled(cfg), model.NewSampled(cfg)}
	if err := g.Fill(batch, nil, 2, ref); err != nil {
		t.Fatal(err)
	}
	for i := range ref {
		if !slices.Equal(out[i].Chosen, ref[i].Chosen) || !slices.Equal(out[i].Step, ref[i].Step) {
			t.Fatalf("row %d: async %v, sync %v", i, out[i].Chosen, ref[i].Chosen)
		}
	}
	t.Logf("done after %d polls, host-observed %v", polls, p.Host)
}

func TestBadInput(t *testing.T) {
	cfg := model.DefaultConfig()
	g := openOrSkip(t, randomWeights(t, cfg, 1))
	ex := model.NewExample(cfg) // NTok = 0
	if err := g.Fill([]*model.Example{ex}, nil, 2, []*model.Sampled{nil}); err == nil {
		t.Error("Fill accepted an example with NTok 0")
	}
	ex = demoExample(cfg, rand.New(rand.NewPCG(1, 1)))
	bad := &model.Constraints{Tables: []model.PairTable{{RoleA: cfg.Roles, RoleB: 0, OK: make([]bool, cfg.MaxCands*cfg.MaxCands)}}}
	if err := g.Fill([]*model.Example{ex}, []*model.Constraints{bad}, 2, []*model.Sampled{nil}); err == nil {
		t.Error("Fill accepted a pair table with an out-of-range role")
	}
}

// measure runs reps fills of the batch and returns the medians of the kernel
// device time, the device time with transfers, and the host-observed latency
// (Submit → Done seen by a polling loop, the way the engine polls each frame).
// An empty batch measures the fixed cost: a graph of one block that exits at once.
func measure(t testing.TB, g *Backend, batch []*model.Example, steps, reps int) (kern, dev, host time.Duration) {
	out := make([]*model.Sampled, len(batch))
	var ks, ds, hs []time.Duration
	for r := -5; r < reps; r++ { // 5 warm-ups: graph capture, first-touch
		var p *Pending
		var err error
		if len(batch) == 0 {
			p, err = g.submitEmpty(1, steps)
		} else {
			p, err = g.Submit(batch, nil, steps, out)
		}
		if err != nil {
			t.Fatal(err)
		}
		for !p.Done() {
		}
		if err := p.Wait(); err != nil {
			t.Fatal(err)
		}
		k, d, err := p.DeviceTimes()
		if err != nil {
			t.Fatal(err)
		}
		if r >= 0 {
			ks, ds, hs = append(ks, k), append(ds, d), append(hs, p.Host)
		}
	}
	med := func(v []time.Duration) time.Duration { slices.Sort(v); return v[len(v)/2] }
	return med(ks), med(ds), med(hs)
}

// TestBenchTable prints the benchmark table the GPU check script ends with:
// every kernel build the device runs, side by side on the same inputs, with the
// ratio to the compute_52 build (the baseline). Run with -cuda.table.
func TestBenchTable(t *testing.T) {
	if !*tableFlag {
		t.Skip("run with -cuda.table")
	}
	cfg := model.DefaultConfig()
	w := randomWeights(t, cfg, 21)
	bs := builds(t)
	gs := make([]*Backend, len(bs))
	for i, b := range bs {
		t.Setenv(KernelEnv, b)
		gs[i] = openOrSkip(t, w)
	}
	cpu, _ := model.NewCPU(w)
	rng := rand.New(rand.NewPCG(5, 5))
	pool := make([]*model.Example, 1024)
	for i := range pool {
		pool[i] = demoExample(cfg, rng)
	}
	const K = 2 // engine/fill.DefaultSteps
	var sb strings.Builder
	// warm-up: the first fills after an idle spell run at low clocks
	for t0 := time.Now(); time.Since(t0) < 500*time.Millisecond; {
		measure(t, gs[0], pool[:1], K, 20)
	}
	fmt.Fprintf(&sb, "GPU fill on %s, demo config (D=%d, Le=%d, Ld=%d, P=%d, C=%d), demo-shaped inputs (10 tokens, 60 candidates), medians of %d\n",
		gs[0].Device(), cfg.Dim, cfg.EncLayers, cfg.DecLayers, cfg.Positions(), cfg.MaxCands, *tableReps)
	for i, g := range gs {
		fmt.Fprintf(&sb, "  %s: %s\n", bs[i], g.Kernel())
	}
	fmt.Fprintf(&sb, "%-6s %-3s %-7s", "batch", "K", "threads")
	for _, b := range bs {
		fmt.Fprintf(&sb, " %14s %14s", b+" kern µs", b+" host µs")
	}
	if len(bs) > 1 {
		fmt.Fprintf(&sb, " %13s", "tensor/cores")
	}
	fmt.Fprintf(&sb, " %10s\n", "cpu µs")
	for _, tc := range []struct{ n, k, threads int }{
		{0, K, 0}, {1, 1, 0}, {1, K, 0}, {1, 4, 0}, {1, K, 256},
		{16, K, 0}, {128, K, 0}, {1024, K, 0}, {1024, K, 512}, {1024, 4, 0},
	} {
		batch := pool[:tc.n]
		name := fmt.Sprint(tc.n)
		if tc.n == 0 {
			name = "empty"
		}
		th := "auto"
		if tc.threads > 0 {
			th = fmt.Sprint(tc.threads)
		}
		fmt.Fprintf(&sb, "%-6s %-3d %-7s", name, tc.k, th)
		kern := make([]time.Duration, len(gs))
		for i, g := range gs {
			g.blockThreads = tc.threads
			var host time.Duration
			kern[i], _, host = measure(t, g, batch, tc.k, *tableReps)
			g.blockThreads = 0
			fmt.Fprintf(&sb, " %14.1f %14.1f", float64(kern[i].Nanoseconds())/1e3, float64(host.Nanoseconds())/1e3)
		}
		if len(gs) > 1 {
			fmt.Fprintf(&sb, " %13.2f", float64(kern[0])/float64(kern[1]))
		}
		cpuT := "-"
		if tc.n >= 1 && tc.n <= 16 && tc.threads == 0 {
			out := make([]*model.Sampled, tc.n)
			for i := range out {
				out[i] = model.NewSampled(cfg)
			}
			var ts []time.Duration
			for range 50 {
				t0 := time.Now()
				cpu.Fill(batch, nil, tc.k, out)
				ts = append(ts, time.Since(t0))
			}
			slices.Sort(ts)
			cpuT = fmt.Sprintf("%.1f", float64(ts[len(ts)/2].Nanoseconds())/1e3)
		}
		fmt.Fprintf(&sb, " %10s\n", cpuT)
	}
	fmt.Fprint(os.Stderr, "\n"+sb.String())
	if *tableOut != "" {
		os.WriteFile(*tableOut, []byte(sb.String()), 0o644)
	}
}

func benchFill(b *testing.B, n, steps int) {
	cfg := model.DefaultConfig()
	w := randomWeights(b, cfg, 21)
	g := openOrSkip(b, w)
	rng := rand.New(rand.NewPCG(5, 5))
	batch := make([]*model.Example, n)
	for i := range batch {
		batch[i] = demoExample(cfg, rng)
	}
	out := make([]*model.Sampled, n)
	if err := g.Fill(batch, nil, steps, out); err != nil { // records the graph
		b.Fatal(err)
	}
	var kern, host time.Duration
	b.ResetTimer()
	for range b.N {
		p, err := g.Submit(batch, nil, steps, out)
		if err != nil {
			b.Fatal(err)
		}
		for !p.Done() {
		}
		k, _, _ := p.DeviceTimes()
		kern += k
		host += p.Host
	}
	b.ReportMetric(float64(kern.Nanoseconds())/1e3/float64(b.N), "kernel-µs/fill")
	b.ReportMetric(float64(host.Nanoseconds())/1e3/float64(b.N), "host-µs/fill")
}

func BenchmarkFill1K2(b *testing.B)    { benchFill(b, 1, 2) }
func BenchmarkFill1024K2(b *testing.B) { benchFill(b, 1024, 2) }

// TestAuto: "auto" picks the GPU when one is usable and otherwise falls back to
// the CPU with a reason (run the binary with CUDA_VISIBLE_DEVICES= to see
// the fallback on a GPU machine).
func TestAuto(t *testing.T) {
	w := randomWeights(t, model.DefaultConfig(), 1)
	b, fallback, err := model.OpenAuto(w)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	want := "cuda"
	if Available() != nil {
		want = "cpu"
	}
	if b.Name() != want {
		t.Fatalf("auto opened %q, want %q (Available: %v)", b.Name(), want, Available())
	}
	if (want == "cpu") != (fallback != "") {
		t.Fatalf("auto opened %s with fallback reason %q", b.Name(), fallback)
	}
	t.Logf("auto -> %s %q", b.Name(), fallback)
}

// TestDevSetParity: on the demo game's dev set, the whole pipeline (featurize,
// fill, decode) gives the same commands and rejections with the GPU backend as
// with the CPU one, batched and one utterance at a time.
func TestDevSetParity(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("no usable CUDA device: %v", err)
	}
	for _, build := range builds(t) {
		t.Run(build, func(t *testing.T) {
			t.Setenv(KernelEnv, build)
			devSetParity(t, "cuda", 0, 25)
		})
	}
}
