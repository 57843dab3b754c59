package understand

import (
	"slices"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

// The second readings (split.go, lists.go, corrections.go) as a player meets them.
// None of these sentences is in a dev or held-out set.
func TestSecondReadings(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		// several commands, each read as its clause; the addressee carries forward
		"Cinder ember the Gloomcap, Leafy razor leaf the Rattler, Sparky come back": `attack actor=Cinder move=ember target=Gloomcap; attack actor=Leafy move="razor leaf" target=Rattler; retreat actor=Sparky`,
		"potion on Leafy, antidote on Cinder, revive on Bubbles":                    `item item=potion target=Leafy; item item=antidote target=Cinder; item item=revive target=Bubbles`,
		"Bubbles, move left two steps, then dodge right, then come back":            `move actor=Bubbles direction=left steps=2; dodge actor=Bubbles direction=right; retreat actor=Bubbles`,
		// lists are groups over the values said
		"Cinder and Leafy, dodge left":          "dodge actor=Cinder direction=left; dodge actor=Leafy direction=left",
		"give a potion to Bubbles and Sparky":   "item item=potion target=Bubbles; item item=potion target=Sparky",
		"Bubbles, Leafy and Cinder, hold still": "hold actor=Bubbles; hold actor=Leafy; hold actor=Cinder",
		// corrections: the ruled-out piece is left out, its addressee kept
		"Leafy, don't use vine whip, use razor leaf on the Gloomcap": `attack actor=Leafy move="razor leaf" target=Gloomcap`,
		"don't retreat, dodge right":                                 "dodge actor=Sparky direction=right",
		"Bubbles don't dodge, stay put":                              "hold actor=Bubbles",
		"give Cinder a potion, wait, give Cinder a revive":           "item item=revive target=Cinder",
		"don't come back Bubbles, dodge left instead":                "dodge actor=Bubbles direction=left",
		// a name that holds a command's words is only a name
		"call Cinder Hold The Line":           `rename actor=Cinder name="Hold The Line"`,
		"rename Bubbles to Captain Come Back": `rename actor=Bubbles name="Captain Come Back"`,
		"call Bubbles Hold The Door":          `rename actor=Bubbles name="Hold The Door"`,
	})
	// a name that runs to the end is as sure as its start: executed, not asked about
	if r := m.Understand("call Bubbles Hold The Door", nil); r.Confidence() < 0.6 {
		t.Errorf("unsure of a whole name: %.3f", r.Confidence())
	}
	// never a wrong command executed (at the default minimum confidence): rejected,
	// unsure, or the right one
	for text, right := range map[string]string{
		"Sparky and Bubbles, use ember":        "",                                    // Sparky does not know ember: not half done
		"thunderbolt, no, don't thunderbolt":   "",                                    // taken back whole
		"Bubbles dodge left, no, right":        "dodge actor=Bubbles direction=right", // "right" alone is no dodge
		"dodge left, then thunderbolt, Sparky": "dodge actor=Sparky direction=left; attack actor=Sparky move=thunderbolt",
	} {
		if r := m.Understand(text, nil); !r.Rejected && r.Confidence() >= 0.6 && Describe(r) != right {
			t.Errorf("%q: executed %s", text, Describe(r))
		}
	}
}

// A word that is no value never becomes a command in a clause read alone: after
// Comet was renamed Mango, "Comet, dodge left" is an unknown monster, not "come
// back" and a dodge (found by `voicecmd bench soak`).
func TestClauseExplainsEveryWord(t *testing.T) {
	m := demoModel(t)
	st := m.State()
	st.Rename("monster", "Sparky", "Comet")
	st.Rename("monster", "Comet", "Mango")
	if r := m.Understand("Comet, dodge left", st); !r.Rejected || !strings.Contains(r.Reason, "Comet") {
		t.Errorf("old name: %s", Describe(r))
	}
	if r := m.Understand("Mango, dodge left", st); Describe(r) != "dodge actor=Mango direction=left" {
		t.Errorf("new name: %s", Describe(r))
	}
}

