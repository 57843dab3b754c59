// Command monstertrainer is voicecmd's demo: command a party of monsters by voice
// (--model, hold SPACE to talk) or by typing (ENTER), or drive it with a script.
//
//	go run ./examples/monstertrainer                     # type commands
//	go run ./examples/monstertrainer --model tiny.en.bin # speak them
//
// The game lives in package arena (drawing, wiring) and package battle (rules).
package main

import (
	"os"

	"github.com/voicecmd/voicecmd/examples/monstertrainer/arena"
)

func main() { os.Exit(arena.Main(os.Args[1:])) }
