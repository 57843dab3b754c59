// Command towerdefense is voicecmd's second example game, a real-time tower
// defense: command squads by voice (--model, hold SPACE to talk) or by typing
// (ENTER) — "archers, attack the goblin", "build a cannon at the north gate",
// "all units hold" — or drive it with a script.
//
//	go run ./examples/towerdefense                     # type commands
//	go run ./examples/towerdefense --model tiny.en.bin # speak them
//
// The game lives in package field (drawing, wiring) and package defense (rules).
package main

import (
	"os"

	"github.com/voicecmd/voicecmd/examples/towerdefense/field"
)

func main() { os.Exit(field.Main(os.Args[1:])) }
