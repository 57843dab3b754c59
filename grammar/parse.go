package grammar

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ParseFile reads and parses a grammar file; errors print as file:line:col: msg.
func ParseFile(path string) (*Grammar, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("grammar: %w", err)
	}
	return Parse(path, string(src))
}

// Parse parses grammar source. file names the source in error messages. On failure
// the error is an ErrorList with every problem found, sorted by position.
func Parse(file, src string) (*Grammar, error) {
	p := &parser{file: file, toks: lex(src), g: &Grammar{source: src, file: file}}
	p.parse()
	if len(p.errs) == 0 {
		p.check()
	}
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return p.g, nil
}

type parser struct {
	file string
	toks []token
	i    int
	g    *Grammar
	errs ErrorList
}

// peek returns the next token. A lexical error is reported once and then reads as
// the end of the file, so the parser stops without piling up follow-on errors.
func (p *parser) peek() token {
	t := p.toks[p.i]
	if t.kind == tokError {
		p.errorf(t.pos, "%s", t.text)
		p.toks[p.i] = token{kind: tokEOF, pos: t.pos}
		return p.toks[p.i]
	}
	return t
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF && t.kind != tokError {
		p.i++
	}
	return t
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	p.errs.Add(p.file, pos, fmt.Sprintf(format, args...))
}

// syncLine skips to the start of the next line after an error.
func (p *parser) syncLine() {
	for {
		t := p.peek()
		if t.kind == tokEOF || t.kind == tokError {
			return
		}
		p.next()
		if t.kind == tokNewline {
			return
		}
	}
}

func (p *parser) skipNewlines() {
	for p.peek().kind == tokNewline {
		p.next()
	}
}

// expect consumes a punctuation token or reports what was found instead.
func (p *parser) expect(punct string) bool {
	t := p.peek()
	if t.kind == tokPunct && t.text == punct {
		p.next()
		return true
	}
	p.errorf(t.pos, "expected %q, found %s", punct, t)
	return false
}

func (p *parser) ident(what string) (token, bool) {
	t := p.peek()
	if t.kind != tokIdent {
		p.errorf(t.pos, "expected %s, found %s", what, t)
		return t, false
	}
	return p.next(), true
}

func (p *parser) endOfLine() bool {
	t := p.peek()
	if t.kind == tokNewline || t.kind == tokEOF {
		p.next()
		return true
	}
	p.errorf(t.pos, "unexpected %s at end of line", t)
	return false
}

func (p *parser) parse() {
	for {
		p.skipNewlines()
		t := p.peek()
		switch {
		case t.kind == tokEOF:
			return
		case t.kind == tokIdent && t.text == "type":
			p.next()
			p.parseType()
		case t.kind == tokIdent && t.text == "relation":
			p.next()
			p.parseRelation()
		case t.kind == tokIdent && t.text == "intent":
			p.next()
			p.parseIntent()
		case t.kind == tokIdent && t.text == "group":
			p.next()
			p.parseGroup()
		case t.kind == tokIdent && (t.text == "join" || t.text == "filler"):
			p.next()
			if !p.expect(":") {
				p.syncLine()
				continue
			}
			for _, ph := range p.phraseList() {
				if t.text == "join" {
					p.g.Joins = append(p.g.Joins, ph.text)
					p.g.joinPos = append(p.g.joinPos, ph.pos)
				} else {
					p.g.Fillers = append(p.g.Fillers, ph.text)
					p.g.fillerPos = append(p.g.fillerPos, ph.pos)
				}
			}
		default:
			p.errorf(t.pos, "expected type, relation, group, intent, join or filler, found %s", t)
			p.syncLine()
		}
	}
}

// phrase is one entry of a word list: lowercased words joined by single spaces, and
// the position of its first word.
type phrase struct {
	text string
	pos  Pos
}

// maxRangeBound bounds range types: a number a player says fits easily, and
// arithmetic on the bounds cannot overflow.
const maxRangeBound = 1_000_000

