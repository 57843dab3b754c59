package voice

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Read on a source that was closed.
var ErrClosed = errors.New("voice: source closed")

// An AudioSource delivers audio as mono float32 samples at SampleRate.
//
// Read blocks until at least one sample is available (or the source ends or
// fails), fills p and returns how many samples it wrote; it returns io.EOF after
// the last sample of a finite source. Read is called from one goroutine at a time
// (the Recognizer's capture goroutine). Close may be called from any goroutine,
// also while Read blocks, which then returns ErrClosed; Close is idempotent.
type AudioSource interface {
	Read(p []float32) (int, error)
	Close() error
}

// Realtime is implemented by sources whose samples arrive at the pace of a clock
// (microphone, RealtimeSource). The Recognizer then reports latency against that
// clock; for other sources it only reports processing time.
type Realtime interface {
	Realtime() bool
}

// OverrunCounter is implemented by sources that drop samples when their reader
// falls behind (the microphone); Overruns returns how many were dropped so far.
// It may be called from any goroutine.
type OverrunCounter interface {
	Overruns() uint64
}

// SliceSource returns an AudioSource that delivers samples as fast as they are read, in
// chunks of at most 20 ms, then io.EOF. It is used for files and tests.
func SliceSource(samples []float32) AudioSource {
	return &sliceSource{samples: samples}
}

type sliceSource struct {
	mu      sync.Mutex
	samples []float32
	closed  bool
}

func (s *sliceSource) Read(p []float32) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if len(s.samples) == 0 {
		return 0, io.EOF
	}
	if len(p) > Samples(20*time.Millisecond) {
		p = p[:Samples(20*time.Millisecond)]
	}
	n := copy(p, s.samples)
	s.samples = s.samples[n:]
	return n, nil
}

func (s *sliceSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// WAVSource decodes a WAV file (see ReadWAV) into a SliceSource.
func WAVSource(path string) (AudioSource, error) {
	samples, _, err := ReadWAV(path)
	if err != nil {
		return nil, err
	}
	return SliceSource(samples), nil
}

// RealtimeSource returns an AudioSource that plays samples at the pace of the wall
// clock, in chunks of chunk (10 ms when zero), the way a microphone would deliver
// them; then io.EOF. Trailing silence may be appended by the caller so that the
// endpointer can see the end of the last utterance. It is used for end-to-end
// latency benchmarks and tests.
func RealtimeSource(samples []float32, chunk time.Duration) AudioSource {
	if chunk <= 0 {
		chunk = 10 * time.Millisecond
	}
	return &realtimeSource{samples: samples, chunk: Samples(chunk), done: make(chan struct{})}
}

type realtimeSource struct {
	samples   []float32
	chunk     int
	start     time.Time
	pos       int
	done      chan struct{}
	closeOnce sync.Once
}

func (s *realtimeSource) Realtime() bool { return true }

func (s *realtimeSource) Read(p []float32) (int, error) {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if s.pos >= len(s.samples) {
		select {
		case <-s.done:
			return 0, ErrClosed
		default:
			return 0, io.EOF
		}
	}
	n := min(s.chunk, len(p), len(s.samples)-s.pos)
	due := s.start.Add(Duration(s.pos + n))
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return 0, ErrClosed
		}
	}
	copy(p, s.samples[s.pos:s.pos+n])
	s.pos += n
	return n, nil
}

func (s *realtimeSource) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// PushToTalk lets the game mark utterances by hand (a key held down) instead of
// the energy endpointer. Pass it in Options.PushToTalk; Press and Release may be
// called from any goroutine (typically the game's Update) and never block. Audio
// from the Press (minus the pre-roll) to the Release is one utterance; a Press
// while pressed or a Release while released does nothing.
type PushToTalk struct {
	pressed atomic.Bool
}

// Press starts an utterance.
func (p *PushToTalk) Press() { p.pressed.Store(true) }

// Release ends the current utterance; its final transcript follows.
func (p *PushToTalk) Release() { p.pressed.Store(false) }

// Pressed reports whether talking is on.
func (p *PushToTalk) Pressed() bool { return p.pressed.Load() }

// errorf wraps err with the package prefix and a message.
func errorf(format string, a ...any) error { return fmt.Errorf("voice: "+format, a...) }
