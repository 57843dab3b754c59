package grammar

import (
	"math/rand/v2"
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
	return sortedSet(s)
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

// Every generated sample's expected result must be consistent with the checker,
// and its slot spans must cover the words that were said.
func TestGeneratorLabels(t *testing.T) {
	g, st := demoGrammar(t)
	gen := NewGenerator(g, GenOptions{BaseState: st})
	rng := rand.New(rand.NewPCG(1, 1))
	var rejected, multi int
	for i := 0; i < 2000; i++ {
		s := gen.Sample(rng)
		if strings.TrimSpace(s.Text) == "" {
			t.Fatalf("empty text: %s", s)
		}
		if s.Want.Rejected {
			rejected++
			if s.Want.Reason == "" {
				t.Errorf("rejection without reason: %s", s)
			}
		}
		if len(s.Frames) > 1 {
			multi++
		}
		for _, c := range s.Want.Commands {
			if err := g.Check(c, s.State); err != nil {
				t.Fatalf("%s: expected command invalid: %v", s, err)
			}
		}
		for _, f := range s.Frames {
			for k, sf := range f.Slots {
				if sf.Start >= sf.End || sf.End > len(s.Text) {
					t.Fatalf("%s: slot %s has span %d:%d", s, k, sf.Start, sf.End)
				}
			}
		}
	}
	if rejected < 300 || rejected > 800 {
		t.Errorf("%d of 2000 samples rejected; want about a quarter", rejected)
	}
	if multi < 200 {
		t.Errorf("only %d multi-command samples", multi)
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	g, st := demoGrammar(t)
	gen := NewGenerator(g, GenOptions{BaseState: st})
	a := rand.New(rand.NewPCG(5, 5))
	b := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 200; i++ {
		if x, y := gen.Sample(a).String(), gen.Sample(b).String(); x != y {
			t.Fatalf("sample %d differs:\n%s\n%s", i, x, y)
		}
	}
}
