package voice_test

import (
	"math"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
)

// prosodyWords are words a player ends a command on, or pauses after.
var prosodyWords = []string{"ember", "rain dance", "thunderbolt", "razor leaf", "water gun", "flamethrower",
	"potion", "dodge", "move", "use", "uh", "quick attack", "vine whip", "thunder wave", "bubble beam",
	"fire spin", "sleep powder", "agility", "withdraw", "smokescreen", "synthesis", "left", "right", "back",
	"Rattler", "Stonejaw", "Gloomcap", "Sparky", "Bubbles", "Cinder", "Leafy", "hold", "come back", "forward"}

// wordAudio is a word as voicecmd bench e2e synthesizes it: alone, trimmed to where
// it exceeds 2% of its peak.
func wordAudio(b *testing.B, v espeak.Voice, w string) []float32 {
	s, err := espeak.Say(w, v)
	if err != nil {
		b.Fatal(err)
	}
	var peak float32
	for _, x := range s {
		peak = max(peak, float32(math.Abs(float64(x))))
	}
	first, last := -1, 0
	for i, x := range s {
		if x > peak*0.02 || -x > peak*0.02 {
			if first < 0 {
				first = i
			}
			last = i + 1
		}
	}
	return s[first:last]
}

// BenchmarkProsodyCue measures the final-lowering cue (SetEndpointSilences) on
// espeak-ng words said after "Cinder" the way voicecmd bench e2e says them: as a
// finished sentence ("ember") and before a pause with more to come ("ember,"). It
// reports the share of finished words heard as falls (the cue's use) and of
// continuation words heard as falls (each one a command dispatched before its
// last slot if the player pauses longer than EndpointRule.OpenFalling). Two voice
// sets: the benchmark's own voices, and four others.
func BenchmarkProsodyCue(b *testing.B) {
	if err := espeak.Available(); err != nil {
		b.Skip(err)
	}
	sets := []struct {
		name   string
		voices []espeak.Voice
	}{
		{"bench-voices", []espeak.Voice{{Name: "en-us", Speed: 175}, {Name: "en+f3", Speed: 160}, {Name: "en-gb+m3", Speed: 200}}},
		{"other-voices", []espeak.Voice{{Name: "en+m1", Speed: 170}, {Name: "en+f2", Speed: 165}, {Name: "en-us+m4", Speed: 190}, {Name: "en+f4", Speed: 185}}},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			type clip struct {
				audio []float32
				final bool
			}
			var clips []clip
			for _, v := range set.voices {
				before := wordAudio(b, v, "Cinder")
				for _, w := range prosodyWords {
					for _, final := range []bool{true, false} {
						say := w
						if !final {
							say += ","
						}
						a := append(make([]float32, voice.Samples(300*time.Millisecond)), before...)
						a = append(a, make([]float32, voice.Samples(40*time.Millisecond))...)
						a = append(a, wordAudio(b, v, say)...)
						clips = append(clips, clip{append(a, make([]float32, voice.Samples(500*time.Millisecond))...), final})
					}
				}
			}
			var finals, conts, nf, nc int
			b.ResetTimer()
			for b.Loop() {
				finals, conts, nf, nc = 0, 0, 0, 0
				for _, c := range clips {
					fell := voice.FallAtPause(c.audio)
					switch {
					case c.final:
						nf++
						finals += boolInt(fell)
					default:
						nc++
						conts += boolInt(fell)
					}
				}
			}
			b.ReportMetric(100*float64(finals)/float64(nf), "%finals-heard-falling")
			b.ReportMetric(100*float64(conts)/float64(nc), "%continuations-heard-falling")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
