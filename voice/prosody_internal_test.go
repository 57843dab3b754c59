package voice

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// glide is a voiced sound whose pitch moves from f0 to f1 Hz over d: a sum of
// harmonics, as a voice is, at SampleRate.
func glide(f0, f1 float64, d time.Duration) []float32 {
	n := Samples(d)
	out := make([]float32, n)
	phase := 0.0
	for i := range out {
		f := f0 + (f1-f0)*float64(i)/float64(n)
		phase += 2 * math.Pi * f / SampleRate
		v := 0.0
		for h := 1; h <= 5; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		out[i] = float32(0.2 * v)
	}
	return out
}

// TestPitchFalls: the classifier on sounds whose answer is known by construction,
// and on input that carries no pitch at all (which must never count as a fall).
func TestPitchFalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float32, Samples(600*time.Millisecond))
	for i := range noise {
		noise[i] = float32(rng.NormFloat64() * 0.1)
	}
	cat := func(parts ...[]float32) []float32 {
		var out []float32
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, c := range []struct {
		name string
		s    []float32
		want bool
	}{
		{"statement end: 110 -> 80 Hz", glide(110, 80, 400*time.Millisecond), true},
		{"female voice falling: 240 -> 170 Hz", glide(240, 170, 350*time.Millisecond), true},
		{"level then a late fall", cat(glide(100, 100, 300*time.Millisecond), glide(100, 78, 120*time.Millisecond)), true},
		{"continuation rise: 85 -> 105 Hz", glide(85, 105, 400*time.Millisecond), false},
		{"level: 100 Hz", glide(100, 100, 400*time.Millisecond), false},
		{"small drift down (1 semitone)", glide(100, 94, 400*time.Millisecond), false},
		{"fall then rise back", cat(glide(110, 80, 250*time.Millisecond), glide(80, 108, 200*time.Millisecond)), false},
		{"silence", make([]float32, Samples(500*time.Millisecond)), false},
		{"noise", noise, false},
		{"too short to tell (40 ms)", glide(110, 70, 40*time.Millisecond), false},
		{"empty", nil, false},
	} {
		if got := pitchFalls(c.s); got != c.want {
			t.Errorf("%s: pitchFalls = %v, want %v (track %v)", c.name, got, c.want, pitchTrack(c.s, Samples(pitchWindow)))
		}
	}
}

// BenchmarkPitchFalls: the cost of one decision, paid once per pause in speech on
// the capture goroutine.
func BenchmarkPitchFalls(b *testing.B) {
	s := glide(110, 80, 2*time.Second)
	for b.Loop() {
		pitchFalls(s)
	}
}
