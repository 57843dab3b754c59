package understand

import (
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Corrections: "don't attack the Rattler, thunderbolt the Stonejaw", "Cinder,
// don't do ember, do flamethrower", "dodge right, don't retreat", "revive
// Bubbles, wait, revive Cinder".
//
// The model is trained on such utterances, but they are where it is least sure:
// two commands are said and one is meant. When the whole reading of an utterance
// with a negation or a take-back fails or is unsure, the filler reads it again as
// pieces with the ruled-out ones left out:
//
//   - a piece that starts with a negation ("don't", "do not", "not", "never
//     mind") is ruled out, unless it is one of the grammar's own negated commands
//     with nothing after it but that pattern's words ("don't move" is hold);
//   - a piece followed by a take-back ("no", "wait", "actually", "sorry", or an "I
//     mean" after the next piece) is replaced by the next piece, which must be the
//     same kind of command ("revive Bubbles, wait, revive Cinder"); a bare value
//     after a take-back ("dodge right, no, left") is left to the whole reading.
//
// The pieces left are read alone and joined as clauses are (split.go). An
// addressee named in a ruled-out piece ("Cinder, don't do ember") is said again
// before the piece that follows it when that one names none ("do flamethrower").
// Utterances that refer back with a pronoun ("give it to Leafy") are not read this
// way.

// negations open a piece that rules a command out.
var negations = map[string]bool{"dont": true, "not": true, "never": true}

// piece is one stretch of a correction: tokens [from, to).
type piece struct {
	from, to int
	negated  bool // starts with a negation
	marker   bool // only take-back words: "no", "no wait"
	takeBack bool // a take-back right before it (or "I mean" right after it)
}

// correction is the second reading of an utterance with a correction: the texts
// to read, and how to judge them.
type correction struct {
	text  string
	texts []string // the kept pieces' texts, then the texts of the pieces they replaced
	kept  int      // texts[:kept] are the kept pieces, in order
	// sameAs[i] >= 0: kept piece i replaced the piece read as texts[sameAs[i]] and
	// must be the same kind of command
	sameAs []int
	groups []bool // per kept piece: says a group phrase
}

// correctionOf returns the correction reading of text, or nil when it has none.
func (l *layout) correctionOf(text string, st *grammar.State) *correction {
	toks := tokenize(text)
	if len(toks) < 3 || cancelled(toks) {
		return nil
	}
	marked := false
	for _, t := range toks {
		if objectPronoun[t.norm] {
			return nil // "don't give Sparky the antidote, give it to Leafy"
		}
		marked = marked || negations[t.norm] || takeBack[t.norm]
	}
	if !marked {
		return nil
	}
	f, err := l.featurizeOpt(text, st, false)
	if err != nil {
		return nil
	}
	ps := l.pieces(f)
	say := func(p piece) string { return text[toks[p.from].start:toks[p.to-1].end] }

	c := &correction{text: text}
	var kept []piece
	var keptText []string
	var replaced []int // per kept piece: index into extra of the piece it replaced, or -1
	var extra []string
	pending := "" // an addressee from a ruled-out piece, for the next kept piece
	ruledOut := false
	for _, p := range ps {
		if p.marker {
			continue
		}
		if p.negated {
			ruledOut = true
			if v := l.addresseeIn(f, p.from, p.to); v != "" {
				pending = v
			}
			if p.takeBack && len(kept) > 0 { // "dodge, no, don't dodge": nothing left of it
				last := len(kept) - 1
				kept, keptText, replaced = kept[:last], keptText[:last], replaced[:last]
			}
			continue
		}
		rep := -1
		t := say(p)
		if p.takeBack && len(kept) > 0 {
			// the kept piece before it is taken back; its addressee stays
			last := len(kept) - 1
			if v := l.addresseeIn(f, kept[last].from, kept[last].to); v != "" {
				pending = v
			}
			if s := l.valueSwapped(f, kept[last], p); s != "" {
				// "dodge right, no, forward": only the value is taken back
				t = strings.TrimSuffix(keptText[last], say(kept[last])) + s
				pending = ""
			}
			extra = append(extra, keptText[last])
			rep = len(extra) - 1
			kept, keptText, replaced = kept[:last], keptText[:last], replaced[:last]
			ruledOut = true
		}
		if pending != "" && l.addresseeIn(f, p.from, p.to) == "" {
			t = pending + ", " + t
		}
		pending = ""
		kept = append(kept, p)
		keptText = append(keptText, t)
		replaced = append(replaced, rep)
	}
	if !ruledOut || len(kept) == 0 {
		return nil
	}
	c.texts = append(keptText, extra...)
	c.kept = len(keptText)
	for i, r := range replaced {
		if r >= 0 {
			r += c.kept
		}
		c.sameAs = append(c.sameAs, r)
		c.groups = append(c.groups, l.saysGroup(toks[kept[i].from:kept[i].to]))
	}
	return c
}

// valueSwapped returns the text of piece old with its value replaced by the one
// value piece repl says ("dodge right" + "forward" -> "dodge forward"; "super
// potion on Sparky" + "on Bubbles" -> "super potion on Bubbles"), or "" when repl
// is more than a value (with the words that lead into it) or old says no value of
// its type.
func (l *layout) valueSwapped(f *featurized, old, repl piece) string {
	from := repl.from
	for from < repl.to && (leadInWords[f.toks[from].norm] || l.fillers[f.toks[from].norm]) {
		from++
	}
	valueKey := func(c cand) string {
		switch c.kind {
		case cEnum:
			return "enum:" + l.enums[c.enum].typ.Name
		case cDyn:
			return "dyn:" + c.typ
		}
		return ""
	}
	var key string
	for _, c := range f.cands {
		if k := valueKey(c); k != "" && c.match.from == from && c.match.to == repl.to && c.match.score >= delexThreshold {
			key = k
		}
	}
	if key == "" {
		return ""
	}
	for _, c := range f.cands {
		if valueKey(c) != key || c.match.score < delexThreshold {
			continue
		}
		for _, m := range append([]spanMatch{c.match}, c.again...) {
			if m.from >= old.from && m.to <= old.to {
				t := f.text
				return t[f.toks[old.from].start:f.toks[m.from].start] + t[f.toks[from].start:f.toks[repl.to-1].end] + t[f.toks[m.to-1].end:f.toks[old.to-1].end]
			}
		}
	}
	return ""
}

// pieces cuts an utterance at punctuation, join words, negations and take-back
// words, and marks each piece.
func (l *layout) pieces(f *featurized) []piece {
	toks := f.toks
	var ps []piece
	start := 0
	flush := func(end int) {
		if end > start {
			ps = append(ps, piece{from: start, to: end})
		}
		start = end
	}
	for k := 0; k < len(toks); k++ {
		w := toks[k].norm
		switch {
		case w == "not" && k > 0 && toks[k-1].norm == "do":
			flush(k - 1) // "do not"
		case w == "i" && k+1 < len(toks) && toks[k+1].norm == "mean":
			flush(k) // "..., I mean ..."
		case negations[w] || (takeBack[w] && w != "mean" && !takeBack[toks[max(k-1, 0)].norm]):
			flush(k)
		case k > 0 && takeBack[toks[k-1].norm] && !takeBack[w] && w != "i":
			flush(k) // after "no wait"
		}
		if n := l.joinAt(toks, k); n > 0 {
			flush(k)
			k += n - 1
			start = k + 1
			continue
		}
		if toks[k].punctAfter {
			flush(k + 1)
		}
	}
	flush(len(toks))
	filler := l.fillerTokens(toks)
	var out []piece
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		marks, other := false, false
		for t := p.from; t < p.to; t++ {
			w := toks[t].norm
			switch {
			case takeBack[w] || negations[w]:
				marks = true
			case w == "i" || discourse[w] || filler[t]:
			default:
				other = true
			}
		}
		if !other { // "no wait", "um": no command in it
			p.marker = true
			switch {
			case marks && i+1 < len(ps):
				ps[i+1].takeBack = true
			case marks && toks[p.to-1].norm == "mean":
				// "ember, um, flamethrower, I mean": the piece before is the replacement
				for j := len(out) - 1; j >= 0; j-- {
					if !out[j].marker {
						out[j].takeBack = true
						break
					}
				}
			}
			out = append(out, p)
			continue
		}
		if i+1 < len(ps) && l.onlyAddressee(f, p.from, p.to) {
			// "Cinder, don't do ember": the name is the next piece's addressee
			ps[i+1].from = p.from
			ps[i+1].takeBack = ps[i+1].takeBack || p.takeBack
			continue
		}
		first := p.from
		for first < p.to && (filler[first] || l.onlyAddressee(f, p.from, first+1)) {
			first++ // "Cinder don't attack"
		}
		if first < p.to && (negations[toks[first].norm] || (toks[first].norm == "do" && first+1 < p.to && toks[first+1].norm == "not")) {
			p.negated = !l.ownNegation(toks[first:p.to])
		}
		out = append(out, p)
	}
	return out
}

