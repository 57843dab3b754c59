package fill_test

import (
	"fmt"

	"github.com/voicecmd/voicecmd/engine/fill"
)

func ExampleModel_Understand() {
	f, err := fill.Load("../../examples/monstertrainer", fill.Options{})
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
		fmt.Println(fill.Describe(f.Understand(text, nil)))
	}
	// Output:
	// attack actor=Sparky move=thunderbolt target=Rattler
	// attack actor=Cinder move=ember
	// dodge actor=Bubbles direction=left; retreat actor=Leafy
	// REJECT (unknown monster "Pikachu")
}

// A renamed party and a move never seen in training work without retraining: the
// state is data, not weights.
func ExampleModel_Understand_renamed() {
	f, err := fill.Load("../../examples/monstertrainer", fill.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	st := f.State()
	st.Rename("monster", "Sparky", "Zappy")
	st.Values["move"] = append(st.Values["move"], "volt tackle")
	st.Relations["knows"] = append(st.Relations["knows"], []string{"Zappy", "volt tackle"})
	for _, enemy := range st.Values["enemy"] { // a move aimed at enemies: it targets each
		st.Relations["targets"] = append(st.Relations["targets"], []string{"volt tackle", enemy})
	}
	fmt.Println(fill.Describe(f.Understand("Zappy, volt tackle the Stonejaw", st)))
	fmt.Println(fill.Describe(f.Understand("Sparky, thunderbolt", st)))
	// Output:
	// attack actor=Zappy move="volt tackle" target=Stonejaw
	// REJECT (unknown monster "Sparky")
}
