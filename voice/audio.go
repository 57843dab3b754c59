package voice

import (
	"math"
	"time"
)

// SampleRate is the rate, in samples per second, of all audio inside this package:
// mono float32 in [-1, 1] at 16 kHz, what whisper models take.
const SampleRate = 16000

// Duration returns how long n samples at SampleRate last.
func Duration(n int) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}

// Samples returns how many samples at SampleRate d spans.
func Samples(d time.Duration) int {
	return int(d * SampleRate / time.Second)
}

// Resample converts mono samples from rate `from` to SampleRate by linear
// interpolation after a short box low-pass when downsampling. It returns in
// unchanged when the rates match. Good enough for speech recognition at
// 44.1/48 kHz inputs, cheap enough to run on a capture thread's output.
func Resample(in []float32, from int) []float32 {
	if from == SampleRate || len(in) == 0 {
		return in
	}
	ratio := float64(from) / SampleRate
	src := in
	if ratio > 1.5 {
		// Average over the source samples each output sample covers, to keep
		// energy above 8 kHz from folding back into the speech band.
		w := int(ratio + 0.5)
		src = make([]float32, len(in))
		var acc float32
		for i := range in {
			acc += in[i]
			if i >= w {
				acc -= in[i-w]
			}
			n := w
			if i+1 < w {
				n = i + 1
			}
			src[i] = acc / float32(n)
		}
	}
	n := int(float64(len(in)) / ratio)
	out := make([]float32, n)
	for i := range out {
		pos := float64(i) * ratio
		j := int(pos)
		frac := float32(pos - float64(j))
		a := src[j]
		b := a
		if j+1 < len(src) {
			b = src[j+1]
		}
		out[i] = a + (b-a)*frac
	}
	return out
}

// RMS is the root mean square of samples; 0 for none.
func RMS(samples []float32) float32 {
	if len(samples) == 0 {
		return 0
	}
	var s float64
	for _, v := range samples {
		s += float64(v) * float64(v)
	}
	return float32(math.Sqrt(s / float64(len(samples))))
}

// DBFS converts an RMS level to decibels relative to full scale (-120 for silence).
func DBFS(rms float32) float32 {
	if rms <= 1e-6 {
		return -120
	}
	return float32(20 * math.Log10(float64(rms)))
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
