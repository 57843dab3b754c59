package gen

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/voicecmd/voicecmd/grammar"
)

// FillKind says how a slot appeared in a generated utterance.
type FillKind int

const (
	Said    FillKind = iota // a valid value was spoken
	Unknown                 // a name was spoken that is not among the state's values
	Group                   // a group phrase ("everyone") of the slot's type was spoken
)

// SlotFill is one slot of a generated frame: the value and where it was spoken.
type SlotFill struct {
	Kind  FillKind
	Value grammar.Value
	// Start and End are byte offsets of the spoken words in Sample.Text.
	Start, End int
}

// Frame is one spoken command of a generated utterance, as said (before defaults).
type Frame struct {
	Intent string
	Slots  map[string]SlotFill
}

// Sample is one generated training or test utterance with its gold labels.
type Sample struct {
	Text   string
	State  *grammar.State
	Frames []Frame        // empty for off-topic speech
	Want   grammar.Result // what the filler must answer
}

// Options tunes the generator. Probabilities are in [0,1]; the zero value uses
// the defaults noted on each field.
type Options struct {
	// BaseState, when set, is used for half of the samples; the rest get a random
	// state so the model learns to point at values rather than memorise them.
	BaseState *grammar.State
	// Noise scales every corruption probability (fillers, typos, casing); 1 if 0.
	Noise float64
	// RejectRate is the share of samples that must be rejected; 0.25 if 0.
	RejectRate float64
	// OffTopic are the game's own sentences that must be rejected (a game directory's
	// offtopic.txt), mixed with the built-in corpus of everyday English.
	OffTopic []string
}

// Generator produces labelled utterances from a grammar. It is deterministic for a
// given *rand.Rand and not safe for concurrent use.
type Generator struct {
	g      *grammar.Grammar
	opts   Options
	corpus []string // everyday English that is not a command of g
	words  []string // the grammar's own words (patterns, enum names and synonyms), for names that contain them
	// negatable are the words a pattern itself puts after "don't" ("move" in "don't
	// move" meaning hold): a verb the generator may not negate on its own
	negatable map[string]bool
	// dense[rel] are the rows of a relation dense in the base state (denseRows)
	dense map[string][]float64
}

// New returns a generator for g.
func New(g *grammar.Grammar, opts Options) *Generator {
	if opts.Noise == 0 {
		opts.Noise = 1
	}
	if opts.RejectRate == 0 {
		opts.RejectRate = 0.25
	}
	negatable := map[string]bool{}
	for w := range g.SelfNegated() {
		negatable[w] = true
	}
	dense := map[string][]float64{}
	for _, r := range g.Relations {
		if rows := denseRows(r, opts.BaseState); rows != nil {
			dense[r.Name] = rows
		}
	}
	return &Generator{g: g, opts: opts, corpus: corpusFor(g), words: grammarWords(g), negatable: negatable, dense: dense}
}

// builder assembles an utterance word by word, tracking slot spans.
type builder struct {
	words []string // surface words, punctuation attached (",", ".")
	spans []span
}

type span struct {
	frame int
	slot  string
	from  int // word index
	to    int // exclusive
	fill  SlotFill
	// verbatim slots (free text, unknown names) take their value from the rendered text
	verbatim bool
}

func (b *builder) add(ws ...string) {
	for _, w := range ws {
		if w == "" {
			continue
		}
		if strings.HasPrefix(w, "'") && len(b.words) > 0 { // "Cinder" + "'s" = "Cinder's"
			b.words[len(b.words)-1] = strings.TrimRight(b.words[len(b.words)-1], ",") + w
			continue
		}
		if w == "," || w == "." || w == "!" || w == "?" {
			if n := len(b.words); n > 0 && !strings.HasSuffix(b.words[n-1], ",") {
				b.words[n-1] += w
			}
			continue
		}
		b.words = append(b.words, w)
	}
}

// insert puts finished words (punctuation attached) before word at, moving the
// spans after it.
func (b *builder) insert(at int, ws ...string) {
	b.words = slices.Insert(b.words, at, ws...)
	for i := range b.spans {
		if b.spans[i].from >= at {
			b.spans[i].from += len(ws)
			b.spans[i].to += len(ws)
		}
	}
}

// Sample generates one labelled utterance.
func (gen *Generator) Sample(rng *rand.Rand) Sample {
	st := gen.opts.BaseState
	if st == nil || rng.Float64() < 0.5 {
		st = gen.randomState(rng)
	}
	st = st.Clone()
	if rng.Float64() < 0.07*gen.opts.Noise {
		return gen.offTopic(rng, st)
	}
	switch r := rng.Float64(); {
	case r < 0.03: // "Sparky, don't thunderbolt": no order at all
		return gen.negated(rng, st)
	case r < 0.09: // "Send out!": an intent said without a slot it cannot do without
		if s, ok := gen.incomplete(rng, st); ok {
			return s
		}
	}
	n := 1 // commands in the utterance: up to 4, the model's frames
	if r := rng.Float64(); r < 0.22 {
		n = 2
	} else if r < 0.36 {
		n = 3
	} else if r < 0.44 {
		n = 4
	}
	reject := rng.Float64() < gen.opts.RejectRate
	badFrame := -1
	if reject {
		badFrame = rng.IntN(n)
	}
	var b builder
	var frames []Frame
	gen.maybeFiller(rng, &b, 0.25)
	for f := 0; f < n && len(frames) < maxCommands; f++ {
		if f > 0 {
			gen.join(rng, &b)
		}
		// A list ("knights and scouts retreat") is two to four commands said as one.
		list := 0
		if f != badFrame && rng.Float64() < 0.07 {
			list = min(2+rng.IntN(3)/2+rng.IntN(3)/2, maxCommands-len(frames))
		}
		frs, ok := gen.frame(rng, &b, st, len(frames), f == badFrame, list)
		if !ok { // could not make the requested violation; make it valid instead
			badFrame = -1
		}
		frames = append(frames, frs...)
	}
	if rng.Float64() < 0.15*gen.opts.Noise {
		gen.maybeFiller(rng, &b, 1)
	}
	if r := rng.Float64(); r < 0.3 {
		b.add(".")
	} else if r < 0.4 {
		b.add("!")
	}
	text, fills := gen.render(rng, &b)
	for i := range frames {
		if i >= len(fills) {
			break
		}
		for k, sf := range fills[i] {
			frames[i].Slots[k] = sf
		}
	}
	return Sample{Text: text, State: st, Frames: frames, Want: gen.expected(text, frames, st)}
}

