package understand

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/gen"
	"github.com/voicecmd/voicecmd/internal/model"
)

var errEmpty = errors.New("empty transcript")

// Transcriber artefacts: whisper prints these for silence, music or noise.
var (
	bracketed     = regexp.MustCompile(`\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|♪[^♪]*♪?`)
	hallucination = map[string]bool{
		"thank you for watching": true, "thanks for watching": true, "thank you": true, "thanks": true,
		"please subscribe": true, "subscribe": true, "you": true, "bye": true, "thank you so much for watching": true,
		"thank you very much": true, "subtitles by the amaraorg community": true, "like and subscribe": true,
	}
)

// MaxTextBytes bounds an utterance's text: a command of 32 words fits in a tenth of
// it even with every filler word spelled out.
const MaxTextBytes = 4096

// precheck handles what needs no model: empty text and transcriber artefacts.
// It returns the text to fill (artefacts removed) or a rejection.
func precheck(text string) (string, *grammar.Result) {
	if len(text) > MaxTextBytes { // before any copy: a 10 MB "utterance" costs nothing
		r := grammar.Reject(validUTF8(text[:64])+"...", "too long: %d bytes, at most %d", len(text), MaxTextBytes)
		return "", &r
	}
	text = validUTF8(text)
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		r := grammar.Reject(text, "empty transcript")
		return "", &r
	}
	clean := strings.TrimSpace(bracketed.ReplaceAllString(trimmed, " "))
	if clean == "" {
		r := grammar.Reject(text, "transcriber artefact %s, not speech", trimmed)
		return "", &r
	}
	words := strings.Join(strings.Fields(strings.ToLower(strings.Map(func(r rune) rune {
		if strings.ContainsRune(".,!?;:\"", r) {
			return -1
		}
		return r
	}, clean))), " ")
	if hallucination[words] {
		r := grammar.Reject(text, "transcriber artefact %q, not a command", clean)
		return "", &r
	}
	if clean != trimmed {
		// keep offsets valid for spans: blank the artefacts instead of cutting them
		return bracketed.ReplaceAllStringFunc(text, func(s string) string { return strings.Repeat(" ", len(s)) }), nil
	}
	return text, nil
}

// rejectProb: a forbidden value the model is at least this sure was said turns the
// utterance into a rejection that names it, instead of a silently different command.
const rejectProb = 0.5

// decode turns a finished fill into commands, or a rejection with a reason.
func (l *layout) decode(f *featurized, s *model.Sampled) grammar.Result {
	r := l.decodeFrames(f, s)
	if r.Rejected && !strings.Contains(r.Reason, "stops at") {
		// a transcript cut off before a slot is rejected for that, whatever else
		// the model made of it ("Sparky, thunderbolt the": "the" is no target)
		if reason := l.cutOff(f, l.usedTokens(f, s), nil); reason != "" {
			r.Reason = reason
		}
	}
	return r
}

