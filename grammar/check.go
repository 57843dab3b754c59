package grammar

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Violation explains why a command is not valid for the grammar and the state. Its
// message is meant for the player ("Sparky does not know ember").
type Violation struct{ Msg string }

func (v *Violation) Error() string { return v.Msg }

func violatef(format string, args ...any) *Violation {
	return &Violation{Msg: fmt.Sprintf(format, args...)}
}

// Resolve fills the omitted slots of an intent from its defaults, in the declared
// order: "related" takes the only value the intent's relations allow given the
// other slots, "state" takes the state's default for the slot's type. Slots said
// explicitly are never changed. It returns a new map.
func (g *Grammar) Resolve(intent string, slots map[string]Value, st *State) map[string]Value {
	in := g.Intent(intent)
	out := make(map[string]Value, len(slots)+1)
	for k, v := range slots {
		out[k] = v
	}
	if in == nil {
		return out
	}
	for _, s := range in.Slots {
		if _, said := out[s.Name]; said {
			continue
		}
	sources:
		for _, src := range s.Defaults {
			switch src {
			case "related":
				if v, ok := g.onlyRelated(in, s, out, st); ok {
					out[s.Name] = Str(v)
					break sources
				}
			case "state":
				if v := st.Defaults[s.Type.Name]; v != "" {
					out[s.Name] = Str(v)
					break sources
				}
			}
		}
	}
	return out
}

// onlyRelated returns the single value of slot s's type that every require of the
// intent allows, given the other slots already filled.
func (g *Grammar) onlyRelated(in *Intent, s *Slot, filled map[string]Value, st *State) (string, bool) {
	var cands []string
	constrained := false
	for _, v := range st.Values[s.Type.Name] {
		ok := true
		for _, r := range in.Requires {
			switch {
			case r.A == s.Name:
				if b, has := filled[r.B]; has {
					constrained = true
					ok = ok && st.Related(r.Relation.Name, v, b.Str)
				}
			case r.B == s.Name:
				if a, has := filled[r.A]; has {
					constrained = true
					ok = ok && st.Related(r.Relation.Name, a.Str, v)
				}
			}
		}
		if ok {
			cands = append(cands, v)
		}
	}
	if constrained && len(cands) == 1 {
		return cands[0], true
	}
	return "", false
}

// Check reports whether a command (after Resolve) is valid for the grammar and the
// state; the error is a *Violation whose message says what is wrong.
func (g *Grammar) Check(c Command, st *State) error {
	in := g.Intent(c.Intent)
	if in == nil {
		return violatef("unknown intent %q", c.Intent)
	}
	for name := range c.Slots {
		if in.Slot(name) == nil {
			return violatef("%s has no %s", in.Name, name)
		}
	}
	for _, s := range in.Slots {
		v, has := c.Slots[s.Name]
		if !has {
			if s.Optional {
				continue
			}
			if len(s.Defaults) > 0 {
				return violatef("%s: which %s? none was said and there is no default", in.Name, s.Name)
			}
			return violatef("%s needs %s", in.Name, Article(s.Name))
		}
		if err := checkValue(s, v, st); err != nil {
			return err
		}
	}
	for _, r := range in.Requires {
		a, b := c.Slots[r.A], c.Slots[r.B]
		if _, has := c.Slots[r.A]; !has {
			continue
		}
		if _, has := c.Slots[r.B]; !has {
			continue
		}
		if !st.Related(r.Relation.Name, a.Str, b.Str) {
			return violatef("%s does not %s %s", a.Str, RelationVerb(r.Relation.Name), b.Str)
		}
	}
	return nil
}

// RelationVerb turns a relation's name into the verb of a reason: "knows" -> "know"
// ("Sparky does not know ember").
func RelationVerb(rel string) string {
	switch rel {
	case "knows":
		return "know"
	case "has":
		return "have"
	}
	return strings.TrimSuffix(rel, "s")
}

func checkValue(s *Slot, v Value, st *State) error {
	t := s.Type
	switch t.Kind {
	case Enum:
		for _, ev := range t.Values {
			if ev.Name == v.Str {
				return nil
			}
		}
		return violatef("%s: %q is not %s", s.Name, v.Str, Article(t.Name))
	case Dynamic:
		if v.IsNum || !st.Has(t.Name, v.Str) {
			for _, other := range st.Types() {
				if other != t.Name && st.Has(other, v.Str) {
					return violatef("%s is %s, not %s", v.Str, Article(other), Article(t.Name))
				}
			}
			return violatef("unknown %s %q", t.Name, v.String())
		}
		return nil
	case Range:
		if !v.IsNum {
			return violatef("%s: %q is not a number", s.Name, v.Str)
		}
		if v.Num < t.Min || v.Num > t.Max {
			return violatef("%s %d is out of range %d..%d", s.Name, v.Num, t.Min, t.Max)
		}
		return nil
	case FreeText:
		if strings.TrimSpace(v.Str) == "" {
			return violatef("%s: empty", s.Name)
		}
		return nil
	}
	return nil
}

// Article puts "a" or "an" before a word ("an enemy", "a monster").
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// CarryAddressee fills the addressee slots that a command left unsaid — those
// with a "state" default — from the command said before it in the same utterance,
// when that one said a value of the same type in an addressee slot of its own:
// "Cinder, ember the Stonejaw, then come back" has Cinder come back, not the
// state's default monster. prevSaid holds the slots the previous command said (or
// carried). A carry is kept only if the resolved command passes Check in st, so
// "Sparky thunderbolt, then rain dance" still gives rain dance to the monster that
// knows it. It returns slots itself when nothing is carried. The generator's
// labels and the filler's decoder both use it.
func (g *Grammar) CarryAddressee(intent string, slots map[string]Value, prevIntent string, prevSaid map[string]Value, st *State) map[string]Value {
	in, prev := g.Intent(intent), g.Intent(prevIntent)
	if in == nil || prev == nil {
		return slots
	}
	var out map[string]Value
	for _, s := range in.Slots {
		if _, said := slots[s.Name]; said || !slices.Contains(s.Defaults, "state") {
			continue
		}
		for _, ps := range prev.Slots {
			v, said := prevSaid[ps.Name]
			if !said || ps.Type != s.Type || !slices.Contains(ps.Defaults, "state") {
				continue
			}
			if out == nil {
				out = maps.Clone(slots)
			}
			out[s.Name] = v
			break
		}
	}
	if out == nil || g.Check(Command{Intent: intent, Slots: g.Resolve(intent, out, st)}, st) != nil {
		return slots
	}
	return out
}
