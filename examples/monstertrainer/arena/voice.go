package arena

import (
	"fmt"
	"sync"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

// whisperModel is loaded once and shared by the microphone and scripted WAVs
// (its calls are serialized).
var (
	modelMu sync.Mutex
	model   *whisper.Model
	modelAt string
)

func loadModel(path string) (*whisper.Model, error) {
	modelMu.Lock()
	defer modelMu.Unlock()
	if model != nil && modelAt == path {
		return model, nil
	}
	m, err := whisper.Load(path, whisper.Options{})
	if err != nil {
		return nil, fmt.Errorf("monstertrainer: %w", err)
	}
	model, modelAt = m, path
	return m, nil
}

// closeModel frees the whisper model, if one was loaded.
func closeModel() {
	modelMu.Lock()
	defer modelMu.Unlock()
	if model != nil {
		model.Close()
		model = nil
	}
}

// openVoice opens the microphone with push-to-talk (SPACE) and partial transcripts,
// or, with openMic, always listening: transcripts at every pause, and the engine's
// grammar-aware endpointing decides when each command is finished.
func openVoice(modelPath string, openMic bool) (engine.Source, func(), error) {
	m, err := loadModel(modelPath)
	if err != nil {
		return nil, nil, err
	}
	mic, err := voice.OpenMic(voice.MicOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("monstertrainer: %w (run without --model to type commands)", err)
	}
	opts := voice.Options{Transcriber: m, PartialInterval: 400 * time.Millisecond}
	var ptt *voice.PushToTalk
	if openMic {
		opts.PauseTranscripts = true
	} else {
		ptt = &voice.PushToTalk{}
		opts.PushToTalk = ptt
	}
	rec, err := voice.NewRecognizer(mic, opts)
	if err != nil {
		mic.Close()
		return nil, nil, fmt.Errorf("monstertrainer: %w", err)
	}
	return voice.EngineSource(rec, ptt), func() { m.Close() }, nil
}

// playWAV streams a WAV file in real time through endpointing and whisper as a new
// engine source, as if it came from a microphone.
func (g *Game) playWAV(path string) error {
	if g.cfg.Model == "" {
		return fmt.Errorf("monstertrainer: script wav %s needs --model", path)
	}
	m, err := loadModel(g.cfg.Model)
	if err != nil {
		return err
	}
	samples, _, err := voice.ReadWAV(path)
	if err != nil {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	samples = append(samples, make([]float32, voice.Samples(time.Second))...)
	rec, err := voice.NewRecognizer(voice.RealtimeSource(samples, 0), voice.Options{Transcriber: m, PartialInterval: 400 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("monstertrainer: %w", err)
	}
	if _, err := g.eng.AddSource(voice.EngineSource(rec, nil)); err != nil {
		rec.Close()
		return err
	}
	return nil // the engine's Close closes the recognizer
}