// expected computes the gold result exactly as the filler must: resolve defaults,
// check every command, reject the whole utterance if any command is invalid.
func (gen *Generator) expected(text string, frames []Frame, st *grammar.State) grammar.Result {
	res := grammar.Result{Text: text, Commands: []grammar.Command{}}
	prevIntent, prevSaid := "", map[string]grammar.Value(nil) // the last command said, for grammar.CarryAddressee
	for _, fr := range frames {
		slots := map[string]grammar.Value{}
		group := ""
		for k, sf := range fr.Slots {
			switch sf.Kind {
			case Unknown:
				in := gen.g.Intent(fr.Intent)
				return grammar.Reject(text, "unknown %s %q", in.Slot(k).Type.Name, sf.Value.Str)
			case Group:
				group = k
			}
			slots[k] = sf.Value
		}
		if group != "" {
			prevIntent, prevSaid = "", nil // "everyone dodge, then come back": no one addressee to carry
			cmds, err := ExpandGroup(gen.g, fr.Intent, slots, group, st)
			if err != nil {
				return grammar.Reject(text, "%v", err)
			}
			res.Commands = append(res.Commands, cmds...)
			continue
		}
		slots = gen.g.CarryAddressee(fr.Intent, slots, prevIntent, prevSaid, st) // said, or addressed before
		prevIntent, prevSaid = fr.Intent, slots
		slots = gen.g.Resolve(fr.Intent, slots, st)
		c := grammar.Command{Intent: fr.Intent, Slots: slots}
		if err := gen.g.Check(c, st); err != nil {
			return grammar.Reject(text, "%v", err)
		}
		res.Commands = append(res.Commands, c)
	}
	if len(res.Commands) == 0 {
		return grammar.Reject(text, "not a command")
	}
	return res
}

