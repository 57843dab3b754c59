package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "parse", summary: "understand typed transcripts: text in, JSON commands out", run: runParse})
}

func runParse(args []string) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd parse --game DIR [--state FILE] [--steps K] [--backend NAME] (TEXT | -)

Prints one JSON object per utterance:
  {"text": ..., "commands": [{"intent": ..., "slots": {...}, "confidence": ...}], "rejected": false, "reason": ""}
With "-" it reads standard input, one utterance per line, and answers every line
(empty ones too) in order, flushing each answer.

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory with commands.vcg, model.vcw and state.json (required)")
	statePath := fs.String("state", "", "state JSON file replacing the game's state.json")
	steps := fs.Int("steps", 0, "diffusion steps K (0: the model's default)")
	backend := fs.String("backend", "cpu", "compute backend: cpu, cuda (needs -tags cuda) or auto")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *game == "" || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "voicecmd parse: need --game DIR and exactly one TEXT (or - for stdin)")
		fs.Usage()
		return exitUsage
	}
	f, err := understand.Load(*game, understand.Options{Steps: *steps, Backend: *backend, Logf: stderrf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd parse:", err)
		return exitFailure
	}
	defer f.Close()
	var st *grammar.State
	if *statePath != "" {
		if st, err = grammar.LoadState(*statePath); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse:", err)
			return exitFailure
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if fs.Arg(0) != "-" {
		enc.Encode(f.Understand(fs.Arg(0), st))
		return exitOK
	}
	return parseLines(os.Stdin, out, enc, f, st)
}

func parseLines(in io.Reader, out *bufio.Writer, enc *json.Encoder, f *understand.Model, st *grammar.State) int {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		if line == "" && err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "voicecmd parse: read stdin:", err)
				return exitFailure
			}
			return exitOK
		}
		text := strings.TrimRight(line, "\r\n")
		if err := enc.Encode(f.Understand(text, st)); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse:", err)
			return exitFailure
		}
		if err := out.Flush(); err != nil {
			return exitFailure
		}
	}
}

// usageExit maps flag parsing errors to exit codes: --help is success.
func usageExit(err error) int {
	if err == flag.ErrHelp {
		return exitOK
	}
	return exitUsage
}
