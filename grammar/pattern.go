package grammar

import (
	"fmt"
	"strings"
	"unicode"
)

// A pattern is a tree of these nodes.
type (
	// Node is one part of a pattern.
	Node interface{ node() }
	// Word is a literal word (or "," for a pause), lowercased, and where it is written.
	Word struct {
		Text string
		Pos  Pos
	}
	// SlotRef is a {slot} reference.
	SlotRef struct {
		Name string
		Pos  Pos
	}
	// Seq is a sequence of nodes.
	Seq []Node
	// Opt is an optional part: [ ... ].
	Opt struct{ Body Node }
	// Alt is a choice between alternatives: ( a | b ).
	Alt []Node
)

func (Word) node()    {}
func (SlotRef) node() {}
func (Seq) node()     {}
func (Opt) node()     {}
func (Alt) node()     {}

// Pattern is one phrasing of an intent.
type Pattern struct {
	Source string
	Root   Node
	Pos    Pos
}

// Slots returns the slot names the pattern can mention, in order of appearance.
func (p *Pattern) Slots() []string {
	var out []string
	p.visit(func(n Node) {
		if r, ok := n.(SlotRef); ok {
			out = append(out, r.Name)
		}
	})
	return out
}

// Words returns the literal words the pattern can say, in order of appearance
// (lowercase, as the parser stores them; "," pauses included).
func (p *Pattern) Words() []string {
	var out []string
	p.visit(func(n Node) {
		if w, ok := n.(Word); ok {
			out = append(out, w.Text)
		}
	})
	return out
}

// visit calls f on every word and slot reference of every alternative.
func (p *Pattern) visit(f func(Node)) {
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case Word, SlotRef:
			f(n)
		case Seq:
			for _, c := range n {
				walk(c)
			}
		case Alt:
			for _, c := range n {
				walk(c)
			}
		case Opt:
			walk(n.Body)
		}
	}
	walk(p.Root)
}

// patternParser parses the text inside a say "..." string. Positions are reported
// relative to the string's opening quote.
type patternParser struct {
	src    []rune
	i      int
	base   Pos
	errs   *ErrorList
	file   string
	failed bool
}

func parsePattern(file, src string, base Pos, errs *ErrorList) *Pattern {
	p := &patternParser{src: []rune(src), base: base, errs: errs, file: file}
	n0 := len(*errs)
	root := p.alts(0)
	if p.i < len(p.src) {
		p.errorf(p.i, "unexpected %q in pattern", p.src[p.i])
	}
	if len(*errs) > n0 {
		return nil
	}
	if isEmpty(root) {
		p.errorf(0, "empty pattern")
		return nil
	}
	return &Pattern{Source: src, Root: root, Pos: base}
}

func isEmpty(n Node) bool {
	switch n := n.(type) {
	case Seq:
		return len(n) == 0
	case Alt:
		return len(n) == 0
	}
	return false
}

func (p *patternParser) pos(i int) Pos { return Pos{p.base.Line, p.base.Col + 1 + i} }

func (p *patternParser) errorf(i int, format string, args ...any) {
	if p.failed {
		return // report only the first error in a pattern
	}
	p.failed = true
	p.errs.Add(p.file, p.pos(i), fmt.Sprintf(format, args...))
	p.i = len(p.src)
}

func (p *patternParser) skipSpace() {
	for p.i < len(p.src) && unicode.IsSpace(p.src[p.i]) {
		p.i++
	}
}

// alts := seq ('|' seq)*
func (p *patternParser) alts(depth int) Node {
	start := p.i
	var alts []Node
	for {
		s := p.seq(depth)
		if len(s) == 0 && p.i < len(p.src) {
			p.errorf(p.i, "empty alternative")
			return nil
		}
		alts = append(alts, s)
		p.skipSpace()
		if p.i < len(p.src) && p.src[p.i] == '|' {
			p.i++
			continue
		}
		break
	}
	if len(alts) == 1 {
		return alts[0]
	}
	for _, a := range alts {
		if isEmpty(a) {
			p.errorf(start, "empty alternative")
			return nil
		}
	}
	return Alt(alts)
}

// seq := item*
func (p *patternParser) seq(depth int) Seq {
	var s Seq
	for {
		p.skipSpace()
		if p.i >= len(p.src) {
			return s
		}
		switch r := p.src[p.i]; {
		case r == '|' || r == ']' || r == ')':
			if depth == 0 && r != '|' {
				p.errorf(p.i, "unmatched %q", r)
			}
			return s
		case r == '[' || r == '(':
			open := p.i
			p.i++
			body := p.alts(depth + 1)
			p.skipSpace()
			want := map[rune]rune{'[': ']', '(': ')'}[r]
			if p.i >= len(p.src) || p.src[p.i] != want {
				p.errorf(open, "unclosed %q", r)
				return s
			}
			p.i++
			if isEmpty(body) {
				p.errorf(open, "empty %c%c", r, want)
				return s
			}
			if r == '[' {
				s = append(s, Opt{Body: body})
			} else {
				s = append(s, body)
			}
		case r == '{':
			open := p.i
			p.i++
			j := p.i
			for j < len(p.src) && p.src[j] != '}' {
				j++
			}
			if j >= len(p.src) {
				p.errorf(open, "unclosed '{'")
				return s
			}
			name := strings.TrimSpace(string(p.src[p.i:j]))
			if !isIdent(name) {
				p.errorf(open, "bad slot reference {%s}", name)
				return s
			}
			s = append(s, SlotRef{Name: name, Pos: p.pos(open)})
			p.i = j + 1
		case r == ',':
			s = append(s, Word{Text: ",", Pos: p.pos(p.i)})
			p.i++
		case isWordRune(r):
			j := p.i
			for j < len(p.src) && isWordRune(p.src[j]) {
				j++
			}
			s = append(s, Word{Text: strings.ToLower(string(p.src[p.i:j])), Pos: p.pos(p.i)})
			p.i = j
		default:
			p.errorf(p.i, "unexpected %q in pattern", r)
			return s
		}
	}
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-'
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || (i > 0 && unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}
