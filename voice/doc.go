// Package voice turns speech into text for a game: it captures audio (a
// microphone through PortAudio, a WAV file, or a WAV played in real time), finds
// utterances (an energy endpointer, or push-to-talk), and transcribes each one,
// with partial transcripts while the player speaks and a final one at the end.
//
// The pieces:
//
//   - An AudioSource delivers mono float32 samples at SampleRate (16 kHz): OpenMic,
//     WAVSource, SliceSource, RealtimeSource.
//   - A Transcriber turns one utterance into a Transcription. The whisper.cpp
//     implementation lives in voice/whisper, the only package that links
//     whisper.cpp; this package does not.
//   - A Recognizer runs source → endpointing → transcription on its own two
//     goroutines and delivers Events (level, start, partial, final, error) on a
//     channel, or through Poll for a game loop that must not block.
//   - Model files: ReadModelInfo checks one, SynthModel writes a weightless
//     model of a real shape (for tests and benchmarks), DownloadModel fetches
//     released ones.
//
// Typical use from a game, with the transcriber loaded once at startup:
//
//	tr, err := whisper.Load("models/ggml-tiny.en.bin", whisper.Options{})
//	if err != nil { ... }
//	mic, err := voice.OpenMic(voice.MicOptions{})
//	if err != nil { ... } // errors.Is(err, voice.ErrNoDevice): no microphone
//	rec, err := voice.NewRecognizer(mic, voice.Options{
//		Transcriber:     tr,
//		PartialInterval: 400 * time.Millisecond,
//		Vocabulary:      []string{"Pikachu", "Thunderbolt"},
//	})
//	...
//	// In Update, once per frame:
//	for ev, ok := rec.Poll(); ok; ev, ok = rec.Poll() {
//		switch ev.Kind {
//		case voice.EventPartial: // show ev.Text greyed out
//		case voice.EventFinal:   // hand ev.Text to the command engine
//		}
//	}
//	// When the roster changes:
//	rec.SetVocabulary(names)
//	// At exit:
//	rec.Close()
//	tr.Close()
//
// With the voicecmd engine, do not poll the recognizer yourself: EngineSource hands
// its transcripts (partials, finals, timings, level, push-to-talk) to the engine:
//
//	eng, err := engine.New(engine.Options{Filler: model,
//		Sources: []engine.Source{voice.EngineSource(rec, ptt)}})
//
// Errors carry the "voice:" prefix and wrap a sentinel where a caller may act
// on the kind: ErrNoDevice, ErrDeviceLost, ErrClosed, ErrBadWAV, ErrBadModel,
// ErrOffline, ErrChecksum.
package voice