// decodeFrames reads the commands out of the fill's frames, or a rejection.
func (l *layout) decodeFrames(f *featurized, s *model.Sampled) grammar.Result {
	S := l.cfg.Roles
	res := grammar.Result{Text: f.text, Commands: []grammar.Command{}}
	prevIntent, prevSaid := "", map[string]grammar.Value(nil) // the last command said (grammar.CarryAddressee)
	var names []namedSpan                                     // the free-text spans read, for commandsInNames
	var usedToks []bool                                       // l.usedTokens(f, s), computed once when needed
	usedOnce := func() []bool {
		if usedToks == nil {
			usedToks = l.usedTokens(f, s)
		}
		return usedToks
	}
	for fr := 0; fr < l.cfg.Frames; fr++ {
		p0 := fr * S
		ic := s.Chosen[p0]
		if ic < 0 || f.cands[ic].kind != cIntent {
			continue
		}
		in := l.g.Intents[f.cands[ic].intent]
		cmd := grammar.Command{Intent: in.Name, Slots: map[string]grammar.Value{}, SlotConfidence: map[string]float64{}}
		conf := float64(s.Conf[p0])
		var spanStart = -1
		startConf := 0.0 // the model's confidence in spanStart
		groupSlot := ""
		for r := 1; r < len(l.roles); r++ {
			p := p0 + r
			ch, free := s.Chosen[p], s.Free[p]
			if ch < 0 || (free >= 0 && free != ch && s.FreeProb[p] >= rejectProb) || s.Conf[p] == 0 {
				if reason := l.explain(f, s, in, fr, r, free); reason != "" {
					// unsure it was a command at all; or one lone word that is no value ("hi").
					// But a word that is no value, said to a monster by name right before a
					// command's word ("Sparky go sideways"), is named even when unsure.
					// A number the range cannot hold is named however unsure the reading,
					// as below.
					unsure := s.Conf[p0] < rejectProb && !(strings.HasPrefix(reason, "unknown ") && l.addressed(f)) && !l.badNumber(f, in, r, free)
					if unsure || !l.frameSaid(f, s, p0) || (len(f.toks) == 1 && free >= 0 && f.cands[free].kind == cToken) {
						return grammar.Reject(f.text, "not a command: %q", strings.TrimSpace(f.text))
					}
					return grammar.Reject(f.text, "%s", reason)
				}
			}
			if ch < 0 {
				continue
			}
			c := f.cands[ch]
			ro := l.roles[r]
			if in.Slot(ro.slot) == nil || c.kind == cAbsent {
				continue // the constraints keep these absent; never trust a stray value
			}
			pc := float64(s.Conf[p])
			if ro.part == partEnd && c.kind == cToken && spanStart >= 0 && spanStart <= c.tok && l.runsToEnd(f, usedOnce(), spanStart, c.tok) {
				// the name runs on to the end of the utterance (nameEnd) wherever
				// the model ended it: how sure it was of the end does not matter,
				// how sure it was of the start does ("rename Bubbles to Stay Put":
				// "Stay" or "Put" as the end gives the same name)
				pc = startConf
			}
			conf = min(conf, pc)
			switch c.kind {
			case cEnum:
				cmd.Slots[ro.slot] = grammar.Str(l.enums[l.longestEnum(f, ch)].name)
			case cDyn:
				cmd.Slots[ro.slot] = grammar.Str(c.value)
			case cGroup:
				groupSlot = ro.slot // expanded below into one command per value
			case cToken:
				switch ro.part {
				case partStart:
					spanStart, startConf = c.tok, float64(s.Conf[p])
					continue
				case partEnd:
					if spanStart < 0 || c.tok < spanStart {
						continue
					}
					if spanStart < c.tok && objectPronoun[f.toks[spanStart].norm] {
						spanStart++ // "call him Noodle": him is the monster, Noodle the name
					}
					end := l.nameEnd(f, usedOnce(), c.tok)
					names = append(names, namedSpan{len(res.Commands), spanStart, end})
					cmd.Slots[ro.slot] = grammar.Str(strings.Trim(f.text[f.toks[spanStart].start:f.toks[end].end], " ,.!?;:\"'"))
				default:
					said := f.text[f.toks[c.tok].start:f.toks[c.tok].end]
					typ := in.Slot(ro.slot).Type
					num := f.toks[c.tok].num
					switch {
					case typ.Kind == grammar.Range && f.toks[c.tok].fraction:
						return grammar.Reject(f.text, "%s %s is not a whole number", ro.slot, said)
					case typ.Kind == grammar.Range && num >= 0 && (num < typ.Min || num > typ.Max):
						// a number the range cannot hold, named as said however unsure the
						// reading (it is a rejection either way)
						return grammar.Reject(f.text, "%s %s is out of range %d..%d", ro.slot, said, typ.Min, typ.Max)
					case typ.Kind == grammar.Dynamic && knownAt(f, c.tok, typ.Name) != "":
						// a value said twice ("thunder wave the Stonejaw then flamethrower the
						// Stonejaw"): the model may point at the second mention's words
						// instead of the value, which stands for the first
						cmd.Slots[ro.slot] = grammar.Str(knownAt(f, c.tok, typ.Name))
						cmd.SlotConfidence[ro.slot] = float64(s.Conf[p])
						continue
					case (s.Conf[p0] < rejectProb && !(typ.Kind != grammar.Range && l.addressed(f))) || !l.frameSaid(f, s, p0) || len(f.toks) == 1:
						// unsure it was a command at all (unless said to a monster by name:
						// "Sparky go sideways"); or one lone word that is no value ("hi"),
						// which says nothing of a command
						return grammar.Reject(f.text, "not a command: %q", strings.TrimSpace(f.text))
					case typ.Kind != grammar.Range: // a word where a name or an enum value belongs
						if end := valueAfter(f, c.tok+1, typ.Name); end > 0 {
							said = f.text[f.toks[c.tok].start:f.toks[end-1].end] // "max potion": the word and the value it modifies
						}
						return grammar.Reject(f.text, "unknown %s %q", typ.Name, said)
					case num < 0:
						return grammar.Reject(f.text, "%s: %q is not a number", ro.slot, said)
					}
					cmd.Slots[ro.slot] = grammar.Num(num)
				}
			}
			cmd.SlotConfidence[ro.slot] = float64(s.Conf[p])
		}
		if groupSlot != "" {
			prevIntent, prevSaid = "", nil
			cmds, err := l.expandGroup(f, in, cmd.Slots, groupSlot)
			if err != nil {
				return grammar.Reject(f.text, "%v", err)
			}
			if n := len(res.Commands); n >= len(cmds) && slices.EqualFunc(res.Commands[n-len(cmds):], cmds, subsumes) {
				continue // the group said twice ("okay team, everyone fall back"): once
			}
			for _, c := range cmds {
				c.Confidence, c.SlotConfidence = roundConf(conf), cmd.SlotConfidence
				res.Commands = append(res.Commands, c)
			}
			continue
		}
		said := l.g.CarryAddressee(in.Name, cmd.Slots, prevIntent, prevSaid, f.st) // said, or addressed before
		cmd.Slots = l.g.Resolve(in.Name, said, f.st)
		prevIntent, prevSaid = in.Name, said
		cmd.Confidence = roundConf(conf)
		if err := l.g.Check(cmd, f.st); err != nil {
			return grammar.Reject(f.text, "%v", err)
		}
		res.Commands = append(res.Commands, cmd)
	}
	res.Commands = l.dropCommandsInNames(f, res.Commands, names)
	if len(res.Commands) == 0 {
		return grammar.Reject(f.text, "not a command: %q", strings.TrimSpace(f.text))
	}
	used := usedOnce()
	if reason := l.unknownAddressee(f, used, res.Commands[0]); reason != "" {
		return grammar.Reject(f.text, "%s", reason)
	}
	if reason := l.modifiedValue(f, s, used); reason != "" {
		return grammar.Reject(f.text, "%s", reason)
	}
	if cancelled(f.toks) {
		return grammar.Reject(f.text, "taken back: nothing to do")
	}
	if reason := l.cutOff(f, used, res.Commands); reason != "" {
		return grammar.Reject(f.text, "%s", reason)
	}
	if res.Commands = l.dropNegatedOwn(f, used, res.Commands); len(res.Commands) == 0 {
		return grammar.Reject(f.text, "not a command: %q", strings.TrimSpace(f.text))
	}
	res.Commands = dropRepeats(res.Commands)
	if f.clause && !l.explained(f) {
		return grammar.Reject(f.text, "not a command: %q", strings.TrimSpace(f.text))
	}
	if v := l.unusedName(f, s); v != "" {
		if len(res.Commands) == l.cfg.Frames {
			return grammar.Reject(f.text, "at most %d commands per utterance; %s was said in one more: say the rest again", l.cfg.Frames, v)
		}
		return grammar.Reject(f.text, "%s was said but is not part of any command I understood", v)
	}
	return res
}

