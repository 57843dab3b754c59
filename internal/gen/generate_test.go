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
