package grammar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// State is the game's runtime vocabulary: the values of dynamic slot types, other
// names players use for them, the relations between values and the defaults for
// omitted slots. It has the same meaning as the JSON state document:
//
//	{"values": {"monster": ["Sparky"], "move": ["thunderbolt"],
//	            "room": ["kitchen", {"name": "living room", "aliases": ["lounge"]}]},
//	 "relations": {"knows": [["Sparky", "thunderbolt"]]},
//	 "defaults": {"monster": "Sparky"}}
//
// A value is a string or an object with its name and aliases; Values holds the names
// and Aliases the aliases.
//
// A State is a plain value: build it, then hand it over (the engine copies it). It is
// not safe to mutate a State while another goroutine reads it.
type State struct {
	Values    map[string][]string   `json:"values"`
	Relations map[string][][]string `json:"relations"`
	Defaults  map[string]string     `json:"defaults"`
	// Aliases maps a type to its values' other names: type -> value (spelled as in
	// Values) -> aliases ("living room" -> "lounge", "front room"). A command always
	// carries the value's name, never an alias. Nil or missing entries mean no aliases.
	Aliases map[string]map[string][]string `json:"-"`
	// Signatures gives each relation's pair types (relation -> [A type, B type]), as
	// the grammar declares them (Grammar.Bind sets it). With it Rename and Remove
	// touch only the side of a pair that holds the renamed value's type: renaming
	// the monster "Ember" leaves the move "ember" alone. Nil: both sides by name.
	Signatures map[string][2]string `json:"-"`
}

// sides reports which sides of relation rel's pairs hold values of type typ.
func (st *State) sides(rel, typ string) (a, b bool) {
	sig, ok := st.Signatures[rel]
	if !ok {
		return true, true
	}
	return sig[0] == typ, sig[1] == typ
}

// stateJSON is the document form of a State: aliases sit with their value.
type stateJSON struct {
	Values    map[string][]valueJSON `json:"values"`
	Relations map[string][][]string  `json:"relations"`
	Defaults  map[string]string      `json:"defaults"`
}

// valueJSON is one entry of a values list: "kitchen" or
// {"name": "living room", "aliases": ["lounge"]}.
type valueJSON struct {
	Name    string
	Aliases []string
}

type valueObject struct {
	Name    *string  `json:"name"`
	Aliases []string `json:"aliases"`
}

// MarshalJSON writes a value without aliases as a string, else as an object.
func (v valueJSON) MarshalJSON() ([]byte, error) {
	if len(v.Aliases) == 0 {
		return json.Marshal(v.Name)
	}
	return json.Marshal(valueObject{Name: &v.Name, Aliases: v.Aliases})
}

// UnmarshalJSON reads either form; an object must have a name and no other keys
// than name and aliases.
func (v *valueJSON) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, &v.Name)
	case len(b) > 0 && b[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var o valueObject
		if err := dec.Decode(&o); err != nil {
			return err
		}
		if o.Name == nil {
			return fmt.Errorf("value %s has no \"name\"", b)
		}
		v.Name, v.Aliases = *o.Name, o.Aliases
		return nil
	}
	return fmt.Errorf("a value is a string or {\"name\": ..., \"aliases\": [...]}, got %s", b)
}

// MarshalJSON writes the state document, each value with aliases in its object form.
func (st State) MarshalJSON() ([]byte, error) {
	doc := stateJSON{Relations: st.Relations, Defaults: st.Defaults}
	if st.Values != nil {
		doc.Values = make(map[string][]valueJSON, len(st.Values))
		for typ, vals := range st.Values {
			out := make([]valueJSON, len(vals))
			for i, v := range vals {
				out[i] = valueJSON{Name: v, Aliases: st.aliasesOf(typ, v)}
			}
			doc.Values[typ] = out
		}
	}
	return json.Marshal(doc)
}

// UnmarshalJSON reads a state document without validating it (ParseState does).
// Unknown keys are an error.
func (st *State) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var doc stateJSON
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	*st = State{Relations: doc.Relations, Defaults: doc.Defaults}
	if doc.Values != nil {
		st.Values = make(map[string][]string, len(doc.Values))
	}
	for typ, vals := range doc.Values {
		names := make([]string, len(vals))
		for i, v := range vals {
			names[i] = v.Name
			if len(v.Aliases) > 0 {
				st.SetAliases(typ, v.Name, v.Aliases...)
			}
		}
		st.Values[typ] = names
	}
	return nil
}

