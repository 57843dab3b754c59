package understand

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
)

// role is one decoder position inside a frame: role 0 is the intent, the others are
// slots (free-text slots take two roles: the first and the last word of the span).
type role struct {
	slot string
	part int // 0 whole value, 1 span start, 2 span end
}

const (
	partWhole = iota
	partStart
	partEnd
)

// layout maps a grammar onto the model's fixed shapes: roles, candidate kinds and
// the word lists the featurizer needs. It depends only on the grammar.
type layout struct {
	g      *grammar.Grammar
	cfg    model.Config
	roles  []role
	roleOf map[string]int // slot name -> its (first) role
	enums  []enumValue
	// enumForms[i][k] is synonym k of enum value i, prepared for matching
	enumForms [][]form
	dynamic   []string // dynamic type names in grammar order
	// groupTypes are the dynamic types with group phrases ("everyone"), and
	// groupForms[i][k] phrase k of groupTypes[i], prepared for matching
	groupTypes []*grammar.Type
	groupForms [][]form

	kindIntent0, kindEnum0, kindDyn0, kindToken, kindGroup0, numKinds int

	fillers map[string]bool
	joins   map[string]bool
	// joinWords are the grammar's join phrases as words, for cutting clauses (split.go)
	joinWords [][]string
	keywords  map[string]bool // literal words of the patterns
	// units are the words patterns put right after a number slot ("steps": homophones.go)
	units map[string]bool
	// addressees are the dynamic types a slot takes from the state when unsaid
	// (the monster): the ones a player addresses (corrections.go)
	addressees map[string]bool
	// intentWords[intent] are the words of the intent's own patterns that say
	// which command it is (no articles, prepositions or auxiliaries: dropCommandsInNames)
	intentWords map[string]map[string]bool
	// slotTypes lists, per slot name, the types it takes in the intents that have it.
	slotTypes map[string][]*grammar.Type

	// leadIns[intent][word] are the slots a closed-class word leads into in the
	// intent's patterns ("to" -> target in "give ... to {target}"): a transcript
	// that stops at one, not as a pattern ends (endPairs), was cut off (cutOff)
	leadIns      map[string]map[string][]string
	endPairs     map[[2]string]bool // the last two words of every pattern's endings ("hold on")
	fillerPhrase [][]string         // the grammar's filler phrases, as words
	// negOwners[w] are the intents a pattern of which says "don't w" ("don't move"
	// meaning hold): a "don't w" that goes on with a value is another command negated
	negOwners map[string][]string

	scratch sync.Pool // *scratch buffers for inference
	// slotOf[intent][role] is the intent's slot for that role, or nil
	slotOf map[string][]*grammar.Slot
	// relPairs are the role pairs every intent having both constrains by a relation
	relPairs []rolePair
}

type enumValue struct {
	typ      *grammar.Type
	name     string
	synonyms []string // including the name itself, as join forms
	words    []int    // the word count of each synonym as written ("back up": 2)
}

const kindAbsent = 0

// Bounds on the shapes a weights file may ask the featurizer for: beyond them a
// file is corrupt or hostile (its checksum only proves it was not damaged in
// transit), and allocating for it would exhaust memory.
const (
	maxCandidates = 4096
	maxWords      = 256
)

// checkConfig refuses weights whose shapes the featurizer cannot fill.
func checkConfig(cfg model.Config) error {
	switch {
	case cfg.TokFeat < numTokFeat:
		return fmt.Errorf("fill: weights have %d token features, the featurizer writes %d: the file is not a voicecmd model of this version", cfg.TokFeat, numTokFeat)
	case cfg.CandFeat < numCandFeat:
		return fmt.Errorf("fill: weights have %d candidate features, the featurizer writes %d: the file is not a voicecmd model of this version", cfg.CandFeat, numCandFeat)
	case cfg.MaxCands > maxCandidates:
		return fmt.Errorf("fill: weights ask for %d candidates per utterance, at most %d", cfg.MaxCands, maxCandidates)
	case cfg.MaxTokens > maxWords:
		return fmt.Errorf("fill: weights ask for %d words per utterance, at most %d", cfg.MaxTokens, maxWords)
	case cfg.HashesPerToken < 1 || cfg.HashBuckets < 1:
		return fmt.Errorf("fill: weights have no word hashes (%d per word, %d buckets)", cfg.HashesPerToken, cfg.HashBuckets)
	}
	return nil
}