// freeName is a name a player gives (free text): usually made-up or ordinary
// words (randomFreeName), and one time in five a name with a word of the game in
// it — a value of the state, a word of the grammar, a number: "Rattler Slayer",
// "Come Back Kid", "Four Steps Forward", "Sparky Two". Such words inside a name are
// part of the name, not a command's slot, and the model must learn to tell.
func (gen *Generator) freeName(rng *rand.Rand, st *grammar.State) string {
	if rng.Float64() >= 0.2 {
		return randomFreeName(rng)
	}
	var game string
	switch r := rng.IntN(3); {
	case r == 0 && len(st.Values) > 0:
		types := slices.Sorted(maps.Keys(st.Values))
		if vals := st.Values[types[rng.IntN(len(types))]]; len(vals) > 0 {
			game = vals[rng.IntN(len(vals))]
		}
	case r == 1 && len(gen.words) > 0:
		game = gen.words[rng.IntN(len(gen.words))]
	default:
		game = sayNumber(rng, 1+rng.IntN(9))
	}
	if game == "" {
		return randomFreeName(rng)
	}
	parts := []string{capitalize(game)}
	for n := rng.IntN(3); n > 0; n-- {
		w := capitalize(nameWords[rng.IntN(len(nameWords))])
		if rng.Float64() < 0.5 {
			parts = append([]string{w}, parts...)
		} else {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, " ")
}

// grammarWords lists the words of g's patterns and enum values, once each.
func grammarWords(g *grammar.Grammar) []string {
	seen := map[string]bool{}
	for _, in := range g.Intents {
		for _, p := range in.Patterns {
			for _, w := range p.Words() {
				if len(w) > 1 && w != "," {
					seen[strings.ToLower(w)] = true
				}
			}
		}
	}
	for _, t := range g.Types {
		for _, v := range t.Values {
			seen[strings.ToLower(v.Name)] = true
			for _, syn := range v.Synonyms {
				seen[strings.ToLower(syn)] = true
			}
		}
	}
	return sortedSet(seen)
}

// vocativeLast moves a leading name to the end, the way players also address a
// monster: "{actor} [,] {move} the {target}" becomes "{move} the {target}, {actor}".
func vocativeLast(in *grammar.Intent, seq []grammar.Node) []grammar.Node {
	if len(seq) < 3 {
		return seq
	}
	ref, ok := seq[0].(grammar.SlotRef)
	if !ok || in.Slot(ref.Name).Type.Kind != grammar.Dynamic {
		return seq
	}
	rest := seq[1:]
	if w, ok := rest[0].(grammar.Word); ok && w.Text == "," {
		rest = rest[1:]
	}
	out := append([]grammar.Node{}, rest...)
	return append(out, grammar.Word{Text: ","}, ref)
}

// negations are the ways a player says not to do something.
var negations = []string{"don't", "do not", "dont", "never", "no, don't", "stop, don't"}

// negated says one command negated ("Sparky, don't use thunderbolt", "don't go left"):
// not an order, so nothing may be executed. (A grammar that wants "don't move" to
// mean hold says so in a pattern; the model then learns that phrase.)
func (gen *Generator) negated(rng *rand.Rand, st *grammar.State) Sample {
	var b builder
	gen.maybeFiller(rng, &b, 0.2)
	if !gen.sayRuledOut(rng, &b, st, gen.g.Intents[rng.IntN(len(gen.g.Intents))], true, true) {
		return gen.Sample(rng)
	}
	text, _ := gen.render(rng, &b)
	return Sample{Text: text, State: st, Want: grammar.Reject(text, "not a command")}
}

// sayRuledOut adds to b a command of intent in that the player does not want
// done: a random pattern, with a negation after its leading vocative or first when negate ("don't
// use ember"), or said plainly for a take-back to follow ("switch to Cinder" ...
// "no wait"). Without vocative a leading "Name," is left out (the command that
// follows owns the address). It says nothing and reports false when the pattern
// is itself a negation ("don't move" meaning hold) or starts with a name that is
// no vocative.
func (gen *Generator) sayRuledOut(rng *rand.Rand, b *builder, st *grammar.State, in *grammar.Intent, vocative, negate bool) bool {
	pat := in.Patterns[rng.IntN(len(in.Patterns))]
	var seq []grammar.Node
	expand(rng, pat.Root, &seq)
	if len(seq) == 0 {
		return false
	}
	if !vocative { // drop a leading "Name,": the command that follows owns the address
		if _, ok := seq[0].(grammar.SlotRef); ok {
			w, comma := grammar.Node(nil), false
			if len(seq) > 2 {
				w = seq[1]
			}
			if w, ok := w.(grammar.Word); ok && w.Text == "," {
				comma = true
			}
			if !comma { // a name that is part of the phrase ("{item} on {target}"): not this pattern
				return false
			}
			seq = seq[2:]
		}
	}
	for _, n := range seq {
		if w, ok := n.(grammar.Word); ok && negationWord[w.Text] {
			return false
		}
	}
	if negate && rng.Float64() < bareP {
		// the intent's own verb alone: "Cinder, don't attack, stay put"
		var ok bool
		if seq, ok = gen.bareVerb(in, seq, vocative); !ok {
			return false
		}
	}
	mentioned := map[string]bool{}
	for _, n := range seq {
		if s, ok := n.(grammar.SlotRef); ok {
			mentioned[s.Name] = true
		}
	}
	values := gen.pickValues(rng, in, mentioned, st)
	neg := strings.Fields(negations[rng.IntN(len(negations))])
	placed := !negate // a command said plainly, then taken back ("switch to Cinder, no wait, ...")
	for i, n := range seq {
		// after a leading vocative ("Sparky, don't ..."), else first
		if !placed {
			if _, isRef := n.(grammar.SlotRef); !(isRef && i == 0) {
				if w, ok := n.(grammar.Word); !(ok && w.Text == ",") {
					b.add(neg...)
					placed = true
				}
			}
		}
		switch n := n.(type) {
		case grammar.Word:
			b.add(n.Text)
		case grammar.SlotRef:
			b.add(values[n.Name].surface...)
		}
	}
	if !placed {
		b.add(neg...)
	}
	return true
}

// negationWord are the words that negate a command ("don't use ember").
var negationWord = map[string]bool{"don't": true, "dont": true, "not": true, "never": true}

// bareP is the chance that a negated command is only its verb ("don't attack").
const bareP = 0.4

// bareVerb replaces a pattern's expansion by the intent's name said as a verb
// ("attack"), after the expansion's leading vocative when vocative ("Cinder,
// don't attack"). Only an intent whose patterns use its name as a word has such a
// verb, and not one the grammar negates itself ("don't move" meaning hold).
func (gen *Generator) bareVerb(in *grammar.Intent, seq []grammar.Node, vocative bool) ([]grammar.Node, bool) {
	if gen.negatable[in.Name] || !slices.ContainsFunc(in.Patterns, func(p *grammar.Pattern) bool { return slices.Contains(p.Words(), in.Name) }) {
		return nil, false
	}
	var out []grammar.Node
	if vocative && len(seq) > 1 {
		if _, ok := seq[0].(grammar.SlotRef); ok {
			out = append(out, seq[0], grammar.Word{Text: ","})
		}
	}
	return append(out, grammar.Word{Text: in.Name}), true
}

// repairs are what a player says to take back what they just said: "dodge right,
// no, left", "switch to Cinder, no wait, switch to Leafy".
var repairs = [][]string{{",", "no,"}, {",", "no", "wait,"}, {",", "sorry,"}, {",", "i", "mean"}, {",", "actually,"},
	{".", "no,"}, {"no"}, {",", "wait,", "no,"}, {",", "scratch", "that,"}, {",", "make", "that"}, {",", "or", "rather"},
	{",", "no", "no,"}, {",", "oops,"}}

// lateP is the chance that a take-back comes after the whole command ("give
// Bubbles a potion, no, Leafy"); sameIntentP that a negated or taken-back command
// is of the same intent as the one meant ("don't move back, move forward"). Both
// at 0.4/0.6 made the demo model less sure of lists ("use a potion on Sparky and
// Bubbles") and of plain corrections: 96.6% exact on the tuning sets against
// 97.2% (docs/decisions.md).
const (
	lateP       = 0.15
	sameIntentP = 0.3
)

// lateRepair is a value taken back after its command ended: the span it
// replaces, and the value said instead.
type lateRepair struct {
	span  int
	slot  string
	other pick
}

// repairable reports whether slot name of in can be said again with another value
// ("dodge right, no, left"): an enum, number or name that no relation binds (a
// new move for the same monster may not be one it knows).
func repairable(in *grammar.Intent, name string) bool {
	for _, r := range in.Requires {
		if r.A == name || r.B == name {
			return false
		}
	}
	k := in.Slot(name).Type.Kind
	return k == grammar.Enum || k == grammar.Range || k == grammar.Dynamic
}

// corrections join a negated command to the one the player wants instead: "don't
// use ember, just use flamethrower", "Sparky, don't attack, stay put".
var corrections = [][]string{{","}, {",", "just"}, {",", "instead"}, {".", "instead"}, {",", "but"},
	{",", "rather"}, {".", "just"}, {",", "no,"}, {",", "i", "said"}}

// incomplete says a command without one of its required slots that has no default
// ("Send out!", "Sparky, attack", "Leafy, walk"): the intent is heard, the slot is
// absent, and the filler must ask for it instead of guessing another command.
func (gen *Generator) incomplete(rng *rand.Rand, st *grammar.State) (Sample, bool) {
	in := gen.g.Intents[rng.IntN(len(gen.g.Intents))]
	var needed []*grammar.Slot
	for _, s := range in.Slots {
		if !s.Optional && len(s.Defaults) == 0 {
			needed = append(needed, s)
		}
	}
	if len(needed) == 0 {
		return Sample{}, false
	}
	drop := needed[rng.IntN(len(needed))]
	pat := in.Patterns[rng.IntN(len(in.Patterns))]
	var seq []grammar.Node
	expand(rng, pat.Root, &seq)
	var kept []grammar.Node
	found := false
	for i, n := range seq {
		if ref, ok := n.(grammar.SlotRef); ok && ref.Name == drop.Name {
			found = true
			// drop the little words that only led into the slot ("on the", "to")
			for len(kept) > 0 {
				w, ok := kept[len(kept)-1].(grammar.Word)
				if !ok || !leadIn[w.Text] {
					break
				}
				kept = kept[:len(kept)-1]
			}
			_ = i
			continue
		}
		kept = append(kept, n)
	}
	words := 0
	for _, n := range kept {
		if w, ok := n.(grammar.Word); ok && w.Text != "," {
			words++
		}
	}
	if !found || words == 0 { // nothing of the command left but names: not recognisable
		return Sample{}, false
	}
	mentioned := map[string]bool{}
	for _, n := range kept {
		if s, ok := n.(grammar.SlotRef); ok {
			mentioned[s.Name] = true
		}
	}
	values := gen.pickValues(rng, in, mentioned, st)
	var b builder
	gen.maybeFiller(rng, &b, 0.2)
	for _, n := range kept {
		switch n := n.(type) {
		case grammar.Word:
			b.add(n.Text)
		case grammar.SlotRef:
			v := values[n.Name]
			from := len(b.words)
			b.add(v.surface...)
			verbatim := v.fill.Kind == Unknown || in.Slot(n.Name).Type.Kind == grammar.FreeText
			b.spans = append(b.spans, span{frame: 0, slot: n.Name, from: from, to: len(b.words), fill: v.fill, verbatim: verbatim})
		}
	}
	if rng.Float64() < 0.3 {
		b.add("!")
	}
	text, fills := gen.render(rng, &b)
	fr := Frame{Intent: in.Name, Slots: map[string]SlotFill{}}
	if len(fills) > 0 {
		for k, sf := range fills[0] {
			if sf.Kind == Unknown || sf.Kind == Group {
				return Sample{}, false
			}
			fr.Slots[k] = sf
		}
	}
	return Sample{Text: text, State: st, Frames: []Frame{fr},
		Want: grammar.Reject(text, "%s: which %s? say the %s", in.Name, drop.Type.Name, drop.Type.Name)}, true
}

// unknownWords are words players put where an enum value belongs.
var unknownWords = []string{"east", "west", "north", "south", "sideways", "around", "diagonally", "upstairs",
	"big", "small", "blue", "fast", "slow", "triangle", "circle", "square", "purple", "middle", "center", "outside"}

// leadIn are words that introduce a slot and go with it when it is left out.
var leadIn = map[string]bool{"on": true, "at": true, "to": true, "the": true, "a": true, "an": true,
	"with": true, "for": true, "your": true, "in": true, "into": true, "using": true, "against": true, "that": true, "this": true}

// maxCommands is the most commands one generated utterance holds (the model's frames).
const maxCommands = 4

// Per command: the chance that a negated or taken-back command comes first
// ("don't use ember, use flamethrower"; "switch to Cinder, no wait, switch to
// Leafy") and that a ruled-out value follows ("go left, not right"); per said
// value, the chance that it is taken back ("dodge right, no, left").
const (
	correctP = 0.14
	notP     = 0.05
	repairP  = 0.03 // per said value
)

// frame generates one spoken command as frame f, or, when list >= 2 and the
// pattern starts a dynamic slot the intent's relations do not bind, list commands
// said as one: the slot names list values ("knights, archers and scouts retreat")
// and the frames share every other slot's words.
func (gen *Generator) frame(rng *rand.Rand, b *builder, st *grammar.State, f int, violate bool, list int) ([]Frame, bool) {
	in := gen.g.Intents[rng.IntN(len(gen.g.Intents))]
	fr := Frame{Intent: in.Name, Slots: map[string]SlotFill{}}
	pat := in.Patterns[rng.IntN(len(in.Patterns))]
	// Decide which slots this expansion mentions, then pick values for them.
	var seq []grammar.Node
	expand(rng, pat.Root, &seq)
	switch r := rng.Float64(); {
	case r < 0.12:
		seq = vocativeLast(in, seq)
	case r < 0.19:
		seq = frontLast(rng, in, seq)
	}
	mentioned := map[string]bool{}
	for _, n := range seq {
		if s, ok := n.(grammar.SlotRef); ok {
			mentioned[s.Name] = true
		}
	}
	values := gen.pickValues(rng, in, mentioned, st)
	did := false
	if violate {
		did = gen.violate(rng, in, mentioned, values, st)
	}
	if hasText(in) { // "rename everyone to Bob" is no command: groups only where they make sense
		for name, v := range values {
			if t := in.Slot(name).Type; v.fill.Kind == Group {
				vals := st.Values[t.Name]
				values[name] = gen.sayValue(rng, t, vals[rng.IntN(len(vals))])
			}
		}
	}
	listSlot, more := "", []pick(nil)
	if list >= 2 && !hasText(in) {
		listSlot, more = gen.listValues(rng, in, seq, values, st, list-1)
	}
	first, startWord := len(b.spans), len(b.words)
	// "don't use ember, use flamethrower", "Cinder, don't go left, go right": a
	// negated command first (after this command's vocative), then this one
	correct := rng.Float64() < correctP
	var late *lateRepair
	for i, n := range seq {
		if correct {
			_, isRef := n.(grammar.SlotRef)
			w, isWord := n.(grammar.Word)
			if !(isRef && i == 0) && !(isWord && w.Text == ",") {
				// mostly the same kind of command corrected ("don't move back, move
				// forward"), else any
				ruled := in
				if rng.Float64() >= sameIntentP {
					ruled = gen.g.Intents[rng.IntN(len(gen.g.Intents))]
				}
				if rng.Float64() < 0.5 {
					if gen.sayRuledOut(rng, b, st, ruled, false, true) {
						b.add(corrections[rng.IntN(len(corrections))]...)
					}
				} else if gen.sayRuledOut(rng, b, st, ruled, false, false) {
					b.add(repairs[rng.IntN(len(repairs))]...)
				}
				correct = false
			}
		}
		switch n := n.(type) {
		case grammar.Word:
			b.add(n.Text)
			if n.Text != "," {
				gen.maybeFiller(rng, b, 0.03)
			}
		case grammar.SlotRef:
			v := values[n.Name]
			from := len(b.words)
			b.add(v.surface...)
			verbatim := v.fill.Kind == Unknown || in.Slot(n.Name).Type.Kind == grammar.FreeText
			b.spans = append(b.spans, span{frame: f, slot: n.Name, from: from, to: len(b.words), fill: v.fill, verbatim: verbatim})
			if n.Name != listSlot && v.fill.Kind == Said && rng.Float64() < repairP && repairable(in, n.Name) {
				// "dodge right, no, left": the value said last is the one meant; or
				// said again after the whole command ("give Bubbles a potion, no, Leafy")
				if other := gen.randomValue(rng, in.Slot(n.Name).Type, st); other.fill.Kind == Said && other.fill.Value != v.fill.Value {
					if late == nil && i < len(seq)-1 && rng.Float64() < lateP {
						late = &lateRepair{span: len(b.spans) - 1, slot: n.Name, other: other}
					} else {
						b.add(repairs[rng.IntN(len(repairs))]...)
						from := len(b.words)
						b.add(other.surface...)
						b.spans[len(b.spans)-1] = span{frame: f, slot: n.Name, from: from, to: len(b.words), fill: other.fill}
						values[n.Name] = other
					}
				}
			}
			if n.Name == listSlot {
				for k, v := range more {
					if k == len(more)-1 {
						b.add(gen.listJoin(rng))
					} else {
						b.add(",")
					}
					from := len(b.words)
					b.add(v.surface...)
					b.spans = append(b.spans, span{frame: f + 1 + k, slot: n.Name, from: from, to: len(b.words), fill: v.fill})
				}
			}
			if rng.Float64() < 0.2 && in.Slot(n.Name).Type.Kind == grammar.Dynamic {
				b.add(",")
			}
		}
	}
	if late != nil {
		b.add(repairs[rng.IntN(len(repairs))]...)
		from := len(b.words)
		b.add(late.other.surface...)
		b.spans[late.span] = span{frame: f, slot: late.slot, from: from, to: len(b.words), fill: late.other.fill}
		values[late.slot] = late.other
	}
	if listSlot == "" {
		if late == nil && rng.Float64() < notP {
			gen.sayNotValue(rng, b, startWord, in, values, st)
		}
		return []Frame{fr}, !violate || did
	}
	// The other commands share every other slot's words.
	frs := []Frame{fr}
	shared := append([]span(nil), b.spans[first:]...)
	for k := range more {
		for _, sp := range shared {
			if sp.frame == f && sp.slot != listSlot {
				sp.frame = f + 1 + k
				b.spans = append(b.spans, sp)
			}
		}
		frs = append(frs, Frame{Intent: in.Name, Slots: map[string]SlotFill{}})
	}
	return frs, !violate || did
}

// sayNotValue adds ", not <another value>" (or puts "not <another value>," before
// the command, which starts at word start) for one of the command's said enum or
// dynamic slots ("go left, not right", "use flamethrower, not ember"): a value the
// player rules out, which must not end up in any command.
func (gen *Generator) sayNotValue(rng *rand.Rand, b *builder, start int, in *grammar.Intent, values map[string]pick, st *grammar.State) {
	var slots []string
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if k := in.Slot(name).Type.Kind; (k == grammar.Enum || k == grammar.Dynamic) && values[name].fill.Kind == Said {
			slots = append(slots, name)
		}
	}
	if len(slots) == 0 {
		return
	}
	name := slots[rng.IntN(len(slots))]
	t := in.Slot(name).Type
	for try := 0; try < 4; try++ {
		other := gen.randomValue(rng, t, st)
		if other.fill.Kind != Said || other.fill.Value.Str == values[name].fill.Value.Str {
			continue
		}
		not := []string{"not"}
		if t.Kind == grammar.Dynamic && rng.Float64() < 0.3 {
			not = append(not, "the")
		}
		not = append(not, other.surface...)
		if rng.Float64() < 0.5 { // "..., not the Stonejaw"
			b.add([]string{",", "."}[rng.IntN(2)])
			b.add(not...)
			return
		}
		// "no, not ember, flamethrower the Gloomcap": the ruled-out value first
		if lead := []string{"", "no,", "no"}[rng.IntN(3)]; lead != "" {
			not = append([]string{lead}, not...)
		}
		not[len(not)-1] += ","
		b.insert(start, not...)
		return
	}
}

