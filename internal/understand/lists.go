package understand

import (
	"slices"
	"sort"

	"github.com/voicecmd/voicecmd/grammar"
)

// Lists: "use a potion on Sparky and Bubbles", "Bubbles, Cinder, come back".
//
// A type with group phrases ("everyone") already means "one command per value":
// the model reads "everyone, come back" as one retreat with the whole party in the
// actor slot, and the decoder expands it. A list of such values is the same
// construction over fewer values, so when the whole reading of an utterance fails
// or is unsure, the filler reads it again with the list said as the type's first
// group phrase ("Bubbles, Cinder, come back" -> "everyone, come back"), and
// expands the group over the listed values only, in the order said. Every listed
// value must be able to do the command ("Sparky and Bubbles, ember" is rejected,
// not half done). That reading replaces the whole one only when it is more
// confident.

// list is a run of at least two values of one grouped type, said one after another
// and separated only by commas or "and": tokens [from, to).
type list struct {
	typ      string
	values   []string
	from, to int
	text     string // the utterance with the list said as the group phrase (asGroup)
}

// listIn finds the first list in a featurized utterance (its values' matches), or
// returns false.
func (l *layout) listIn(f *featurized) (list, bool) {
	grouped := map[string]bool{}
	for _, t := range l.groupTypes {
		grouped[t.Name] = true
	}
	type mention struct {
		value    string
		typ      string
		from, to int
	}
	var ms []mention
	for _, c := range f.cands {
		if c.kind != cDyn || !grouped[c.typ] {
			continue
		}
		for _, m := range append([]spanMatch{c.match}, c.again...) {
			if m.from >= 0 && m.score >= delexThreshold {
				ms = append(ms, mention{c.value, c.typ, m.from, m.to})
			}
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].from < ms[j].from })
	for i := 0; i < len(ms); i++ {
		run := list{typ: ms[i].typ, values: []string{ms[i].value}, from: ms[i].from, to: ms[i].to}
		bare, and := false, false // values said with nothing between; an "and" between
		for j := i + 1; j < len(ms) && ms[j].typ == run.typ && !slices.Contains(run.values, ms[j].value); j++ {
			gap := ms[j].from - run.to
			switch {
			case gap == 0 && f.toks[run.to-1].punctAfter:
			case gap == 0:
				bare = true // "sparky bubbles and cinder": transcripts drop commas
			case gap == 1 && f.toks[run.to].norm == "and":
				and = true
			default:
				gap = -1
			}
			if gap < 0 {
				break
			}
			run.values = append(run.values, ms[j].value)
			run.to = ms[j].to
		}
		// two names side by side are a list only where an "and" says so
		if len(run.values) >= 2 && (and || !bare) {
			return run, true
		}
	}
	return list{}, false
}

// asGroup rewrites text with the list said as its type's first group phrase.
func (l *layout) asGroup(f *featurized, ls list) string {
	phrase := ""
	for _, t := range l.groupTypes {
		if t.Name == ls.typ {
			phrase = t.Group[0]
		}
	}
	return f.text[:f.toks[ls.from].start] + phrase + f.text[f.toks[ls.to-1].end:]
}

// listPass reads again, with their lists said as groups, the utterances whose
// whole reading failed or is unsure, and keeps that reading where it is the more
// confident one. The lists are those the whole reading found (looks).
func (f *Model) listPass(texts []string, sts []*grammar.State, steps int, out []grammar.Result, looks []firstLook) {
	var idx []int
	var rtexts []string
	var rsts []*grammar.State
	var hows []reading
	for i, r := range out {
		if sure(r) || looks[i].list == nil {
			continue
		}
		st, _, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		idx = append(idx, i)
		rtexts = append(rtexts, looks[i].list.text)
		rsts = append(rsts, st)
		hows = append(hows, reading{listed: looks[i].list})
	}
	if len(idx) == 0 {
		return
	}
	results := f.fillAs(rtexts, rsts, steps, hows, nil)
	for j, i := range idx {
		r := results[j]
		if !r.Rejected && usesAll(r, hows[j].listed.values) && (out[i].Rejected || r.Confidence() > out[i].Confidence()) {
			r.Text = texts[i]
			out[i] = r
		}
	}
}

// usesAll reports whether every listed value is in some command of r: a reading
// that left the list's group phrase out understood something else.
func usesAll(r grammar.Result, values []string) bool {
	for _, v := range values {
		found := false
		for _, c := range r.Commands {
			for _, x := range c.Slots {
				found = found || x == grammar.Str(v)
			}
		}
		if !found {
			return false
		}
	}
	return true
}