// Where an utterance may be cut into clauses, and where it may not.
func TestClauseCuts(t *testing.T) {
	m := demoModel(t)
	for _, tc := range []struct {
		text string
		want []string // the clauses of the finest cut; nil: not cut
	}{
		{"Sparky dodge, then Cinder come back and Leafy go", []string{"Sparky dodge", "Cinder come back", "Leafy go"}},
		{"Cinder, ember the Rattler, and then fall back", []string{"Cinder", "ember the Rattler", "fall back"}},
		{"dodge left and", nil}, // a trailing join cuts nothing off
		{"Cinder, duck, to the left", []string{"Cinder", "duck, to the left"}}, // "to the left" goes on with the dodge
		{"don't dodge, come back", nil},                                        // a correction: corrections.go reads it
		{"give Sparky a potion, then give it to Leafy", nil},                   // "it" refers back
		{"Sparky thunderbolt", nil},
		{"", nil},
	} {
		c := m.lay.clausesOf(tc.text, nil)
		var got []string
		if c != nil {
			for i, s := range c.spans {
				if s[1] == s[0]+1 {
					got = append(got, c.texts[i])
				}
			}
			if len(c.cuts) == 0 {
				got = nil
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: clauses %q, want %q", tc.text, got, tc.want)
		}
	}
}

// Lists: values of a grouped type side by side, joined by commas or "and".
func TestListsFound(t *testing.T) {
	m := demoModel(t)
	for _, tc := range []struct {
		text string
		want []string // nil: no list
	}{
		{"use a potion on Sparky and Bubbles", []string{"Sparky", "Bubbles"}},
		{"Leafy, Cinder, Bubbles and Sparky dodge right", []string{"Leafy", "Cinder", "Bubbles", "Sparky"}},
		{"sparky bubbles and cinder dodge up", []string{"Sparky", "Bubbles", "Cinder"}},
		{"Sparky Bubbles come back", nil},                 // side by side with no "and": not a list
		{"Sparky thunderbolt and Bubbles come back", nil}, // a move between them
		{"Sparky and Sparky dodge", nil},                  // said twice is one value
		{"thunderbolt the Rattler and the Stonejaw", nil}, // enemies have no group phrase
	} {
		f, err := m.lay.featurizeOpt(tc.text, m.state, false)
		if err != nil {
			t.Fatal(err)
		}
		ls, ok := m.lay.listIn(f)
		if got := ls.values; !ok {
			got = nil
			if tc.want != nil {
				t.Errorf("%q: no list, want %q", tc.text, tc.want)
			}
		} else if !slices.Equal(got, tc.want) {
			t.Errorf("%q: list %q, want %q", tc.text, got, tc.want)
		}
	}
}

// The pieces a correction keeps, as the clause texts read.
func TestCorrectionPieces(t *testing.T) {
	m := demoModel(t)
	for _, tc := range []struct {
		text string
		want []string // kept pieces; nil: no correction reading
	}{
		{"Cinder, don't do ember, do flamethrower", []string{"Cinder, do flamethrower"}},
		{"dodge right, don't retreat", []string{"dodge right"}},
		{"no wait don't use water gun, use bubble beam", []string{"use bubble beam"}},
		{"revive bubbles, wait, revive cinder", []string{"revive cinder"}},
		{"ember, um, flamethrower I mean", []string{"flamethrower"}},
		{"Sparky, don't move", nil},                               // the grammar's own "don't move": nothing ruled out
		{"don't give Sparky the antidote, give it to Leafy", nil}, // "it" refers back
		{"Sparky thunderbolt the Rattler", nil},
		{"dodge left, scratch that", nil}, // cancelled whole
	} {
		c := m.lay.correctionOf(tc.text, m.state)
		var got []string
		if c != nil {
			got = c.texts[:c.kept]
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: kept %q, want %q", tc.text, got, tc.want)
		}
	}
}

// A clause that leaves its addressee to the state's default while a later one
// names it cannot be joined: whose dodge is "dodge left, then thunderbolt, Sparky"?
func TestJoinNeedsTheAddresseeFirst(t *testing.T) {
	m := demoModel(t)
	st := m.State()
	read := func(texts ...string) []part {
		var ps []part
		for _, r := range m.fillAs(texts, slices.Repeat([]*grammar.State{st}, len(texts)), 0, nil, nil) {
			ps = append(ps, part{res: r})
		}
		return ps
	}
	if r, ok := m.lay.joinReadings("", read("Bubbles dodge left", "come back"), 1, st); !ok || Describe(r) != "dodge actor=Bubbles direction=left; retreat actor=Bubbles" {
		t.Errorf("carried forward: %v %s", ok, Describe(r))
	}
	if r, ok := m.lay.joinReadings("", read("dodge left", "Bubbles come back"), 1, st); ok {
		t.Errorf("joined although the addressee came after: %s", Describe(r))
	}
}

// "You" is the monster spoken to: with nobody named, the active one. A word the
// whole reading took for an unknown monster becomes the name only when it is
// written as a name and the second reading gives it.
func TestSecondPersonIsTheAddressee(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"call yourself Pancake":         "rename actor=Sparky name=Pancake",
		"change your name to Bolt":      "rename actor=Sparky name=Bolt",
		"Bubbles, call yourself Splash": "rename actor=Bubbles name=Splash",
	})
	st := m.State()
	st.Defaults["monster"] = "Leafy"
	if r := m.Understand("I'm gonna call you Biscuit", st); Describe(r) != "rename actor=Leafy name=Biscuit" {
		t.Errorf("the default monster is Leafy: %s", Describe(r))
	}
	for _, text := range []string{
		"yeah I'll call you back later",  // talk: no capital, no name
		"Charmander, can you dodge left", // an unknown monster addressed: not Sparky's dodge
		"thank you Bulbasaur",
	} {
		if r := m.Understand(text, nil); !r.Rejected && r.Confidence() >= 0.6 {
			t.Errorf("%q: executed %s", text, Describe(r))
		}
	}
	if got := asAddressed("call yourself Pancake", "monster", &grammar.State{}); got != "" {
		t.Errorf("no default monster: %q", got)
	}
	if got := asAddressed("change your name to Bolt", "monster", &grammar.State{Defaults: map[string]string{"monster": "Zappy"}}); got != "change Zappy's name to Bolt" {
		t.Errorf("rewrite: %q", got)
	}
}

