package harness

import (
	"errors"
	"fmt"

	"github.com/voicecmd/voicecmd/engine"
)

// ErrNoHandler is the Dispatch error for an intent no handler is registered for.
var ErrNoHandler = errors.New("game: no handler for intent")

// Handler acts out one command on the game's entities. It runs on the game goroutine
// (inside Plugin.Update), so it may change game state freely. It returns a short
// description of what happened, for the HUD and logs ("Sparky used thunderbolt on
// Rattler: -18 HP"), or an error the player should see ("Sparky has fainted").
type Handler func(c engine.Command) (effect string, err error)

// Dispatch is one command and what its handler did with it.
type Dispatch struct {
	// Frame is the Plugin.Update count (from 1) of the frame it was dispatched in.
	Frame   int64
	Command engine.Command
	Effect  string
	Err     error
}

// Router maps intents to handlers. The zero Router is empty and usable. A Router is
// used from the game goroutine only.
type Router struct {
	handlers map[string]Handler
	// Fallback handles intents with no handler; nil means ErrNoHandler.
	Fallback Handler
}

// Handle registers h for intent, replacing any earlier handler.
func (r *Router) Handle(intent string, h Handler) {
	if r.handlers == nil {
		r.handlers = map[string]Handler{}
	}
	r.handlers[intent] = h
}

// Route runs the handler for c's intent. A panicking handler does not take the game
// down: the panic becomes the Dispatch error.
func (r *Router) Route(c engine.Command) (d Dispatch) {
	d.Command = c
	h := r.handlers[c.Intent]
	if h == nil {
		h = r.Fallback
	}
	if h == nil {
		d.Err = fmt.Errorf("%w %q", ErrNoHandler, c.Intent)
		return d
	}
	defer func() {
		if p := recover(); p != nil {
			d.Err = fmt.Errorf("game: handler for %q panicked: %v", c.Intent, p)
		}
	}()
	d.Effect, d.Err = h(c)
	return d
}
