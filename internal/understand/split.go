package understand

import (
	"slices"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Clause splitting: a second reading for utterances of several commands.
//
// The model reads a whole utterance at once, and it is least sure where players
// chain three or four commands ("Sparky dodge, Cinder dodge, Leafy come back,
// Bubbles stop"): each extra command is another place to misread, and a misread
// slot can spill into a neighbour ("give Bubbles a potion, give Leafy a super
// potion" read as two super potions). So when the whole reading is rejected,
// unsure, or has more than one command, the filler reads the utterance again as
// clauses: it cuts at the grammar's join phrases ("and", "then") and at
// punctuation, fills every clause on its own in one batch, and keeps the cut
// whose clauses are all understood with the highest joint confidence (the product
// of the clauses' confidences: every clause must be right). That reading replaces
// the whole one only when it is more confident.
//
// A clause that names no addressee takes the one the clause before it named, as
// inside one reading (grammar.CarryAddressee): "Bubbles, go forward, then come
// back" has Bubbles come back. Where that cannot be decided (the addressee is
// only named after: "dodge left, then thunderbolt, Sparky") the split is not used.
// Utterances that take something back ("no", "don't", "I mean", "scratch that")
// or refer back ("give it to Leafy") are never split: the clauses depend on each
// other there, and the whole reading is the one trained for them.

// finalReasons mark rejections that no other reading may overturn: a word said
// where a value belongs that is no value ("Comet, dodge left" after Comet was
// renamed), a command cut off, a number out of range, a take-back. Clauses would
// only lose the words that made them rejections. (A command without a value it
// needs, "item: which item?", is not final: in "antidote on Bubbles, potion on
// Cinder" the whole reading ran the two together; each clause must still be a whole
// command on its own.)
var finalReasons = []string{"unknown ", "stops at", "out of range", "whole number", "is not a number",
	"taken back", "only filler", "transcriber artefact", "empty transcript", "too long"}

func finalReason(reason string) bool {
	for _, r := range finalReasons {
		if strings.Contains(reason, r) {
			return true
		}
	}
	return false
}

// maxCuts bounds the cut points tried (2^maxCuts ways to cut).
const maxCuts = 7

// maxSpan bounds a clause to this many pieces between cuts: a command with its
// vocative ("Leafy, razor leaf the Rattler") is two, and a clause of more than one
// command is read as well in smaller clauses. It keeps the clauses filled linear in
// the cuts (at most 3·maxCuts) instead of quadratic.
const maxSpan = 3

// cut is one place an utterance may be cut: the clause before it ends at token
// end (exclusive), the one after starts at token start (after the join words).
type cut struct{ end, start int }

// splitBlockers are words after which clauses depend on each other: take-backs,
// negations and words that refer to something said before.
var splitBlockers = map[string]bool{"not": true, "dont": true, "never": true, "instead": true,
	"cancel": true, "forget": true, "belay": true, "nevermind": true, "same": true, "again": true,
	"too": true, "both": true, "other": true, "him": true, "her": true, "it": true, "them": true,
	"he": true, "she": true, "they": true, "that": true, "those": true, "this": true}

// cuts returns the places text may be cut into clauses, or nil when it may not.
func (l *layout) cuts(toks []token) []cut {
	for _, t := range toks {
		if takeBack[t.norm] || splitBlockers[t.norm] {
			return nil
		}
	}
	var cs []cut
	for k := 1; k < len(toks); k++ {
		if !toks[k-1].punctAfter && l.joinAt(toks, k) == 0 {
			continue
		}
		start := k
		for n := l.joinAt(toks, start); n > 0; n = l.joinAt(toks, start) {
			start += n
		}
		if start >= len(toks) {
			break // a trailing "and": nothing after it to cut off
		}
		if preposition[toks[start].norm] {
			continue // "Cinder, jump out of the way, to the left": the same command goes on
		}
		cs = append(cs, cut{end: k, start: start})
		k = start
	}
	if len(cs) > maxCuts {
		return nil
	}
	return cs
}

// joinAt returns the number of words of the longest join phrase at toks[k:], or 0.
func (l *layout) joinAt(toks []token, k int) int {
	best := 0
	for _, j := range l.joinWords {
		if len(j) > best && k+len(j) <= len(toks) && slices.EqualFunc(toks[k:k+len(j)], j, func(t token, w string) bool { return t.norm == w }) {
			best = len(j)
		}
	}
	return best
}

// saysGroup reports whether the clause says a group phrase ("everyone").
func (l *layout) saysGroup(toks []token) bool {
	for _, t := range l.groupTypes {
		for _, ph := range t.Group {
			w := strings.Fields(ph)
			for k := 0; k+len(w) <= len(toks); k++ {
				if slices.EqualFunc(toks[k:k+len(w)], w, func(t token, w string) bool { return t.norm == normWord(w) }) {
					return true
				}
			}
		}
	}
	return false
}

// clauses are the spans of one utterance that a split may fill: span i covers the
// tokens between cut point a and cut point b.
type clauses struct {
	text  string
	toks  []token
	cuts  []cut
	spans [][2]int // (a, b) cut-point indices, 0 = start of text, len(cuts)+1 = end
	texts []string // the clause text of each span
}

// clausesOf lists every clause of text worth filling, or nil when text is not cut.
// known, when not nil, says which words (by start offset) the whole reading knew: a
// clause with a word it did not know cannot be understood alone (explained) and is
// not filled.
func (l *layout) clausesOf(text string, known map[int]bool) *clauses {
	toks := tokenize(text)
	cs := l.cuts(toks)
	if len(cs) == 0 {
		return nil
	}
	c := &clauses{text: text, toks: toks, cuts: cs}
	n := len(cs) + 1
	for a := 0; a < n; a++ {
		for b := a + 1; b <= n && b-a <= maxSpan; b++ {
			if a == 0 && b == n {
				continue // the whole utterance: already read
			}
			from, to := c.tokRange(a, b)
			if !allKnown(toks[from:to], known) {
				continue
			}
			c.spans = append(c.spans, [2]int{a, b})
			c.texts = append(c.texts, text[toks[from].start:toks[to-1].end])
		}
	}
	if len(c.spans) == 0 {
		return nil
	}
	return c
}

// allKnown reports whether known (nil: no record) marks every token known; a
// token it has no entry for (a filler left out of a long utterance) counts as known.
func allKnown(toks []token, known map[int]bool) bool {
	for _, t := range toks {
		if k, ok := known[t.start]; known != nil && ok && !k {
			return false
		}
	}
	return true
}

// tokRange returns the tokens [from, to) between cut points a and b.
func (c *clauses) tokRange(a, b int) (from, to int) {
	from, to = 0, len(c.toks)
	if a > 0 {
		from = c.cuts[a-1].start
	}
	if b <= len(c.cuts) {
		to = c.cuts[b-1].end
	}
	return from, to
}

// bestSplit picks, from the clauses' results (in c.spans order), the cut into two
// or more clauses that are each understood, with the highest joint confidence. It
// returns the joined reading, with every command's confidence the joint one, and
// false when no cut reads.
func (l *layout) bestSplit(c *clauses, results []grammar.Result, st *grammar.State) (grammar.Result, bool) {
	n := len(c.cuts) + 1
	byspan := map[[2]int]int{}
	for i, s := range c.spans {
		byspan[s] = i
	}
	// best[b]: the most confident cut of the text up to cut point b
	type partial struct {
		conf  float64
		spans []int
		ok    bool
	}
	best := make([]partial, n+1)
	best[0] = partial{conf: 1, ok: true}
	for b := 1; b <= n; b++ {
		for a := 0; a < b; a++ {
			i, ok := byspan[[2]int{a, b}]
			if !ok || !best[a].ok || results[i].Rejected {
				continue
			}
			conf := best[a].conf * results[i].Confidence()
			if !best[b].ok || conf > best[b].conf {
				best[b] = partial{conf: conf, spans: append(slices.Clone(best[a].spans), i), ok: true}
			}
		}
	}
	if !best[n].ok {
		return grammar.Result{}, false
	}
	var parts []part
	for _, i := range best[n].spans {
		from, to := c.tokRange(c.spans[i][0], c.spans[i][1])
		parts = append(parts, part{results[i], l.saysGroup(c.toks[from:to])})
	}
	return l.joinReadings(c.text, parts, best[n].conf, st)
}

// part is the reading of one clause, and whether the clause said a group phrase.
type part struct {
	res   grammar.Result
	group bool
}

// joinReadings joins the readings of an utterance's clauses into one result whose
// commands all have confidence conf. A clause that names no addressee takes the
// one named before it (grammar.CarryAddressee); the join fails (false) where an
// addressee is named only after a clause that needed it, where a carried command
// is invalid, or where it makes more commands than one utterance may hold.
func (l *layout) joinReadings(text string, parts []part, conf float64, st *grammar.State) (grammar.Result, bool) {
	out := grammar.Result{Text: text, Commands: []grammar.Command{}}
	prevIntent, prevSaid := "", map[string]grammar.Value(nil)
	var unsaid []string // types of addressees left to the state's default so far
	for _, p := range parts {
		for _, cmd := range p.res.Commands {
			said := map[string]grammar.Value{}
			for k := range cmd.SlotConfidence {
				if v, ok := cmd.Slots[k]; ok {
					said[k] = v
				}
			}
			in := l.g.Intent(cmd.Intent)
			if p.group {
				prevIntent, prevSaid = "", nil // "everyone dodge, then come back": no one addressee
			} else {
				carried := l.g.CarryAddressee(cmd.Intent, said, prevIntent, prevSaid, st)
				for _, s := range in.Slots {
					_, wasSaid := said[s.Name]
					_, isCarried := carried[s.Name]
					if !slices.Contains(s.Defaults, "state") {
						continue
					}
					if wasSaid && slices.Contains(unsaid, s.Type.Name) {
						return grammar.Result{}, false // "dodge left, then thunderbolt, Sparky": whose dodge?
					}
					if !isCarried {
						unsaid = append(unsaid, s.Type.Name)
					}
				}
				cmd.Slots = l.g.Resolve(cmd.Intent, carried, st)
				if l.g.Check(cmd, st) != nil {
					return grammar.Result{}, false
				}
				prevIntent, prevSaid = cmd.Intent, carried
			}
			cmd.Confidence = roundConf(conf)
			out.Commands = append(out.Commands, cmd)
		}
	}
	out.Commands = dropRepeats(out.Commands)
	if len(out.Commands) > l.cfg.Frames {
		return grammar.Result{}, false
	}
	return out, true
}
