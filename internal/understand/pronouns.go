package understand

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/voicecmd/voicecmd/grammar"
)

// Second person: "call yourself Pancake", "change your name to Bolt", "I'm gonna
// call you Biscuit".
//
// "You" is the one spoken to. When the player names nobody, that is the monster a
// command goes to by default (the state's default of an addressee type), but the
// model, which learned "call {monster} {name}", reads the new name as an unknown
// monster. So when the whole reading is rejected for an unknown value of an
// addressee type and the utterance says "you", "yourself" or "your" and names no
// value of that type, the filler reads it again with those words said as the
// default's name ("call Sparky Pancake", "change Sparky's name to Bolt") and keeps
// that reading when it is understood and gives the unknown word as a name. The
// word must be written as a name is, with a capital letter (as a transcriber
// writes names): "yeah, I'll call you back later" stays talk.

// secondPerson maps a second-person word to how the addressee's name stands in for it.
var secondPerson = map[string]string{"you": "%s", "yourself": "%s", "your": "%s's"}

// asAddressed rewrites text with its second-person words as the name of the
// default value of type typ, or returns "" when st has no default for it or the
// text has no second-person word.
func asAddressed(text, typ string, st *grammar.State) string {
	name := st.Defaults[typ]
	if name == "" {
		return ""
	}
	var b strings.Builder
	last, changed := 0, false
	for _, t := range tokenize(text) {
		if form, ok := secondPerson[t.norm]; ok {
			b.WriteString(text[last:t.start])
			b.WriteString(strings.ReplaceAll(form, "%s", name))
			last, changed = t.end, true
		}
	}
	if !changed {
		return ""
	}
	b.WriteString(text[last:])
	return b.String()
}

// addresseePass reads again, as said to the default addressee, the utterances
// rejected for an unknown addressee that speak to "you".
func (f *Model) addresseePass(texts []string, sts []*grammar.State, steps int, out []grammar.Result, looks []firstLook) {
	var idx []int
	var rtexts, unknown []string
	var rsts []*grammar.State
	for i, r := range out {
		if !r.Rejected {
			continue
		}
		st, clean, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		for typ := range f.lay.addressees {
			if !strings.HasPrefix(r.Reason, "unknown "+typ+" ") || looks[i].named[typ] {
				continue
			}
			word := strings.Trim(strings.TrimPrefix(r.Reason, "unknown "+typ+" "), `"`)
			if !capitalized(word) {
				continue // "yeah I'll call you back later" is talk, not a name
			}
			if t := asAddressed(clean, typ, st); t != "" {
				idx, rtexts, rsts = append(idx, i), append(rtexts, t), append(rsts, st)
				unknown = append(unknown, word)
				break
			}
		}
	}
	if len(idx) == 0 {
		return
	}
	results := f.fillAs(rtexts, rsts, steps, nil, nil)
	for j, i := range idx {
		if r := results[j]; !r.Rejected && saysValue(r, unknown[j]) {
			r.Text = texts[i]
			out[i] = r
		}
	}
}

// saysValue reports whether some command of r has a value that contains word: the
// word the whole reading took for an unknown monster must now be a name given
// ("call yourself Pancake"), not dropped ("Charmander, can you dodge left" is no
// dodge for Sparky).
func saysValue(r grammar.Result, word string) bool {
	for _, c := range r.Commands {
		for _, v := range c.Slots {
			if word != "" && strings.Contains(strings.ToLower(v.Str), strings.ToLower(word)) {
				return true
			}
		}
	}
	return false
}

// capitalized reports whether word starts with an upper-case letter.
func capitalized(word string) bool {
	for _, r := range word {
		return unicode.IsUpper(r)
	}
	return false
}

// A name said last, to the one who is to act: "use fire spin on Stonejaw Cinder",
// "can you use vine whip on Stonejaw, Leafy". The model reads a vocative at the end
// well after a command's last word, less well after a target with no comma between
// (two names side by side). When the whole reading fails or is unsure and the
// utterance ends with a value of an addressee type, the filler reads it again
// without that name and gives the name to every command that left its addressee
// to the default; a command that named another addressee, or that the named one
// cannot do ("thunderbolt the Rattler, Bubbles"), makes that reading unusable.

// trailingName is an addressee value said as the last words of an utterance.
type trailingName struct {
	typ, value string
	start      int // byte offset where its words start
}

// vocativePass reads again, without it, the utterances that end with a name and
// whose whole reading failed or is unsure, and gives that name to their commands.
func (f *Model) vocativePass(texts []string, sts []*grammar.State, steps int, out []grammar.Result, looks []firstLook) {
	var idx []int
	var rtexts []string
	var rsts []*grammar.State
	for i, r := range out {
		v := looks[i].trailing
		if v == nil || sure(r) || (r.Rejected && finalReason(r.Reason)) {
			continue
		}
		st, clean, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		rest := strings.TrimRight(clean[:v.start], " ,.!?;:")
		if rest == "" {
			continue
		}
		idx, rtexts, rsts = append(idx, i), append(rtexts, rest), append(rsts, st)
	}
	if len(idx) == 0 {
		return
	}
	results := f.fillAs(rtexts, rsts, steps, nil, nil)
	for j, i := range idx {
		r, ok := f.lay.addressedTo(results[j], looks[i].trailing, rsts[j])
		if ok && (out[i].Rejected || r.Confidence() > out[i].Confidence()) {
			r.Text = texts[i]
			out[i] = r
		}
	}
}

// addressedTo gives v to every command of r that left an addressee slot of v's type
// to the default, or returns false when a command named another one of that type
// or cannot be done by v.
func (l *layout) addressedTo(r grammar.Result, v *trailingName, st *grammar.State) (grammar.Result, bool) {
	if r.Rejected {
		return r, false
	}
	out := grammar.Result{Text: r.Text, Commands: []grammar.Command{}}
	for _, c := range r.Commands {
		in := l.g.Intent(c.Intent)
		slots := maps.Clone(c.Slots)
		for _, s := range in.Slots {
			if s.Type.Name != v.typ || !slices.Contains(s.Defaults, "state") {
				continue
			}
			if _, said := c.SlotConfidence[s.Name]; said {
				if !strings.EqualFold(c.Slots[s.Name].Str, v.value) {
					return r, false // "give a potion to Sparky, Bubbles": two names, no reading
				}
				continue
			}
			slots[s.Name] = grammar.Str(v.value)
		}
		c.Slots = l.g.Resolve(c.Intent, slots, st)
		if l.g.Check(c, st) != nil {
			return r, false
		}
		out.Commands = append(out.Commands, c)
	}
	return out, true
}