// addresseeIn returns the one value of an addressee type (a type some slot takes
// from the state by default: the monster) said in tokens [from, to), or "" when
// there is none or more than one.
func (l *layout) addresseeIn(f *featurized, from, to int) string {
	v := ""
	for _, c := range f.cands {
		if c.kind != cDyn || !l.addressees[c.typ] {
			continue
		}
		for _, m := range append([]spanMatch{c.match}, c.again...) {
			if m.from >= from && m.to <= to && m.from >= 0 && m.score >= delexThreshold {
				if v != "" && v != c.value {
					return ""
				}
				v = c.value
			}
		}
	}
	return v
}

// onlyAddressee reports whether tokens [from, to) say one addressee value (and
// fillers) only: "Cinder," before "don't do ember".
func (l *layout) onlyAddressee(f *featurized, from, to int) bool {
	if l.addresseeIn(f, from, to) == "" {
		return false
	}
	in := make([]bool, to-from)
	for _, c := range f.cands {
		if c.kind != cDyn || !l.addressees[c.typ] {
			continue
		}
		for _, m := range append([]spanMatch{c.match}, c.again...) {
			if m.from >= 0 && m.score >= delexThreshold {
				for t := max(m.from, from); t < min(m.to, to); t++ {
					in[t-from] = true
				}
			}
		}
	}
	filler := l.fillerTokens(f.toks)
	for t := from; t < to; t++ {
		if !in[t-from] && !filler[t] {
			return false
		}
	}
	return true
}

