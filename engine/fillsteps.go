package engine

import (
	"sync"

	"github.com/voicecmd/voicecmd/internal/understand"
	"github.com/voicecmd/voicecmd/grammar"
)

// fillSteps makes a *understand.Filler a StepFiller, so the engine can lower K when a fill
// overruns its budget. It keeps one Filler per K (they share the model).
type fillSteps struct {
	*understand.Filler
	mu  sync.Mutex
	byK map[int]*understand.Filler
}

func newFillSteps(f *understand.Filler) *fillSteps {
	return &fillSteps{Filler: f, byK: map[int]*understand.Filler{f.Steps(): f}}
}

func (s *fillSteps) DefaultSteps() int { return s.Filler.Steps() }

func (s *fillSteps) ParseBatchSteps(texts []string, st *grammar.State, steps int) []grammar.Result {
	s.mu.Lock()
	f := s.byK[steps]
	if f == nil {
		f = s.Filler.WithSteps(steps)
		s.byK[steps] = f
	}
	s.mu.Unlock()
	return f.ParseBatch(texts, st)
}

// close releases the backends of the Fillers made for other K (the caller's own
// Filler stays open: the engine does not own it).
func (s *fillSteps) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, f := range s.byK {
		if f != s.Filler {
			f.Close()
		}
		delete(s.byK, k)
	}
}
