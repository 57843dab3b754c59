package grammar_test

import (
	"slices"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

// The words that only lead into a slot, and the endings a pattern allows, come from
// the patterns: "give a potion to" stops at a lead-in, "Sparky, hold on" at an end.
func TestLeadIns(t *testing.T) {
	g, err := grammar.Parse("t.vcg", `type monster dynamic
type item dynamic
intent item(item: item, target?: monster) {
    say "(use | give) [a | the] {item} [(on | to) [the] {target}]"
}
intent hold(actor: monster) {
    default actor: state
    say "{actor} [,] (hold on | stay)"
    say "stop"
}
`)
	if err != nil {
		t.Fatal(err)
	}
	into, ends := g.Intent("item").LeadIns()
	for w, want := range map[string][]string{"on": {"target"}, "to": {"target"}, "the": {"item", "target"}, "a": {"item"}, "use": {"item"}} {
		got := slices.Clone(into[w])
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("item: %q leads into %v, want %v", w, got, want)
		}
	}
	if len(ends) != 0 {
		t.Errorf("item ends with a slot only, got word endings %v", ends)
	}
	into, ends = g.Intent("hold").LeadIns()
	if len(into) != 0 {
		t.Errorf("hold: no word comes before a slot, got %v", into)
	}
	for _, e := range [][2]string{{"hold", "on"}, {"", "stop"}} {
		if !ends[e] {
			t.Errorf("hold: ending %q missing from %v", e, ends)
		}
	}
	if !ends[[2]string{"*", "stay"}] {
		t.Errorf("hold: \"{actor} stay\" ends with stay after a slot: %v", ends)
	}
	if ends[[2]string{"", "on"}] || ends[[2]string{"", "stay"}] {
		t.Errorf("hold: \"on\" and \"stay\" never end a pattern alone: %v", ends)
	}
	if bg := g.Intent("hold").Patterns[0].Bigrams(); !slices.Contains(bg, [2]string{"hold", "on"}) || slices.Contains(bg, [2]string{"on", "stay"}) {
		t.Errorf("bigrams %v", bg)
	}
}