// A name said last, after a target with no comma, is the one who acts; a name that
// cannot do it, or a second name, is no reading.
func TestNameSaidLast(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"use ember on the Rattler Cinder":   "attack actor=Cinder move=ember target=Rattler",
		"quick attack the Gloomcap Bubbles": "REJECT (Bubbles does not know quick attack)",
	})
	if r := m.Understand("give a potion to Sparky Bubbles", nil); !r.Rejected && r.Confidence() >= 0.6 {
		t.Errorf("two names, one command: executed %s", Describe(r))
	}
	v := &trailingName{typ: "monster", value: "Leafy"}
	said := grammar.Result{Commands: []grammar.Command{{Intent: "dodge",
		Slots: map[string]grammar.Value{"actor": grammar.Str("Sparky")}, SlotConfidence: map[string]float64{"actor": 1}}}}
	if _, ok := m.lay.addressedTo(said, v, m.State()); ok {
		t.Error("a command that named Sparky given to Leafy")
	}
	unsaid := grammar.Result{Commands: []grammar.Command{{Intent: "dodge",
		Slots: map[string]grammar.Value{"actor": grammar.Str("Sparky")}, SlotConfidence: map[string]float64{}}}}
	if r, ok := m.lay.addressedTo(unsaid, v, m.State()); !ok || Describe(r) != "dodge actor=Leafy" {
		t.Errorf("the default addressee: %v %s", ok, Describe(r))
	}
}

// A number heard as a word that sounds like it, before a unit word, is a number:
// never a command that drops it.
func TestSoundAlikeNumbers(t *testing.T) {
	m := demoModel(t)
	if !m.lay.units["steps"] || m.lay.units["left"] {
		t.Errorf("unit words from the patterns: %v", m.lay.units)
	}
	for _, tc := range []struct{ text, want string }{
		{"Bubbles, walk back to steps", "Bubbles, walk back 2 steps"},
		{"go right for paces", "go right 4 paces"},
		{"go to the left", ""}, // "to" before no unit word is no number
		{"give a potion to Cinder", ""},
	} {
		if got, _ := m.lay.withDigits(tc.text); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
	if r := m.Understand("Bubbles, walk back to steps", nil); !r.Rejected && Describe(r) != "move actor=Bubbles direction=back steps=2" {
		t.Errorf("the steps dropped: %s", Describe(r))
	}
}

// A value taken back and said again alone replaces the value, not the command: the
// command is read again with the new value in the old one's place.
func TestValueTakenBack(t *testing.T) {
	m := demoModel(t)
	expectReadings(t, m, map[string]string{
		"Cinder, dodge left, no, back":             "dodge actor=Cinder direction=back",
		"give Cinder an antidote, sorry, a revive": "item item=revive target=Cinder",
		"Leafy, take a step left":                  "move actor=Leafy direction=left steps=1",
		"antidote on Leafy and a revive on Cinder": "item item=antidote target=Leafy; item item=revive target=Cinder",
	})
	for _, tc := range []struct{ text, want string }{
		{"Cinder, dodge left, no, back", "Cinder, dodge back"},
		{"use a potion on Sparky, no, on Bubbles", "use a potion on Bubbles"},
		{"dodge left, no, dodge right", ""}, // a whole command replaces it as it is
		{"dodge left, no, Bubbles", ""},     // no monster in the piece taken back
	} {
		f, err := m.lay.featurizeOpt(tc.text, m.state, false)
		if err != nil {
			t.Fatal(err)
		}
		ps := m.lay.pieces(f)
		var old, repl piece
		for _, p := range ps {
			if !p.marker && !p.takeBack {
				old = p
			}
			if p.takeBack {
				repl = p
			}
		}
		if got := m.lay.valueSwapped(f, old, repl); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
}
