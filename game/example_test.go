//go:build display

package game_test

import (
	"fmt"
	"log"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/game"
	"github.com/voicecmd/voicecmd/internal/understand"
)

// myGame is a game with voice commands: Update calls the plugin first, Draw last.
type myGame struct {
	voice *game.Plugin
	hp    map[string]int
}

func (g *myGame) Update() error {
	if err := g.voice.Update(); err != nil { // keys, engine poll, handlers
		return err
	}
	// ... the game's own update
	return nil
}

func (g *myGame) Draw(screen *ebiten.Image) {
	// ... the game's own drawing
	g.voice.Draw(screen) // the HUD on top
}

func (g *myGame) Layout(w, h int) (int, int) { return 960, 540 }

// Example is the quick start: a trained filler for the game's grammar, an engine
// (typed text here; add voice sources for a microphone), the plugin and one handler
// per intent.
func Example() {
	f, err := understand.Load("../examples/monstertrainer", understand.Options{})
	if err != nil {
		log.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Filler: f})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	p, err := game.New(game.Options{Engine: eng})
	if err != nil {
		log.Fatal(err)
	}
	g := &myGame{voice: p, hp: map[string]int{"Rattler": 90}}
	p.Handle("attack", func(c engine.Command) (string, error) {
		target := c.Slots["target"].Str
		if _, ok := g.hp[target]; !ok {
			return "", fmt.Errorf("%s is not here", target) // shown in the HUD
		}
		g.hp[target] -= 20
		return fmt.Sprintf("%s -20 HP", target), nil // shown in the HUD and logs
	})
	if err := ebiten.RunGame(g); err != nil {
		log.Fatal(err)
	}
}