// listValues picks the slot of a list and its n further values: the first slot the
// expansion says, if it is dynamic, said validly, not bound by a relation and not
// a group phrase; "" if there is none.
func (gen *Generator) listValues(rng *rand.Rand, in *grammar.Intent, seq []grammar.Node, values map[string]pick, st *grammar.State, n int) (string, []pick) {
	for _, node := range seq {
		ref, ok := node.(grammar.SlotRef)
		if !ok {
			continue
		}
		s := in.Slot(ref.Name)
		v := values[ref.Name]
		if s.Type.Kind != grammar.Dynamic || v.fill.Kind != Said {
			return "", nil
		}
		for _, r := range in.Requires {
			if r.A == ref.Name || r.B == ref.Name {
				return "", nil
			}
		}
		var others []string
		for _, w := range st.Values[s.Type.Name] {
			if !strings.EqualFold(w, v.fill.Value.Str) {
				others = append(others, w)
			}
		}
		rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		if len(others) == 0 {
			return "", nil
		}
		var out []pick
		for _, w := range others[:min(n, len(others))] {
			out = append(out, gen.sayValue(rng, s.Type, w))
		}
		return ref.Name, out
	}
	return "", nil
}

// frontLast says the last dynamic slot first, as players name a target before the
// order: "{actor} [,] {move} on the {target}" becomes "the {target}, {actor}, {move}
// on it" (or "... {move}" without the pronoun).
func frontLast(rng *rand.Rand, in *grammar.Intent, seq []grammar.Node) []grammar.Node {
	j := -1
	for i := len(seq) - 1; i > 0; i-- {
		if ref, ok := seq[i].(grammar.SlotRef); ok {
			if in.Slot(ref.Name).Type.Kind == grammar.Dynamic {
				j = i
			}
			break
		}
	}
	if j < 0 {
		return seq
	}
	others := 0 // something must stay behind: "send in it" alone is no command
	for _, n := range seq[:j] {
		if _, ok := n.(grammar.SlotRef); ok {
			others++
		}
	}
	if others == 0 {
		return seq
	}
	front := []grammar.Node{}
	if rng.Float64() < 0.5 {
		front = append(front, grammar.Word{Text: "the"})
	}
	front = append(front, seq[j], grammar.Word{Text: ","})
	rest := append([]grammar.Node{}, seq[:j]...)
	if rng.Float64() < 0.5 {
		rest = append(rest, grammar.Word{Text: "it"})
	} else {
		for len(rest) > 0 {
			w, ok := rest[len(rest)-1].(grammar.Word)
			if !ok || !leadIn[w.Text] {
				break
			}
			rest = rest[:len(rest)-1]
		}
	}
	rest = append(rest, seq[j+1:]...)
	return append(front, rest...)
}

