package voice_test

import (
	"fmt"
	"math"

	"github.com/voicecmd/voicecmd/voice"
)

// echoTranscriber stands in for voice/whisper in this example: it "transcribes"
// an utterance as its length.
type echoTranscriber struct{}

func (echoTranscriber) Transcribe(s []float32, _ voice.TranscribeOptions) (voice.Transcription, error) {
	return voice.Transcription{Text: fmt.Sprintf("%.1f s of audio", float64(len(s))/voice.SampleRate)}, nil
}

func ExampleNewRecognizer() {
	// One second of a loud tone between stretches of silence.
	audio := make([]float32, 3*voice.SampleRate)
	for i := voice.SampleRate; i < 2*voice.SampleRate; i++ {
		audio[i] = 0.3 * float32(math.Sin(2*math.Pi*220*float64(i)/voice.SampleRate))
	}
	rec, err := voice.NewRecognizer(voice.SliceSource(audio), voice.Options{Transcriber: echoTranscriber{}, LevelInterval: -1})
	if err != nil {
		panic(err)
	}
	defer rec.Close()
	for ev := range rec.Events() { // closed when the source ends
		switch ev.Kind {
		case voice.EventStart:
			fmt.Printf("utterance %d starts at %v (with pre-roll)\n", ev.Utterance, ev.Start)
		case voice.EventFinal:
			fmt.Printf("utterance %d: speech %v-%v, end known %v later: %q\n", ev.Utterance, ev.Start, ev.End, ev.EndpointDelay, ev.Text)
		}
	}
	// Output:
	// utterance 1 starts at 800ms (with pre-roll)
	// utterance 1: speech 800ms-2s, end known 260ms later: "1.3 s of audio"
}
