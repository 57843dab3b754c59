package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/gen"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "gen", summary: "print generated training examples for a game's grammar", run: runGen})
}

// genLine is one example of `voicecmd gen --json`.
type genLine struct {
	Text  string `json:"text"`
	Want  string `json:"want"`
	State string `json:"state"` // "game": the game's state.json; "random": invented names
}

func runGen(args []string) int {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd gen --game DIR [-n N] [--seed S] [--json]

Prints N utterances the trainer would generate from DIR/commands.vcg, each with
its target (what the model must answer), so a game author sees what the model
learns from. About half use the game's state.json ("game"); the rest use invented
names ("random") so the model learns to point at names rather than memorise them.
The same seed prints the same examples.

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory with commands.vcg and state.json (required)")
	n := fs.Int("n", 20, "number of examples")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, `print one JSON object per line: {"text", "want", "state"}`)
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	switch {
	case *game == "" || fs.NArg() != 0:
		fmt.Fprintln(os.Stderr, "voicecmd gen: need --game DIR and no other arguments")
		fs.Usage()
		return exitUsage
	case *n < 0:
		fmt.Fprintf(os.Stderr, "voicecmd gen: -n must be >= 0, got %d\n", *n)
		return exitUsage
	}
	g, err := grammar.ParseFile(filepath.Join(*game, understand.GrammarFile))
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd gen:", err)
		return exitFailure
	}
	st, err := grammar.LoadState(filepath.Join(*game, understand.StateFile))
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd gen:", err)
		return exitFailure
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	generator := gen.New(g, gen.Options{BaseState: st})
	rng := rand.New(rand.NewPCG(*seed, *seed))
	for range *n {
		s := generator.Sample(rng)
		l := genLine{Text: s.Text, Want: understand.Describe(s.Want), State: "random"}
		// The generator uses the game's state or an invented one; only the latter
		// has other values.
		if maps.EqualFunc(s.State.Values, st.Values, slices.Equal) {
			l.State = "game"
		}
		if *asJSON {
			enc.Encode(l)
		} else {
			fmt.Fprintf(out, "%-6s %s  =>  %s\n", l.State, l.Text, l.Want)
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd gen:", err)
		return exitFailure
	}
	return exitOK
}
