package model

import (
	"testing"
	"time"
)

// minTime runs f in rounds of n calls and returns the fastest round's time per call:
// on a shared machine the minimum is the least disturbed estimate.
func minTime(n, rounds int, f func()) time.Duration {
	best := time.Duration(1 << 62)
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		best = min(best, time.Since(t0)/time.Duration(n))
	}
	return best
}

func TestMinBench(t *testing.T) {
	if testing.Short() || !*minBench {
		t.Skip("run with -minbench")
	}
	w, in, out := make([]float32, 48*48), make([]float32, 27*48), make([]float32, 27*48)
	cfg := DefaultConfig()
	wt, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(wt)
	batch := demoBatch(cfg, 1)
	sout := []*Sampled{NewSampled(cfg)}
	t.Logf("encode b=1: %v", minTime(100, 30, func() { cpu.Encode(batch) }))
	enc, _ := cpu.Encode(batch)
	P := cfg.Positions()
	committed := [][]int32{make([]int32, P)}
	logits := [][]float32{make([]float32, P*cfg.MaxCands)}
	for p := range committed[0] {
		committed[0][p] = -1
	}
	t.Logf("decode b=1, all masked: %v", minTime(100, 30, func() { cpu.Decode(enc, committed, logits) }))
	flip := 0
	t.Logf("decode b=1, 9 slots changed: %v", minTime(100, 30, func() {
		flip ^= 1
		for p := 0; p < 9; p++ {
			committed[0][p] = int32(flip)
		}
		cpu.Decode(enc, committed, logits)
	}))
	for _, k := range []int{1, 2, 3, P} {
		t.Logf("fill b=1 K=%d: %v", k, minTime(50, 30, func() { cpu.Fill(batch, nil, k, sout) }))
	}
	t.Logf("linear 27x48x48: %v", minTime(200, 50, func() { linear(out, in, w, nil, 27, 48, 48, false) }))
}
