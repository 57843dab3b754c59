package grammar

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// State is the game's runtime vocabulary: the values of dynamic slot types, the
// relations between them and the defaults for omitted slots. It has the same meaning
// as the JSON state document:
//
//	{"values": {"monster": ["Sparky"], "move": ["thunderbolt"]},
//	 "relations": {"knows": [["Sparky", "thunderbolt"]]},
//	 "defaults": {"monster": "Sparky"}}
//
// A State is a plain value: build it, then hand it over (the engine copies it). It is
// not safe to mutate a State while another goroutine reads it.
type State struct {
	Values    map[string][]string   `json:"values"`
	Relations map[string][][]string `json:"relations"`
	Defaults  map[string]string     `json:"defaults"`
}

// ParseState decodes a JSON state document. Unknown top-level keys are an error so
// typos ("relation") do not silently drop data.
func ParseState(data []byte) (*State, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
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

// Clone returns a deep copy.
func (st *State) Clone() *State {
	if st == nil {
		return &State{}
	}
	c := &State{Values: map[string][]string{}, Relations: map[string][][]string{}, Defaults: map[string]string{}}
	for k, v := range st.Values {
		c.Values[k] = append([]string(nil), v...)
	}
	for k, ps := range st.Relations {
		for _, p := range ps {
			c.Relations[k] = append(c.Relations[k], append([]string(nil), p...))
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

// Rename replaces value old of type typ by new everywhere (values, relations, defaults).
func (st *State) Rename(typ, old, new string) {
	for i, v := range st.Values[typ] {
		if strings.EqualFold(v, old) {
			st.Values[typ][i] = new
		}
	}
	for _, ps := range st.Relations {
		for _, p := range ps {
			for i := range p {
				if strings.EqualFold(p[i], old) {
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
