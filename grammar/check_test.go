package grammar

import (
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