// hasText reports whether the intent has a free-text slot (a name): such commands
// are about one entity, never a group or a list.
func hasText(in *grammar.Intent) bool {
	for _, s := range in.Slots {
		if s.Type.Kind == grammar.FreeText {
			return true
		}
	}
	return false
}

// listJoin is the word between the values of a list.
func (gen *Generator) listJoin(rng *rand.Rand) string {
	if rng.Float64() < 0.8 {
		return "and"
	}
	return ","
}

// expand picks one expansion of a pattern node.
func expand(rng *rand.Rand, n grammar.Node, out *[]grammar.Node) {
	switch n := n.(type) {
	case grammar.Word, grammar.SlotRef:
		*out = append(*out, n)
	case grammar.Seq:
		for _, c := range n {
			expand(rng, c, out)
		}
	case grammar.Alt:
		expand(rng, n[rng.IntN(len(n))], out)
	case grammar.Opt:
		if rng.Float64() < 0.5 {
			expand(rng, n.Body, out)
		}
	}
}

type pick struct {
	fill    SlotFill
	surface []string
}

func (gen *Generator) pickValues(rng *rand.Rand, in *grammar.Intent, mentioned map[string]bool, st *grammar.State) map[string]pick {
	out := map[string]pick{}
	// Pick relation-bound slots together so the relation holds.
	for _, r := range in.Requires {
		if !mentioned[r.B] {
			continue
		}
		pairs := st.Relations[r.Relation.Name]
		if len(pairs) == 0 {
			continue
		}
		pair := pairs[rng.IntN(len(pairs))]
		out[r.B] = gen.sayValue(rng, in.Slot(r.B).Type, pair[1])
		if mentioned[r.A] {
			out[r.A] = gen.sayValue(rng, in.Slot(r.A).Type, pair[0])
		}
	}
	for _, name := range sortedSet(mentioned) {
		if _, done := out[name]; done {
			continue
		}
		s := in.Slot(name)
		out[name] = gen.randomValue(rng, s.Type, st)
	}
	return out
}

