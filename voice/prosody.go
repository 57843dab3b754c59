package voice

import (
	"math"
	"slices"
	"time"
)

// Final lowering: a speaker who has finished a statement or a command usually ends
// with the pitch falling to the bottom of their range; one who pauses with more to
// say ("Sparky, thunderbolt … the Rattler") ends the word level or rising. The
// recognizer uses this to shorten the wait after a command the grammar says could
// still go on (SetEndpointSilences). It is a cue, not a certainty: the grammar
// decides when no more words can follow, the pitch only when they could.

// pitchFalls reports whether the voiced audio at the end of s (16 kHz mono, the
// utterance up to its last speech sample) ends with a final fall: the last 30 ms
// of voicing at the lowest pitch of the last 300 ms (a continuation rises out of
// its low point instead) and at least 10% under the highest pitch of the last
// 500 ms. It is false when there is too little voiced audio to tell (whispering,
// noise, a very short word).
func pitchFalls(s []float32) bool {
	track := pitchTrack(s, Samples(pitchWindow))
	if len(track) < 6 {
		return false
	}
	// drop octave jumps and creak: values far from the track's median
	med := median(track)
	kept := track[:0:0]
	for _, f := range track {
		if f > 0.6*med && f < 1.6*med {
			kept = append(kept, f)
		}
	}
	if len(kept) < 6 {
		return false
	}
	peak, low := 0.0, math.Inf(1)
	for i, f := range kept {
		peak = math.Max(peak, f)
		if i >= len(kept)-30 { // the last 300 ms of voicing
			low = math.Min(low, f)
		}
	}
	end := median(kept[len(kept)-3:])
	return end <= atBottom*low && end < fallRatio*peak
}

const (
	pitchWindow = 500 * time.Millisecond // how much of the utterance's end is analysed
	// Measured on espeak-ng's three test voices (voice/recognizer_test.go): a word
	// said as a sentence's end finishes at its lowest pitch, 0.70-0.80 of the peak;
	// said before a comma it rises 5-25% out of a low point.
	atBottom  = 1.03
	fallRatio = 0.9
)

// pitchTrack returns the fundamental frequency (Hz) of the voiced 10 ms frames in
// the last n samples of s, oldest first. It decimates to 8 kHz and takes, per
// 40 ms frame, the lag of the highest normalized autocorrelation between 70 and
// 400 Hz; a frame is voiced when that correlation exceeds 0.6 and its energy is
// above a tenth of the loudest frame's.
func pitchTrack(s []float32, n int) []float64 {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	const rate = 8000
	x := make([]float64, len(s)/2)
	for i := range x {
		x[i] = float64(s[2*i]+s[2*i+1]) / 2
	}
	const win, hop = rate * 40 / 1000, rate * 10 / 1000
	minLag, maxLag := rate/400, rate/70
	type frame struct{ f0, energy float64 }
	var frames []frame
	loudest := 0.0
	for start := 0; start+win+maxLag <= len(x); start += hop {
		a := x[start : start+win]
		e0 := dot(a, a)
		loudest = math.Max(loudest, e0)
		if e0 == 0 {
			frames = append(frames, frame{})
			continue
		}
		best, bestLag := 0.0, 0
		for lag := minLag; lag <= maxLag; lag++ {
			b := x[start+lag : start+lag+win]
			c := dot(a, b) / math.Sqrt(e0*dot(b, b)+1e-12)
			if c > best {
				best, bestLag = c, lag
			}
		}
		f := frame{energy: e0}
		if best > 0.6 {
			f.f0 = float64(rate) / float64(bestLag)
		}
		frames = append(frames, f)
	}
	var out []float64
	for _, f := range frames {
		if f.f0 > 0 && f.energy > loudest/10 {
			out = append(out, f.f0)
		}
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func median(v []float64) float64 {
	c := slices.Clone(v)
	slices.Sort(c)
	return c[len(c)/2]
}
