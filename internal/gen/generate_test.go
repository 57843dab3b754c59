package gen

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

func demoGrammar(t testing.TB) (*grammar.Grammar, *grammar.State) {
	t.Helper()
	g, err := grammar.ParseFile("../../examples/monstertrainer/commands.vcg")
	if err != nil {
		t.Fatal(err)
	}
	st, err := grammar.LoadState("../../examples/monstertrainer/state.json")
	if err != nil {
		t.Fatal(err)
	}
	return g, st
}

// Every generated sample's expected result must be consistent with the checker,
// and its slot spans must cover the words that were said.
func TestGeneratorLabels(t *testing.T) {
	g, st := demoGrammar(t)
	gen := New(g, Options{BaseState: st})
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
	gen := New(g, Options{BaseState: st})
	a := rand.New(rand.NewPCG(5, 5))
	b := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 200; i++ {
		if x, y := gen.Sample(a).String(), gen.Sample(b).String(); x != y {
			t.Fatalf("sample %d differs:\n%s\n%s", i, x, y)
		}
	}
}

// Off-topic samples come from the game's own list, the corpus of everyday English
// and the built-in chatter, and are always rejections.
func TestOffTopicSources(t *testing.T) {
	g, st := demoGrammar(t)
	own := "pass me the crisps"
	gen := New(g, Options{BaseState: st, OffTopic: []string{own}})
	rng := rand.New(rand.NewPCG(2, 2))
	var fromOwn, fromCorpus int
	corpus := map[string]bool{}
	for _, s := range gen.corpus {
		corpus[s] = true
		corpus[strings.ToLower(strings.Trim(s, ".?!"))] = true
	}
	for i := 0; i < 4000; i++ {
		s := gen.offTopic(rng, st)
		if !s.Want.Rejected || len(s.Frames) != 0 {
			t.Fatalf("off-topic sample is not a rejection: %s", s)
		}
		if strings.EqualFold(strings.Trim(s.Text, ".?!"), own) {
			fromOwn++
		}
		if corpus[s.Text] {
			fromCorpus++
		}
	}
	if fromOwn < 1000 || fromCorpus < 1000 {
		t.Errorf("%d of 4000 from the game's list, %d from the corpus", fromOwn, fromCorpus)
	}
	if len(gen.corpus) < 2500 {
		t.Errorf("corpus has %d sentences", len(gen.corpus))
	}
}

// A corpus sentence that could be a command of the grammar is not taught as
// off-topic.
func TestCorpusSkipsCommandLikeSentences(t *testing.T) {
	g, err := grammar.Parse("t.vcg", `
type direction enum {
    left
    forward
}
intent move(direction: direction) {
    say "go {direction} now"
}`)
	if err != nil {
		t.Fatal(err)
	}
	saved := negativesFile
	defer func() { negativesFile = saved }()
	negativesFile = "# comment\nGo now.\nThe cat sat on the mat.\ngo left now\n"
	got := corpusFor(g)
	if len(got) != 1 || got[0] != "The cat sat on the mat." {
		t.Errorf("corpusFor = %q", got)
	}
}

// Group phrases and lists: "everyone dodge" is one command per monster that may,
// "Cinder and Leafy come back" two commands, and their spans cover what was said.
func TestGroupsAndLists(t *testing.T) {
	g, st := demoGrammar(t)
	if len(g.Type("monster").Group) == 0 {
		t.Skip("the demo grammar has no group phrases")
	}
	gen := New(g, Options{BaseState: st})
	rng := rand.New(rand.NewPCG(7, 7))
	var groups, lists int
	for i := 0; i < 3000; i++ {
		s := gen.Sample(rng)
		for fi, f := range s.Frames {
			for k, sf := range f.Slots {
				if sf.Kind == Group {
					groups++
					if !strings.EqualFold(s.Text[sf.Start:sf.End], sf.Value.Str) {
						t.Errorf("%s: group span %q is not the phrase %q", s, s.Text[sf.Start:sf.End], sf.Value.Str)
					}
				}
				if fi > 0 && k == "actor" && s.Frames[fi-1].Intent == f.Intent && sf.Start > s.Frames[fi-1].Slots["actor"].End &&
					strings.Contains(strings.ToLower(s.Text[s.Frames[fi-1].Slots["actor"].End:sf.Start]), "and") {
					lists++
				}
			}
		}
		for _, c := range s.Want.Commands {
			if err := g.Check(c, s.State); err != nil {
				t.Fatalf("%s: invalid expected command: %v", s, err)
			}
		}
		if len(s.Frames) > maxCommands {
			t.Fatalf("%s: %d frames", s, len(s.Frames))
		}
	}
	if groups < 30 || lists < 30 {
		t.Errorf("%d group fills and %d lists in 3000 samples", groups, lists)
	}
}

func TestExpandGroup(t *testing.T) {
	g, st := demoGrammar(t)
	cmds, err := ExpandGroup(g, "dodge", map[string]grammar.Value{"direction": grammar.Str("left")}, "actor", st)
	if err != nil || len(cmds) != len(st.Values["monster"]) {
		t.Fatalf("dodge everyone: %v %v", cmds, err)
	}
	for i, c := range cmds {
		if c.Slots["actor"].Str != st.Values["monster"][i] || c.Slots["direction"].Str != "left" {
			t.Errorf("command %d = %v", i, c)
		}
	}
	// Only Cinder knows ember: "everyone, ember" is Cinder's attack alone.
	cmds, err = ExpandGroup(g, "attack", map[string]grammar.Value{"move": grammar.Str("ember")}, "actor", st)
	if err != nil || len(cmds) != 1 || cmds[0].Slots["actor"].Str != "Cinder" {
		t.Errorf("attack ember everyone: %v %v", cmds, err)
	}
	// Nobody knows "splash": a rejection that says it was the whole group.
	if _, err := ExpandGroup(g, "attack", map[string]grammar.Value{"move": grammar.Str("splash")}, "actor", st); err == nil || !strings.Contains(err.Error(), "no monster can") {
		t.Errorf("attack splash everyone: %v", err)
	}
}