// rangeBound reads a range bound, reporting one that is not a number or beyond
// ±maxRangeBound at its position.
func (p *parser) rangeBound(t token) (int, bool) {
	n, err := strconv.Atoi(t.text)
	if err != nil || n > maxRangeBound || n < -maxRangeBound {
		p.errorf(t.pos, "range bound %s out of range: at most %d in size", t.text, maxRangeBound)
		return 0, false
	}
	return n, true
}

// phraseList parses "a, b c, d" up to the end of the line: comma-separated phrases of
// one or more words.
func (p *parser) phraseList() []phrase {
	var out []phrase
	var cur []string
	var start Pos
	for {
		t := p.peek()
		switch {
		case t.kind == tokIdent || t.kind == tokNumber:
			if len(cur) == 0 {
				start = t.pos
			}
			cur = append(cur, strings.ToLower(p.next().text))
		case t.kind == tokPunct && t.text == ",":
			p.next()
			if len(cur) == 0 {
				p.errorf(t.pos, "empty phrase before ','")
			} else {
				out = append(out, phrase{strings.Join(cur, " "), start})
			}
			cur = nil
		case t.kind == tokNewline || t.kind == tokEOF || (t.kind == tokPunct && t.text == "}"):
			if len(cur) > 0 {
				out = append(out, phrase{strings.Join(cur, " "), start})
			} else {
				p.errorf(t.pos, "expected a word, found %s", t)
			}
			return out
		default:
			p.errorf(t.pos, "unexpected %s in word list", t)
			p.syncLine()
			return out
		}
	}
}

func (p *parser) parseType() {
	name, ok := p.ident("type name")
	if !ok {
		p.syncLine()
		return
	}
	if p.g.Type(name.text) != nil {
		p.errorf(name.pos, "type %q declared twice", name.text)
	}
	typ := &Type{Name: name.text, Pos: name.pos}
	t := p.peek()
	switch {
	case t.kind == tokIdent && t.text == "dynamic":
		p.next()
		typ.Kind = Dynamic
	case t.kind == tokIdent && t.text == "text":
		p.next()
		typ.Kind = FreeText
	case t.kind == tokNumber:
		typ.Kind = Range
		lo, okLo := p.rangeBound(p.next()) // a bad bound is reported; the type still declares
		if !p.expect("..") {
			p.syncLine()
			return
		}
		hiTok := p.peek()
		if hiTok.kind != tokNumber {
			p.errorf(hiTok.pos, "expected the range's upper bound, found %s", hiTok)
			p.syncLine()
			return
		}
		hi, okHi := p.rangeBound(p.next())
		if okLo && okHi && lo > hi {
			p.errorf(t.pos, "empty range %d..%d", lo, hi)
		}
		typ.Min, typ.Max = lo, hi
	case t.kind == tokIdent && t.text == "enum":
		p.next()
		typ.Kind = Enum
		if !p.parseEnumBody(typ) {
			return
		}
		p.g.Types = append(p.g.Types, typ)
		return
	default:
		p.errorf(t.pos, "expected dynamic, text, enum or a range like 1..5 after type %s, found %s", name.text, t)
		p.syncLine()
		return
	}
	p.g.Types = append(p.g.Types, typ)
	p.endOfLine()
}

func (p *parser) parseEnumBody(typ *Type) bool {
	if !p.expect("{") {
		p.syncLine()
		return false
	}
	seen := map[string]bool{}
	for {
		p.skipNewlines()
		t := p.peek()
		if t.kind == tokPunct && t.text == "}" {
			p.next()
			break
		}
		if t.kind != tokIdent {
			p.errorf(t.pos, "expected an enum value or '}', found %s", t)
			if t.kind == tokEOF || t.kind == tokError {
				return false
			}
			p.syncLine()
			continue
		}
		// the canonical name: one or more words up to ':', '}' or the end of the line
		words := []string{strings.ToLower(p.next().text)}
		for n := p.peek(); n.kind == tokIdent || n.kind == tokNumber; n = p.peek() {
			words = append(words, strings.ToLower(p.next().text))
		}
		v := EnumValue{Name: strings.Join(words, " "), Pos: t.pos}
		if seen[v.Name] {
			p.errorf(t.pos, "enum value %q listed twice", v.Name)
		}
		seen[v.Name] = true
		if n := p.peek(); n.kind == tokPunct && n.text == ":" {
			p.next()
			for _, s := range p.phraseList() {
				if seen[s.text] {
					p.errorf(s.pos, "synonym %q of %s is already used", s.text, v.Name)
				}
				seen[s.text] = true
				v.Synonyms = append(v.Synonyms, s.text)
				v.synPos = append(v.synPos, s.pos)
			}
		} else if !(n.kind == tokPunct && n.text == "}") && !p.endOfLine() {
			p.syncLine() // one error per bad line
		}
		typ.Values = append(typ.Values, v)
	}
	if len(typ.Values) == 0 {
		p.errorf(typ.Pos, "enum %s has no values", typ.Name)
	}
	p.endOfLine()
	return true
}

