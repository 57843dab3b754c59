package understand

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
)

// testdata/shapes/rolesN holds grammars of 1, 3, 9 and 14 slot roles (the intent
// counts as one, a text slot as two), each with a small state: the model must take
// its shape from each. scripts/any-grammar.sh trains them for real.
func shapeGame(t *testing.T, dir string) (*grammar.Grammar, *grammar.State) {
	t.Helper()
	g, err := grammar.ParseFile(filepath.Join("testdata/shapes", dir, GrammarFile))
	if err != nil {
		t.Fatal(err)
	}
	st, err := grammar.LoadState(filepath.Join("testdata/shapes", dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	return g, st
}

func TestAnyGrammarTrains(t *testing.T) {
	for _, roles := range []int{1, 3, 9, 14} {
		t.Run(fmt.Sprintf("%d roles", roles), func(t *testing.T) {
			g, st := shapeGame(t, fmt.Sprintf("roles%d", roles))
			cfg := model.DefaultConfig()
			cfg.Dim, cfg.FFN, cfg.EncLayers, cfg.HashBuckets = 16, 32, 1, 512
			w, err := Train(context.Background(), g, TrainOptions{Config: cfg, Base: st, Train: model.TrainConfig{Steps: 20, Batch: 8, Seed: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if w.Config.Roles != roles || w.Config.Frames != MaxCommands {
				t.Errorf("model has %d roles × %d frames, want %d × %d", w.Config.Roles, w.Config.Frames, roles, MaxCommands)
			}
			m, err := New(g, w, st, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, text := range []string{"pause", "set the kitchen lights to 3", "archers attack the goblin", "one alpha bravo 3", "", "hello there"} {
				r := m.Understand(text, nil)
				if r.Rejected && r.Reason == "" {
					t.Errorf("%q: rejection without a reason", text)
				}
				for _, c := range r.Commands {
					if err := g.Check(c, st); err != nil {
						t.Errorf("%q: invalid command %+v: %v", text, c, err)
					}
				}
			}
		})
	}
}

// A grammar with more slot roles than fit the model's positions fails at once with
// the grammar named and what to change, instead of training forever.
func TestTooManyRolesFailsAtOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("type x dynamic\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "intent i%d(s%d: x) {\n    say \"do%d {s%d}\"\n}\n", i, i, i, i)
	}
	g, err := grammar.Parse("big.vcg", b.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(context.Background(), g, TrainOptions{Train: model.TrainConfig{Steps: 1, Batch: 1}})
	if err == nil || !strings.Contains(err.Error(), "41 slot roles") || !strings.Contains(err.Error(), "fewer distinct slot names") {
		t.Fatalf("err = %v", err)
	}
}

// An intent the generator can never turn into a training example stops training
// with the intent and its position named, instead of spinning.
func TestUnsatisfiableIntentNamed(t *testing.T) {
	g, err := grammar.Parse("u.vcg", `
type who dynamic
intent greet(x: who) {
    say "hello {x}"
}`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.FFN, cfg.EncLayers, cfg.HashBuckets, cfg.MaxTokens = 16, 32, 1, 512, 1
	_, err = Train(context.Background(), g, TrainOptions{Config: cfg, Train: model.TrainConfig{Steps: 5, Batch: 2}, MaxTries: 50})
	if err == nil || !strings.Contains(err.Error(), "intent greet") || !strings.Contains(err.Error(), ":3:8:") {
		t.Fatalf("err = %v", err)
	}
}

// A state far larger than the model's candidate capacity still parses: the values
// nobody said are left out of the candidates.
func TestLargeStateParses(t *testing.T) {
	m := demoModel(t)
	st := m.State()
	for i := 0; i < 250; i++ {
		st.Values["move"] = append(st.Values["move"], fmt.Sprintf("move%03d", i))
		st.Values["item"] = append(st.Values["item"], fmt.Sprintf("item%03d", i))
	}
	if n := len(st.Values["move"]) + len(st.Values["item"]); n < 500 {
		t.Fatalf("%d values", n)
	}
	for text, want := range map[string]string{
		"Sparky, thunderbolt the Rattler!": "attack actor=Sparky move=thunderbolt target=Rattler",
		"use a potion on Bubbles":          "item item=potion target=Bubbles",
		"Pikachu, thunderbolt!":            `REJECT (unknown monster "Pikachu")`,
	} {
		if got := Describe(m.Understand(text, st)); got != want {
			t.Errorf("%q with 500 values: got %s, want %s", text, got, want)
		}
	}
}

func demoModel(t testing.TB) *Model {
	t.Helper()
	m, err := Load(gameDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// An alias in the state is understood as its value, without retraining.
func TestAliasesAreTheirValue(t *testing.T) {
	m := demoModel(t)
	st := m.State()
	st.SetAliases("monster", "Bubbles", "Captain Bubbles", "Bub")
	for text, want := range map[string]string{
		"Captain Bubbles, dodge left": "dodge actor=Bubbles direction=left",
		"Bubbles, dodge left":         "dodge actor=Bubbles direction=left",
	} {
		if got := Describe(m.Understand(text, st)); got != want {
			t.Errorf("%q: got %s, want %s", text, got, want)
		}
	}
}

// Group phrases: one command per monster for whom it is valid, in party order.
func TestGroupExpands(t *testing.T) {
	m := demoModel(t)
	for text, want := range map[string]string{
		"everyone dodge left": "dodge actor=Sparky direction=left; dodge actor=Bubbles direction=left; dodge actor=Cinder direction=left; dodge actor=Leafy direction=left",
		"everybody come back": "retreat actor=Sparky; retreat actor=Bubbles; retreat actor=Cinder; retreat actor=Leafy",
	} {
		if got := Describe(m.Understand(text, nil)); got != want {
			t.Errorf("%q: got %s, want %s", text, got, want)
		}
	}
}

// A state that does not fit the grammar is an error naming the file and the typo; a
// value that collides with a grammar word is a warning.
func TestLoadStateChecksTheGrammar(t *testing.T) {
	g, _, _ := demo(t)
	dir := t.TempDir()
	bad := dir + "/bad.json"
	os.WriteFile(bad, []byte(`{"values": {"monsters": ["Sparky"]}}`), 0o644)
	if _, err := LoadState(g, bad, nil); err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), `did you mean "monster"`) {
		t.Errorf("typo type: %v", err)
	}
	odd := dir + "/odd.json"
	os.WriteFile(odd, []byte(`{"values": {"monster": ["Sparky", "Left"]}}`), 0o644)
	var warnings []string
	st, err := LoadState(g, odd, func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) })
	if err != nil || st == nil {
		t.Fatal(err)
	}
	if len(warnings) == 0 || !strings.Contains(strings.Join(warnings, "\n"), `"Left"`) {
		t.Errorf("warnings = %q", warnings)
	}
}

// Speech made only of filler, joining and article words is never a command
// (background talk in open-mic play), however long.
func TestOnlyFillerWordsRejected(t *testing.T) {
	m := demoModel(t)
	for _, text := range []string{"and then", "uh and um", "and and", "the the", "Okay, so... um.", strings.Repeat("and ", 20000)} {
		r := m.Understand(text, nil)
		if !r.Rejected || r.Reason == "" || len(r.Commands) != 0 {
			t.Errorf("%.30q: %+v", text, r)
		}
	}
}

// Weights whose shapes the featurizer cannot fill are refused with the reason, not a
// panic or an out-of-memory on the first utterance.
func TestBadWeightShapesRefused(t *testing.T) {
	g, st, _ := demo(t)
	for _, tc := range []struct {
		set  func(*model.Config)
		want string
	}{
		{func(c *model.Config) { c.TokFeat = 1 }, "token features"},
		{func(c *model.Config) { c.CandFeat = 1 }, "candidate features"},
		{func(c *model.Config) { c.MaxCands = 100000 }, "candidates per utterance"},
		{func(c *model.Config) { c.MaxTokens = 100000 }, "words per utterance"},
	} {
		cfg, err := ConfigFor(g, model.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		tc.set(&cfg)
		cfg.Dim, cfg.FFN, cfg.HashBuckets = 8, 8, 8
		w, err := model.NewWeights(cfg, 1)
		if err != nil {
			continue // refused even earlier: fine
		}
		w.Fingerprint = Fingerprint(g)
		if _, err := New(g, w, st, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v", tc.want, err)
		}
	}
}

// Numbers a range cannot hold are rejected with the number as said, never dropped.
func TestOutOfRangeNumbersRejected(t *testing.T) {
	m := demoModel(t)
	for text, want := range map[string]string{
		"go left 99999999999999999999999 steps": "steps 99999999999999999999999 is out of range 1..5",
		"Sparky go left 3.5 steps":              "steps 3.5 is not a whole number",
		"go left 100 steps":                     "steps 100 is out of range 1..5",
	} {
		r := m.Understand(text, nil)
		if !r.Rejected || r.Reason != want {
			t.Errorf("%q: got %+v, want the rejection %q", text, r, want)
		}
	}
	if r := m.Understand("Sparky go left 2 steps", nil); r.Rejected || r.Commands[0].Slots["steps"].Num != 2 {
		t.Errorf("2 steps: %+v", r)
	}
}

// Reasons name the real problem: a word where a value belongs is unknown, a greeting
// is not a command.
func TestRejectionReasons(t *testing.T) {
	m := demoModel(t)
	for text, want := range map[string]string{
		"Sparky go sideways":    `unknown direction "sideways"`,
		"Pikachu, thunderbolt!": `unknown monster "Pikachu"`,
		"hi":                    `not a command: "hi"`,
		"and then":              "not a command: only filler words",
		// a name the game lacks, said where a name belongs, is never read as a
		// command without it
		"Bulbasaur vine whip":         `unknown monster "Bulbasaur"`,
		"use a max potion on Bubbles": `unknown item "max potion"`,
	} {
		if r := m.Understand(text, nil); !r.Rejected || r.Reason != want {
			t.Errorf("%q: got %+v, want the rejection %q", text, r, want)
		}
	}
}

// A command the player stopped in the middle of ("give a potion to") is rejected
// with what is missing, never completed with a default or with the dangling word
// as a name; a pattern's own ending ("hold on") and a trailing filler are no cut.
func TestUnfinishedCommandsRejected(t *testing.T) {
	m := demoModel(t)
	for text, want := range map[string]string{
		"give a potion to":        `item: which target?`,
		"rename Sparky to":        `rename: which name?`,
		"Sparky, thunderbolt the": `attack: which target? the command stops at "the"`,
		"use a potion on":         `item: which target? the command stops at "on"`,
	} {
		if r := m.Understand(text, nil); !r.Rejected || !strings.HasPrefix(r.Reason, want) {
			t.Errorf("%q: got %+v, want a rejection %q...", text, r, want)
		}
	}
	// a name is whole or not taken: never "Lord of the"
	if r := m.Understand("rename Bubbles to Lord of the Rings", nil); !r.Rejected && Describe(r) != `rename actor=Bubbles name="Lord of the Rings"` {
		t.Errorf("a cut name executed: %s", Describe(r))
	}
	expectReadings(t, m, map[string]string{
		"use a potion on Cinder, come on": "item item=potion target=Cinder",
		"Sparky, hold on":                 "hold actor=Sparky",
		"Sparky, thunderbolt them":        "attack actor=Sparky move=thunderbolt",
		"call Leafy Queen of the Night":   `rename actor=Leafy name="Queen of the Night"`,
	})
}

// A value said in two commands is the same value both times ("... the Stonejaw
// then ... the Stonejaw"), and a group said twice for one command is one group.
func TestRepeatedValuesAndGroups(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"thunder wave the stonejaw then flamethrower the stonejaw": `attack actor=Sparky move="thunder wave" target=Stonejaw; attack actor=Cinder move=flamethrower target=Stonejaw`,
		"Leafy sleep powder rattler then Cinder fire spin rattler": `attack actor=Leafy move="sleep powder" target=Rattler; attack actor=Cinder move="fire spin" target=Rattler`,
		"okay team, everyone fall back":                            "retreat actor=Sparky; retreat actor=Bubbles; retreat actor=Cinder; retreat actor=Leafy",
		"guys, fall back":                                          "retreat actor=Sparky; retreat actor=Bubbles; retreat actor=Cinder; retreat actor=Leafy",
	})
}

// A value taken back after its command ends is replaced, not a reason to reject;
// a word that says which one ("just a regular potion", "call him Noodle") is no
// part of the name.
func TestLateTakeBacks(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"give Bubbles a potion, no, Leafy":                        "item item=potion target=Leafy",
		"Sparky, thunderbolt the Rattler, actually, the Stonejaw": "attack actor=Sparky move=thunderbolt target=Stonejaw",
		"use a super potion, no, just a regular potion on Cinder": "item item=potion target=Cinder",
		"let's rename Sparky, call him Noodle":                    "rename actor=Sparky name=Noodle",
	})
	// a direction said and used by no command is no dodge without one
	if r := m.Understand("Cinder, duck out of the way to the left", nil); !r.Rejected && Describe(r) != "dodge actor=Cinder direction=left" {
		t.Errorf("the direction dropped: %s", Describe(r))
	}
}

// A command taken back at the end ("... scratch that") is not done.
func TestCancelledAtTheEnd(t *testing.T) {
	m := demoModel(t)
	for _, text := range []string{"revive Bubbles... scratch that", "Sparky, thunderbolt the Rattler, forget it", "dodge left, cancel that"} {
		if r := m.Understand(text, nil); !r.Rejected {
			t.Errorf("%q: executed %s", text, Describe(r))
		}
	}
	if r := m.Understand("Sparky, thunderbolt the Rattler", nil); r.Rejected {
		t.Errorf("a plain command rejected: %s", r.Reason)
	}
}

// Words that say more win: "a hundred steps" is a number (out of range), "back up"
// is back (not its "up"), and "don't move left" is a move ruled out, not the
// demo's "don't move" hold.
func TestLongerReadingsWin(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"Sparky, move right a hundred steps": "REJECT (steps hundred is out of range 1..5)",
		"Bubbles, back up two steps":         "move actor=Bubbles direction=back steps=2",
		"don't move left, move right":        "move actor=Sparky direction=right",
		"Sparky, don't move":                 "hold actor=Sparky",
	})
	if r := m.Understand("don't move left", nil); !r.Rejected {
		t.Errorf("a negated move executed: %s", Describe(r))
	}
}

// expectReadings checks that each text is understood as its dev-set description.
func expectReadings(t *testing.T, m *Model, want map[string]string) {
	t.Helper()
	for text, w := range want {
		if r := m.Understand(text, nil); Describe(r) != w {
			t.Errorf("%q: got %s, want %s", text, Describe(r), w)
		}
	}
}