// ownNegation reports whether a piece starting with a negation is one of the
// grammar's own negated commands ("don't move" is hold): the negated word is one
// a pattern puts after "don't" and nothing but that pattern's words follow.
func (l *layout) ownNegation(toks []token) bool {
	k := 1
	if toks[0].norm == "do" {
		k = 2
	}
	if k >= len(toks) || len(l.negOwners[toks[k].norm]) == 0 {
		return false
	}
	for _, t := range toks[k+1:] {
		if !l.keywords[t.norm] && !l.fillers[t.norm] {
			return false
		}
	}
	return true
}

// readCorrection judges the pieces' readings (results in c.texts order) and
// joins the kept ones, or returns false.
func (l *layout) readCorrection(c *correction, results []grammar.Result, st *grammar.State) (grammar.Result, bool) {
	conf := 1.0
	var parts []part
	for i := 0; i < c.kept; i++ {
		r := results[i]
		if r.Rejected {
			return grammar.Result{}, false
		}
		if j := c.sameAs[i]; j >= 0 {
			old := results[j]
			if old.Rejected || len(old.Commands) != 1 || len(r.Commands) != 1 || old.Commands[0].Intent != r.Commands[0].Intent {
				return grammar.Result{}, false // "dodge right, no, left": "left" alone is no dodge
			}
		}
		conf *= r.Confidence()
		parts = append(parts, part{r, c.groups[i]})
	}
	return l.joinReadings(c.text, parts, conf, st)
}

// correctionPass reads again, with their ruled-out pieces left out, the
// utterances with a correction whose whole reading failed or is unsure, and keeps
// that reading where it is the more confident one.
func (f *Model) correctionPass(texts []string, sts []*grammar.State, steps int, out []grammar.Result) {
	type job struct {
		i, first int
		c        *correction
	}
	var jobs []job
	var ctexts []string
	var csts []*grammar.State
	for i, r := range out {
		if r.Rejected && strings.HasPrefix(r.Reason, "unknown ") {
			continue
		}
		st, clean, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		c := f.lay.correctionOf(clean, st)
		if c == nil {
			continue
		}
		jobs = append(jobs, job{i, len(ctexts), c})
		for range c.texts {
			csts = append(csts, st)
		}
		ctexts = append(ctexts, c.texts...)
	}
	if len(jobs) == 0 {
		return
	}
	hows := make([]reading, len(ctexts))
	for i := range hows {
		hows[i].clause = true
	}
	results := f.fillAs(ctexts, csts, steps, hows, nil)
	for _, j := range jobs {
		st := csts[j.first]
		r, ok := f.lay.readCorrection(j.c, results[j.first:j.first+len(j.c.texts)], st)
		whole := out[j.i]
		if ok && (whole.Rejected || whole.Confidence() < splitBelow || r.Confidence() >= splitBelow) {
			r.Text = texts[j.i]
			out[j.i] = r
		}
	}
}