func (gen *Generator) randomValue(rng *rand.Rand, t *grammar.Type, st *grammar.State) pick {
	switch t.Kind {
	case grammar.Enum:
		ev := t.Values[rng.IntN(len(t.Values))]
		words := ev.Name
		if len(ev.Synonyms) > 0 && rng.Float64() < 0.5 {
			words = ev.Synonyms[rng.IntN(len(ev.Synonyms))]
		}
		return pick{fill: SlotFill{Value: grammar.Str(ev.Name)}, surface: strings.Fields(words)}
	case grammar.Dynamic:
		vals := st.Values[t.Name]
		if len(vals) == 0 {
			return gen.unknownName(rng, t, st)
		}
		if len(t.Group) > 0 && rng.Float64() < 0.12 { // "everyone", "all units"
			phrase := t.Group[rng.IntN(len(t.Group))]
			return pick{fill: SlotFill{Kind: Group, Value: grammar.Str(phrase)}, surface: strings.Fields(phrase)}
		}
		return gen.sayValue(rng, t, vals[rng.IntN(len(vals))])
	case grammar.Range:
		n := t.Min + rng.IntN(t.Max-t.Min+1)
		return pick{fill: SlotFill{Value: grammar.Num(n)}, surface: []string{sayNumber(rng, n)}}
	case grammar.FreeText:
		name := gen.freeName(rng, st)
		if rng.Float64() < 0.5 {
			name = strings.ToLower(name)
		}
		return pick{fill: SlotFill{Value: grammar.Str(name)}, surface: strings.Fields(name)}
	}
	return pick{}
}

