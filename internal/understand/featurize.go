package understand

import (
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
)

type candKind int

const (
	cAbsent candKind = iota
	cIntent
	cEnum
	cDyn
	cToken
	cGroup // a group phrase: every value of a dynamic type ("everyone")
)

// cand is one candidate a slot may take.
type cand struct {
	kind   candKind
	intent int    // cIntent: index into g.Intents
	enum   int    // cEnum: index into layout.enums
	typ    string // cDyn: dynamic type
	value  string // cDyn: value as spelled in the state
	tok    int    // cToken: token index
	group  int    // cGroup: index into layout.groupTypes
	match  spanMatch
	again  []spanMatch // cDyn: the value said again elsewhere ("... the Stonejaw then ... the Stonejaw")
}

// featurized is one transcript turned into model input, plus what decoding needs.
type featurized struct {
	text  string
	toks  []token
	cands []cand
	ex    *model.Example
	cons  *model.Constraints
	st    *grammar.State
	// listed, when set, is a list the text says as a group phrase (lists.go): the
	// group expands over its values only
	listed *list
	// clause: the text is one clause of a longer utterance (split.go), where every
	// word must be accounted for (explained)
	clause bool

	scratch *scratch
}

// scratch holds the large buffers of one featurized utterance so that fills do not
// allocate them again and again.
type scratch struct {
	ex   *model.Example
	tbuf []bool
	cons model.Constraints
}

func (s *scratch) example(cfg model.Config) *model.Example {
	if s.ex == nil {
		s.ex = model.NewExample(cfg)
	}
	return s.ex
}

func (s *scratch) tables(n int) []bool {
	if cap(s.tbuf) < n {
		s.tbuf = make([]bool, n)
	}
	return s.tbuf[:n]
}

// release returns the buffers for reuse; f must not be used afterwards.
func (l *layout) release(f *featurized) {
	if f.scratch != nil {
		l.scratch.Put(f.scratch)
		f.scratch, f.ex, f.cons = nil, nil, nil
	}
}

var allTrue = func() []bool {
	b := make([]bool, 1024)
	for i := range b {
		b[i] = true
	}
	return b
}()

// Token feature layout (Ft = 16).
const (
	ftIsNumber = iota
	ftNumValue
	ftHomophone
	ftFiller
	ftJoin
	ftFirst
	ftLast
	ftPunctAfter
	ftCapital
	ftDynMatch0 // 4 features: best match score per dynamic type (first four types)
	_
	_
	_
	ftEnumMatch
	ftKeyword
	ftRelPos
	numTokFeat
)

// Candidate feature layout (Fc = 8).
const (
	fcScore = iota
	fcExact
	fcSpanLen
	fcDefault
	fcShadowed
	fcMentioned
	fcTokNumber
	fcTokPos
	numCandFeat
)

func hashID(s string, buckets int) int32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int32(h.Sum32() % uint32(buckets))
}

// featurize builds the model input for text under state st.
func (l *layout) featurize(text string, st *grammar.State) (*featurized, error) {
	return l.featurizeOpt(text, st, true)
}

// errOnlyFillers rejects speech made only of filler, joining and article words and
// numbers:
// background talk in open-mic play produces exactly these transcripts.
var errOnlyFillers = errors.New("not a command: only filler words")

func (l *layout) onlyFillers(toks []token) bool {
	filler := l.fillerTokens(toks)
	for i, t := range toks {
		if !filler[i] && !l.joins[t.norm] && t.norm != "the" && t.norm != "a" && t.norm != "an" && t.num < 0 {
			return false
		}
	}
	return true
}

// fillerTokens marks the tokens that are filler: a one-word filler ("um"), or a
// word of a filler phrase said whole ("right now", not the "right" of "go right").
func (l *layout) fillerTokens(toks []token) []bool {
	out := make([]bool, len(toks))
	for _, ph := range l.fillerPhrase {
		for k := 0; k+len(ph) <= len(toks); k++ {
			match := true
			for j, w := range ph {
				match = match && toks[k+j].norm == normWord(w)
			}
			if match {
				for j := range ph {
					out[k+j] = true
				}
			}
		}
	}
	return out
}

