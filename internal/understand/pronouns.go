package understand

import (
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
