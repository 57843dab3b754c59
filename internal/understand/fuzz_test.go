package understand

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse: whatever the transcriber prints, Parse answers without panicking, and
// every command it returns is valid for the grammar and the state.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Sparky, thunderbolt the Rattler!", "", "[BLANK_AUDIO]", "call Leafy ¡Zoë!", "go 99999999999 steps left",
		"and and and then", "Sparky Sparky Sparky Sparky", "rename to", "\x00\xff", "use a potion on"} {
		f.Add(s)
	}
	g, st, _ := demo(f)
	fl, err := Load(gameDir, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := fl.Understand(text, nil)
		if r.Rejected {
			if r.Reason == "" || r.Commands == nil || len(r.Commands) != 0 {
				t.Fatalf("%q: malformed rejection %+v", text, r)
			}
			return
		}
		if len(r.Commands) == 0 {
			t.Fatalf("%q: accepted with no commands", text)
		}
		for _, c := range r.Commands {
			if err := g.Check(c, st); err != nil {
				t.Fatalf("%q: invalid command %+v: %v", text, c, err)
			}
			for _, v := range c.Slots {
				if !v.IsNum && !utf8.ValidString(v.Str) {
					t.Fatalf("%q: slot value is not UTF-8: %q", text, v.Str)
				}
			}
		}
	})
}