// expandGroup makes one command per value of a group said in slot group: every
// value of the type that can do it ("everyone dodge"), or every value of a list
// said as the group (lists.go), each of which must be able to.
func (l *layout) expandGroup(f *featurized, in *grammar.Intent, slots map[string]grammar.Value, group string) ([]grammar.Command, error) {
	typ := in.Slot(group).Type.Name
	if f.listed == nil || f.listed.typ != typ {
		return gen.ExpandGroup(l.g, in.Name, slots, group, f.st)
	}
	st := f.st.Clone()
	st.Values[typ] = f.listed.values
	cmds, err := gen.ExpandGroup(l.g, in.Name, slots, group, st)
	if err == nil && len(cmds) < len(f.listed.values) {
		for _, v := range f.listed.values {
			one := maps.Clone(slots)
			one[group] = grammar.Str(v)
			if err := l.g.Check(grammar.Command{Intent: in.Name, Slots: l.g.Resolve(in.Name, one, f.st)}, f.st); err != nil {
				return nil, err
			}
		}
	}
	return cmds, err
}

// nameEnd returns where a free-text span that the model ended at token end really
// ends: names of several words that hold game words or ordinals ("Come Back Kid",
// "Lord Fernsworth the Third") are often cut short by the model. The span runs on
// over the words after it when those go on, unbroken by punctuation, to the end of
// the utterance and no command took any of them (fillers and join words stop it:
// "call him Bolt now", "... Bolt and dodge").
func (l *layout) nameEnd(f *featurized, used []bool, end int) int {
	if end+1 < len(f.toks) && l.runsToEnd(f, used, end, end) {
		return len(f.toks) - 1
	}
	return end
}

// runsToEnd reports whether a free-text span from token from would run on to the
// end of the utterance from any end the model could choose: every word after from
// is unbroken by punctuation, no filler or join word, and taken by no command
// except as part of the span itself (up to end).
func (l *layout) runsToEnd(f *featurized, used []bool, from, end int) bool {
	for t := from + 1; t < len(f.toks); t++ {
		w := f.toks[t].norm
		if f.toks[t-1].punctAfter || (used[t] && t > end) || l.fillers[w] || l.joins[w] {
			return false
		}
	}
	return true
}

// explained reports whether every word of a clause is one the grammar knows: a
// word of its patterns, a filler or join word, a value (or near one), a number, an
// article or preposition, or a discourse word. A clause cut from a longer
// utterance is read alone, without the words around it, so an unknown word in it
// ("Comet" heard as "come back") must make it no command.
func (l *layout) explained(f *featurized) bool {
	for t := range f.toks {
		if !l.knownWord(f, t) {
			return false
		}
	}
	return true
}

// knownWord reports whether token t is a word the grammar knows (explained).
func (l *layout) knownWord(f *featurized, t int) bool {
	tk := f.toks[t]
	w := tk.norm
	if l.keywords[w] || l.fillers[w] || l.joins[w] || discourse[w] || determiner[w] || leadInWords[w] || tk.num >= 0 || nearValue(f, t) {
		return true
	}
	for _, c := range f.cands { // a value said twice: the first time too ("a potion, ... a super potion")
		for _, m := range c.again {
			if m.from <= t && t < m.to && m.score >= poolThreshold {
				return true
			}
		}
	}
	return false
}

// namedSpan is a free-text value read: tokens [from, to] of command cmd.
type namedSpan struct{ cmd, from, to int }

