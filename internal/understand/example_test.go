package understand_test

import (
	"fmt"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func ExampleFiller_Parse() {
	f, err := understand.Load("../../examples/monstertrainer", understand.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	for _, text := range []string{
		"Sparky, thunderbolt the Rattler!",
		"um Ember!",
		"Bubbles dodge left and Leafy come back",
		"Pikachu, thunderbolt!",
	} {
		fmt.Println(understand.Describe(f.Parse(text, nil)))
	}
	// Output:
	// attack actor=Sparky move=thunderbolt target=Rattler
	// attack actor=Cinder move=ember
	// dodge actor=Bubbles direction=left; retreat actor=Leafy
	// REJECT (unknown monster "Pikachu")
}

// A renamed party and a move never seen in training work without retraining: the
// state is data, not weights.
func ExampleFiller_Parse_renamed() {
	f, err := understand.Load("../../examples/monstertrainer", understand.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	st := f.State()
	st.Rename("monster", "Sparky", "Zappy")
	st.Values["move"] = append(st.Values["move"], "volt tackle")
	st.Relations["knows"] = append(st.Relations["knows"], []string{"Zappy", "volt tackle"})
	fmt.Println(understand.Describe(f.Parse("Zappy, volt tackle the Stonejaw", st)))
	fmt.Println(understand.Describe(f.Parse("Sparky, thunderbolt", st)))
	// Output:
	// attack actor=Zappy move="volt tackle" target=Stonejaw
	// REJECT (unknown monster "Sparky")
}

var _ = grammar.Str
