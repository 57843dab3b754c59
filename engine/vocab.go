package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// The vocabulary API: the game changes values, relations and defaults at any time,
// with the same meaning as the state document (grammar.State). A change applies from
// the next fill on: transcripts already being filled keep the vocabulary they started
// with, so a rename applies to the next utterance.

// State returns a copy of the current vocabulary. Safe for concurrent use.
func (e *Engine) State() *grammar.State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state.Clone()
}

// SetState replaces the whole vocabulary. It returns an error wrapping ErrBadState
// when st is invalid (a value listed twice, a default that is not a value, ...).
// Safe for concurrent use.
func (e *Engine) SetState(st *grammar.State) error {
	return e.Vocabulary(func(cur *grammar.State) error {
		sig := cur.Signatures
		*cur = *st.Clone()
		if cur.Signatures == nil { // keep the grammar's relation types (see State.Signatures)
			cur.Signatures = sig
		}
		return nil
	})
}

// Vocabulary edits the vocabulary atomically: edit receives a private copy, and the
// copy replaces the current vocabulary if edit returns nil and the result is valid
// (else the error, wrapping ErrBadState when invalid, is returned and nothing
// changes). Safe for concurrent use; edit must not call the engine.
func (e *Engine) Vocabulary(edit func(st *grammar.State) error) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return ErrClosed
	}
	next := e.state.Clone()
	if err := edit(next); err != nil {
		e.mu.Unlock()
		return err
	}
	if err := validate(next); err != nil {
		e.mu.Unlock()
		return err
	}
	e.state = next
	e.stateGen++
	var vs []Vocabularist
	for _, s := range e.sources {
		if v, ok := s.src.(Vocabularist); ok {
			vs = append(vs, v)
		}
	}
	e.mu.Unlock()
	if len(vs) > 0 {
		words := vocabularyWords(next)
		for _, v := range vs {
			v.SetVocabulary(words)
		}
	}
	return nil
}

// validate runs the state document's own checks by a round trip through JSON, so the
// engine accepts exactly what a state file may say.
func validate(st *grammar.State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadState, err)
	}
	if _, err := grammar.ParseState(data); err != nil {
		return fmt.Errorf("%w: %w", ErrBadState, err)
	}
	return nil
}

// Rename renames value old of dynamic type typ to new everywhere (values, relations,
// defaults): "call Sparky Zappy". It returns an error wrapping ErrUnknownValue when old
// is not a typ value, or ErrBadState when new is empty or already taken.
// Safe for concurrent use.
func (e *Engine) Rename(typ, old, new string) error {
	new = strings.TrimSpace(new)
	return e.Vocabulary(func(st *grammar.State) error {
		if !st.Has(typ, old) {
			return fmt.Errorf("%w: no %s %q", ErrUnknownValue, typ, old)
		}
		if new == "" {
			return fmt.Errorf("%w: empty new name for %s %q", ErrBadState, typ, old)
		}
		if st.Has(typ, new) && !strings.EqualFold(old, new) {
			return fmt.Errorf("%w: %s %q already exists", ErrBadState, typ, new)
		}
		st.Rename(typ, old, new)
		return nil
	})
}

// AddValue adds v to dynamic type typ (no-op if present). Safe for concurrent use.
func (e *Engine) AddValue(typ, v string) error {
	return e.Vocabulary(func(st *grammar.State) error {
		if !st.Has(typ, v) {
			st.Values[typ] = append(st.Values[typ], v)
		}
		return nil
	})
}

// RemoveValue removes v from typ, with its relations; a default naming it is dropped.
// It returns an error wrapping ErrUnknownValue when v is not there. Safe for
// concurrent use.
func (e *Engine) RemoveValue(typ, v string) error {
	return e.Vocabulary(func(st *grammar.State) error {
		if !st.Remove(typ, v) {
			return fmt.Errorf("%w: no %s %q", ErrUnknownValue, typ, v)
		}
		return nil
	})
}

// Relate adds the pair (a, b) to relation rel: Relate("knows", "Sparky", "surf").
// Safe for concurrent use.
func (e *Engine) Relate(rel, a, b string) error {
	return e.Vocabulary(func(st *grammar.State) error {
		if !st.Related(rel, a, b) {
			st.Relations[rel] = append(st.Relations[rel], []string{a, b})
		}
		return nil
	})
}

// Unrelate removes the pair (a, b) from relation rel (no-op if absent). Safe for
// concurrent use.
func (e *Engine) Unrelate(rel, a, b string) error {
	return e.Vocabulary(func(st *grammar.State) error {
		kept := st.Relations[rel][:0]
		for _, p := range st.Relations[rel] {
			if !(strings.EqualFold(p[0], a) && strings.EqualFold(p[1], b)) {
				kept = append(kept, p)
			}
		}
		st.Relations[rel] = kept
		return nil
	})
}

// SetDefault sets the default value for omitted typ slots; "" removes it. It returns
// an error wrapping ErrUnknownValue when v is not a typ value. Safe for concurrent use.
func (e *Engine) SetDefault(typ, v string) error {
	return e.Vocabulary(func(st *grammar.State) error {
		if v == "" {
			delete(st.Defaults, typ)
			return nil
		}
		if !st.Has(typ, v) {
			return fmt.Errorf("%w: no %s %q", ErrUnknownValue, typ, v)
		}
		st.Defaults[typ] = v
		return nil
	})
}

// vocabularyWords lists every dynamic value, sorted, for recognizer biasing.
func vocabularyWords(st *grammar.State) []string {
	var words []string
	for _, typ := range st.Types() {
		words = append(words, st.Values[typ]...)
	}
	sort.Strings(words)
	return words
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
