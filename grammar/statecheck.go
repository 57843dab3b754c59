package grammar

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// CheckState reports how well a state fits the grammar; call it when a game loads
// its state file or changes its vocabulary at run time (it only reads g and st).
//
// err, an ErrorList, says the state does not fit: a values, aliases or defaults key
// that is not a dynamic type of the grammar ("monsters": did you mean "monster"?), a
// relations key that is no relation, or a relation pair whose values are not values
// of the relation's types. Errors about a declared type or relation are positioned
// at its declaration in the grammar file; errors about names the grammar lacks have
// no position. A state that fails its own checks (see ParseState) returns that error.
//
// warnings say what players will find hard: a value or alias that is also a word or
// phrase of a pattern, a filler or join word, an enum value or synonym, or a group
// word (positioned where the grammar writes it), and a value or alias shared by two
// dynamic types (positioned at the second type). Names are compared case-insensitively.
func (g *Grammar) CheckState(st *State) (warnings []Error, err error) {
	if st == nil {
		st = &State{}
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	var errs ErrorList
	unpositioned := func(format string, args ...any) {
		errs.Add("", Pos{}, "grammar: state: "+fmt.Sprintf(format, args...))
	}
	positioned := func(pos Pos, format string, args ...any) {
		errs.Add(g.file, pos, "state: "+fmt.Sprintf(format, args...))
	}
	dynamic := func(t *Type) bool { return t.Kind == Dynamic }
	checkTypeKey := func(section, typ string) {
		t := g.Type(typ)
		switch {
		case t == nil:
			unpositioned("%s: unknown type %q%s", section, typ, g.suggestType(typ, dynamic))
		case t.Kind != Dynamic:
			positioned(t.Pos, "%s: %s is %s type; only dynamic types take values from the state", section, typ, Article(t.Kind.String()))
		}
	}
	for _, typ := range sortedMapKeys(st.Values) {
		checkTypeKey("values", typ)
	}
	for _, typ := range sortedMapKeys(st.Aliases) {
		if len(st.Aliases[typ]) > 0 {
			checkTypeKey("aliases", typ)
		}
	}
	for _, typ := range sortedMapKeys(st.Defaults) {
		checkTypeKey("defaults", typ)
	}
	var relNames []string
	for _, r := range g.Relations {
		relNames = append(relNames, r.Name)
	}
	for _, name := range sortedMapKeys(st.Relations) {
		r := g.Relation(name)
		if r == nil {
			unpositioned("relations: unknown relation %q%s", name, suggest(name, relNames))
			continue
		}
		for _, p := range st.Relations[name] {
			for i, t := range []*Type{r.A, r.B} {
				if !st.Has(t.Name, p[i]) {
					positioned(r.Pos, "relation %s: pair [%q, %q]: %q is not a %s value%s", name, p[0], p[1], p[i], t.Name, suggest(p[i], st.Values[t.Name]))
				}
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return g.stateWarnings(st), nil
}

// spoken is one name a player may say for a state value: the value or an alias.
type spoken struct {
	typ, value, name string
	alias            bool
	norm             string // normPhrase(name)
}

func (s spoken) subject() string {
	if s.alias {
		return fmt.Sprintf("state alias %q of %q (%s)", s.name, s.value, s.typ)
	}
	return fmt.Sprintf("state value %q (%s)", s.name, s.typ)
}

// grammarPhrase is a fixed phrase of the grammar other than a pattern's words.
type grammarPhrase struct {
	norm, what string
	pos        Pos
}

func (g *Grammar) fixedPhrases() []grammarPhrase {
	var out []grammarPhrase
	for i, f := range g.Fillers {
		out = append(out, grammarPhrase{normPhrase(f), "a filler word", posAt(g.fillerPos, i)})
	}
	for i, j := range g.Joins {
		out = append(out, grammarPhrase{normPhrase(j), "a join word", posAt(g.joinPos, i)})
	}
	for _, t := range g.Types {
		for _, v := range t.Values {
			out = append(out, grammarPhrase{normPhrase(v.Name), fmt.Sprintf("the %s value %q", t.Name, v.Name), v.Pos})
			for i, s := range v.Synonyms {
				out = append(out, grammarPhrase{normPhrase(s), fmt.Sprintf("a synonym of the %s value %q", t.Name, v.Name), posAt(v.synPos, i)})
			}
		}
		for i, w := range t.Group {
			out = append(out, grammarPhrase{normPhrase(w), fmt.Sprintf("a group word of %s", t.Name), posAt(t.groupPos, i)})
		}
	}
	return out
}

// posAt tolerates grammars built by hand, without positions.
func posAt(ps []Pos, i int) Pos {
	if i < len(ps) {
		return ps[i]
	}
	return Pos{}
}

func (g *Grammar) stateWarnings(st *State) []Error {
	var names []spoken
	for _, t := range g.Types {
		if t.Kind != Dynamic {
			continue
		}
		for _, v := range st.Values[t.Name] {
			for i, n := range st.Names(t.Name, v) {
				names = append(names, spoken{typ: t.Name, value: v, name: n, alias: i > 0, norm: normPhrase(n)})
			}
		}
	}
	var warns []Error
	warn := func(pos Pos, s spoken, format string, args ...any) {
		warns = append(warns, Error{File: g.file, Pos: pos, Msg: s.subject() + " " + fmt.Sprintf(format, args...)})
	}
	type matcher struct {
		in  *Intent
		nfa *wordNFA
	}
	var matchers []matcher
	for _, in := range g.Intents {
		for _, p := range in.Patterns {
			matchers = append(matchers, matcher{in, newWordNFA(p)})
		}
	}
	fixed := g.fixedPhrases()
	firstType := map[string]spoken{} // norm -> first type's name using it
	for _, s := range names {
		if s.norm == "" {
			continue
		}
		words := strings.Fields(s.norm)
		if t := g.Type(s.typ); t != nil {
			if strings.IndexFunc(s.name, func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '\'' && r != '-'
			}) >= 0 {
				warn(t.Pos, s, "has punctuation; a transcriber never writes it that way, so players cannot say it exactly")
			}
			if strings.Trim(s.norm, "0123456789 ") == "" {
				warn(t.Pos, s, "is a number; players saying it will be heard as a count")
			}
		}
		for i := 0; i < len(matchers); i++ {
			m := matchers[i]
			if pos, ok := m.nfa.match(words); ok {
				what := "a word"
				if len(words) > 1 {
					what = "a phrase"
				}
				warn(pos, s, "is also %s of intent %s's pattern; players saying it will be misunderstood", what, m.in.Name)
				for i+1 < len(matchers) && matchers[i+1].in == m.in {
					i++ // one warning per intent is enough
				}
			}
		}
		for _, f := range fixed {
			if f.norm == s.norm {
				warn(f.pos, s, "is also %s; players saying it will be misunderstood", f.what)
			}
		}
		if first, ok := firstType[s.norm]; ok && first.typ != s.typ {
			if t := g.Type(s.typ); t != nil {
				what := fmt.Sprintf("%s value %q", Article(first.typ), first.name)
				if first.alias {
					what = fmt.Sprintf("an alias of %s value %q", Article(first.typ), first.value)
				}
				warn(t.Pos, s, "is also %s; players saying it may get the wrong one", what)
			}
		} else if !ok {
			firstType[s.norm] = s
		}
	}
	sort.SliceStable(warns, func(i, j int) bool {
		a, b := warns[i].Pos, warns[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return warns
}

// wordNFA recognizes the runs of literal words a pattern can produce between slots:
// a state value matches when some expansion of the pattern says its words in a row.
// Built once per pattern (Thompson's construction; patterns have no loops).
type wordNFA struct {
	eps   [][]int    // epsilon moves out of each state
	out   [][]int    // word edges (indices into edges) out of each state
	edges []wordEdge // every word of the pattern
}

type wordEdge struct {
	to   int
	text string
	pos  Pos
}

func newWordNFA(p *Pattern) *wordNFA {
	m := &wordNFA{}
	s, e := m.state(), m.state()
	m.build(p.Root, s, e)
	return m
}

func (m *wordNFA) state() int {
	m.eps = append(m.eps, nil)
	m.out = append(m.out, nil)
	return len(m.eps) - 1
}

func (m *wordNFA) build(n Node, s, e int) {
	switch n := n.(type) {
	case Word:
		if n.Text == "," { // a pause, not a word: "go , now" says "go now"
			m.eps[s] = append(m.eps[s], e)
			return
		}
		m.out[s] = append(m.out[s], len(m.edges))
		m.edges = append(m.edges, wordEdge{to: e, text: n.Text, pos: n.Pos})
	case SlotRef:
		// no run of literal words crosses a slot: s and e stay unconnected
	case Seq:
		cur := s
		for _, c := range n {
			next := m.state()
			m.build(c, cur, next)
			cur = next
		}
		m.eps[cur] = append(m.eps[cur], e)
	case Alt:
		for _, c := range n {
			m.build(c, s, e)
		}
	case Opt:
		m.build(n.Body, s, e)
		m.eps[s] = append(m.eps[s], e)
	}
}

// closure adds every state reachable from set by epsilon moves.
func (m *wordNFA) closure(set map[int]bool) {
	stack := make([]int, 0, len(set))
	for s := range set {
		stack = append(stack, s)
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range m.eps[s] {
			if !set[t] {
				set[t] = true
				stack = append(stack, t)
			}
		}
	}
}

// match reports whether the pattern can say words in a row, and where the first
// of them is written.
func (m *wordNFA) match(words []string) (Pos, bool) {
	for _, first := range m.edges {
		if first.text != words[0] {
			continue
		}
		set := map[int]bool{first.to: true}
		for _, w := range words[1:] {
			m.closure(set)
			next := map[int]bool{}
			for s := range set {
				for _, ei := range m.out[s] {
					if m.edges[ei].text == w {
						next[m.edges[ei].to] = true
					}
				}
			}
			set = next
			if len(set) == 0 {
				break
			}
		}
		if len(set) > 0 {
			return first.pos, true
		}
	}
	return Pos{}, false
}