// dropCommandsInNames drops the commands read from inside a name the player gave
// ("Leafy shall be called Come Back Kid" is no retreat): a command is dropped when
// nothing outside the name says it: none of its values is said except those of the
// command that names (Leafy), and none of its intent's own words is said outside
// the name. The naming command itself needs one of its own words outside the name
// ("call", "rename", "called"): "Sparky is so cute" gives no name.
func (l *layout) dropCommandsInNames(f *featurized, cmds []grammar.Command, names []namedSpan) []grammar.Command {
	if len(names) == 0 {
		return cmds
	}
	inName := make([]bool, len(f.toks))
	for _, n := range names {
		for t := n.from; t <= n.to && t < len(inName); t++ {
			inName[t] = true
		}
	}
	out := cmds[:0:0]
	for i, c := range cmds {
		naming := false
		for _, n := range names {
			naming = naming || n.cmd == i
		}
		said := false
		for k := range c.SlotConfidence {
			if naming {
				break // a name is given by words that say so, not by the monster named ("Sparky is so cute")
			}
			shared := false
			for _, n := range names {
				if n.cmd < len(cmds) && n.cmd != i {
					for _, v := range cmds[n.cmd].Slots {
						shared = shared || v == c.Slots[k]
					}
				}
			}
			said = said || !shared
		}
		for t, tk := range f.toks {
			said = said || (!inName[t] && l.intentWords[c.Intent][tk.norm])
		}
		if said {
			out = append(out, c)
		}
	}
	return out
}

// dropRepeats merges a command that repeats the one before it: two frames
// that read the same words ("Leafy go for vine whip on the Rattler" read twice) are
// one command said once, and a game acting twice on it would do what nobody said.
// (Saying a command twice in a row, "dodge, dodge", then dodges once.)
//
// The same holds for a command that is the one before it minus some slots ("The
// Rattler, Sparky, thunderbolt it!" read once with the target, once without): the
// fuller reading stays.
func dropRepeats(cmds []grammar.Command) []grammar.Command {
	out := cmds[:1]
	for _, c := range cmds[1:] {
		last := &out[len(out)-1]
		switch {
		case subsumes(*last, c):
		case subsumes(c, *last):
			*last = c
		default:
			out = append(out, c)
		}
	}
	return out
}

