package understand

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/gen"
	"github.com/voicecmd/voicecmd/internal/model"
)

const gameDir = "../../examples/monstertrainer"

func demo(t testing.TB) (*grammar.Grammar, *grammar.State, *layout) {
	t.Helper()
	g, err := grammar.ParseFile(gameDir + "/" + GrammarFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := grammar.LoadState(gameDir + "/" + StateFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFor(g, model.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	lay, err := newLayout(g, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, st, lay
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want string // norm words; numbers as word=N, homophones as word~N
	}{
		{"Sparky, thunderbolt the Rattler!", "sparky thunderbolt the rattler"},
		{"go 2 steps", "go 2=2 steps"},
		{"move up to steps", "move up to~2 steps"},
		{"three", "three=3"},
		{"Let's go", "lets go"},
		{"  ", ""},
		{"¡¿...?!", ""},
		{"'quoted' word's", "quoted words"},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range tokenize(tt.text) {
			s := tk.norm
			if tk.num >= 0 && tk.homophone {
				s += "~" + itoa(tk.num)
			} else if tk.num >= 0 {
				s += "=" + itoa(tk.num)
			}
			if tt.text[tk.start:tk.end] == "" {
				t.Errorf("%q: empty span", tt.text)
			}
			got = append(got, s)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.text, g, tt.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestNameMatching(t *testing.T) {
	tests := []struct {
		spoken, value string
		match         bool
	}{
		{"sparky", "sparky", true},
		{"sparkey", "sparky", true},
		{"stonejaw", "stonejaw", true}, // "stone jaw" joined
		{"rattleher", "rattler", true}, // "rattle her"
		{"thunderbolt", "thunderbolt", true},
		{"bubbless", "bubbles", true},
		{"pikachu", "sparky", false},
		{"leafy", "sparky", false},
		{"cinder", "ember", false},
		{"ember", "emberr", true},
		{"a", "ab", false},
	}
	for _, tt := range tests {
		a, b := newForm(tt.spoken, phonetic(tt.spoken)), newForm(tt.value, phonetic(tt.value))
		s := nameScore(&a, &b)
		if (s >= poolThreshold) != tt.match {
			t.Errorf("nameScore(%q, %q) = %.2f, want match=%v", tt.spoken, tt.value, s, tt.match)
		}
	}
}

func TestPrecheck(t *testing.T) {
	tests := []struct {
		text   string
		reject string // substring of the reason, "" = passes
	}{
		{"", "empty"},
		{"   \t", "empty"},
		{"[BLANK_AUDIO]", "artefact"},
		{"(music)", "artefact"},
		{"*laughs*", "artefact"},
		{"Thank you for watching!", "artefact"},
		{"thank you.", "artefact"},
		{"Sparky, dodge!", ""},
		{"[noise] Sparky dodge", ""},
	}
	for _, tt := range tests {
		_, rej := precheck(tt.text)
		switch {
		case tt.reject == "" && rej != nil:
			t.Errorf("precheck(%q) rejected: %s", tt.text, rej.Reason)
		case tt.reject != "" && (rej == nil || !strings.Contains(rej.Reason, tt.reject)):
			t.Errorf("precheck(%q) = %+v, want a rejection mentioning %q", tt.text, rej, tt.reject)
		case rej != nil && (!rej.Rejected || rej.Commands == nil):
			t.Errorf("precheck(%q): malformed rejection %+v", tt.text, rej)
		}
	}
}

// Every generated sample must become a valid training example whose targets the
// constraints allow for valid commands: otherwise the model is trained on labels
// the sampler can never produce.
func TestTrainingExamplesValid(t *testing.T) {
	g, st, lay := demo(t)
	gen := gen.New(g, gen.Options{BaseState: st})
	rng := rand.New(rand.NewPCG(7, 7))
	cfg := lay.cfg
	bad := 0
	for i := 0; i < 500; i++ {
		s := gen.Sample(rng)
		ex, err := lay.trainingExample(s)
		if err != nil {
			bad++
			t.Logf("%v: %s", err, s.Text)
			continue
		}
		if err := ex.Check(cfg, true); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if s.Want.Rejected {
			continue
		}
		// For a valid utterance, feeding the gold targets through the constraint
		// tables must never hit a forbidden pair.
		f, err := lay.featurize(s.Text, s.State)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range f.cons.Tables {
			for fr := 0; fr < cfg.Frames; fr++ {
				a := ex.Target[fr*cfg.Roles+tb.RoleA]
				b := ex.Target[fr*cfg.Roles+tb.RoleB]
				if !tb.OK[int(a)*cfg.MaxCands+int(b)] {
					t.Fatalf("%s: gold pair roles %d,%d (%d,%d) forbidden by constraints", s, tb.RoleA, tb.RoleB, a, b)
				}
			}
		}
	}
	if bad > 25 {
		t.Errorf("%d of 500 generated samples could not be featurized", bad)
	}
}

func TestDecodeNeverOutputsInvalid(t *testing.T) {
	// A random-weight model produces garbage; whatever it produces, every command
	// that comes out must pass the grammar/state check.
	g, st, _ := demo(t)
	w, err := model.NewWeights(model.DefaultConfig(), 3)
	if err != nil {
		t.Fatal(err)
	}
	w.Fingerprint = Fingerprint(g)
	f, err := New(g, w, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	texts := []string{"Sparky thunderbolt Rattler", "use potion on Cinder", "call Leafy Bob", "go left 3 steps", "hello", "Bubbles, ember!"}
	for steps := 1; steps <= 27; steps += 13 {
		for _, text := range texts {
			r := f.Fill([]string{text}, nil, steps)[0]
			if r.Rejected && (r.Reason == "" || len(r.Commands) != 0) {
				t.Errorf("K=%d %q: bad rejection %+v", steps, text, r)
			}
			for _, c := range r.Commands {
				if err := g.Check(c, st); err != nil {
					t.Errorf("K=%d %q: invalid command %+v: %v", steps, text, c, err)
				}
			}
		}
	}
}

func TestStateTooLarge(t *testing.T) {
	g, st, _ := demo(t)
	w, _ := model.NewWeights(model.DefaultConfig(), 3)
	w.Fingerprint = Fingerprint(g)
	f, err := New(g, w, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 200 values nobody said fit (they are left out of the candidates); 100 values
	// that all sound like a word of the utterance do not, and the reason says so.
	big := st.Clone()
	for i := 0; i < 200; i++ {
		big.Values["item"] = append(big.Values["item"], "thing"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if r := f.Understand("use a potion", big); r.Rejected && strings.Contains(r.Reason, "too many") {
		t.Errorf("200 unsaid values: %+v", r)
	}
	for i := 0; i < 100; i++ {
		big.Values["item"] = append(big.Values["item"], "potion "+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	r := f.Understand("use a potion", big)
	if !r.Rejected || !strings.Contains(r.Reason, "too many names said at once") {
		t.Errorf("got %+v, want a too-many-names rejection", r)
	}
	long := strings.Repeat("sparky ", 40)
	if r := f.Understand(long, nil); !r.Rejected || !strings.Contains(r.Reason, "too long") {
		t.Errorf("got %+v, want a too-long rejection", r)
	}
}

func TestDevSetFile(t *testing.T) {
	cases, err := LoadDevSet(gameDir + "/devset.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 80 {
		t.Fatalf("dev set has %d cases", len(cases))
	}
	g, _, _ := demo(t)
	renamed := 0
	for _, c := range cases {
		if c.StateName == "renamed" {
			renamed++
		}
		st := c.State
		if st == nil {
			st, _ = grammar.LoadState(gameDir + "/" + StateFile)
		}
		for _, cmd := range c.Want.Commands {
			if err := g.Check(cmd, st); err != nil {
				t.Errorf("line %d: expected command is itself invalid: %v", c.Line, err)
			}
		}
	}
	if renamed < 10 {
		t.Errorf("only %d renamed-party cases", renamed)
	}
}

func TestParseCommandErrors(t *testing.T) {
	for _, s := range []string{"", "attack actor", `attack name="open`} {
		if _, err := parseCommand(s); err == nil {
			t.Errorf("parseCommand(%q): no error", s)
		}
	}
	c, err := parseCommand(`move actor=Sparky steps=2 name="Captain Fluff"`)
	if err != nil || c.Slots["steps"] != grammar.Num(2) || c.Slots["name"] != grammar.Str("Captain Fluff") {
		t.Errorf("parseCommand: %+v %v", c, err)
	}
}