// sayValue speaks a dynamic value, sometimes with recognition errors.
func (gen *Generator) sayValue(rng *rand.Rand, t *grammar.Type, v string) pick {
	words := strings.Fields(v)
	if rng.Float64() < 0.25*gen.opts.Noise {
		words = misrecognize(rng, words)
	}
	return pick{fill: SlotFill{Value: grammar.Str(v)}, surface: words}
}

// unknownName makes a name the state does not hold. A third of the time it is one
// of the game's own names missing from this state: after a rename, players keep
// using the old name, and that must be rejected, not guessed.
func (gen *Generator) unknownName(rng *rand.Rand, t *grammar.Type, st *grammar.State) pick {
	name := randomName(rng, 1)
	if base := gen.opts.BaseState; base != nil && rng.Float64() < 0.33 {
		if vals := base.Values[t.Name]; len(vals) > 0 {
			if v := vals[rng.IntN(len(vals))]; !st.Has(t.Name, v) {
				name = v
			}
		}
	}
	return pick{fill: SlotFill{Kind: Unknown, Value: grammar.Str(name)}, surface: strings.Fields(name)}
}

// violate changes one picked value so that the command breaks a rule of the grammar
// or the state. It reports whether it found a violation to make.
func (gen *Generator) violate(rng *rand.Rand, in *grammar.Intent, mentioned map[string]bool, values map[string]pick, st *grammar.State) bool {
	var options []func() bool
	for _, name := range sortedSet(mentioned) {
		s := in.Slot(name)
		switch s.Type.Kind {
		case grammar.Dynamic:
			unknown := func() bool { // a name nobody has
				values[name] = gen.unknownName(rng, s.Type, st)
				return true
			}
			options = append(options, unknown, unknown) // the most common mistake after a rename
			for _, other := range st.Types() {          // a value of another type
				if other == s.Type.Name || len(st.Values[other]) == 0 || !gen.sameRoleTypes(s.Name, s.Type.Name, other) {
					continue
				}
				options = append(options, func() bool {
					vals := st.Values[other]
					values[name] = gen.sayValue(rng, s.Type, vals[rng.IntN(len(vals))])
					return true
				})
			}
		case grammar.Enum:
			options = append(options, func() bool { // "go east": a word that is no value
				w := unknownWords[rng.IntN(len(unknownWords))]
				if rng.Float64() < 0.5 {
					w = randomWord(rng)
				}
				for _, ev := range s.Type.Values {
					if strings.EqualFold(ev.Name, w) || slices.ContainsFunc(ev.Synonyms, func(x string) bool { return strings.EqualFold(x, w) }) {
						return false
					}
				}
				values[name] = pick{fill: SlotFill{Kind: Unknown, Value: grammar.Str(w)}, surface: []string{w}}
				return true
			})
		case grammar.Range:
			options = append(options, func() bool {
				n := s.Type.Max + 1 + rng.IntN(5)
				say := ""
				switch r := rng.Float64(); {
				case r < 0.3 && s.Type.Min > 0:
					n = 0
				case r < 0.45: // far out, typed or misheard as digits: "100 steps", "99999999999999 steps"
					n = s.Type.Max + 1 + int(math.Pow(10, 1+12*rng.Float64()))
					say = strconv.Itoa(n)
				}
				if say == "" {
					say = sayNumber(rng, n)
				}
				values[name] = pick{fill: SlotFill{Value: grammar.Num(n)}, surface: []string{say}}
				return true
			})
		}
	}
	for _, r := range in.Requires {
		if !mentioned[r.A] || !mentioned[r.B] {
			continue
		}
		options = append(options, func() bool { // an unrelated pair
			a := in.Slot(r.A).Type
			b := in.Slot(r.B).Type
			for try := 0; try < 20; try++ {
				av := st.Values[a.Name]
				bv := st.Values[b.Name]
				if len(av) == 0 || len(bv) == 0 {
					return false
				}
				x, y := av[rng.IntN(len(av))], bv[rng.IntN(len(bv))]
				if !st.Related(r.Relation.Name, x, y) {
					values[r.A] = gen.sayValue(rng, a, x)
					values[r.B] = gen.sayValue(rng, b, y)
					return true
				}
			}
			return false
		})
		// weight relation violations: they are the most common mistake
		options = append(options, options[len(options)-1])
	}
	if len(options) == 0 {
		return false
	}
	return options[rng.IntN(len(options))]()
}

// sameRoleTypes reports whether a slot with this name takes type other in some
// intent (a party member said where an enemy belongs is a realistic mistake; an
// item said as an actor is not worth training on).
func (gen *Generator) sameRoleTypes(slot, typ, other string) bool {
	for _, in := range gen.g.Intents {
		if s := in.Slot(slot); s != nil && s.Type.Name == other {
			return true
		}
	}
	return false
}

func (gen *Generator) join(rng *rand.Rand, b *builder) {
	if rng.Float64() < 0.3 {
		b.add(",")
	}
	if len(gen.g.Joins) == 0 || rng.Float64() < 0.25 { // a sentence break alone
		b.add([]string{".", "!", ","}[rng.IntN(3)])
		return
	}
	b.add(strings.Fields(gen.g.Joins[rng.IntN(len(gen.g.Joins))])...)
	gen.maybeFiller(rng, b, 0.1)
}

