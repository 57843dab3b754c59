package grammar

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

func demoGrammar(t testing.TB) (*Grammar, *State) {
	t.Helper()
	g, err := ParseFile("../examples/monstertrainer/commands.vcg")
	if err != nil {
		t.Fatal(err)
	}
	st, err := LoadState("../examples/monstertrainer/state.json")
	if err != nil {
		t.Fatal(err)
	}
	return g, st
}

func TestResolveAndCheck(t *testing.T) {
	g, st := demoGrammar(t)
	tests := []struct {
		intent string
		slots  map[string]Value
		want   string // resolved slots "k=v,..." sorted, or "error: substring"
	}{
		{"attack", map[string]Value{"move": Str("ember")}, "actor=Cinder,move=ember"},
		{"attack", map[string]Value{"move": Str("thunderbolt"), "target": Str("Rattler")}, "actor=Sparky,move=thunderbolt,target=Rattler"},
		{"attack", map[string]Value{"actor": Str("Sparky"), "move": Str("ember")}, "error: Sparky does not know ember"},
		{"attack", map[string]Value{"actor": Str("Sparky"), "move": Str("thunderbolt"), "target": Str("Bubbles")}, "error: Bubbles is a monster, not an enemy"},
		{"item", map[string]Value{"item": Str("potion")}, "item=potion,target=Sparky"},
		{"item", map[string]Value{"item": Str("potion"), "target": Str("Rattler")}, "error: Rattler is an enemy, not a monster"},
		{"move", map[string]Value{"direction": Str("left"), "steps": Num(7)}, "error: steps 7 is out of range 1..5"},
		{"move", map[string]Value{"direction": Str("sideways")}, "error: \"sideways\" is not a direction"},
		{"switch", map[string]Value{}, "error: switch needs an actor"},
		{"rename", map[string]Value{"actor": Str("Leafy"), "name": Str("  ")}, "error: name: empty"},
		{"attack", map[string]Value{"actor": Str("Pikachu"), "move": Str("thunderbolt")}, "error: unknown monster \"Pikachu\""},
		{"dance", map[string]Value{}, "error: unknown intent"},
		{"hold", map[string]Value{"direction": Str("left")}, "error: hold has no direction"},
	}
	for _, tt := range tests {
		slots := g.Resolve(tt.intent, tt.slots, st)
		err := g.Check(Command{Intent: tt.intent, Slots: slots}, st)
		var got string
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var parts []string
			for _, k := range sortedKeys(slots) {
				parts = append(parts, k+"="+slots[k].String())
			}
			got = strings.Join(parts, ",")
		}
		if !strings.HasPrefix(tt.want, "error: ") && got != tt.want || strings.HasPrefix(tt.want, "error: ") && !strings.Contains(got, strings.TrimPrefix(tt.want, "error: ")) {
			t.Errorf("%s %v: got %q, want %q", tt.intent, tt.slots, got, tt.want)
		}
	}
}

