package voice

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
)

// echoFiller reads "INTENT NAME" as a command: enough filler to see what the
// recognizer handed the engine.
type echoFiller struct{}

func (echoFiller) DefaultSteps() int { return 0 }

func (echoFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	out := make([]grammar.Result, len(texts))
	for i, t := range texts {
		var intent, actor string
		if n, _ := fmt.Sscan(t, &intent, &actor); n != 2 {
			out[i] = grammar.Reject(t, "cannot parse %q", t)
			continue
		}
		out[i] = grammar.Result{Text: t, Commands: []grammar.Command{{Intent: intent, Slots: map[string]grammar.Value{"actor": grammar.Str(actor)}, Confidence: 1}}}
	}
	return out
}

// fixedTranscriber "hears" the same words in any audio.
type fixedTranscriber struct{ text string }

func (f fixedTranscriber) Transcribe(samples []float32, opts TranscribeOptions) (Transcription, error) {
	return Transcription{Text: f.text}, nil
}

func TestEngineSourceFeedsTheEngine(t *testing.T) {
	before := runtime.NumGoroutine()
	// Half a second of silence, a second of tone (speech energy), a second of silence.
	var samples []float32
	samples = append(samples, make([]float32, SampleRate/2)...)
	for i := range SampleRate {
		samples = append(samples, float32(0.3*math.Sin(2*math.Pi*440*float64(i)/SampleRate)))
	}
	samples = append(samples, make([]float32, SampleRate)...)
	rec, err := NewRecognizer(SliceSource(samples), Options{Transcriber: fixedTranscriber{"hold Sparky"}})
	if err != nil {
		t.Fatal(err)
	}
	src := EngineSource(rec, &PushToTalk{})
	eng, err := engine.New(engine.Options{Filler: echoFiller{}, Sources: []engine.Source{src}})
	if err != nil {
		t.Fatal(err)
	}
	var heard []string
	var done []engine.Utterance
	deadline := time.Now().Add(5 * time.Second)
	for len(done) == 0 && time.Now().Before(deadline) {
		for _, c := range eng.Poll() {
			heard = append(heard, c.Intent+" "+c.Slots["actor"].Str)
		}
		done = append(done, eng.Finished()...)
		time.Sleep(time.Millisecond)
	}
	if len(heard) != 1 || heard[0] != "hold Sparky" {
		t.Fatalf("heard %v", heard)
	}
	u := done[0]
	if u.Timings.SpeechEnd.IsZero() || u.Timings.Endpoint <= 0 {
		t.Errorf("voice timings missing: %+v", u.Timings)
	}
	if err := eng.Talk(0, true); err != nil {
		t.Fatal(err)
	}
	eng.Close()
	deadline = time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left after Close (%d before): the recognizer was not stopped", n, before)
	}
}

func TestDBToLevel(t *testing.T) {
	for db, want := range map[float32]float64{-120: 0, -60: 0, -30: 0.5, 0: 1, 6: 1} {
		if got := dbToLevel(db); math.Abs(got-want) > 1e-9 {
			t.Errorf("dbToLevel(%v) = %v, want %v", db, got, want)
		}
	}
}