// ParseState decodes a JSON state document and validates it. Unknown keys are an
// error so typos ("relation", "alias") do not silently drop data.
func ParseState(data []byte) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("grammar: bad state document: %w", err)
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	return &st, nil
}

// LoadState reads and parses a state file.
func LoadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("grammar: read state: %w", err)
	}
	st, err := ParseState(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

func (st *State) validate() error {
	for typ, vals := range st.Values {
		seen := map[string]bool{}
		for _, v := range vals {
			k := strings.ToLower(strings.TrimSpace(v))
			if k == "" {
				return fmt.Errorf("grammar: state: empty value in %q", typ)
			}
			if seen[k] {
				return fmt.Errorf("grammar: state: value %q listed twice in %q", v, typ)
			}
			seen[k] = true
		}
	}
	if err := st.validateAliases(); err != nil {
		return err
	}
	for rel, pairs := range st.Relations {
		for _, p := range pairs {
			if len(p) != 2 {
				return fmt.Errorf("grammar: state: relation %q needs pairs, got %v", rel, p)
			}
		}
	}
	for typ, v := range st.Defaults {
		if !st.Has(typ, v) {
			return fmt.Errorf("grammar: state: default %s %q is not among the %s values", typ, v, typ)
		}
	}
	return nil
}

// validateAliases checks that every alias belongs to a value and that no alias is
// empty or repeats a name (value or alias) of its type, case ignored.
func (st *State) validateAliases() error {
	for _, typ := range sortedMapKeys(st.Aliases) {
		byValue := st.Aliases[typ]
		taken := map[string]string{} // lowercased name -> what already uses it
		for _, v := range st.Values[typ] {
			taken[strings.ToLower(strings.TrimSpace(v))] = fmt.Sprintf("the %s value %q", typ, v)
		}
		keys := map[string]string{}
		for _, v := range sortedMapKeys(byValue) {
			k := strings.ToLower(v)
			if !st.Has(typ, v) {
				return fmt.Errorf("grammar: state: aliases given for %s %q, which is not among the %s values", typ, v, typ)
			}
			if prev, dup := keys[k]; dup {
				return fmt.Errorf("grammar: state: aliases of %s %q given twice (as %q and %q)", typ, v, prev, v)
			}
			keys[k] = v
		}
		for _, v := range st.Values[typ] {
			for _, a := range byValue[v] {
				k := strings.ToLower(strings.TrimSpace(a))
				if k == "" {
					return fmt.Errorf("grammar: state: empty alias of %s %q", typ, v)
				}
				if prev, dup := taken[k]; dup {
					return fmt.Errorf("grammar: state: alias %q of %s %q is already %s", a, typ, v, prev)
				}
				taken[k] = fmt.Sprintf("an alias of %s %q", typ, v)
			}
		}
	}
	return nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Clone returns a deep copy. Like the JSON form, it keeps only the aliases of values
// that are in Values: a value removed by editing Values directly loses its aliases
// in the copy (and does not get them back if it is added again).
func (st *State) Clone() *State {
	if st == nil {
		return &State{}
	}
	c := &State{Values: map[string][]string{}, Relations: map[string][][]string{}, Defaults: map[string]string{}, Aliases: map[string]map[string][]string{}}
	for typ, byValue := range st.Aliases {
		m := make(map[string][]string, len(byValue))
		for v, as := range byValue {
			if len(as) > 0 && st.Has(typ, v) {
				m[v] = append([]string(nil), as...)
			}
		}
		if len(m) > 0 {
			c.Aliases[typ] = m
		}
	}
	for k, v := range st.Values {
		c.Values[k] = append([]string(nil), v...)
	}
	for k, ps := range st.Relations {
		for _, p := range ps {
			c.Relations[k] = append(c.Relations[k], append([]string(nil), p...))
		}
	}
	if st.Signatures != nil {
		c.Signatures = make(map[string][2]string, len(st.Signatures))
		for k, v := range st.Signatures {
			c.Signatures[k] = v
		}
	}
	for k, v := range st.Defaults {
		c.Defaults[k] = v
	}
	return c
}

// Has reports whether v (case-insensitive) is a value of type typ.
func (st *State) Has(typ, v string) bool {
	for _, x := range st.Values[typ] {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// Related reports whether (a, b) is in relation rel (case-insensitive).
func (st *State) Related(rel, a, b string) bool {
	for _, p := range st.Relations[rel] {
		if strings.EqualFold(p[0], a) && strings.EqualFold(p[1], b) {
			return true
		}
	}
	return false
}

// Names returns the names players may use for value v of type typ: the value as
// spelled in Values, then its aliases in order. It returns nil when v (case ignored)
// is not a typ value. The slice is the caller's.
func (st *State) Names(typ, v string) []string {
	for _, x := range st.Values[typ] {
		if strings.EqualFold(x, v) {
			return append([]string{x}, st.aliasesOf(typ, x)...)
		}
	}
	return nil
}

// aliasesOf returns the aliases of value v of type typ (key matched case-insensitively).
func (st *State) aliasesOf(typ, v string) []string {
	byValue := st.Aliases[typ]
	if as, ok := byValue[v]; ok {
		return as
	}
	for k, as := range byValue {
		if strings.EqualFold(k, v) {
			return as
		}
	}
	return nil
}

// SetAliases replaces the aliases of value v of type typ; no aliases removes them.
// It does not check them: ParseState and the engine's vocabulary edits do.
func (st *State) SetAliases(typ, v string, aliases ...string) {
	byValue := st.Aliases[typ]
	for k := range byValue {
		if strings.EqualFold(k, v) {
			delete(byValue, k)
		}
	}
	if len(aliases) == 0 {
		if byValue != nil && len(byValue) == 0 {
			delete(st.Aliases, typ)
		}
		return
	}
	if st.Aliases == nil {
		st.Aliases = map[string]map[string][]string{}
	}
	if byValue == nil {
		byValue = map[string][]string{}
		st.Aliases[typ] = byValue
	}
	byValue[v] = append([]string(nil), aliases...)
}

// Remove deletes value v of type typ (case ignored) with its aliases, every relation
// pair that mentions it and a default naming it. It reports whether v was there.
func (st *State) Remove(typ, v string) bool {
	if !st.Has(typ, v) {
		return false
	}
	vals := st.Values[typ][:0]
	for _, x := range st.Values[typ] {
		if !strings.EqualFold(x, v) {
			vals = append(vals, x)
		}
	}
	st.Values[typ] = vals
	for rel, ps := range st.Relations {
		sa, sb := st.sides(rel, typ)
		kept := ps[:0]
		for _, p := range ps {
			if len(p) != 2 || !(sa && strings.EqualFold(p[0], v)) && !(sb && strings.EqualFold(p[1], v)) {
				kept = append(kept, p)
			}
		}
		st.Relations[rel] = kept
	}
	if strings.EqualFold(st.Defaults[typ], v) {
		delete(st.Defaults, typ)
	}
	st.SetAliases(typ, v)
	return true
}

// Rename replaces value old of type typ by new everywhere (values, relations, defaults)
// and moves its aliases to new, dropping an alias equal to new (renaming "living
// room" to its alias "lounge" leaves "lounge" with the other aliases).
func (st *State) Rename(typ, old, new string) {
	if as := st.aliasesOf(typ, old); as != nil {
		var kept []string
		for _, a := range as {
			if !strings.EqualFold(a, new) {
				kept = append(kept, a)
			}
		}
		st.SetAliases(typ, old)
		st.SetAliases(typ, new, kept...)
	}
	for i, v := range st.Values[typ] {
		if strings.EqualFold(v, old) {
			st.Values[typ][i] = new
		}
	}
	for rel, ps := range st.Relations {
		sa, sb := st.sides(rel, typ)
		for _, p := range ps {
			for i := range p {
				if (i == 0 && sa || i == 1 && sb) && strings.EqualFold(p[i], old) {
					p[i] = new
				}
			}
		}
	}
	if strings.EqualFold(st.Defaults[typ], old) {
		st.Defaults[typ] = new
	}
}

// Types returns the dynamic types present, sorted.
func (st *State) Types() []string {
	ts := make([]string, 0, len(st.Values))
	for t := range st.Values {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}