func (p *parser) typeRef() *Type {
	t, ok := p.ident("a type name")
	if !ok {
		return nil
	}
	typ := p.g.Type(t.text)
	if typ == nil {
		p.errorf(t.pos, "unknown slot type %q%s", t.text, p.suggestType(t.text))
	}
	return typ
}

func (p *parser) suggestType(name string) string {
	return p.g.suggestType(name, func(*Type) bool { return true })
}

// suggestType returns ` (did you mean "monster"?)` for the type whose name is
// closest to name among those ok accepts, or "" when none is close.
func (g *Grammar) suggestType(name string, ok func(*Type) bool) string {
	var names []string
	for _, t := range g.Types {
		if ok(t) {
			names = append(names, t.Name)
		}
	}
	return suggest(name, names)
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name (case
// ignored) within an edit distance of 2, or "".
func suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// parseGroup parses "group TYPE: phrase, phrase" after the keyword: the phrases
// that stand for every value of a dynamic type.
func (p *parser) parseGroup() {
	name, ok := p.ident("a type name")
	if !ok {
		p.syncLine()
		return
	}
	if !p.expect(":") {
		p.syncLine()
		return
	}
	phrases := p.phraseList()
	typ := p.g.Type(name.text)
	switch {
	case typ == nil:
		p.errorf(name.pos, "group: unknown type %q%s", name.text, p.g.suggestType(name.text, func(t *Type) bool { return t.Kind == Dynamic }))
		return
	case typ.Kind != Dynamic:
		p.errorf(name.pos, "group %s: only dynamic types have group words, %s is %s", typ.Name, typ.Name, typ.Kind)
		return
	case typ.Group != nil:
		p.errorf(name.pos, "group words for %s declared twice", typ.Name)
		return
	}
	typ.Group = []string{}
	for _, ph := range phrases {
		if other := p.g.GroupOf(ph.text); other != nil {
			if other == typ {
				p.errorf(ph.pos, "group word %q of %s listed twice", ph.text, typ.Name)
			} else {
				p.errorf(ph.pos, "group word %q of %s is already a group word of %s", ph.text, typ.Name, other.Name)
			}
			continue
		}
		typ.Group = append(typ.Group, ph.text)
		typ.groupPos = append(typ.groupPos, ph.pos)
	}
}

func (p *parser) parseRelation() {
	name, ok := p.ident("relation name")
	if !ok {
		p.syncLine()
		return
	}
	if p.g.Relation(name.text) != nil {
		p.errorf(name.pos, "relation %q declared twice", name.text)
	}
	if !p.expect("(") {
		p.syncLine()
		return
	}
	argPos := p.peek().pos
	a := p.typeRef()
	if !p.expect(",") {
		p.syncLine()
		return
	}
	b := p.typeRef()
	if !p.expect(")") {
		p.syncLine()
		return
	}
	for _, t := range []*Type{a, b} {
		if t != nil && t.Kind != Dynamic {
			p.errorf(argPos, "relation %s relates %s values, but only dynamic types can be related", name.text, t.Kind)
		}
	}
	if a != nil && b != nil {
		p.g.Relations = append(p.g.Relations, &Relation{Name: name.text, A: a, B: b, Pos: name.pos})
	}
	p.endOfLine()
}

func (p *parser) parseIntent() {
	name, ok := p.ident("intent name")
	if !ok {
		p.syncLine()
		return
	}
	if p.g.Intent(name.text) != nil {
		p.errorf(name.pos, "intent %q declared twice", name.text)
	}
	in := &Intent{Name: name.text, Pos: name.pos}
	if !p.expect("(") {
		p.syncLine()
		return
	}
	for {
		t := p.peek()
		if t.kind == tokPunct && t.text == ")" {
			p.next()
			break
		}
		if len(in.Slots) > 0 && !p.expect(",") {
			p.syncLine()
			return
		}
		sn, ok := p.ident("slot name")
		if !ok {
			p.syncLine()
			return
		}
		s := &Slot{Name: sn.text}
		if in.Slot(sn.text) != nil {
			p.errorf(sn.pos, "slot %q declared twice in intent %s", sn.text, in.Name)
		}
		if q := p.peek(); q.kind == tokPunct && q.text == "?" {
			p.next()
			s.Optional = true
		}
		if !p.expect(":") {
			p.syncLine()
			return
		}
		s.Type = p.typeRef()
		if s.Type == nil {
			// keep going to report more errors; use a placeholder type
			s.Type = &Type{Name: "?", Kind: Dynamic}
		}
		in.Slots = append(in.Slots, s)
	}
	if !p.expect("{") {
		p.syncLine()
		return
	}
	p.parseIntentBody(in)
	p.g.Intents = append(p.g.Intents, in)
}

func (p *parser) parseIntentBody(in *Intent) {
	sawSay := false
	for {
		p.skipNewlines()
		t := p.peek()
		switch {
		case t.kind == tokPunct && t.text == "}":
			p.next()
			if len(in.Patterns) == 0 && !sawSay {
				p.errorf(in.Pos, "intent %s has no say patterns", in.Name)
			}
			p.endOfLine()
			return
		case t.kind == tokEOF || t.kind == tokError:
			p.errorf(t.pos, "intent %s: missing '}'", in.Name)
			return
		case t.kind == tokIdent && t.text == "say":
			p.next()
			sawSay = true
			for p.peek().kind == tokString {
				s := p.next()
				if pat := parsePattern(p.file, s.text, s.pos, &p.errs); pat != nil {
					in.Patterns = append(in.Patterns, pat)
				}
			}
			p.endOfLine()
		case t.kind == tokIdent && t.text == "require":
			p.next()
			p.parseRequire(in)
		case t.kind == tokIdent && t.text == "default":
			p.next()
			p.parseDefault(in)
		default:
			p.errorf(t.pos, "expected say, require, default or '}', found %s", t)
			p.syncLine()
		}
	}
}

func (p *parser) parseRequire(in *Intent) {
	rn, ok := p.ident("relation name")
	if !ok {
		p.syncLine()
		return
	}
	rel := p.g.Relation(rn.text)
	if rel == nil {
		p.errorf(rn.pos, "unknown relation %q", rn.text)
	}
	if !p.expect("(") {
		p.syncLine()
		return
	}
	a, okA := p.ident("slot name")
	if !okA || !p.expect(",") {
		p.syncLine()
		return
	}
	b, okB := p.ident("slot name")
	if !okB || !p.expect(")") {
		p.syncLine()
		return
	}
	for i, st := range []token{a, b} {
		s := in.Slot(st.text)
		if s == nil {
			p.errorf(st.pos, "intent %s has no slot %q", in.Name, st.text)
			continue
		}
		if rel != nil {
			want := rel.A
			if i == 1 {
				want = rel.B
			}
			if s.Type != want {
				p.errorf(st.pos, "relation %s wants a %s here, but slot %s is a %s", rel.Name, want.Name, s.Name, s.Type.Name)
			}
		}
	}
	if rel != nil {
		in.Requires = append(in.Requires, Require{Relation: rel, A: a.text, B: b.text})
	}
	p.endOfLine()
}

func (p *parser) parseDefault(in *Intent) {
	sn, ok := p.ident("slot name")
	if !ok {
		p.syncLine()
		return
	}
	s := in.Slot(sn.text)
	if s == nil {
		p.errorf(sn.pos, "intent %s has no slot %q", in.Name, sn.text)
		p.syncLine()
		return
	}
	if !p.expect(":") {
		p.syncLine()
		return
	}
	for {
		t, ok := p.ident("a default source (related or state)")
		if !ok {
			p.syncLine()
			return
		}
		switch t.text {
		case "related":
			if !in.slotInRequire(s.Name) {
				p.errorf(t.pos, "default %s: related needs a require that mentions %s", s.Name, s.Name)
			}
		case "state":
			if s.Type.Kind != Dynamic {
				p.errorf(t.pos, "default %s: the state only has defaults for dynamic types, %s is %s", s.Name, s.Type.Name, s.Type.Kind)
			}
		default:
			p.errorf(t.pos, "unknown default source %q (want related or state)", t.text)
		}
		s.Defaults = append(s.Defaults, t.text)
		if n := p.peek(); n.kind == tokPunct && n.text == "," {
			p.next()
			continue
		}
		break
	}
	p.endOfLine()
}

func (in *Intent) slotInRequire(name string) bool {
	for _, r := range in.Requires {
		if r.A == name || r.B == name {
			return true
		}
	}
	return false
}

// check validates patterns against their intents once everything is parsed.
func (p *parser) check() {
	if len(p.g.Intents) == 0 {
		p.errorf(Pos{1, 1}, "grammar declares no intents")
	}
	// A group word that is also a filler or join word could mean either.
	for _, t := range p.g.Types {
		for i, w := range t.Group {
			for _, other := range []struct {
				what    string
				phrases []string
			}{{"filler", p.g.Fillers}, {"join", p.g.Joins}} {
				for _, x := range other.phrases {
					if x == w {
						p.errorf(t.groupPos[i], "group word %q of %s is also a %s word; remove it from one list", w, t.Name, other.what)
					}
				}
			}
		}
	}
	for _, in := range p.g.Intents {
		for _, pat := range in.Patterns {
			p.checkPattern(in, pat)
		}
	}
}

func (p *parser) checkPattern(in *Intent, pat *Pattern) {
	count := map[string]int{}
	// walk returns the slots every expansion of n mentions.
	var walk func(n Node) map[string]bool
	walk = func(n Node) map[string]bool {
		out := map[string]bool{}
		switch n := n.(type) {
		case SlotRef:
			if in.Slot(n.Name) == nil {
				p.errorf(n.Pos, "intent %s has no slot %q", in.Name, n.Name)
				return out
			}
			count[n.Name]++
			if count[n.Name] == 2 {
				p.errorf(n.Pos, "slot %s appears twice in one pattern", n.Name)
			}
			out[n.Name] = true
		case Seq:
			for _, c := range n {
				for k := range walk(c) {
					out[k] = true
				}
			}
		case Alt:
			// mentioned by every alternative = mandatory; count each alternative separately
			saved := count
			var inter map[string]bool
			for _, c := range n {
				count = map[string]int{}
				for k, v := range saved {
					count[k] = v
				}
				m := walk(c)
				if inter == nil {
					inter = m
				} else {
					for k := range inter {
						if !m[k] {
							delete(inter, k)
						}
					}
				}
			}
			count = saved
			var walkCount func(Node)
			walkCount = func(n Node) {
				switch n := n.(type) {
				case SlotRef:
					count[n.Name] = max(count[n.Name], 1)
				case Seq:
					for _, c := range n {
						walkCount(c)
					}
				case Alt:
					for _, c := range n {
						walkCount(c)
					}
				case Opt:
					walkCount(n.Body)
				}
			}
			walkCount(n)
			return inter
		case Opt:
			walk(n.Body)
		}
		return out
	}
	mandatory := walk(pat.Root)
	for _, s := range in.Slots {
		if s.Optional || len(s.Defaults) > 0 {
			continue
		}
		if !mandatory[s.Name] {
			p.errorf(pat.Pos, "pattern can leave out slot %s of intent %s, which is required and has no default", s.Name, in.Name)
		}
	}
}

// editDistance is the Levenshtein distance between two strings (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
