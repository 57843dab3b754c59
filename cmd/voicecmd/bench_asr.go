package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/voicecmd/voicecmd/internal/espeak"
	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

func init() {
	registerBench(&subcommand{name: "asr", summary: "end of speech -> final transcript, trimmed vs whisper.cpp defaults", run: runBenchASR})
}

// benchPhrases are game commands of about 3 s at espeak-ng's speeds.
var benchPhrases = []string{
	"pikachu, use thunderbolt on the wild charizard right now",
	"bulbasaur, come back, and throw a potion to squirtle",
	"charizard, fly north and attack the enemy with ember",
}

type asrReport struct {
	Model            string  `json:"model"`
	Machine          string  `json:"machine"`
	Threads          int     `json:"threads"`
	Utterances       int     `json:"utterances"`
	AudioSeconds     float64 `json:"audio_seconds"`
	TrimmedP50       float64 `json:"trimmed_p50_ms"`
	TrimmedP95       float64 `json:"trimmed_p95_ms"`
	DefaultP50       float64 `json:"default_p50_ms"`
	DefaultP95       float64 `json:"default_p95_ms"`
	Speedup          float64 `json:"speedup"`
	EndpointDelayP50 float64 `json:"endpoint_delay_p50_ms"`
	SpeechToFinalP50 float64 `json:"speech_end_to_final_p50_ms"`
}

func runBenchASR(args []string) int {
	fs := flag.NewFlagSet("bench asr", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd bench asr --model FILE [--threads N] [--reps N] [--json]

Synthesizes game commands with espeak-ng (three phrases, three voices, about 3 s
each), runs each through the recognizer (endpointing, then whisper.cpp) and measures
the time from the detected end of speech to the final transcript, for the trimmed
configuration (encoder window cut to the utterance, greedy, token cap) and for
whisper.cpp's default parameters, alternating the two in one run. Reports p50/p95
of each, their ratio, and the endpointing delay that precedes both.

flags:`)
		fs.PrintDefaults()
	}
	model := fs.String("model", "", "ggml whisper model (voicecmd models synth --size tiny.en --out FILE)")
	threads := fs.Int("threads", 2, "whisper.cpp threads")
	reps := fs.Int("reps", 2, "passes over the utterances")
	nUtt := fs.Int("utterances", 9, "how many of the 9 phrase/voice combinations to use")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if !flagRange("bench asr", "threads", *threads, 1, 256) || !flagRange("bench asr", "reps", *reps, 1, 1000) || !flagRange("bench asr", "utterances", *nUtt, 1, 9) {
		return exitUsage
	}
	if *model == "" || fs.NArg() != 0 || *reps < 1 || *nUtt < 1 {
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "voicecmd bench asr:", err)
		return exitFailure
	}
	if err := espeak.Available(); err != nil {
		return fail(err)
	}
	trimmed, err := whisper.Load(*model, whisper.Options{Threads: *threads})
	if err != nil {
		return fail(err)
	}
	defer trimmed.Close()
	def, err := whisper.Load(*model, whisper.Options{Threads: *threads, Default: true})
	if err != nil {
		return fail(err)
	}
	defer def.Close()

	var clips [][]float32
	for _, p := range benchPhrases {
		for _, v := range espeak.Voices {
			s, err := espeak.Say(p, v)
			if err != nil {
				return fail(err)
			}
			clips = append(clips, espeak.Concat(espeak.Silence(0.3), s, espeak.Silence(1)))
		}
	}
	clips = clips[:min(*nUtt, len(clips))]
	vocab := []string{"Pikachu", "Charizard", "Bulbasaur", "Squirtle", "thunderbolt", "ember", "potion"}
	var tLat, dLat, delays []float64
	var audio float64
	for r := 0; r < *reps; r++ {
		for i, clip := range clips {
			// Alternate which configuration goes first, so neither always runs on
			// a warmer cache.
			order := []*whisper.Model{trimmed, def}
			if (r+i)%2 == 1 {
				order = []*whisper.Model{def, trimmed}
			}
			for _, m := range order {
				ev, err := finalOf(clip, m, vocab)
				if err != nil {
					return fail(err)
				}
				ms := float64(ev.Latency-ev.EndpointDelay) / float64(time.Millisecond)
				if m == trimmed {
					tLat = append(tLat, ms)
					delays = append(delays, float64(ev.EndpointDelay)/float64(time.Millisecond))
					audio += (ev.End - ev.Start).Seconds()
				} else {
					dLat = append(dLat, ms)
				}
			}
		}
	}
	rep := asrReport{
		Model: *model, Machine: machineName(), Threads: *threads, Utterances: len(tLat),
		AudioSeconds: asrRound1(audio / float64(len(tLat))),
		TrimmedP50:   asrPercentile(tLat, 50), TrimmedP95: asrPercentile(tLat, 95),
		DefaultP50: asrPercentile(dLat, 50), DefaultP95: asrPercentile(dLat, 95),
		EndpointDelayP50: asrPercentile(delays, 50),
	}
	rep.Speedup = asrRound1(rep.DefaultP50 / rep.TrimmedP50)
	rep.SpeechToFinalP50 = rep.EndpointDelayP50 + rep.TrimmedP50
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(rep)
		return exitOK
	}
	fmt.Printf("model %s, %d threads, %s\n", rep.Model, rep.Threads, rep.Machine)
	fmt.Printf("%d utterances of %.1f s on average; end of speech detected after %.0f ms (p50)\n", rep.Utterances, rep.AudioSeconds, rep.EndpointDelayP50)
	fmt.Printf("detected end -> final transcript:\n")
	fmt.Printf("  trimmed   p50 %6.0f ms  p95 %6.0f ms\n", rep.TrimmedP50, rep.TrimmedP95)
	fmt.Printf("  default   p50 %6.0f ms  p95 %6.0f ms   (%.1fx slower)\n", rep.DefaultP50, rep.DefaultP95, rep.Speedup)
	fmt.Printf("last word -> final transcript (trimmed, p50): %.0f ms\n", rep.SpeechToFinalP50)
	return exitOK
}

// finalOf runs clip through a Recognizer with m and returns its one final event.
func finalOf(clip []float32, m *whisper.Model, vocab []string) (voice.Event, error) {
	r, err := voice.NewRecognizer(voice.SliceSource(clip), voice.Options{Transcriber: m, Vocabulary: vocab, LevelInterval: -1})
	if err != nil {
		return voice.Event{}, err
	}
	defer r.Close()
	var finals []voice.Event
	for ev := range r.Events() {
		switch ev.Kind {
		case voice.EventFinal:
			finals = append(finals, ev)
		case voice.EventError:
			return ev, ev.Err
		}
	}
	if len(finals) != 1 {
		return voice.Event{}, fmt.Errorf("the endpointer found %d utterances in one phrase", len(finals))
	}
	return finals[0], nil
}

// asrPercentile returns the p-th percentile (nearest rank) of xs in ms, rounded to 0.1.
func asrPercentile(xs []float64, p int) float64 { return asrRound1(percentile(xs, float64(p))) }

func asrRound1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
