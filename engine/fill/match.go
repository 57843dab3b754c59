package fill

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

// nameScore compares a spoken span with a value's name, forgiving spacing, case and
// sound-alike spellings.
func nameScore(spoken, value, spokenPh, valuePh string) float32 {
	s := similarity(spoken, value)
	if p := similarity(spokenPh, valuePh); p > s {
		s = p
	}
	if len(value) <= 3 && s < 1 { // short names must match exactly
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

// bestSpan finds the token span that best matches a value with the given word count.
func bestSpan(toks []token, joined, ph []string, value, valuePh string, words int) spanMatch {
	best := spanMatch{from: -1}
	maxLen := min(words+1, maxSpanWords)
	for i := range toks {
		for n := 1; n <= maxLen && i+n <= len(toks); n++ {
			j := i + n
			s := nameScore(joined[i*maxSpanWords+n-1], value, ph[i*maxSpanWords+n-1], valuePh)
			// prefer the span whose word count equals the value's on ties
			if s > best.score || (s == best.score && s > 0 && n == words) {
				best = spanMatch{from: i, to: j, score: s}
			}
		}
	}
	return best
}

// spanForms precomputes the joined and phonetic forms of every span of up to
// maxSpanWords tokens: index i*maxSpanWords + n-1.
func spanForms(toks []token) (joined, ph []string) {
	joined = make([]string, len(toks)*maxSpanWords)
	ph = make([]string, len(toks)*maxSpanWords)
	for i := range toks {
		s := ""
		for n := 1; n <= maxSpanWords && i+n <= len(toks); n++ {
			s += toks[i+n-1].norm
			joined[i*maxSpanWords+n-1] = s
			ph[i*maxSpanWords+n-1] = phonetic(s)
		}
	}
	return joined, ph
}
