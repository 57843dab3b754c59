package model

import (
	"context"
	"flag"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// demoExample has the shape the demo's featurizer produces: ~10 tokens with 8 hash
// ids each, ~60 candidates, every position allowing about a third of them.
func demoExample(cfg Config, rng *rand.Rand) *Example {
	ex := NewExample(cfg)
	ex.NTok = min(10, cfg.MaxTokens)
	ex.NCand = min(60, cfg.MaxCands)
	for t := 0; t < ex.NTok; t++ {
		for j := 0; j < min(8, cfg.HashesPerToken); j++ {
			ex.TokHash[t][j] = int32(rng.IntN(cfg.HashBuckets))
		}
		for f := 0; f < cfg.TokFeat; f++ {
			ex.TokFeat[t*cfg.TokFeat+f] = float32(rng.IntN(2))
		}
	}
	for c := 0; c < ex.NCand; c++ {
		ex.CandKind[c] = int32(rng.IntN(cfg.Kinds))
		t := rng.IntN(ex.NTok)
		ex.CandPool[c*cfg.MaxTokens+t] = 1
		ex.CandFeat[c*cfg.CandFeat] = 1
	}
	P, C := cfg.Positions(), cfg.MaxCands
	for p := 0; p < P; p++ {
		for c := 0; c < ex.NCand; c++ {
			ex.Allowed[p*C+c] = rng.IntN(3) == 0
		}
		tg := rng.IntN(ex.NCand)
		ex.Allowed[p*C+tg] = true
		ex.Target[p] = int32(tg)
	}
	return ex
}

func demoBatch(cfg Config, n int) []*Example {
	rng := rand.New(rand.NewPCG(1, 1))
	b := make([]*Example, n)
	for i := range b {
		b[i] = demoExample(cfg, rng)
	}
	return b
}

func benchEncode(b *testing.B, n int) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(w)
	batch := demoBatch(cfg, n)
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := cpu.Encode(batch); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, n int) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(w)
	batch := demoBatch(cfg, n)
	enc, _ := cpu.Encode(batch)
	committed := make([][]int32, n)
	logits := make([][]float32, n)
	for i := range committed {
		committed[i] = make([]int32, cfg.Positions())
		for p := range committed[i] {
			committed[i][p] = -1
		}
		logits[i] = make([]float32, cfg.Positions()*cfg.MaxCands)
	}
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if err := cpu.Decode(enc, committed, logits); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFill(b *testing.B, n, steps int) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(w)
	batch := demoBatch(cfg, n)
	out := make([]*Sampled, n)
	for i := range out {
		out[i] = NewSampled(cfg)
	}
	b.ResetTimer()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if err := cpu.Fill(batch, nil, steps, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode1(b *testing.B)  { benchEncode(b, 1) }
func BenchmarkEncode64(b *testing.B) { benchEncode(b, 64) }
func BenchmarkDecode1(b *testing.B)  { benchDecode(b, 1) }
func BenchmarkDecode64(b *testing.B) { benchDecode(b, 64) }
func BenchmarkFill1K2(b *testing.B)  { benchFill(b, 1, 2) }
func BenchmarkFill1K3(b *testing.B)  { benchFill(b, 1, 3) }
func BenchmarkFill64K3(b *testing.B) { benchFill(b, 64, 3) }
func BenchmarkFill1K27(b *testing.B) { benchFill(b, 1, 27) }

// BenchmarkTrain reports training throughput (examples/s) with the demo config.
func BenchmarkTrain(b *testing.B) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 1)
	pool := demoBatch(cfg, 256)
	i := 0
	next := func(*rand.Rand) (*Example, error) { i++; return pool[i%len(pool)], nil }
	const batch = 32
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	if err := Train(context.Background(), TrainConfig{Steps: b.N, Batch: batch}, w, next, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "examples/s")
	// CPU time per example: on a shared machine, wall-clock throughput varies with
	// the load; 2 cores / this is the throughput of an idle 2-core machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*batch), "cpu-us/example")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the process CPU time per op: on a loaded machine it tracks the
// work done better than ns/op, which includes waiting for a core.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

var minBench = flag.Bool("minbench", false, "run TestMinBench")