func (gen *Generator) maybeFiller(rng *rand.Rand, b *builder, p float64) {
	if len(gen.g.Fillers) == 0 || rng.Float64() >= p*gen.opts.Noise {
		return
	}
	b.add(strings.Fields(gen.g.Fillers[rng.IntN(len(gen.g.Fillers))])...)
	if rng.Float64() < 0.4 {
		b.add(",")
	}
}

// render joins the words with a random transcriber style (casing, punctuation)
// and returns the text and each frame's slot fills with byte spans.
func (gen *Generator) render(rng *rand.Rand, b *builder) (string, []map[string]SlotFill) {
	style := rng.IntN(4) // 0 lower, 1 sentence case, 2 names capitalised, 3 as generated
	stripPunct := rng.Float64() < 0.35
	words := make([]string, len(b.words))
	for i, w := range b.words {
		if stripPunct {
			w = strings.TrimRight(w, ",.!?")
		}
		switch style {
		case 0:
			w = strings.ToLower(w)
		case 1:
			w = strings.ToLower(w)
			if i == 0 {
				w = capitalize(w)
			}
		case 2:
			if i == 0 {
				w = capitalize(w)
			}
		}
		words[i] = w
	}
	offs := make([]int, len(words)+1)
	var sb strings.Builder
	for i, w := range words {
		if i > 0 {
			sb.WriteByte(' ')
		}
		offs[i] = sb.Len()
		sb.WriteString(w)
	}
	offs[len(words)] = sb.Len()
	fills := []map[string]SlotFill{}
	for _, sp := range b.spans {
		for len(fills) <= sp.frame {
			fills = append(fills, map[string]SlotFill{})
		}
		f := sp.fill
		if sp.from < sp.to {
			f.Start = offs[sp.from]
			f.End = offs[sp.to-1] + len(strings.TrimRight(words[sp.to-1], ",.!?"))
		}
		if sp.verbatim { // a spoken name keeps the casing it was rendered with
			f.Value = grammar.Str(sb.String()[f.Start:f.End])
		}
		fills[sp.frame][sp.slot] = f
	}
	return sb.String(), fills
}

func capitalize(w string) string {
	if w == "" {
		return w
	}
	r := []rune(w)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

var numberWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}

func sayNumber(rng *rand.Rand, n int) string {
	r := rng.Float64()
	switch {
	case n == 2 && r < 0.15:
		return []string{"to", "too"}[rng.IntN(2)]
	case n == 4 && r < 0.1:
		return "for"
	case n >= 0 && n < len(numberWords) && r < 0.6:
		return numberWords[n]
	}
	return strconv.Itoa(n)
}

// misrecognize applies a transcriber-like error to a spoken value: split or join
// compound words, a dropped or doubled letter, a vowel swap, a sound-alike ending.
func misrecognize(rng *rand.Rand, words []string) []string {
	out := append([]string(nil), words...)
	i := rng.IntN(len(out))
	w := out[i]
	switch rng.IntN(5) {
	case 0: // split a long word ("thunderbolt" -> "thunder bolt")
		if len(w) >= 7 {
			k := 3 + rng.IntN(len(w)-5)
			out = append(out[:i], append([]string{w[:k], w[k:]}, out[i+1:]...)...)
			return out
		}
		fallthrough
	case 1: // join two words ("quick attack" -> "quickattack")
		if len(out) > 1 && i+1 < len(out) {
			out = append(out[:i], append([]string{w + strings.ToLower(out[i+1])}, out[i+2:]...)...)
			return out
		}
		fallthrough
	case 2: // sound-alike ending ("Sparky" -> "Sparkey", "Rattler" -> "rattle her")
		switch {
		case strings.HasSuffix(w, "y"):
			out[i] = w[:len(w)-1] + []string{"ey", "ie", "i"}[rng.IntN(3)]
		case strings.HasSuffix(w, "er"):
			out = append(out[:i], append([]string{w[:len(w)-2], "her"}, out[i+1:]...)...)
		default:
			out[i] = w + "s"
		}
		return out
	case 3: // a dropped or doubled letter
		if len(w) > 4 {
			k := 1 + rng.IntN(len(w)-2)
			if rng.Float64() < 0.5 {
				out[i] = w[:k] + w[k+1:]
			} else {
				out[i] = w[:k] + w[k:k+1] + w[k:]
			}
		}
		return out
	default: // a vowel swap
		vowels := "aeiou"
		b := []byte(w)
		var idx []int
		for j, c := range b {
			if j > 0 && strings.IndexByte(vowels, c) >= 0 {
				idx = append(idx, j)
			}
		}
		if len(idx) > 0 {
			j := idx[rng.IntN(len(idx))]
			b[j] = vowels[rng.IntN(len(vowels))]
			out[i] = string(b)
		}
		return out
	}
}

// sortedSet returns the keys of a set in order: map iteration order must never
// reach the random number stream, or training would not be reproducible.
func sortedSet(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ExpandGroup turns a command whose slot group was filled by a group phrase into
// one command per value of the slot's type, in the state's order, keeping those
// valid for the grammar and the state (the filler does the same at run time).
// Without any valid one it returns the first value's error, saying it was a group.
func ExpandGroup(g *grammar.Grammar, intent string, slots map[string]grammar.Value, group string, st *grammar.State) ([]grammar.Command, error) {
	in := g.Intent(intent)
	typ := in.Slot(group).Type
	var out []grammar.Command
	var first error
	for _, v := range st.Values[typ.Name] {
		s := make(map[string]grammar.Value, len(slots))
		for k, x := range slots {
			s[k] = x
		}
		s[group] = grammar.Str(v)
		c := grammar.Command{Intent: intent, Slots: g.Resolve(intent, s, st)}
		if err := g.Check(c, st); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		if first == nil {
			return nil, fmt.Errorf("there is no %s", typ.Name)
		}
		return nil, fmt.Errorf("no %s can do that (%v)", typ.Name, first)
	}
	return out, nil
}
