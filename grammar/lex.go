package grammar

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in a grammar file: 1-based line and column (in runes).
type Pos struct {
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokNewline
	tokIdent
	tokNumber
	tokString // the pattern text between double quotes, unescaped
	tokPunct  // one of { } ( ) : , ? = | and the two-rune ".."
	tokError  // lexical error; text is the message
)

func (k tokenKind) String() string {
	return [...]string{"end of file", "newline", "identifier", "number", "string", "punctuation", "error"}[k]
}

type token struct {
	kind tokenKind
	text string
	pos  Pos
}

func (t token) String() string {
	switch t.kind {
	case tokEOF, tokNewline:
		return t.kind.String()
	case tokString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// lexer scans a grammar file with state functions (as text/template/parse does),
// appending tokens to a slice; the parser consumes the slice.
type lexer struct {
	src    string
	start  int // start of the current token (byte offset)
	pos    int // current byte offset
	line   int // line of pos
	col    int // column of pos
	sLine  int // line/col of start
	sCol   int
	tokens []token
}

type stateFn func(*lexer) stateFn

func lex(src string) []token {
	l := &lexer{src: src, line: 1, col: 1, sLine: 1, sCol: 1}
	for state := lexAny; state != nil; {
		state = state(l)
	}
	return l.tokens
}

const eof = -1

func (l *lexer) next() rune {
	if l.pos >= len(l.src) {
		return eof
	}
	r, w := utf8.DecodeRuneInString(l.src[l.pos:])
	l.pos += w
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) peek() rune {
	if l.pos >= len(l.src) {
		return eof
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return r
}

func (l *lexer) ignore() { l.start, l.sLine, l.sCol = l.pos, l.line, l.col }

func (l *lexer) emit(k tokenKind) {
	l.emitText(k, l.src[l.start:l.pos])
}

func (l *lexer) emitText(k tokenKind, text string) {
	l.tokens = append(l.tokens, token{kind: k, text: text, pos: Pos{l.sLine, l.sCol}})
	l.ignore()
}

func (l *lexer) errorf(format string, args ...any) stateFn {
	l.tokens = append(l.tokens, token{kind: tokError, text: fmt.Sprintf(format, args...), pos: Pos{l.sLine, l.sCol}})
	return nil
}

func lexAny(l *lexer) stateFn {
	for {
		r := l.next()
		switch {
		case r == eof:
			l.emit(tokEOF)
			return nil
		case r == '\n':
			l.emit(tokNewline)
		case r == ' ' || r == '\t' || r == '\r':
			l.ignore()
		case r == '#':
			return lexComment
		case r == '"':
			return lexString
		case r == '.':
			if l.peek() != '.' {
				return l.errorf("unexpected '.' (ranges are written 1..5)")
			}
			l.next()
			l.emit(tokPunct)
		case strings.ContainsRune("{}():,?=|", r):
			l.emit(tokPunct)
		case r >= '0' && r <= '9' || r == '-':
			return lexNumber
		case unicode.IsLetter(r) || r == '_':
			return lexIdent
		default:
			return l.errorf("unexpected character %q", r)
		}
	}
}

func lexComment(l *lexer) stateFn {
	for r := l.peek(); r != '\n' && r != eof; r = l.peek() {
		l.next()
	}
	l.ignore()
	return lexAny
}

func lexIdent(l *lexer) stateFn {
	for r := l.peek(); unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '\''; r = l.peek() {
		l.next()
	}
	l.emit(tokIdent)
	return lexAny
}

func lexNumber(l *lexer) stateFn {
	digits := 0
	if c := l.src[l.start]; c >= '0' && c <= '9' {
		digits = 1
	}
	for r := l.peek(); r >= '0' && r <= '9'; r = l.peek() {
		l.next()
		digits++
	}
	if digits == 0 {
		return l.errorf("'-' must start a number")
	}
	l.emit(tokNumber)
	return lexAny
}

func lexString(l *lexer) stateFn {
	var b strings.Builder
	for {
		r := l.next()
		switch r {
		case eof, '\n':
			return l.errorf("unterminated string")
		case '\\':
			switch e := l.next(); e {
			case '"', '\\':
				b.WriteRune(e)
			default:
				return l.errorf("unknown escape \\%c in string", e)
			}
		case '"':
			l.emitText(tokString, b.String())
			return lexAny
		default:
			b.WriteRune(r)
		}
	}
}
