package grammar_test

import (
	"fmt"

	"github.com/voicecmd/voicecmd/grammar"
)

func ExampleParse() {
	g, err := grammar.Parse("mini.vcg", `
type monster dynamic
type direction enum {
    left
    forward: up, ahead
}
intent dodge(actor: monster, direction?: direction) {
    default actor: state
    say "[{actor}] dodge [{direction}]"
}
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	in := g.Intent("dodge")
	fmt.Println(in.Name, len(in.Slots), in.Slots[1].Optional, g.Type("direction").Values[1].Synonyms)
	// Output: dodge 2 true [up ahead]
}

func ExampleParse_error() {
	_, err := grammar.Parse("commands.vcg", `type monster dynamic
intent attack(actor: mosnter) {
    say "{actor} attack"
}
`)
	fmt.Println(err)
	// Output: commands.vcg:2:22: unknown slot type "mosnter" (did you mean "monster"?)
}