// subsumes reports whether command a has b's intent and every slot of b, equal.
func subsumes(a, b grammar.Command) bool {
	if a.Intent != b.Intent || len(a.Slots) < len(b.Slots) {
		return false
	}
	for k, v := range b.Slots {
		if w, ok := a.Slots[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// unusedName returns a clearly spoken value that no command uses ("Sparky thunderbolt
// Bubbles" must not silently drop Bubbles), or "".
func (l *layout) unusedName(f *featurized, s *model.Sampled) string {
	used := make([]bool, len(f.cands))
	usedTok := make([]bool, len(f.toks))
	l.eachChosen(f, s, func(r int, ch int32, textFrom int) {
		used[ch] = true
		if textFrom >= 0 {
			for t := textFrom; t <= f.cands[ch].tok && t < len(usedTok); t++ {
				usedTok[t] = true // free text may contain names
			}
		}
	})
	for ci, c := range f.cands {
		if (c.kind != cDyn && c.kind != cEnum) || used[ci] || c.match.score < 0.9 || f.ex == nil {
			continue
		}
		if c.kind == cEnum && (anyWordIn(f, c.match, l.keywords) || anyWordIn(f, c.match, l.fillers)) {
			continue // "up" in "patch up", "back" in "come back", "ahead" in "go ahead and"
		}
		if f.ex.CandFeat[ci*l.cfg.CandFeat+fcShadowed] > 0 {
			continue
		}
		inText := false
		for t := c.match.from; t < c.match.to; t++ {
			inText = inText || usedTok[t]
		}
		if !inText && !ruledOut(f.toks, c.match.from, c.match.to) && !l.replaced(f, s, c) {
			if c.kind == cEnum {
				return strconv.Quote(strings.TrimSpace(f.text[f.toks[c.match.from].start:f.toks[c.match.to-1].end]))
			}
			return c.value
		}
	}
	return ""
}

// anyWordIn reports whether any word of m is in words (the grammar's pattern
// words, its filler words).
func anyWordIn(f *featurized, m spanMatch, words map[string]bool) bool {
	for t := m.from; t < m.to; t++ {
		if words[f.toks[t].norm] {
			return true
		}
	}
	return false
}

// takeBack are the words with which a player replaces what they just said ("give
// Bubbles a potion, no, Leafy"; "scratch that"; "I mean"; "actually").
var takeBack = map[string]bool{"no": true, "nope": true, "actually": true, "scratch": true,
	"wait": true, "sorry": true, "mean": true, "rather": true, "correction": true, "oops": true}

// replaced reports whether value c was taken back: a take-back word follows it
// and, after that word, a command took another value of the same type ("give
// Bubbles a potion, no, Leafy": Leafy replaces Bubbles; "thunderbolt the
// Rattler, actually, the Stonejaw").
func (l *layout) replaced(f *featurized, s *model.Sampled, c cand) bool {
	marker := -1
	for t := c.match.to; t < len(f.toks); t++ {
		if takeBack[f.toks[t].norm] {
			marker = t
			break
		}
	}
	if marker < 0 {
		return false
	}
	found := false
	l.eachChosen(f, s, func(_ int, ch int32, _ int) {
		o := f.cands[ch]
		if o.kind != c.kind || (o.kind == cDyn && o.typ != c.typ) || (o.kind == cEnum && l.enums[o.enum].typ != l.enums[c.enum].typ) {
			return
		}
		for _, m := range append([]spanMatch{o.match}, o.again...) {
			found = found || m.from > marker
		}
	})
	return found
}

// ruledOut reports whether the name at tokens [from, to) is one the player
// excluded: a negation before it in the same clause ("don't use ember, use
// flamethrower", "not the Rattler, the Stonejaw", "flamethrower instead of
// ember"), or a take-back right after it ("water gun, no, bubble beam", "on
// Bubbles, I mean Cinder"). Such a name is meant to be in no command, so it is no
// sign of a misunderstanding. (Whether a command obeys it is the model's part.)
func ruledOut(toks []token, from, to int) bool {
	for t := from - 1; t >= 0 && t >= from-4; t-- {
		if toks[t].punctAfter { // the negation must be in this clause ("no, ember the Rattler" is no negation)
			return false
		}
		switch w := toks[t].norm; {
		case w == "not" || w == "dont" || w == "never" || w == "no":
			return true
		case w == "of" && t > 0 && toks[t-1].norm == "instead":
			return true
		}
	}
	for t := to; t < len(toks) && t < to+2; t++ {
		switch w := toks[t].norm; {
		case w == "no" || w == "sorry" || w == "actually" || w == "wait":
			return true
		case w == "i" && t+1 < len(toks) && toks[t+1].norm == "mean":
			return true
		}
	}
	return false
}

// frameSaid reports whether any slot of the frame holds something said.
func (l *layout) frameSaid(f *featurized, s *model.Sampled, p0 int) bool {
	for r := 1; r < len(l.roles); r++ {
		if ch := s.Chosen[p0+r]; ch >= 0 && f.cands[ch].kind != cAbsent {
			return true
		}
	}
	return false
}

// unknownAddressee returns a rejection reason when the utterance opens (after
// fillers) with a word no command used and the grammar does not know — no
// pattern word, filler, join, number or near-spelling of a value — right before
// the command, whose first command took a name slot from its default: the player
// addressed someone the game does not have ("Charmander, ember!" must not make
// Cinder use ember). Otherwise "".
func (l *layout) unknownAddressee(f *featurized, used []bool, first grammar.Command) string {
	t := 0
	for t < len(f.toks) && (l.fillers[f.toks[t].norm] || l.joins[f.toks[t].norm]) {
		t++
	}
	if t+1 >= len(f.toks) || l.keywords[f.toks[t].norm] || discourse[f.toks[t].norm] || f.toks[t].num >= 0 || used[t] || nearValue(f, t) {
		return ""
	}
	if !used[t+1] && !l.keywords[f.toks[t+1].norm] {
		return "" // the command does not start right after it
	}
	in := l.g.Intent(first.Intent)
	for _, sl := range in.Slots {
		if _, said := first.SlotConfidence[sl.Name]; !said && sl.Type.Kind == grammar.Dynamic && len(sl.Defaults) > 0 {
			return fmt.Sprintf("unknown %s %q", sl.Type.Name, strings.Trim(f.text[f.toks[t].start:f.toks[t].end], "'"))
		}
	}
	return ""
}

// modifiedValue returns a rejection reason when a name a command took is said
// after a determiner and a word the grammar does not know and no command used
// ("use a max potion": the game has potions, not max potions), or "". The player named
// something the game does not have; taking the shorter name would be a command
// they did not give.
func (l *layout) modifiedValue(f *featurized, s *model.Sampled, used []bool) string {
	reason := ""
	l.eachChosen(f, s, func(r int, ch int32, _ int) {
		c := f.cands[ch]
		if reason != "" || c.kind != cDyn || c.match.from < 1 {
			return
		}
		t := c.match.from - 1
		w := f.toks[t]
		if t < 1 || !determiner[f.toks[t-1].norm] { // only inside a noun phrase: "a max potion", not "toss Leafy"
			return
		}
		// a near-spelling of another value ("stone jaw") is no modifier either
		if w.punctAfter || w.num >= 0 || l.keywords[w.norm] || l.fillers[w.norm] || l.joins[w.norm] || discourse[w.norm] || plain[w.norm] || used[t] || nearValue(f, t) {
			return
		}
		reason = fmt.Sprintf("unknown %s %q", c.typ, strings.Trim(f.text[w.start:f.toks[c.match.to-1].end], "'"))
	})
	return reason
}

// determiner are the words that open a noun phrase ("a max potion").
// preposition are the prepositions of patterns ("on", "to"): no word of a command's own.
var preposition = map[string]bool{"to": true, "on": true, "at": true, "with": true, "for": true,
	"into": true, "onto": true, "in": true, "against": true, "using": true, "of": true, "as": true,
	"by": true, "from": true, "towards": true, "toward": true}

// auxiliary are the verbs that say nothing of which command it is ("is", "will be").
var auxiliary = map[string]bool{"is": true, "are": true, "am": true, "be": true, "was": true,
	"were": true, "will": true, "shall": true, "should": true, "would": true, "can": true,
	"could": true, "do": true, "does": true, "did": true, "has": true, "have": true, "s": true}

var determiner = map[string]bool{"a": true, "an": true, "the": true, "your": true, "my": true,
	"that": true, "this": true, "some": true, "his": true, "her": true, "their": true}

// objectPronoun are the pronouns that stand for the monster being renamed ("call
// him Noodle"), never the first word of the new name.
var objectPronoun = map[string]bool{"him": true, "her": true, "it": true, "them": true}

// longestEnum returns the enum value a player said with the words of candidate
// ch: the same type's value with a name or synonym that spells those words and
// more ("back up" over its "up", which alone is forward), else ch's own.
func (l *layout) longestEnum(f *featurized, ch int32) int {
	c := f.cands[ch]
	best, bestLen := c.enum, c.match.to-c.match.from
	if c.match.from < 0 {
		return best
	}
	for i, ev := range l.enums {
		if i == c.enum || ev.typ != l.enums[c.enum].typ {
			continue
		}
		for k, syn := range ev.synonyms {
			n := ev.words[k]
			for start := max(0, c.match.to-n); n > bestLen && start <= c.match.from && start+n <= len(f.toks); start++ {
				said := ""
				for _, t := range f.toks[start : start+n] {
					said += t.norm
				}
				if said == syn {
					best, bestLen = i, n
				}
			}
		}
	}
	return best
}

// dropNegatedOwn removes a command read from a grammar's own negative phrase when
// the phrase goes on with a value no command took: in "don't move left, move
// right" the demo's "don't move" (hold) is "don't move left", a move ruled out,
// so the hold read from it is dropped and only "move right" stays.
func (l *layout) dropNegatedOwn(f *featurized, used []bool, cmds []grammar.Command) []grammar.Command {
	toks := f.toks
	for i := 0; i+2 < len(toks); i++ {
		neg := toks[i].norm == "dont" || (toks[i].norm == "not" && i > 0 && toks[i-1].norm == "do")
		owners := l.negOwners[toks[i+1].norm]
		if !neg || toks[i].punctAfter || toks[i+1].punctAfter || len(owners) == 0 || used[i+2] {
			continue
		}
		value := false
		for _, c := range f.cands {
			value = value || ((c.kind == cEnum || c.kind == cDyn) && c.match.from == i+2 && c.match.score >= 0.9)
		}
		if !value {
			continue
		}
		if k := slices.IndexFunc(cmds, func(c grammar.Command) bool { return slices.Contains(owners, c.Intent) }); k >= 0 {
			cmds = slices.Delete(slices.Clone(cmds), k, k+1)
		}
	}
	return cmds
}

// cancels are what a player says last to take back everything before it
// ("revive Bubbles... scratch that").
var cancels = [][]string{{"scratch", "that"}, {"never", "mind"}, {"nevermind"}, {"forget", "it"},
	{"forget", "that"}, {"cancel", "that"}, {"cancel"}, {"cancel", "it"}, {"belay", "that"}}

// cancelled reports whether the transcript ends by taking back what it said.
func cancelled(toks []token) bool {
	n := len(toks)
	for n > 0 && (toks[n-1].norm == "please" || toks[n-1].norm == "actually" || toks[n-1].norm == "oh") {
		n--
	}
	for _, c := range cancels {
		if len(c) < n && slices.EqualFunc(toks[n-len(c):n], c, func(t token, w string) bool { return t.norm == w }) {
			return true
		}
	}
	return false
}

// plain are the adjectives that say a name is the ordinary one ("just a regular
// potion"), and the quantities said before a name ("a little, Sparky"): no other
// thing.
var plain = map[string]bool{"regular": true, "normal": true, "plain": true, "basic": true,
	"ordinary": true, "standard": true, "usual": true, "simple": true, "same": true, "whole": true,
	"little": true, "bit": true, "lot": true, "few": true} // "scoot right a little, Sparky"

// discourse are English words that open a sentence without naming anyone ("yes,
// ember", "first, quick attack"): never an unknown addressee.
var discourse = map[string]bool{"yes": true, "no": true, "sure": true, "good": true, "great": true,
	"nice": true, "oh": true, "ah": true, "wow": true, "cool": true, "fine": true, "look": true,
	"listen": true, "first": true, "firstly": true, "then": true, "next": true, "finally": true,
	"last": true, "lastly": true, "and": true, "also": true, "yep": true, "yup": true, "nope": true,
	"wait": true, "actually": true, "instead": true, "again": true, "quickly": true, "fast": true}

// badNumber reports whether candidate c, heard in role r of intent in, is a
// number that slot's range cannot hold (or no whole number).
func (l *layout) badNumber(f *featurized, in *grammar.Intent, r int, c int32) bool {
	slot := in.Slot(l.roles[r].slot)
	if c < 0 || slot == nil || slot.Type.Kind != grammar.Range || f.cands[c].kind != cToken {
		return false
	}
	tk := f.toks[f.cands[c].tok]
	return tk.fraction || (tk.num >= 0 && (tk.num < slot.Type.Min || tk.num > slot.Type.Max))
}

// addressed reports whether the utterance opens with a clearly said name (after
// fillers) followed by a word of the grammar's patterns: "Sparky go sideways" is
// said to the game, whatever the model makes of the rest.
func (l *layout) addressed(f *featurized) bool {
	first := 0
	for first < len(f.toks) && l.fillers[f.toks[first].norm] {
		first++
	}
	for _, c := range f.cands {
		if c.kind == cDyn && c.match.from == first && c.match.score >= 0.9 {
			return c.match.to < len(f.toks) && l.keywords[f.toks[c.match.to].norm]
		}
	}
	return false
}

func roundConf(c float64) float64 { return float64(int(c*1000+0.5)) / 1000 }

// explain says why the value the model heard in role r (free) cannot be used.
// It returns "" when the value is in fact fine (then the constrained choice stands).
func (l *layout) explain(f *featurized, s *model.Sampled, in *grammar.Intent, fr, r int, free int32) string {
	ro := l.roles[r]
	slot := in.Slot(ro.slot)
	if free < 0 {
		return fmt.Sprintf("%s: nothing fits %s", in.Name, ro.slot)
	}
	c := f.cands[free]
	word := func(t int) string { return strings.Trim(f.text[f.toks[t].start:f.toks[t].end], "'") }
	if slot == nil {
		return "" // a value for a slot this intent lacks: never used, nothing to explain
	}
	switch c.kind {
	case cAbsent:
		if slot.Optional || len(slot.Defaults) > 0 {
			return ""
		}
		return fmt.Sprintf("%s: which %s? say the %s", in.Name, slot.Type.Name, slot.Type.Name)
	case cToken:
		switch slot.Type.Kind {
		case grammar.Dynamic:
			if knownAt(f, c.tok, slot.Type.Name) != "" || discourse[f.toks[c.tok].norm] {
				return "" // the words of a known value, said a second time; "first, ..."
			}
			if end := valueAfter(f, c.tok+1, slot.Type.Name); end > 0 {
				// "max potion": the word and the value it modifies
				return fmt.Sprintf("unknown %s %q", slot.Type.Name, strings.Trim(f.text[f.toks[c.tok].start:f.toks[end-1].end], "'"))
			}
			return fmt.Sprintf("unknown %s %q", slot.Type.Name, word(c.tok))
		case grammar.Enum:
			return fmt.Sprintf("unknown %s %q", slot.Type.Name, word(c.tok))
		case grammar.Range:
			tk := f.toks[c.tok]
			if tk.fraction {
				return fmt.Sprintf("%s %s is not a whole number", slot.Name, word(c.tok))
			}
			if n := tk.num; n < slot.Type.Min || n > slot.Type.Max {
				return fmt.Sprintf("%s %s is out of range %d..%d", slot.Name, word(c.tok), slot.Type.Min, slot.Type.Max)
			}
		}
		return ""
	case cDyn:
		if slot.Type.Kind == grammar.Dynamic && c.typ != slot.Type.Name {
			return fmt.Sprintf("%s is %s, not %s", c.value, grammar.Article(c.typ), grammar.Article(slot.Type.Name))
		}
		// a valid value forbidden by a relation with another committed slot
		for _, rq := range in.Requires {
			var otherRole int
			switch slot.Name {
			case rq.A:
				otherRole = l.roleOf[rq.B]
			case rq.B:
				otherRole = l.roleOf[rq.A]
			default:
				continue
			}
			oc := s.Chosen[fr*l.cfg.Roles+otherRole]
			if oc < 0 || f.cands[oc].kind != cDyn {
				continue
			}
			a, b := c.value, f.cands[oc].value
			if slot.Name == rq.B {
				a, b = b, a
			}
			if !f.st.Related(rq.Relation.Name, a, b) {
				return fmt.Sprintf("%s does not %s %s", a, grammar.RelationVerb(rq.Relation.Name), b)
			}
		}
	}
	return ""
}

// validUTF8 replaces each byte of an invalid UTF-8 sequence by a space, keeping byte
// offsets, so that spans cut from the text are always valid UTF-8.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w == 1 {
			b[i] = ' '
		}
		i += w
	}
	return string(b)
}

