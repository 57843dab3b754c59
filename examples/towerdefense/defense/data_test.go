package defense

import (
	"slices"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/understand"
)

// The game's data files (../commands.vcg, ../state.json, ../devset.txt) must agree
// with the rules: every intent has a handler, every structure and formation the
// grammar can name exists, the state names the squads, enemies and places New makes.

func loadGame(t *testing.T) (*grammar.Grammar, *grammar.State) {
	t.Helper()
	g, err := grammar.ParseFile("../commands.vcg")
	if err != nil {
		t.Fatal(err)
	}
	st, err := grammar.LoadState("../state.json")
	if err != nil {
		t.Fatal(err)
	}
	return g, st
}

func TestGrammarMatchesRules(t *testing.T) {
	g, st := loadGame(t)
	var intents []string
	for _, in := range g.Intents {
		intents = append(intents, in.Name)
	}
	if !slices.Equal(intents, Intents) {
		t.Errorf("grammar intents %v, Do handles %v", intents, Intents)
	}
	enumNames := func(typ string) []string {
		var out []string
		for _, v := range g.Type(typ).Values {
			out = append(out, v.Name)
		}
		return out
	}
	if got := enumNames("structure"); !slices.Equal(got, StructureNames) {
		t.Errorf("grammar structures %v, rules %v", got, StructureNames)
	}
	if got := enumNames("formation"); !slices.Equal(got, FormationNames) {
		t.Errorf("grammar formations %v, rules %v", got, FormationNames)
	}
	// The slots Do reads, per intent.
	reads := map[string][]string{
		"attack": {"squad", "target"}, "move": {"squad", "place"}, "hold": {"squad"}, "retreat": {"squad"},
		"build": {"structure", "place"}, "upgrade": {"place", "structure"}, "rename": {"squad", "name"},
		"recruit": {"squad", "count"}, "formation": {"squad", "formation"},
	}
	for _, in := range g.Intents {
		var slots []string
		for _, s := range in.Slots {
			slots = append(slots, s.Name)
		}
		if !slices.Equal(slots, reads[in.Name]) {
			t.Errorf("intent %s has slots %v, Do reads %v", in.Name, slots, reads[in.Name])
		}
	}
	if c := g.Type("count"); c.Min != 1 || c.Max != 5 {
		t.Errorf("count is %d..%d, recruit takes 1..5", c.Min, c.Max)
	}
	if gr := g.Type("squad").Group; len(gr) == 0 {
		t.Error("the squad type has no group words (all units, everyone)")
	}

	w := New(1)
	var squads, places []string
	for _, q := range w.Squads {
		squads = append(squads, q.Name)
	}
	for _, p := range w.Places {
		places = append(places, p.Name)
	}
	for typ, want := range map[string][]string{"squad": squads, "place": places, "enemy": EnemyNames} {
		if got := st.Values[typ]; !slices.Equal(got, want) {
			t.Errorf("state.json %s values %v, the game has %v", typ, got, want)
		}
	}
	if d := st.Defaults["squad"]; w.Squad(d) == nil {
		t.Errorf("default squad %q is no squad", d)
	}
	warnings, err := g.CheckState(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("state warning: %s", w.Error())
	}
}

// TestDevSetIsValid checks the hand-written dev set's labels: each expected command
// passes the grammar's checker under the state, and the set covers every intent,
// group phrases, lists and rejections.
func TestDevSetIsValid(t *testing.T) {
	g, st := loadGame(t)
	cases, err := understand.LoadDevSet("../devset.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 120 {
		t.Errorf("dev set has %d cases, want at least 120", len(cases))
	}
	seen := map[string]int{}
	rejects, multi := 0, 0
	for _, c := range cases {
		if c.Want.Rejected {
			rejects++
			continue
		}
		if len(c.Want.Commands) > 1 {
			multi++
		}
		s := st
		if c.State != nil {
			s = c.State
		}
		for _, cmd := range c.Want.Commands {
			seen[cmd.Intent]++
			if err := g.Check(cmd, s); err != nil {
				t.Errorf("devset.txt:%d: %q: %s: %v", c.Line, c.Text, understand.Describe(grammar.Result{Commands: []grammar.Command{cmd}}), err)
			}
		}
	}
	for _, in := range Intents {
		if seen[in] < 5 {
			t.Errorf("dev set has %d commands of intent %s, want at least 5", seen[in], in)
		}
	}
	if rejects < 15 || multi < 15 {
		t.Errorf("dev set has %d rejections and %d multi-command cases, want 15 of each", rejects, multi)
	}
}
