package understand

import (
	"strings"
	"testing"
)

// ruledOut: names the player excluded — negated before, taken back after — and
// names that are simply said (which must still count as said).
func TestRuledOut(t *testing.T) {
	for _, tc := range []struct {
		text, name string
		want       bool
	}{
		{"don't use ember, use flamethrower", "ember", true},
		{"not the Rattler, the Stonejaw", "rattler", true},
		{"flamethrower instead of ember", "ember", true},
		{"Bubbles water gun, no, bubble beam", "water", true},
		{"use the antidote on Bubbles, I mean Cinder", "bubbles", true},
		{"switch to Cinder, sorry, Leafy", "cinder", true},
		{"ember the Rattler", "rattler", false},
		{"no, ember the Rattler", "rattler", false},       // the "no" is in another clause
		{"don't move, Sparky, use ember", "ember", false}, // negation two clauses back
		{"Sparky and Bubbles come back", "sparky", false},
		{"Sparky", "sparky", false},
	} {
		toks := tokenize(tc.text)
		from := -1
		for i, tk := range toks {
			if tk.norm == tc.name {
				from = i
				break
			}
		}
		if from < 0 {
			t.Fatalf("%q: no token %q", tc.text, tc.name)
		}
		to := from + 1
		if strings.HasPrefix(tc.name, "water") { // "water gun"
			to++
		}
		if got := ruledOut(toks, from, to); got != tc.want {
			t.Errorf("%q: %q ruled out = %v, want %v", tc.text, tc.name, got, tc.want)
		}
	}
}