func sortedKeys(m map[string]Value) []string {
	s := make(map[string]bool)
	for k := range m {
		s[k] = true
	}
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestStateDocument(t *testing.T) {
	bad := []struct{ doc, msg string }{
		{`{"values": {"monster": ["A", "a"]}}`, "listed twice"},
		{`{"values": {"monster": [""]}}`, "empty value"},
		{`{"relations": {"knows": [["A"]]}}`, "needs pairs"},
		{`{"values": {"monster": ["A"]}, "defaults": {"monster": "B"}}`, "not among"},
		{`{"valuez": {}}`, "unknown field"},
		{`not json`, "bad state"},
	}
	for _, b := range bad {
		if _, err := ParseState([]byte(b.doc)); err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("ParseState(%s) = %v, want error containing %q", b.doc, err, b.msg)
		}
	}
	st, err := ParseState([]byte(`{"values": {"monster": ["Sparky"], "move": ["ember"]}, "relations": {"knows": [["Sparky", "ember"]]}, "defaults": {"monster": "Sparky"}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := st.Clone()
	c.Rename("monster", "sparky", "Zappy")
	if !c.Has("monster", "zappy") || c.Has("monster", "Sparky") || !c.Related("knows", "Zappy", "ember") || c.Defaults["monster"] != "Zappy" {
		t.Errorf("rename: %+v", c)
	}
	if !st.Has("monster", "Sparky") {
		t.Error("Clone shares memory with the original")
	}
}

func TestStateAliases(t *testing.T) {
	bad := []struct{ doc, msg string }{
		{`{"values": {"room": [{"name": "hall", "aliases": [" "]}]}}`, `grammar: state: empty alias of room "hall"`},
		{`{"values": {"room": ["Lounge", {"name": "living room", "aliases": ["lounge"]}]}}`, `grammar: state: alias "lounge" of room "living room" is already the room value "Lounge"`},
		{`{"values": {"room": [{"name": "hall", "aliases": ["Hall"]}]}}`, `grammar: state: alias "Hall" of room "hall" is already the room value "hall"`},
		{`{"values": {"room": [{"name": "a", "aliases": ["x"]}, {"name": "b", "aliases": ["y", "X"]}]}}`, `grammar: state: alias "X" of room "b" is already an alias of room "a"`},
		{`{"values": {"room": [{"name": "a", "aliases": ["x", "x"]}]}}`, `alias "x" of room "a" is already an alias of room "a"`},
		{`{"values": {"room": [{"aliases": ["x"]}]}}`, `has no "name"`},
		{`{"values": {"room": [{"name": "a", "alias": ["x"]}]}}`, `unknown field "alias"`},
		{`{"values": {"room": [3]}}`, `a value is a string or {"name": ..., "aliases": [...]}, got 3`},
		{`{"values": {"room": [{"name": ""}]}}`, `empty value in "room"`},
	}
	for _, b := range bad {
		if _, err := ParseState([]byte(b.doc)); err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("ParseState(%s) = %v, want error containing %q", b.doc, err, b.msg)
		}
	}

	doc := `{"values":{"monster":["Sparky"],"room":["kitchen",{"name":"living room","aliases":["lounge","front room"]}]},"relations":null,"defaults":{"room":"kitchen"}}`
	st, err := ParseState([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Values["room"], "|"); got != "kitchen|living room" {
		t.Errorf("Values keeps canonical names only: %s", got)
	}
	names := func(st *State, typ, v string) string { return strings.Join(st.Names(typ, v), "|") }
	for _, tt := range []struct{ typ, v, want string }{
		{"room", "Living Room", "living room|lounge|front room"},
		{"room", "KITCHEN", "kitchen"},
		{"room", "lounge", ""}, // an alias is not a value
		{"monster", "sparky", "Sparky"},
		{"enemy", "Sparky", ""},
	} {
		if got := names(st, tt.typ, tt.v); got != tt.want {
			t.Errorf("Names(%s, %s) = %q, want %q", tt.typ, tt.v, got, tt.want)
		}
	}
	out, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != doc {
		t.Errorf("round trip\n got %s\nwant %s", out, doc)
	}

	c := st.Clone()
	c.Aliases["room"]["living room"][0] = "den"
	c.SetAliases("room", "kitchen", "galley")
	if names(st, "room", "living room") != "living room|lounge|front room" || names(st, "room", "kitchen") != "kitchen" {
		t.Errorf("Clone shares aliases with the original: %v", st.Aliases)
	}

	c = st.Clone()
	c.Rename("room", "living room", "Sitting Room")
	if got := names(c, "room", "sitting room"); got != "Sitting Room|lounge|front room" {
		t.Errorf("after rename Names = %q", got)
	}
	if names(c, "room", "living room") != "" {
		t.Error("old name still a value after rename")
	}
	c.Rename("room", "sitting room", "Lounge") // renamed to one of its aliases
	if got := names(c, "room", "lounge"); got != "Lounge|front room" {
		t.Errorf("after rename to an alias Names = %q", got)
	}
	if _, err := ParseState(mustJSON(t, c)); err != nil {
		t.Errorf("renamed state no longer valid: %v", err)
	}

	c = st.Clone()
	if !c.Remove("room", "LIVING ROOM") || c.Remove("room", "living room") {
		t.Error("Remove reports the wrong presence")
	}
	c.Values["room"] = append(c.Values["room"], "living room")
	if got := names(c, "room", "living room"); got != "living room" {
		t.Errorf("re-added value got its old aliases back: %q", got)
	}
	if !c.Remove("room", "kitchen") || c.Defaults["room"] != "" {
		t.Errorf("Remove kept the default: %v", c.Defaults)
	}

	// a value removed by editing Values (as callers outside this package do) loses
	// its aliases in copies and in the JSON form
	c = st.Clone()
	c.Values["room"] = c.Values["room"][:1]
	c = c.Clone()
	c.Values["room"] = append(c.Values["room"], "living room")
	if got := names(c, "room", "living room"); got != "living room" {
		t.Errorf("value removed from Values kept its aliases: %q", got)
	}
	rooms, err := Parse("r.vcg", "type monster dynamic\ntype room dynamic\nintent go(r: room) {\n say \"go to {r}\"\n}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rooms.CheckState(c); err != nil {
		t.Errorf("CheckState after removal: %v", err)
	}
	dangling := &State{Values: map[string][]string{"room": {"hall"}}, Aliases: map[string]map[string][]string{"room": {"attic": {"loft"}}}}
	if _, err := rooms.CheckState(dangling); err == nil || err.Error() != `grammar: state: aliases given for room "attic", which is not among the room values` {
		t.Errorf("CheckState(aliases of no value) = %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGrammar's line numbers are the positions the CheckState cases expect.
const checkGrammar = `type monster dynamic
type enemy dynamic
type move dynamic
type item dynamic
type steps 1..5
type direction enum {
    left
    forward: up, straight on
}
relation knows(monster, move)
join: and, and then
filler: uh, please
group monster: everyone
intent attack(actor: monster, move: move, target?: enemy) {
    require knows(actor, move)
    say "{actor} [use] {move} [on {target}]"
}
intent walk(actor: monster, direction: direction, steps?: steps) {
    say "{actor} (go | walk) [{steps} steps] {direction}"
}
intent dodge(actor: monster) {
    say "{actor} [,] (dodge | get out of the way)"
    say "{actor} , out of the way , now"
}
`

func TestCheckState(t *testing.T) {
	g, err := Parse("c.vcg", checkGrammar)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		want      string // errors, or warnings, one per line; "" for neither
	}{
		{"fits", `{"values": {"monster": ["Sparky"], "move": ["ember", "use on"], "item": ["potion"], "enemy": ["Rattler"]},
			"relations": {"knows": [["Sparky", "ember"]]}, "defaults": {"monster": "Sparky"}}`, ""},
		// errors
		{"typo type", `{"values": {"monsters": ["Sparky"]}}`, `grammar: state: values: unknown type "monsters" (did you mean "monster"?)`},
		{"unknown type", `{"values": {"weapon": ["sword"]}}`, `grammar: state: values: unknown type "weapon"`},
		{"enum values", `{"values": {"direction": ["left"]}}`, `c.vcg:6:6: state: values: direction is an enum type; only dynamic types take values from the state`},
		{"range default", `{"values": {"steps": ["3"]}, "defaults": {"steps": "3"}}`,
			"c.vcg:5:6: state: values: steps is a range type; only dynamic types take values from the state\n" +
				"c.vcg:5:6: state: defaults: steps is a range type; only dynamic types take values from the state"},
		{"typo relation", `{"relations": {"know": []}}`, `grammar: state: relations: unknown relation "know" (did you mean "knows"?)`},
		{"bad pair", `{"values": {"monster": ["Sparky"], "move": ["ember"]}, "relations": {"knows": [["Sparky", "embr"], ["ember", "Sparky"]]}}`,
			"c.vcg:10:10: state: relation knows: pair [\"Sparky\", \"embr\"]: \"embr\" is not a move value (did you mean \"ember\"?)\n" +
				"c.vcg:10:10: state: relation knows: pair [\"ember\", \"Sparky\"]: \"ember\" is not a monster value\n" +
				"c.vcg:10:10: state: relation knows: pair [\"ember\", \"Sparky\"]: \"Sparky\" is not a move value"},
		{"invalid state", `{"values": {"monster": ["A", "a"]}}`, `grammar: state: value "a" listed twice in "monster"`},
		// warnings
		{"enum value", `{"values": {"monster": ["Left"]}}`, `c.vcg:7:5: state value "Left" (monster) is also the direction value "left"; players saying it will be misunderstood`},
		{"pattern word", `{"values": {"monster": ["Walk"]}}`, `c.vcg:19:24: state value "Walk" (monster) is also a word of intent walk's pattern; players saying it will be misunderstood`},
		{"pattern phrase", `{"values": {"move": ["the way", "Out Of The Way"]}}`,
			"c.vcg:22:35: state value \"Out Of The Way\" (move) is also a phrase of intent dodge's pattern; players saying it will be misunderstood\n" +
				"c.vcg:22:42: state value \"the way\" (move) is also a phrase of intent dodge's pattern; players saying it will be misunderstood"},
		{"alternatives do not chain", `{"values": {"item": ["dodge out"]}}`, ""},
		{"across a pause", `{"values": {"item": ["Way, Now"]}}`, "c.vcg:4:6: state value \"Way, Now\" (item) has punctuation; a transcriber never writes it that way, so players cannot say it exactly\n" +
			`c.vcg:23:31: state value "Way, Now" (item) is also a phrase of intent dodge's pattern; players saying it will be misunderstood`},
		{"punctuation", `{"values": {"monster": ["Spa,rky!"]}}`, `c.vcg:1:6: state value "Spa,rky!" (monster) has punctuation; a transcriber never writes it that way, so players cannot say it exactly`},
		{"number", `{"values": {"monster": ["3"]}}`, `c.vcg:1:6: state value "3" (monster) is a number; players saying it will be heard as a count`},
		{"join", `{"values": {"enemy": ["And Then"]}}`, `c.vcg:11:12: state value "And Then" (enemy) is also a join word; players saying it will be misunderstood`},
		{"filler", `{"values": {"item": ["please"]}}`, `c.vcg:12:13: state value "please" (item) is also a filler word; players saying it will be misunderstood`},
		{"group", `{"values": {"enemy": ["Everyone"]}}`, `c.vcg:13:16: state value "Everyone" (enemy) is also a group word of monster; players saying it will be misunderstood`},
		{"alias synonym", `{"values": {"monster": [{"name": "Bubbles", "aliases": ["Straight On"]}]}}`,
			`c.vcg:8:18: state alias "Straight On" of "Bubbles" (monster) is also a synonym of the direction value "forward"; players saying it will be misunderstood`},
		{"shared value", `{"values": {"monster": ["Sparky"], "enemy": ["sparky"]}}`, `c.vcg:2:6: state value "sparky" (enemy) is also a monster value "Sparky"; players saying it may get the wrong one`},
		{"shared alias", `{"values": {"monster": [{"name": "Sparky", "aliases": ["Zap"]}], "enemy": ["Zap"]}}`,
			`c.vcg:2:6: state value "Zap" (enemy) is also an alias of a monster value "Sparky"; players saying it may get the wrong one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// CheckState validates the state itself: decode without ParseState
			var st State
			if err := json.Unmarshal([]byte(tt.doc), &st); err != nil {
				t.Fatal(err)
			}
			warns, err := g.CheckState(&st)
			var got []string
			if err != nil {
				got = append(got, err.Error())
			}
			for _, w := range warns {
				got = append(got, w.Error())
			}
			if s := strings.Join(got, "\n"); s != tt.want {
				t.Errorf("got\n%s\nwant\n%s", s, tt.want)
			}
		})
	}
}

func TestCheckStateDemo(t *testing.T) {
	g, st := demoGrammar(t)
	warns, err := g.CheckState(st)
	if err != nil {
		t.Fatalf("the demo's state does not fit its grammar: %v", err)
	}
	for _, w := range warns {
		t.Errorf("demo state warning: %s", w.Error())
	}
}

// FuzzRename: renaming any value of any type, to any new name, keeps every other
// type's values and the other types' sides of every relation unchanged (with the
// grammar's relation signatures bound).
func FuzzRename(f *testing.F) {
	g, st := demoGrammar(f)
	g.Bind(st)
	f.Add(uint8(0), uint8(0), "Ember")
	f.Add(uint8(2), uint8(9), "Sparky")
	f.Add(uint8(1), uint8(1), "thunderbolt")
	types := st.Types()
	f.Fuzz(func(t *testing.T, ti, vi uint8, name string) {
		typ := types[int(ti)%len(types)]
		vals := st.Values[typ]
		if len(vals) == 0 || name == "" {
			return
		}
		old := vals[int(vi)%len(vals)]
		c := st.Clone()
		c.Rename(typ, old, name)
		for _, other := range types {
			if other == typ {
				continue
			}
			if strings.Join(c.Values[other], "\x00") != strings.Join(st.Values[other], "\x00") {
				t.Fatalf("renaming %s %q to %q changed %s values: %v", typ, old, name, other, c.Values[other])
			}
		}
		for rel, ps := range st.Relations {
			sig := st.Signatures[rel]
			for i, p := range ps {
				for side := range 2 {
					if sig[side] != typ && c.Relations[rel][i][side] != p[side] {
						t.Fatalf("renaming %s %q to %q changed %s pair %v side %d (%s) to %v", typ, old, name, rel, p, side, sig[side], c.Relations[rel][i])
					}
				}
			}
		}
	})
}
