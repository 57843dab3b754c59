package understand

// similarity is 1 - edit distance / longer length, on bytes, in [0,1].
func similarity(a, b string) float32 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	longer := max(la, lb)
	if d := la - lb; d*d*25 > longer*longer*4 { // lengths too different to reach 0.6
		return 0
	}
	var buf [2][40]int
	if lb >= len(buf[0]) {
		return 0
	}
	prev, cur := buf[0][:lb+1], buf[1][:lb+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		for j := 1; j <= lb; j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			if prev[j]+1 < c {
				c = prev[j] + 1
			}
			if cur[j-1]+1 < c {
				c = cur[j-1] + 1
			}
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return 1 - float32(prev[lb])/float32(longer)
}

// form is a name prepared for fuzzy comparison: the joined spelling, its phonetic
// folding, and letter counts of both (for a cheap lower bound on edit distance).
type form struct {
	s, ph      string
	bag, phBag [26]uint8
}

func newForm(joined, ph string) form {
	f := form{s: joined, ph: ph}
	for i := 0; i < len(joined); i++ {
		if c := joined[i] - 'a'; c < 26 {
			f.bag[c]++
		}
	}
	for i := 0; i < len(ph); i++ {
		if c := ph[i] - 'a'; c < 26 {
			f.phBag[c]++
		}
	}
	return f
}

// minScore: similarities below this count as no match at all.
const minScore = 0.6

// feasible reports whether two strings with these letter counts can still reach
// minScore: the bag distance is a lower bound of the edit distance.
func feasible(a, b *[26]uint8, la, lb int) bool {
	longer := max(la, lb)
	if longer == 0 || float32(abs(la-lb)) > (1-minScore)*float32(longer) {
		return false
	}
	var plus, minus int
	for c := range a {
		d := int(a[c]) - int(b[c])
		if d > 0 {
			plus += d
		} else {
			minus -= d
		}
	}
	lower := max(plus, minus, abs(la-lb))
	return float32(lower) <= (1-minScore)*float32(longer)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// nameScore compares a spoken span with a value's name, forgiving spacing, case and
// sound-alike spellings. Scores below minScore are 0.
func nameScore(spoken, value *form) float32 {
	if spoken.s == value.s {
		return 1
	}
	var s float32
	if feasible(&spoken.bag, &value.bag, len(spoken.s), len(value.s)) {
		s = similarity(spoken.s, value.s)
	}
	if s < 1 && feasible(&spoken.phBag, &value.phBag, len(spoken.ph), len(value.ph)) {
		s = max(s, similarity(spoken.ph, value.ph))
	}
	if len(value.s) <= 3 && s < 1 { // short names must match exactly
		return 0
	}
	if s < minScore {
		return 0
	}
	return s
}

// spanMatch is where a value was (probably) said.
type spanMatch struct {
	from, to int // token range
	score    float32
}

const (
	poolThreshold  = 0.67 // below this a value is "not mentioned"
	delexThreshold = 0.8  // above this the words are replaced by a type placeholder
	maxSpanWords   = 4
)

// repeats finds the other places a value is said as well as at its best span
// (same word count, at least delexThreshold): a command that names the Stonejaw
// after another did must see the same value there, not an unknown word.
func repeats(spans []form, ntok int, value *form, best spanMatch) []spanMatch {
	if best.from < 0 || best.score < delexThreshold {
		return nil
	}
	n := best.to - best.from
	var out []spanMatch
	for i := 0; i+n <= ntok; i++ {
		if i < best.to && i+n > best.from {
			continue // overlaps the best span
		}
		if s := nameScore(&spans[i*maxSpanWords+n-1], value); s >= delexThreshold {
			out = append(out, spanMatch{from: i, to: i + n, score: s})
			i += n - 1
		}
	}
	return out
}

// bestSpan finds the token span that best matches a value with the given word count.
func bestSpan(spans []form, ntok int, value *form, words int) spanMatch {
	best := spanMatch{from: -1}
	maxLen := min(words+1, maxSpanWords)
	for i := 0; i < ntok; i++ {
		for n := 1; n <= maxLen && i+n <= ntok; n++ {
			s := nameScore(&spans[i*maxSpanWords+n-1], value)
			// prefer the span whose word count equals the value's on ties
			if s > best.score || (s == best.score && s > 0 && n == words) {
				best = spanMatch{from: i, to: i + n, score: s}
			}
		}
	}
	return best
}

// spanForms prepares every span of up to maxSpanWords tokens: index i*maxSpanWords + n-1.
func spanForms(toks []token) []form {
	spans := make([]form, len(toks)*maxSpanWords)
	for i := range toks {
		s := ""
		for n := 1; n <= maxSpanWords && i+n <= len(toks); n++ {
			s += toks[i+n-1].norm
			spans[i*maxSpanWords+n-1] = newForm(s, phonetic(s))
		}
	}
	return spans
}
