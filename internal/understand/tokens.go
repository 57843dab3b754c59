package understand

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// token is one word of a transcript.
type token struct {
	norm       string // lower case, letters and digits only ("sparky", "2", "let's" -> "lets")
	start, end int    // byte span of the word in the original text
	capital    bool   // written with a capital letter
	punctAfter bool   // followed by , . ! ? ; :
	num        int    // number value, -1 if not a number
	homophone  bool   // a number only by sound ("to" -> 2, "for" -> 4)
	fraction   bool   // "3.5": a number, but no whole count (num is hugeNumber)
}

var numberValue = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
	"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
	"hundred": 100, "thousand": 1000, "million": 1000000, "dozen": 12, "zillion": hugeNumber,
	"once": 1, "twice": 2, "single": 1, "double": 2, "triple": 3,
}

var numberHomophones = map[string]int{"to": 2, "too": 2, "for": 4, "won": 1, "tree": 3, "fore": 4}

// tokenize splits a transcript into words, remembering where each came from.
// Anything that is not a letter, digit or apostrophe separates words.
func tokenize(text string) []token {
	var toks []token
	i := 0
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if len(toks) > 0 && strings.ContainsRune(",.!?;:", r) {
				toks[len(toks)-1].punctAfter = true
			}
			i += w
			continue
		}
		start := i
		for i < len(text) {
			r, w := utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				// "3.5" and "2,5" are one word (a number that is not a whole count)
				if (r == '.' || r == ',') && i > start && isDigit(text[i-1]) && i+1 < len(text) && isDigit(text[i+1]) {
					i += w
					continue
				}
				break
			}
			i += w
		}
		word := strings.Trim(text[start:i], "'")
		if word == "" {
			continue
		}
		off := strings.Index(text[start:i], word)
		t := token{start: start + off, end: start + off + len(word), num: -1}
		first, _ := utf8.DecodeRuneInString(word)
		t.capital = unicode.IsUpper(first)
		t.norm = normWord(word)
		if t.norm == "" {
			continue
		}
		if n, ok := numberValue[t.norm]; ok {
			t.num = n
		} else if n, ok := numberHomophones[t.norm]; ok {
			t.num, t.homophone = n, true
		} else if n, ok := parseDigits(t.norm); ok {
			t.num = n
			if strings.ContainsAny(word, ".,") {
				t.num, t.fraction = hugeNumber, true
			}
		}
		toks = append(toks, t)
	}
	return toks
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' }

func normWord(w string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hugeNumber stands for a digit string too long to be a real count: still a number
// (so "99999999999999999999 steps" is out of range, not "no steps").
const hugeNumber = 1 << 30

func parseDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < hugeNumber {
			n = n*10 + int(c-'0')
		}
	}
	return min(n, hugeNumber), true
}

// joinForm is how names are compared: lower case letters and digits, no spaces.
func joinForm(s string) string { return normWord(s) }

// phonetic folds spellings that sound alike, so "Sparkey" meets "Sparky" and
// "Bubbless" meets "Bubbles".
// valueForm prepares a value name for matching, memoized: names repeat across
// utterances (bounded, since training sees endless random names).
func valueForm(v string) form {
	if f, ok := formCache.Load(v); ok {
		return f.(form)
	}
	j := joinForm(v)
	f := newForm(j, phonetic(j))
	if formCount.Add(1) < 1<<14 {
		formCache.Store(v, f)
	}
	return f
}

var (
	formCache sync.Map
	formCount atomic.Int64
)

var soundAlike = strings.NewReplacer("ph", "f", "ck", "k", "qu", "kw", "ee", "i", "ea", "i", "ey", "y", "ie", "y", "oo", "u", "ou", "u", "z", "s", "c", "k", "x", "ks")

func phonetic(s string) string {
	s = soundAlike.Replace(s)
	var b strings.Builder
	var prev rune
	for _, c := range s {
		if c != prev { // collapse doubled letters
			b.WriteRune(c)
		}
		prev = c
	}
	out := b.String()
	if len(out) > 3 {
		out = strings.TrimSuffix(out, "h") // "rattle her" -> "rattleer" stays close
	}
	return out
}
