package grammar

import (
	"fmt"
	"slices"
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

// LeadIns analyses the intent's patterns for the little words that only lead into a
// slot: into maps each word that a pattern can say right before a slot reference
// ("to" in "switch to {actor}", "on" and "the" in "[on [the] {target}]") to those
// slots; ends holds the last two words a pattern can end with ("hold on"; "" first
// for a one-word pattern, "*" for a word right after a slot). A transcript that stops at a word of into, where no
// pattern ends that way, was cut off before its slot ("give a potion to").
func (in *Intent) LeadIns() (into map[string][]string, ends map[[2]string]bool) {
	into, ends = map[string][]string{}, map[[2]string]bool{}
	for _, p := range in.Patterns {
		var pairs [][2]Node
		first, last, _ := follow(p.Root, func(a, b Node) { pairs = append(pairs, [2]Node{a, b}) })
		for _, pr := range pairs {
			wa, aWord := pr[0].(Word)
			switch b := pr[1].(type) {
			case SlotRef:
				if aWord && !slices.Contains(into[wa.Text], b.Name) {
					into[wa.Text] = append(into[wa.Text], b.Name)
				}
			case Word:
				if !slices.Contains(last, pr[1]) {
					continue
				}
				if aWord {
					ends[[2]string{wa.Text, b.Text}] = true
				} else {
					ends[[2]string{"*", b.Text}] = true // after a slot: any word before it
				}
			}
		}
		for _, n := range last {
			if w, ok := n.(Word); ok && slices.Contains(first, n) {
				ends[[2]string{"", w.Text}] = true
			}
		}
	}
	return into, ends
}

// follow returns the words and slot references node n can start and end with and
// whether it can be empty, calling pair(a, b) for each a that can come right before
// b inside n ("," pauses are skipped over: "{actor} [,] use" pairs actor with use).
func follow(n Node, pair func(a, b Node)) (first, last []Node, nullable bool) {
	switch n := n.(type) {
	case Word:
		if n.Text == "," {
			return nil, nil, true
		}
		return []Node{n}, []Node{n}, false
	case SlotRef:
		return []Node{n}, []Node{n}, false
	case Opt:
		f, l, _ := follow(n.Body, pair)
		return f, l, true
	case Alt:
		for _, c := range n {
			f, l, e := follow(c, pair)
			first, last = append(first, f...), append(last, l...)
			nullable = nullable || e
		}
		return first, last, nullable
	case Seq:
		nullable = true
		for _, c := range n {
			f, l, e := follow(c, pair)
			for _, a := range last {
				for _, b := range f {
					pair(a, b)
				}
			}
			if nullable {
				first = append(first, f...)
			}
			if e {
				last = append(last, l...)
			} else {
				last = l
			}
			nullable = nullable && e
		}
		return first, last, nullable
	}
	return nil, nil, true
}

// Bigrams returns the pairs of words the pattern can say one right after the other
// ("," pauses skipped).
func (p *Pattern) Bigrams() [][2]string {
	var out [][2]string
	follow(p.Root, func(a, b Node) {
		wa, okA := a.(Word)
		wb, okB := b.(Word)
		if okA && okB && !slices.Contains(out, [2]string{wa.Text, wb.Text}) {
			out = append(out, [2]string{wa.Text, wb.Text})
		}
	})
	return out
}

// negationWords are the words with which a pattern negates what follows ("don't
// move").
var negationWords = map[string]bool{"don't": true, "dont": true, "not": true, "never": true}

// SelfNegated maps each word that a pattern says right after a negation ("move" in
// "(don't | do not) move" meaning hold) to the intents whose patterns say it: a
// negated phrase the grammar gives a meaning of its own, which the generator must
// not teach as "no order" and the decoder must not take for one when it goes on
// with a value ("don't move left").
func (g *Grammar) SelfNegated() map[string][]string {
	out := map[string][]string{}
	for _, in := range g.Intents {
		for _, p := range in.Patterns {
			for _, bg := range p.Bigrams() {
				if negationWords[bg[0]] && !slices.Contains(out[bg[1]], in.Name) {
					out[bg[1]] = append(out[bg[1]], in.Name)
				}
			}
		}
	}
	return out
}