// selectValues fits a state's dynamic values into room candidate slots. A value
// nobody said can never fill a slot (typeAllows), so when the state is larger than
// the model's capacity the unsaid values are left out: said values first (best match
// first), then the state's defaults, then the rest, keeping the state's order among
// those kept. Only when more values were said than there is room is it an error.
func selectValues(dyns []cand, room int, st *grammar.State) ([]cand, error) {
	if len(dyns) <= room {
		return dyns, nil
	}
	said := func(c cand) bool { return c.match.from >= 0 && c.match.score >= poolThreshold }
	nSaid := 0
	for _, c := range dyns {
		if said(c) {
			nSaid++
		}
	}
	if nSaid > room {
		return nil, fmt.Errorf("too many names said at once: %d values of the game state match words of the utterance, the model has room for %d", nSaid, max(room, 0))
	}
	rank := make([]int, len(dyns))
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(a, b int) bool {
		ca, cb := dyns[rank[a]], dyns[rank[b]]
		if said(ca) != said(cb) {
			return said(ca)
		}
		if said(ca) {
			return ca.match.score > cb.match.score
		}
		da := strings.EqualFold(st.Defaults[ca.typ], ca.value)
		db := strings.EqualFold(st.Defaults[cb.typ], cb.value)
		return da && !db
	})
	keep := make([]bool, len(dyns))
	for _, i := range rank[:room] {
		keep[i] = true
	}
	out := make([]cand, 0, room)
	for i, c := range dyns {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// featurizeOpt is featurize; withConstraints=false skips the pair tables (training
// does not use them).
func (l *layout) featurizeOpt(text string, st *grammar.State, withConstraints bool) (*featurized, error) {
	cfg := l.cfg
	T, C, S := cfg.MaxTokens, cfg.MaxCands, cfg.Roles
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil, errEmpty
	}
	if withConstraints && l.onlyFillers(toks) { // "and then", "uh and um", "the the"
		return nil, errOnlyFillers
	}
	if len(toks) > T && withConstraints { // inference: drop filler words first, they carry no command
		kept := toks[:0:0]
		for i, tk := range toks {
			if !l.fillers[tk.norm] || len(toks)-i+len(kept) <= T {
				kept = append(kept, tk)
			}
		}
		toks = kept
	}
	if len(toks) > T {
		return nil, fmt.Errorf("too long: %d words, at most %d", len(toks), T)
	}
	f := &featurized{text: text, toks: toks, st: st}
	if withConstraints { // inference: reuse buffers (released after decoding)
		f.scratch = l.scratch.Get().(*scratch)
	} else { // training: the trainer keeps the example
		f.scratch = &scratch{}
	}
	spans := spanForms(toks)

	// Candidates: absent, intents, enum values, dynamic values, tokens.
	f.cands = append(f.cands, cand{kind: cAbsent})
	for i := range l.g.Intents {
		f.cands = append(f.cands, cand{kind: cIntent, intent: i})
	}
	for i, ev := range l.enums {
		best := spanMatch{from: -1}
		for k, syn := range ev.synonyms {
			m := bestSpan(spans, len(toks), &l.enumForms[i][k], max(1, strings.Count(syn, " ")+1))
			if len(syn) < 5 && m.score < 1 {
				m = spanMatch{from: -1}
			}
			if m.score > best.score {
				best = m
			}
		}
		f.cands = append(f.cands, cand{kind: cEnum, enum: i, match: best})
	}
	var dyns []cand
	for _, typ := range l.dynamic {
		aliases := st.Aliases[typ]
		for _, v := range st.Values[typ] {
			vf := valueForm(v)
			m := bestSpan(spans, len(toks), &vf, len(strings.Fields(v)))
			mf := vf
			for _, a := range aliases[v] { // "lounge" for "living room": the best-matching name
				af := valueForm(a)
				// the longer of equally good matches: "Captain Bubbles" over "Bubbles"
				if am := bestSpan(spans, len(toks), &af, len(strings.Fields(a))); am.score > m.score ||
					(am.score == m.score && am.from >= 0 && am.to-am.from > m.to-m.from) {
					m, mf = am, af
				}
			}
			dyns = append(dyns, cand{kind: cDyn, typ: typ, value: v, match: m, again: repeats(spans, len(toks), &mf, m)})
		}
	}
	// a repeat inside a longer value's words is that value ("potion" in "super
	// potion"), not the shorter one said again
	for i := range dyns {
		kept := dyns[i].again[:0:0]
		for _, r := range dyns[i].again {
			inside := false
			for j, o := range dyns {
				if j != i && o.match.from >= 0 && o.match.score >= r.score && o.match.to-o.match.from > r.to-r.from &&
					o.match.from <= r.from && r.to <= o.match.to {
					inside = true
				}
			}
			if !inside {
				kept = append(kept, r)
			}
		}
		dyns[i].again = kept
	}
	ex := f.scratch.example(cfg)
	Ft, Fc := cfg.TokFeat, cfg.CandFeat

	// Which tokens a confident dynamic match covers: replaced by a type placeholder so
	// the encoder does not depend on the names themselves. (From every value of the
	// state, before the candidate list is cut to the model's capacity.)
	delex := make([]string, len(toks))
	dynScore := make([][4]float32, len(toks))
	for ci := range dyns {
		c := &dyns[ci]
		if c.match.from < 0 {
			continue
		}
		di := l.dynIndex(c.typ)
		for _, m := range append([]spanMatch{c.match}, c.again...) {
			for t := m.from; t < m.to; t++ {
				if di < 4 && m.score > dynScore[t][di] {
					dynScore[t][di] = m.score
				}
				if m.score >= delexThreshold {
					delex[t] = c.typ
				}
			}
		}
	}
	var groups []cand
	for gi := range l.groupTypes {
		best := spanMatch{from: -1}
		for k, ph := range l.groupTypes[gi].Group {
			m := bestSpan(spans, len(toks), &l.groupForms[gi][k], strings.Count(ph, " ")+1)
			if m.score < 1 { // group phrases are grammar words: said exactly
				m = spanMatch{from: -1}
			}
			if m.score > best.score {
				best = m
			}
		}
		groups = append(groups, cand{kind: cGroup, group: gi, typ: l.groupTypes[gi].Name, match: best})
	}
	dyns, err := selectValues(dyns, C-len(f.cands)-len(groups)-len(toks), st)
	if err != nil {
		if withConstraints {
			l.scratch.Put(f.scratch)
		}
		return nil, err
	}
	f.cands = append(f.cands, dyns...)
	f.cands = append(f.cands, groups...)
	for t := range toks {
		f.cands = append(f.cands, cand{kind: cToken, tok: t})
	}
	ex.NTok, ex.NCand = len(toks), len(f.cands)
	enumScore := make([]float32, len(toks))
	for _, c := range f.cands {
		if c.kind == cEnum && c.match.from >= 0 {
			for t := c.match.from; t < c.match.to; t++ {
				enumScore[t] = max(enumScore[t], c.match.score)
			}
		}
	}
	for t, tk := range toks {
		ids := ex.TokHash[t]
		for j := range ids {
			ids[j] = -1
		}
		if delex[t] != "" {
			ids[0] = hashID("d:"+delex[t], cfg.HashBuckets)
		} else {
			ids[0] = hashID("w:"+tk.norm, cfg.HashBuckets)
			w := "<" + tk.norm + ">"
			for j, k := 1, 0; j < len(ids) && k+3 <= len(w); j, k = j+1, k+1 {
				ids[j] = hashID("t:"+w[k:k+3], cfg.HashBuckets)
			}
		}
		ft := ex.TokFeat[t*Ft : (t+1)*Ft]
		for j := range ft {
			ft[j] = 0
		}
		if tk.num >= 0 {
			ft[ftIsNumber] = 1
			ft[ftNumValue] = min(float32(tk.num)/5, 2)
		}
		ft[ftHomophone] = b2f(tk.homophone)
		ft[ftFiller] = b2f(l.fillers[tk.norm])
		ft[ftJoin] = b2f(l.joins[tk.norm])
		ft[ftFirst] = b2f(t == 0)
		ft[ftLast] = b2f(t == len(toks)-1)
		ft[ftPunctAfter] = b2f(tk.punctAfter)
		ft[ftCapital] = b2f(tk.capital && t > 0)
		for d := 0; d < 4; d++ {
			ft[ftDynMatch0+d] = dynScore[t][d]
		}
		ft[ftEnumMatch] = enumScore[t]
		ft[ftKeyword] = b2f(l.keywords[tk.norm])
		ft[ftRelPos] = float32(t) / float32(len(toks))
	}
	for t := len(toks); t < T; t++ {
		for j := range ex.TokHash[t] {
			ex.TokHash[t][j] = -1
		}
		for j := 0; j < Ft; j++ {
			ex.TokFeat[t*Ft+j] = 0
		}
	}

	// Candidate kinds, pooling weights and features.
	for i := range ex.CandPool {
		ex.CandPool[i] = 0
	}
	for i := range ex.CandFeat {
		ex.CandFeat[i] = 0
	}
	for ci, c := range f.cands {
		fc := ex.CandFeat[ci*Fc : (ci+1)*Fc]
		pool := ex.CandPool[ci*T : (ci+1)*T]
		switch c.kind {
		case cAbsent:
			ex.CandKind[ci] = kindAbsent
		case cIntent:
			ex.CandKind[ci] = int32(l.kindIntent0 + c.intent)
		case cEnum, cDyn, cGroup:
			switch c.kind {
			case cEnum:
				ex.CandKind[ci] = int32(l.kindEnum0 + c.enum)
			case cGroup:
				ex.CandKind[ci] = int32(l.kindGroup0 + c.group)
			default:
				ex.CandKind[ci] = int32(l.kindDyn0 + l.dynIndex(c.typ))
				fc[fcDefault] = b2f(strings.EqualFold(st.Defaults[c.typ], c.value))
			}
			m := c.match
			if m.from >= 0 {
				fc[fcScore] = m.score
				fc[fcExact] = b2f(m.score >= 0.999)
				fc[fcSpanLen] = float32(m.to-m.from) / 3
				if m.score >= poolThreshold {
					fc[fcMentioned] = 1
					for t := m.from; t < m.to; t++ {
						pool[t] = 1 / float32(m.to-m.from)
					}
				}
			}
		case cToken:
			ex.CandKind[ci] = int32(l.kindToken)
			pool[c.tok] = 1
			fc[fcTokNumber] = b2f(toks[c.tok].num >= 0)
			fc[fcTokPos] = float32(c.tok) / float32(len(toks))
			fc[fcMentioned] = 1
		}
	}
	// A value whose words lie inside a longer, better match ("potion" inside "super
	// potion") is flagged as shadowed.
	for ci, c := range f.cands {
		if (c.kind != cDyn && c.kind != cEnum) || c.match.from < 0 || c.match.score < poolThreshold {
			continue
		}
		for _, o := range f.cands {
			if (o.kind == cDyn || o.kind == cEnum) && o.match.from >= 0 && o.match.score >= c.match.score && o.match.to-o.match.from > c.match.to-c.match.from &&
				o.match.from <= c.match.from && o.match.to >= c.match.to {
				ex.CandFeat[ci*Fc+fcShadowed] = 1
				break
			}
		}
	}
	for ci := len(f.cands); ci < C; ci++ {
		ex.CandKind[ci] = 0
	}

	// Type-level masks and pair constraints.
	for i := range ex.Allowed {
		ex.Allowed[i] = false
	}
	for fr := 0; fr < cfg.Frames; fr++ {
		for r := range l.roles {
			p := fr*S + r
			row := ex.Allowed[p*C : (p+1)*C]
			for ci, c := range f.cands {
				row[ci] = l.typeAllows(r, c, toks)
			}
		}
		for r := len(l.roles); r < S; r++ { // roles the grammar does not use stay absent
			ex.Allowed[(fr*S+r)*C+0] = true
		}
	}
	if withConstraints {
		f.cons = l.constraints(f)
	}
	f.ex = ex
	return f, nil
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// typeAllows says whether role r may ever hold candidate c, whatever the intent:
// what a player could have said there, valid or not (so that a mistake can be
// recognised and explained rather than silently replaced).
func (l *layout) typeAllows(r int, c cand, toks []token) bool {
	if c.kind == cAbsent {
		return true
	}
	if (c.kind == cDyn || c.kind == cEnum || c.kind == cGroup) && c.match.score < poolThreshold {
		return false // a value nobody said is never a slot's value: no hallucinated items
	}
	if r == 0 {
		return c.kind == cIntent
	}
	ro := l.roles[r]
	for _, t := range l.slotTypes[ro.slot] {
		switch t.Kind {
		case grammar.Enum:
			// A value of this enum, or a word that is none ("go east"): the intent's
			// constraints forbid the word, so it is rejected with a reason.
			if (c.kind == cEnum && l.enums[c.enum].typ == t) || c.kind == cToken {
				return true
			}
		case grammar.Dynamic:
			// An unknown name (a word), a value of this type, or a value of another
			// dynamic type a player might say here (an ally as an attack target): the
			// intent's constraints forbid the mistakes, so they are rejected with a reason.
			if c.kind == cToken || c.kind == cDyn || (c.kind == cGroup && l.groupTypes[c.group] == t) {
				return true
			}
		case grammar.Range:
			if c.kind == cToken && toks[c.tok].num >= 0 {
				return true
			}
		case grammar.FreeText:
			if c.kind == cToken {
				return true
			}
		}
	}
	return false
}

// validFor says whether candidate c is a valid value for slot role r under intent in.
func (l *layout) validFor(in *grammar.Intent, r int, c *cand, toks []token) bool {
	s := l.slotOf[in.Name][r]
	if s == nil {
		return c.kind == cAbsent
	}
	if c.kind == cAbsent {
		return s.Optional || len(s.Defaults) > 0
	}
	switch s.Type.Kind {
	case grammar.Enum:
		return c.kind == cEnum && l.enums[c.enum].typ == s.Type
	case grammar.Dynamic:
		return (c.kind == cDyn || c.kind == cGroup) && c.typ == s.Type.Name
	case grammar.Range:
		return c.kind == cToken && toks[c.tok].num >= s.Type.Min && toks[c.tok].num <= s.Type.Max
	case grammar.FreeText:
		return c.kind == cToken
	}
	return false
}

// constraints builds the pair tables: intent -> every slot role, span start -> end,
// and each relation an intent requires. Only rows and columns of real candidates
// are filled; the model never reads the padding.
func (l *layout) constraints(f *featurized) *model.Constraints {
	C := l.cfg.MaxCands
	n := len(f.cands)
	pairs := l.relPairs
	ntables := len(l.roles) - 1 + len(pairs)
	for r := range l.roles {
		if l.roles[r].part == partStart {
			ntables++
		}
	}
	buf := f.scratch.tables(ntables * C * C) // one buffer for every table, reused across fills
	next := func() []bool {
		t := buf[: C*C : C*C]
		buf = buf[C*C:]
		return t
	}
	cons := &f.scratch.cons
	cons.Tables = cons.Tables[:0]
	for r := 1; r < len(l.roles); r++ {
		ok := next()
		for a := 0; a < n; a++ {
			ca := &f.cands[a]
			row := ok[a*C : a*C+n]
			switch ca.kind {
			case cAbsent:
				for b := 0; b < n; b++ {
					row[b] = f.cands[b].kind == cAbsent
				}
			case cIntent:
				in := l.g.Intents[ca.intent]
				for b := 0; b < n; b++ {
					row[b] = l.validFor(in, r, &f.cands[b], f.toks)
				}
			default:
				copy(row, allTrue[:n])
			}
		}
		cons.Tables = append(cons.Tables, model.PairTable{RoleA: 0, RoleB: r, OK: ok})
		if l.roles[r].part == partStart {
			span := next()
			for a := 0; a < n; a++ {
				for b := 0; b < n; b++ {
					ca, cb := &f.cands[a], &f.cands[b]
					switch {
					case ca.kind == cToken && cb.kind == cToken:
						span[a*C+b] = cb.tok >= ca.tok && cb.tok-ca.tok < 8
					case ca.kind == cToken || cb.kind == cToken:
						span[a*C+b] = false
					default:
						span[a*C+b] = true
					}
				}
			}
			cons.Tables = append(cons.Tables, model.PairTable{RoleA: r, RoleB: r + 1, OK: span})
		}
	}
	// Relations: every (A value, B value) pair is forbidden unless the state relates it.
	if len(pairs) > 0 {
		index := map[string]int{} // "type\x00lower value" -> candidate
		for i, c := range f.cands {
			if c.kind == cDyn {
				index[c.typ+"\x00"+strings.ToLower(c.value)] = i
			}
		}
		for _, rr := range pairs {
			ok := next()
			for a := 0; a < n; a++ {
				row := ok[a*C : a*C+n]
				isA := f.cands[a].kind == cDyn && f.cands[a].typ == rr.rel.A.Name
				for b := range row {
					row[b] = !(isA && f.cands[b].kind == cDyn && f.cands[b].typ == rr.rel.B.Name)
				}
			}
			for _, p := range f.st.Relations[rr.rel.Name] {
				a, okA := index[rr.rel.A.Name+"\x00"+strings.ToLower(p[0])]
				b, okB := index[rr.rel.B.Name+"\x00"+strings.ToLower(p[1])]
				if okA && okB {
					ok[a*C+b] = true
				}
			}
			cons.Tables = append(cons.Tables, model.PairTable{RoleA: rr.a, RoleB: rr.b, OK: ok})
		}
	}
	return cons
}

type rolePair struct {
	a, b int
	rel  *grammar.Relation
}

func (l *layout) requiredPairs() []rolePair {
	var out []rolePair
	seen := map[string]bool{}
	for _, in := range l.g.Intents {
		for _, rq := range in.Requires {
			key := rq.A + "|" + rq.B + "|" + rq.Relation.Name
			if seen[key] {
				continue
			}
			seen[key] = true
			all := true
			for _, other := range l.g.Intents {
				if other.Slot(rq.A) != nil && other.Slot(rq.B) != nil {
					found := false
					for _, q := range other.Requires {
						found = found || (q.A == rq.A && q.B == rq.B && q.Relation == rq.Relation)
					}
					all = all && found
				}
			}
			if all {
				out = append(out, rolePair{a: l.roleOf[rq.A], b: l.roleOf[rq.B], rel: rq.Relation})
			}
		}
	}
	return out
}
