package harness

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/voice"
)

// VoiceSource adapts a voice.Recognizer to an engine.Source: its partial and final
// transcripts, with their timings, go to the engine; its level events feed the HUD's
// meter; push-to-talk (when ptt is non-nil, the one the recognizer was made with) and
// vocabulary biasing pass through. The engine's Close closes the recognizer.
func VoiceSource(rec *voice.Recognizer, ptt *voice.PushToTalk) engine.Source {
	return &voiceSource{rec: rec, ptt: ptt}
}

type voiceSource struct {
	rec   *voice.Recognizer
	ptt   *voice.PushToTalk
	level atomic.Uint64 // float64 bits
}

// Run forwards events until the recognizer's stream ends or ctx is cancelled.
func (s *voiceSource) Run(ctx context.Context, emit func(engine.Transcript)) error {
	defer s.rec.Close()
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-s.rec.Events():
			if !ok {
				return lastErr
			}
			switch ev.Kind {
			case voice.EventLevel:
				s.level.Store(math.Float64bits(dbToLevel(ev.Level)))
			case voice.EventPartial:
				emit(engine.Transcript{Utterance: uint64(ev.Utterance), Text: ev.Text, ASR: ev.ASRTime})
			case voice.EventFinal:
				now := time.Now()
				emit(engine.Transcript{
					Utterance: uint64(ev.Utterance), Text: ev.Text, Final: true,
					// Latency is end of speech → this final transcript, on the wall clock.
					SpeechEnd: now.Add(-ev.Latency),
					Endpoint:  ev.EndpointDelay,
					ASR:       ev.ASRTime,
					At:        now,
				})
			case voice.EventError:
				if ev.Err != nil && !errors.Is(ev.Err, voice.ErrClosed) {
					lastErr = ev.Err
				}
			}
		}
	}
}

// dbToLevel maps dBFS to a meter position: -60 dB and below is empty, 0 dB full.
func dbToLevel(db float32) float64 {
	return math.Min(1, math.Max(0, (float64(db)+60)/60))
}

func (s *voiceSource) Level() float64 { return math.Float64frombits(s.level.Load()) }

func (s *voiceSource) StartTalking() {
	if s.ptt != nil {
		s.ptt.Press()
	}
}

func (s *voiceSource) StopTalking() {
	if s.ptt != nil {
		s.ptt.Release()
	}
}

func (s *voiceSource) SetVocabulary(words []string) { s.rec.SetVocabulary(words) }
