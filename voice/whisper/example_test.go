package whisper_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

// Load a whisper model and transcribe audio with it. A real game loads
// models/ggml-tiny.en.bin (`voicecmd models get tiny.en`) and hands the Model to
// voice.NewRecognizer as its Transcriber; this example synthesizes a weightless
// tiny.en-shaped model (whisper.cpp runs its full compute, the text is noise).
func Example() {
	dir, _ := os.MkdirTemp("", "whisper-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ggml-tiny.en.bin")
	f, _ := os.Create(path)
	voice.SynthModel(f, "tiny.en")
	f.Close()

	m, err := whisper.Load(path, whisper.Options{Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	fmt.Println("model:", m.Info().SizeName(), "weightless:", m.Info().Weightless())

	// One second of silence: whisper runs, voicecmd keeps the window trimmed.
	_, err = m.Transcribe(make([]float32, voice.SampleRate), voice.TranscribeOptions{})
	fmt.Println("transcribed:", err == nil)

	// A missing file is an error that names the problem.
	_, err = whisper.Load(filepath.Join(dir, "nope.bin"), whisper.Options{})
	fmt.Println("missing model fails:", err != nil)
	// Output:
	// model: tiny.en weightless: true
	// transcribed: true
	// missing model fails: true
}
