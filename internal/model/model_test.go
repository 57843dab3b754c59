package model

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func synthBatch(cfg Config, seed uint64, n int) []*Example {
	rng := rand.New(rand.NewPCG(seed, 0))
	b := make([]*Example, n)
	for i := range b {
		b[i] = synthExample(cfg, rng)
	}
	return b
}

// TestTrainerForwardMatchesInference: the trainer's forward and the CPU backend
// produce the same logits for the same weights, example and committed slots.
func TestTrainerForwardMatchesInference(t *testing.T) {
	for _, cfg := range []Config{tinyConfig(), DefaultConfig()} {
		w, err := NewWeights(cfg, 7)
		if err != nil {
			t.Fatal(err)
		}
		cpu, _ := NewCPU(w)
		batch := synthBatch(cfg, 3, 5)
		rng := rand.New(rand.NewPCG(1, 2))
		committed := make([][]int32, len(batch))
		logits := make([][]float32, len(batch))
		for i, ex := range batch {
			committed[i] = make([]int32, cfg.Positions())
			DrawMask(rng, ex.Target, committed[i])
			logits[i] = make([]float32, cfg.Positions()*cfg.MaxCands)
		}
		enc, err := cpu.Encode(batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := cpu.Decode(enc, committed, logits); err != nil {
			t.Fatal(err)
		}
		g, _ := newTensors[float32](cfg)
		tp := newTape(cfg, &w.Tensors, &g)
		for i, ex := range batch {
			tp.forward(ex, committed[i])
			for k, want := range tp.logit {
				got := logits[i][k]
				if math.IsInf(float64(want), -1) != math.IsInf(float64(got), -1) || (!math.IsInf(float64(want), -1) && math.Abs(float64(got-want)) > 1e-5) {
					t.Fatalf("D=%d row %d logit %d: inference %v, trainer %v", cfg.Dim, i, k, got, want)
				}
			}
		}
	}
}

func TestTrainLossFalls(t *testing.T) {
	cfg := tinyConfig()
	cfg.Dim, cfg.Heads, cfg.FFN, cfg.HashBuckets = 16, 2, 32, 64
	cfg.MaxTokens, cfg.MaxCands = 6, 8
	w, err := NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	var first, last []float64
	steps := 300
	err = Train(context.Background(), TrainConfig{Steps: steps, Batch: 16, LR: 1e-2, Seed: 1}, w,
		func(rng *rand.Rand) (*Example, error) { return synthExample(cfg, rng), nil },
		func(step int, loss float64, _ time.Duration) {
			if step < 20 {
				first = append(first, loss)
			}
			if step >= steps-20 {
				last = append(last, loss)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	a, b := mean(first), mean(last)
	t.Logf("loss %.3f -> %.3f", a, b)
	if b > a*0.5 {
		t.Errorf("loss did not fall enough: first 20 steps %.3f, last 20 steps %.3f", a, b)
	}
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func TestTrainDeterministic(t *testing.T) {
	cfg := tinyConfig()
	run := func() *Weights {
		w, _ := NewWeights(cfg, 3)
		if err := Train(context.Background(), TrainConfig{Steps: 20, Batch: 8, Seed: 9}, w,
			func(rng *rand.Rand) (*Example, error) { return synthExample(cfg, rng), nil }, nil); err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := run(), run()
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("parameter %d differs between two runs with one seed: %v vs %v", i, a.Data[i], b.Data[i])
		}
	}
}

func TestTrainCancel(t *testing.T) {
	cfg := tinyConfig()
	w, _ := NewWeights(cfg, 3)
	ctx, cancel := context.WithCancel(context.Background())
	err := Train(ctx, TrainConfig{Steps: 1000000, Batch: 4}, w,
		func(rng *rand.Rand) (*Example, error) { return synthExample(cfg, rng), nil },
		func(step int, _ float64, _ time.Duration) {
			if step == 3 {
				cancel()
			}
		})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTrainBadExample(t *testing.T) {
	cfg := tinyConfig()
	w, _ := NewWeights(cfg, 3)
	err := Train(context.Background(), TrainConfig{Steps: 5, Batch: 4}, w,
		func(rng *rand.Rand) (*Example, error) { ex := synthExample(cfg, rng); ex.NCand = 99; return ex, nil }, nil)
	if err == nil {
		t.Fatal("no error for an example with NCand > MaxCands")
	}
	t.Log(err)
}

func TestNoAllocsPerStep(t *testing.T) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(w)
	batch := synthBatch(cfg, 1, 1)
	out := []*Sampled{NewSampled(cfg)}
	enc, _ := cpu.Encode(batch)
	committed := [][]int32{make([]int32, cfg.Positions())}
	logits := [][]float32{make([]float32, cfg.Positions()*cfg.MaxCands)}
	for i := range committed[0] {
		committed[0][i] = -1
	}
	if n := testing.AllocsPerRun(20, func() {
		if err := cpu.Decode(enc, committed, logits); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Decode allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(20, func() {
		if err := cpu.Fill(batch, nil, 3, out); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Fill allocates %v times per call", n)
	}
}

// TestNoGoroutineLeak: Train (finished, cancelled, failed) and batched backend calls
// leave no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := tinyConfig()
	w, _ := NewWeights(cfg, 3)
	gen := func(rng *rand.Rand) (*Example, error) { return synthExample(cfg, rng), nil }
	Train(context.Background(), TrainConfig{Steps: 3, Batch: 4}, w, gen, nil)
	ctx, cancel := context.WithCancel(context.Background())
	Train(ctx, TrainConfig{Steps: 100, Batch: 4}, w, gen, func(int, float64, time.Duration) { cancel() })
	n := 0
	Train(context.Background(), TrainConfig{Steps: 100, Batch: 4}, w, func(rng *rand.Rand) (*Example, error) {
		if n++; n > 9 {
			return &Example{}, nil
		}
		return gen(rng)
	}, nil)
	cpu, _ := NewCPU(w)
	batch := synthBatch(cfg, 2, 9)
	out := make([]*Sampled, len(batch))
	for i := range out {
		out[i] = NewSampled(cfg)
	}
	if err := cpu.Fill(batch, nil, 2, out); err != nil {
		t.Fatal(err)
	}
	cpu.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}