// knownAt returns the value of dynamic type typ whose words start at token t
// where the value is said a second time ("... the Stonejaw then ... the
// Stonejaw": the model may point at the second mention's words instead of the
// value), or "". Only a repeat counts: a token at a value's only mention that the
// model did not take as the value ("max" or "potion" in "a max potion") says the
// player named something else.
func knownAt(f *featurized, t int, typ string) string {
	for _, c := range f.cands {
		if c.kind != cDyn || c.typ != typ {
			continue
		}
		for _, m := range c.again {
			if m.from == t {
				return c.value
			}
		}
	}
	return ""
}

// valueAfter returns the end (exclusive) of a value of dynamic type typ said
// starting at token t, or 0.
func valueAfter(f *featurized, t int, typ string) int {
	for _, c := range f.cands {
		if c.kind == cDyn && c.typ == typ && c.match.from == t && c.match.score >= poolThreshold {
			return c.match.to
		}
	}
	return 0
}

// leadInWords are the closed-class words that can only lead into what follows
// them (prepositions, articles, possessives, the copulas of "is called"): a
// transcript that stops at one of them, where the grammar puts a slot after it,
// was cut off ("give a potion to", "Sparky, thunderbolt the"). Pronouns and verbs
// are left out on purpose: "thunderbolt them" and "Sparky, attack" are finished
// sentences (the second asks for its move through the model's own rejection).
var leadInWords = map[string]bool{"to": true, "on": true, "at": true, "with": true, "for": true,
	"the": true, "a": true, "an": true, "your": true, "my": true, "his": true, "her": true,
	"their": true, "its": true, "into": true, "onto": true, "in": true, "against": true,
	"using": true, "of": true, "as": true, "by": true, "from": true, "towards": true,
	"toward": true, "is": true, "be": true, "called": true, "named": true}

