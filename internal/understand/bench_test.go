package understand

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime is this process's user+system CPU time. Benchmarks report it per op
// ("cpu-ns/op") next to wall time, because on a shared 2-core machine wall time
// also counts other processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// benchFiller loads the committed demo model; benchmarks skip without one.
func benchFiller(b *testing.B) *Model {
	if _, err := os.Stat(gameDir + "/" + WeightsFile); err != nil {
		b.Skip("no trained demo model: run voicecmd train --game examples/monstertrainer")
	}
	f, err := Load(gameDir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

var benchTexts = []string{
	"Sparky, thunderbolt the Rattler!",
	"Bubbles, go two steps to the right.",
	"use a potion on Sparky and then Cinder ember the Stonejaw",
	"rename Bubbles to Captain Fluff",
}

func BenchmarkFeaturize(b *testing.B) {
	_, st, lay := demo(b)
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for i := 0; b.Loop(); i++ {
		if _, err := lay.featurize(benchTexts[i%len(benchTexts)], st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	f := benchFiller(b)
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for i := 0; b.Loop(); i++ {
		f.Understand(benchTexts[i%len(benchTexts)], nil)
	}
}

func BenchmarkParseBatch64(b *testing.B) {
	f := benchFiller(b)
	texts := make([]string, 64)
	for i := range texts {
		texts[i] = benchTexts[i%len(benchTexts)]
	}
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		f.Fill(texts, nil, 0)
	}
}