func newLayout(g *grammar.Grammar, cfg model.Config) (*layout, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	l := &layout{g: g, cfg: cfg, roleOf: map[string]int{}, fillers: map[string]bool{}, joins: map[string]bool{},
		keywords: map[string]bool{}, slotTypes: map[string][]*grammar.Type{}}
	l.scratch.New = func() any { return &scratch{} }
	l.roles = append(l.roles, role{})
	for _, name := range g.SlotNames() {
		var isText bool
		for _, in := range g.Intents {
			if s := in.Slot(name); s != nil {
				l.slotTypes[name] = appendType(l.slotTypes[name], s.Type)
				isText = isText || s.Type.Kind == grammar.FreeText
			}
		}
		l.roleOf[name] = len(l.roles)
		if isText {
			l.roles = append(l.roles, role{name, partStart}, role{name, partEnd})
		} else {
			l.roles = append(l.roles, role{name, partWhole})
		}
	}
	l.slotOf = map[string][]*grammar.Slot{}
	for _, in := range g.Intents {
		row := make([]*grammar.Slot, len(l.roles))
		for r := 1; r < len(l.roles); r++ {
			row[r] = in.Slot(l.roles[r].slot)
		}
		l.slotOf[in.Name] = row
	}
	l.kindIntent0 = 1
	l.kindEnum0 = l.kindIntent0 + len(g.Intents)
	for _, t := range g.Types {
		switch t.Kind {
		case grammar.Enum:
			for _, v := range t.Values {
				ev := enumValue{typ: t, name: v.Name}
				for _, s := range append([]string{v.Name}, v.Synonyms...) {
					ev.synonyms = append(ev.synonyms, joinForm(s))
					ev.words = append(ev.words, len(strings.Fields(s)))
				}
				l.enums = append(l.enums, ev)
			}
		case grammar.Dynamic:
			l.dynamic = append(l.dynamic, t.Name)
			if len(t.Group) > 0 {
				var fs []form
				for _, ph := range t.Group {
					fs = append(fs, newForm(joinForm(ph), phonetic(joinForm(ph))))
					for _, w := range strings.Fields(ph) {
						l.keywords[normWord(w)] = true
					}
				}
				l.groupTypes = append(l.groupTypes, t)
				l.groupForms = append(l.groupForms, fs)
			}
		}
	}
	for _, ev := range l.enums {
		var fs []form
		for _, syn := range ev.synonyms {
			fs = append(fs, newForm(syn, phonetic(syn)))
		}
		l.enumForms = append(l.enumForms, fs)
	}
	l.kindDyn0 = l.kindEnum0 + len(l.enums)
	l.kindToken = l.kindDyn0 + len(l.dynamic)
	l.kindGroup0 = l.kindToken + 1
	l.numKinds = l.kindGroup0 + len(l.groupTypes)
	if len(l.roles) > cfg.Roles {
		return nil, fmt.Errorf("fill: the grammar needs %d slot roles, the model has %d; retrain with a larger Roles", len(l.roles), cfg.Roles)
	}
	if l.numKinds > cfg.Kinds {
		return nil, fmt.Errorf("fill: the grammar needs %d candidate kinds, the model has %d", l.numKinds, cfg.Kinds)
	}
	l.relPairs = l.requiredPairs()
	for _, f := range g.Fillers {
		for _, w := range strings.Fields(f) {
			l.fillers[w] = true
		}
	}
	for _, j := range g.Joins {
		var words []string
		for _, w := range strings.Fields(j) {
			l.joins[w] = true
			words = append(words, normWord(w))
		}
		l.joinWords = append(l.joinWords, words)
	}
	l.intentWords = map[string]map[string]bool{}
	l.units = unitWords(g)
	l.addressees = map[string]bool{}
	for _, in := range g.Intents {
		for _, sl := range in.Slots {
			if sl.Type.Kind == grammar.Dynamic && slices.Contains(sl.Defaults, "state") {
				l.addressees[sl.Type.Name] = true
			}
		}
		l.intentWords[in.Name] = map[string]bool{}
		for _, p := range in.Patterns {
			for _, w := range p.Words() {
				l.keywords[normWord(w)] = true
				if w := normWord(w); !preposition[w] && !determiner[w] && !auxiliary[w] {
					l.intentWords[in.Name][w] = true
				}
			}
		}
	}
	l.leadIns = map[string]map[string][]string{}
	l.endPairs = map[[2]string]bool{}
	for _, in := range g.Intents {
		into, ends := in.LeadIns()
		maps.Copy(l.endPairs, ends)
		l.leadIns[in.Name] = map[string][]string{}
		for w, slots := range into {
			if leadInWords[w] && !l.joins[w] {
				l.leadIns[in.Name][w] = slots
			}
		}
	}
	for _, f := range g.Fillers {
		l.fillerPhrase = append(l.fillerPhrase, strings.Fields(f))
	}
	l.negOwners = g.SelfNegated()
	return l, nil
}

func appendType(ts []*grammar.Type, t *grammar.Type) []*grammar.Type {
	for _, x := range ts {
		if x == t {
			return ts
		}
	}
	return append(ts, t)
}

// dynIndex returns the index of a dynamic type, or -1.
func (l *layout) dynIndex(typ string) int {
	for i, t := range l.dynamic {
		if t == typ {
			return i
		}
	}
	return -1
}