// cutOff returns a rejection reason when the transcript stops right after a word
// that leads into a slot (of the last command, or of any intent) and says nothing
// after it ("give a potion to": the potion would go to the default monster
// although the player was about to name one), or when a free-text slot holds only
// such words or ends with one ("rename Sparky to": "to" is no name; "Lord of the"
// is no whole name); otherwise "". cmds may be empty (a rejected reading).
func (l *layout) cutOff(f *featurized, used []bool, cmds []grammar.Command) string {
	toks := f.toks
	n := len(toks)
	for stripped := true; stripped && n > 0; { // trailing filler phrases ("..., please")
		stripped = false
		for _, ph := range l.fillerPhrase {
			if len(ph) > n {
				continue
			}
			match := true
			for k, w := range ph {
				match = match && toks[n-len(ph)+k].norm == normWord(w)
			}
			if match {
				n -= len(ph)
				stripped = true
				break
			}
		}
	}
	if n < 2 {
		return ""
	}
	end := strings.Trim(f.text[toks[n-1].start:toks[n-1].end], "'")
	for _, c := range cmds {
		in := l.g.Intent(c.Intent)
		for _, sl := range in.Slots {
			v, ok := c.Slots[sl.Name]
			if !ok || sl.Type.Kind != grammar.FreeText {
				continue
			}
			if ws := strings.Fields(v.String()); onlyLeadIns(v.String()) {
				return fmt.Sprintf("%s: which %s? the command stops at %q", in.Name, sl.Name, end)
			} else if leadInWords[normWord(ws[len(ws)-1])] {
				// "Lord of the" read out of "Lord of the Rings": the name was cut
				return fmt.Sprintf("%s: which %s? %q stops at %q", in.Name, sl.Name, v.String(), ws[len(ws)-1])
			}
		}
	}
	// the last command's lead-in names what is missing; another intent's tells that
	// the reading is not what was said ("Sparky, use your" read as a dodge)
	intent := ""
	if len(cmds) > 0 {
		intent = cmds[len(cmds)-1].Intent
	}
	slots, ok := l.leadIns[intent][toks[n-1].norm]
	for _, in := range l.g.Intents {
		if !ok {
			intent = in.Name
			slots, ok = l.leadIns[intent][toks[n-1].norm]
		}
	}
	if !ok || l.endPairs[[2]string{toks[n-2].norm, toks[n-1].norm}] || l.endPairs[[2]string{"*", toks[n-1].norm}] || used[n-1] {
		return ""
	}
	return fmt.Sprintf("%s: which %s? the command stops at %q", intent, slots[0], end)
}

