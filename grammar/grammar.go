// Package grammar defines voicecmd's command language: slot types, relations,
// intents with phrasing patterns and defaults, the game state that supplies dynamic
// values at run time, and the constraint checker that every command passes. (The
// training-data generator that expands the patterns is internal/gen.)
//
// A grammar file looks like this:
//
//	type monster dynamic            # values come from the game at run time
//	type steps 1..5                 # integer range
//	type name text                  # free text: a span of the utterance
//	type direction enum {
//	    left
//	    forward: up, ahead          # canonical name: synonyms
//	}
//	relation knows(monster, move)
//	join: and, then                 # words that separate several commands
//	filler: uh, um, please          # words a player may add anywhere
//	group monster: everyone, all of you  # a phrase that means every monster
//
//	intent attack(actor: monster, move: move, target?: enemy) {
//	    require knows(actor, move)
//	    default actor: related, state
//	    say "{actor} [use] {move} [on [the] {target}]"
//	}
//
// Patterns are sequences of words, {slot} references, [optional parts] and
// (alternatives | separated | by bars). A pattern that leaves out a slot means the
// slot was omitted; a required slot may only be omitted if it has a default.
package grammar

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
)

// TypeKind says where a slot type's values come from.
type TypeKind int

const (
	Enum     TypeKind = iota // fixed values with synonyms, declared in the grammar
	Dynamic                  // values supplied by the game state at run time
	Range                    // integers Min..Max
	FreeText                 // free text: a span of the utterance
)

func (k TypeKind) String() string {
	return [...]string{"enum", "dynamic", "range", "text"}[k]
}

// Type is a slot type.
type Type struct {
	Name     string
	Kind     TypeKind
	Values   []EnumValue // Enum only
	Min, Max int         // Range only
	// Group lists the phrases ("all units", "everyone") that stand for every value
	// of the type, lowercased, words separated by single spaces. Dynamic only; nil
	// when the grammar declares no group for the type. A command whose slot is
	// filled by a group phrase means one command per value (see GroupOf).
	Group    []string
	Pos      Pos
	groupPos []Pos // position of each Group phrase
}

// EnumValue is one value of an enum type: its canonical name and its synonyms. The
// canonical name may have several words ("flat white"), lowercased and separated by
// single spaces; it is the Value.Str of a slot filled with this value.
type EnumValue struct {
	Name     string
	Synonyms []string
	Pos      Pos   // where the canonical name is written
	synPos   []Pos // position of each synonym
}

// Relation is a binary relation between two dynamic types whose pairs the state supplies.
type Relation struct {
	Name string
	A, B *Type
	Pos  Pos
}

// Slot is a typed argument of an intent.
type Slot struct {
	Name     string
	Type     *Type
	Optional bool
	// Defaults lists where an omitted slot's value comes from, in order:
	// "related" (the only value the intent's relations allow) and "state"
	// (the state's default for the slot's type).
	Defaults []string
}

// Require is a relation that must hold between two slots of an intent.
type Require struct {
	Relation *Relation
	A, B     string // slot names
}

// Intent is one kind of command.
type Intent struct {
	Name     string
	Slots    []*Slot
	Requires []Require
	Patterns []*Pattern
	Pos      Pos
}

// Slot returns the intent's slot called name, or nil.
func (in *Intent) Slot(name string) *Slot {
	for _, s := range in.Slots {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Grammar is a compiled grammar file.
type Grammar struct {
	Types     []*Type
	Relations []*Relation
	Intents   []*Intent
	Joins     []string // phrases that join several commands ("and", "then")
	Fillers   []string // filler words a player may add ("uh", "please")
	source    string
	file      string // the file name given to Parse, for positioned warnings
	joinPos   []Pos  // position of each Joins phrase
	fillerPos []Pos  // position of each Fillers phrase
}

// Type returns the type called name, or nil.
func (g *Grammar) Type(name string) *Type {
	for _, t := range g.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Intent returns the intent called name, or nil.
func (g *Grammar) Intent(name string) *Intent {
	for _, in := range g.Intents {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Bind records the grammar's relation signatures in st (State.Signatures), so
// that renaming or removing a value touches only pairs of its own type.
func (g *Grammar) Bind(st *State) {
	if st.Signatures == nil {
		st.Signatures = map[string][2]string{}
	}
	for _, r := range g.Relations {
		st.Signatures[r.Name] = [2]string{r.A.Name, r.B.Name}
	}
}

// GroupOf returns the dynamic type whose group phrases include phrase (compared
// case-insensitively, extra spaces and punctuation ignored): GroupOf("All units")
// is the unit type after "group unit: all units". It returns nil when phrase is no
// group phrase. Safe for concurrent use (the grammar is read only).
func (g *Grammar) GroupOf(phrase string) *Type {
	p := normPhrase(phrase)
	if p == "" {
		return nil
	}
	for _, t := range g.Types {
		for _, w := range t.Group {
			if w == p {
				return t
			}
		}
	}
	return nil
}

// normPhrase lowercases s and keeps only its words (runs of letters, digits,
// underscores, apostrophes and hyphens, as pattern words are), separated by single
// spaces.
func normPhrase(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !isWordRune(r) && r != '_'
	}), " ")
}

// Relation returns the relation called name, or nil.
func (g *Grammar) Relation(name string) *Relation {
	for _, r := range g.Relations {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// SlotNames returns every slot name used by any intent, in order of first use.
func (g *Grammar) SlotNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, in := range g.Intents {
		for _, s := range in.Slots {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// Fingerprint identifies the grammar's meaning for the model: weights trained for one
// grammar are refused for another. It hashes a canonical rendering of the types
// (with their group phrases), relations and intents (not comments or layout).
func (g *Grammar) Fingerprint() [32]byte {
	var b strings.Builder
	for _, t := range g.Types {
		fmt.Fprintf(&b, "type %s %s %d %d", t.Name, t.Kind, t.Min, t.Max)
		for _, v := range t.Values {
			fmt.Fprintf(&b, " %s=%s", v.Name, strings.Join(v.Synonyms, ","))
		}
		if len(t.Group) > 0 {
			// only when present, so grammars without groups keep their fingerprint
			fmt.Fprintf(&b, " group=%s", strings.Join(t.Group, ","))
		}
		b.WriteByte('\n')
	}
	for _, r := range g.Relations {
		fmt.Fprintf(&b, "relation %s %s %s\n", r.Name, r.A.Name, r.B.Name)
	}
	for _, in := range g.Intents {
		fmt.Fprintf(&b, "intent %s", in.Name)
		for _, s := range in.Slots {
			fmt.Fprintf(&b, " %s:%s:%v", s.Name, s.Type.Name, s.Optional)
		}
		b.WriteByte('\n')
	}
	return sha256.Sum256([]byte(b.String()))
}

// DynamicTypes returns the names of the dynamic types, sorted.
func (g *Grammar) DynamicTypes() []string {
	var ts []string
	for _, t := range g.Types {
		if t.Kind == Dynamic {
			ts = append(ts, t.Name)
		}
	}
	sort.Strings(ts)
	return ts
}
