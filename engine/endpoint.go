package engine

import (
	"maps"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
)

// Endpointer is implemented by sources whose end-of-utterance silence can be set
// while the player speaks (voice.EngineSource). With Options.Endpointing on, the
// engine calls it from its fill goroutine after each partial transcript of an
// utterance is filled; it must be cheap and safe for concurrent use.
type Endpointer interface {
	// SetEndpointSilence sets how much trailing silence ends utterance utt from
	// now on (the ids of Transcript.Utterance).
	SetEndpointSilence(utt uint64, silence time.Duration)
}

// ProsodyEndpointer is an Endpointer that also hears how the player's voice ended
// (voice.EngineSource: the pitch of the last word). The engine then gives it two
// silences: one for when the voice fell at the last word, the way a finished
// statement ends, and one for when it ended level or rising, or could not be told.
type ProsodyEndpointer interface {
	Endpointer
	SetEndpointSilences(utt uint64, level, falling time.Duration)
}

// EndpointRule is grammar-aware endpointing: the engine decides how long a pause
// ends the player's utterance from the parse of what was said so far, instead of
// one fixed silence. After "Bubbles, come back" nothing can follow; after "Sparky,
// thunderbolt" a target may still come; after "Sparky, use" the player cannot be
// done. The zero value is off (the source's fixed silence). Each duration's zero
// value is its measured default.
type EndpointRule struct {
	// On turns grammar-aware endpointing on.
	On bool
	// Complete ends an utterance whose every command is complete and has no
	// optional slot left unsaid. Zero means 100 ms.
	Complete time.Duration
	// Open ends an utterance whose last command has a slot the player has not said
	// yet — optional ("Sparky, thunderbolt" ... "the Rattler") or filled by a
	// default ("use a potion" ... "on Cinder"). Zero means 450 ms: longer than a
	// natural pause inside a command, so a command is not dispatched while the
	// player is still saying it.
	Open time.Duration
	// OpenFalling, when set, replaces Open when the source hears the player's
	// voice fall at the last word (ProsodyEndpointer): "Cinder, ember." said as a
	// finished command, not "Cinder, ember …" with a target to come. Zero means
	// off (Open either way). Measured (docs/game.md): 150 ms takes the open
	// commands of voicecmd bench e2e from ~480 to ~180 ms, but the pitch cue hears
	// 7-8% of espeak-ng words said before a pause as final, and such a pause
	// longer than OpenFalling dispatches the command before its last slot: an
	// experiment, not yet a default.
	OpenFalling time.Duration
	// Incomplete ends an utterance that is no command yet (a rejection more words
	// could fix: "Sparky, use"). Zero means 700 ms.
	Incomplete time.Duration
}

func (r EndpointRule) withDefaults() EndpointRule {
	if r.Complete <= 0 {
		r.Complete = 100 * time.Millisecond
	}
	if r.Open <= 0 {
		r.Open = 450 * time.Millisecond
	}
	if r.Incomplete <= 0 {
		r.Incomplete = 700 * time.Millisecond
	}
	return r
}

// Silence is the trailing silence that ends an utterance whose words so far parse
// as r under state st: Incomplete for a rejection, Open when the last command has a
// slot of g that was not said and could still be (optional, or filled by its
// default), Complete otherwise (also without a grammar). An optional slot that no
// value of st could fill in this command cannot follow: in the demo, "Bubbles, rain
// dance" is complete, because rain dance targets no enemy (the grammar's
// "targets" relation). A nil st takes every unsaid optional slot as one that may
// follow.
func (rule EndpointRule) Silence(r grammar.Result, g *grammar.Grammar, st *grammar.State) time.Duration {
	level, _ := rule.Silences(r, g, st)
	return level
}

// Silences is Silence, and the silence for when the player's voice fell at the
// last word: OpenFalling (if set) instead of Open; the others are the same
// either way.
func (rule EndpointRule) Silences(r grammar.Result, g *grammar.Grammar, st *grammar.State) (level, falling time.Duration) {
	rule = rule.withDefaults()
	switch {
	case r.Rejected || len(r.Commands) == 0:
		return rule.Incomplete, rule.Incomplete
	case open(r, g, st):
		if rule.OpenFalling <= 0 {
			return rule.Open, rule.Open
		}
		return rule.Open, min(rule.OpenFalling, rule.Open)
	}
	return rule.Complete, rule.Complete
}

// open reports whether the last command of r has a slot of g that was not said
// and that the player may still say: a slot filled by its default, or an optional
// one that some value of st could fill in this command.
func open(r grammar.Result, g *grammar.Grammar, st *grammar.State) bool {
	last := r.Commands[len(r.Commands)-1]
	if g == nil {
		return false
	}
	in := g.Intent(last.Intent)
	if in == nil {
		return false
	}
	for _, s := range in.Slots {
		if _, said := last.SlotConfidence[s.Name]; !said && (!s.Optional || fillable(g, last, s, st)) {
			return true
		}
	}
	return false
}

// fillable reports whether some value of st could fill the optional slot s of c
// with c still valid. Only dynamic values are tried (relations are between them);
// an enum, a number or free text may always follow, and so may anything when st
// is nil.
func fillable(g *grammar.Grammar, c grammar.Command, s *grammar.Slot, st *grammar.State) bool {
	if st == nil || s.Type.Kind != grammar.Dynamic {
		return true
	}
	for _, v := range st.Values[s.Type.Name] {
		slots := maps.Clone(c.Slots)
		if slots == nil {
			slots = map[string]grammar.Value{}
		}
		slots[s.Name] = grammar.Str(v)
		if g.Check(grammar.Command{Intent: c.Intent, Slots: slots}, st) == nil {
			return true
		}
	}
	return false
}

// hintEndpoint tells a partial's source how long a pause ends its utterance, whose
// words so far parse as r under st.
func (e *Engine) hintEndpoint(j job, r grammar.Result, st *grammar.State) {
	if !e.opts.Endpointing.On || j.tr.Final || j.typed {
		return
	}
	e.mu.Lock()
	var src Source
	if j.source < len(e.sources) {
		src = e.sources[j.source].src
	}
	e.mu.Unlock()
	switch ep := src.(type) {
	case ProsodyEndpointer:
		level, falling := e.opts.Endpointing.Silences(r, e.grammar, st)
		ep.SetEndpointSilences(j.tr.Utterance, level, falling)
	case Endpointer:
		ep.SetEndpointSilence(j.tr.Utterance, e.opts.Endpointing.Silence(r, e.grammar, st))
	}
}