// onlyLeadIns reports whether text is made only of leadInWords ("to", "the").
func onlyLeadIns(text string) bool {
	ws := strings.Fields(text)
	for _, w := range ws {
		if !leadInWords[normWord(w)] {
			return false
		}
	}
	return len(ws) > 0
}

// usedTokens marks the tokens that lie in a value some command took: a name or enum
// value's words (wherever it was said), a token, or a free-text span.
func (l *layout) usedTokens(f *featurized, s *model.Sampled) []bool {
	used := make([]bool, len(f.toks))
	mark := func(from, to int) { // [from, to)
		for t := max(from, 0); t < min(to, len(used)); t++ {
			used[t] = true
		}
	}
	l.eachChosen(f, s, func(r int, ch int32, textFrom int) {
		c := f.cands[ch]
		switch {
		case c.kind == cDyn || c.kind == cEnum || c.kind == cGroup:
			for _, m := range append([]spanMatch{c.match}, c.again...) {
				mark(m.from, m.to)
			}
		case textFrom >= 0:
			mark(textFrom, c.tok+1)
		case c.kind == cToken && l.roles[r].part != partStart:
			mark(c.tok, c.tok+1)
		}
	})
	return used
}

// nearValue reports whether token t lies in the words of a name, enum value or
// group phrase said well enough to be one (a near-spelling included: "stone jaw").
func nearValue(f *featurized, t int) bool {
	for _, c := range f.cands {
		if (c.kind == cDyn || c.kind == cEnum || c.kind == cGroup) && c.match.from <= t && t < c.match.to && c.match.score >= poolThreshold {
			return true
		}
	}
	return false
}

// eachChosen calls visit for every candidate the commands' frames chose, with its
// role; for the end of a free-text span, textFrom is the span's first token (else
// -1).
func (l *layout) eachChosen(f *featurized, s *model.Sampled, visit func(r int, ch int32, textFrom int)) {
	S := l.cfg.Roles
	for fr := 0; fr < l.cfg.Frames; fr++ {
		p0 := fr * S
		if ic := s.Chosen[p0]; ic < 0 || f.cands[ic].kind != cIntent {
			continue
		}
		start := -1
		for r := 1; r < len(l.roles); r++ {
			ch := s.Chosen[p0+r]
			if ch < 0 {
				continue
			}
			c, from := f.cands[ch], -1
			if c.kind == cToken {
				switch l.roles[r].part {
				case partStart:
					start = c.tok
				case partEnd:
					from = start
				}
			}
			visit(r, ch, from)
		}
	}
}
