package voice

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"

	"github.com/voicecmd/voicecmd/engine"
)

// EngineSource adapts a Recognizer to an engine.Source, the way the engine takes
// input: the recognizer's partial and final transcripts, with their timings, go to
// the engine; its level events feed a HUD's meter (engine.Live.Level); push-to-talk
// (when ptt is non-nil, the one the recognizer was made with) and vocabulary biasing
// pass through. Hand the result to engine.Options.Sources or Engine.AddSource; the
// engine's Close closes the recognizer.
func EngineSource(rec *Recognizer, ptt *PushToTalk) engine.Source {
	return &voiceSource{rec: rec, ptt: ptt}
}

type voiceSource struct {
	rec   *Recognizer
	ptt   *PushToTalk
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
			case EventLevel:
				s.level.Store(math.Float64bits(dbToLevel(ev.Level)))
			case EventPartial:
				emit(engine.Transcript{Utterance: uint64(ev.Utterance), Text: ev.Text, ASR: ev.ASRTime})
			case EventFinal:
				now := time.Now()
				emit(engine.Transcript{
					Utterance: uint64(ev.Utterance), Text: ev.Text, Final: true,
					// Latency is end of speech → this final transcript, on the wall clock.
					SpeechEnd: now.Add(-ev.Latency),
					Endpoint:  ev.EndpointDelay,
					ASR:       ev.ASRTime,
					At:        now,
				})
			case EventError:
				if ev.Err != nil && !errors.Is(ev.Err, ErrClosed) {
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

// SetEndpointSilence implements engine.Endpointer: the engine's grammar-aware
// endpointing sets how long a pause ends the utterance.
func (s *voiceSource) SetEndpointSilence(utt uint64, d time.Duration) {
	s.rec.SetEndpointSilence(int(utt), d)
}

// SetEndpointSilences implements engine.ProsodyEndpointer: the recognizer hears
// whether the voice fell at the last word and picks one of the two.
func (s *voiceSource) SetEndpointSilences(utt uint64, level, falling time.Duration) {
	s.rec.SetEndpointSilences(int(utt), level, falling)
}
