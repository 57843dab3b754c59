package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/voicecmd/voicecmd/engine"
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
(empty ones too) in order, flushing each answer. An utterance whose confidence is
below --min-confidence is rejected ("not sure: did you mean ...?") and its reading
is under "clarify": [{"commands": [...], "confidence": x}]; nothing below the
threshold is ever under "commands".

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory with commands.vcg, model.vcw and state.json (required)")
	statePath := fs.String("state", "", "state JSON file replacing the game's state.json")
	steps := fs.Int("steps", 0, "diffusion steps K (0: the model's default)")
	backend := fs.String("backend", "cpu", "compute backend: cpu, cuda (needs -tags cuda) or auto")
	minConf := fs.Float64("min-confidence", engine.DefaultMinConfidence, "execute only commands at least this confident (calibrated probability; 0 executes all)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *minConf < 0 || *minConf > 1 {
		fmt.Fprintf(os.Stderr, "voicecmd parse: --min-confidence %v: must be in [0, 1]\n", *minConf)
		return exitUsage
	}
	if !flagRange("parse", "steps", *steps, 0, 127) {
		return exitUsage
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
		if err := enc.Encode(f.Understand(fs.Arg(0), st).Unsure(*minConf)); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse:", err)
			return exitFailure
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse: write:", err)
			return exitFailure
		}
		return exitOK
	}
	return parseLines(os.Stdin, out, enc, f, st, *minConf)
}

func parseLines(in io.Reader, out *bufio.Writer, enc *json.Encoder, f *understand.Model, st *grammar.State, minConf float64) int {
	r := bufio.NewReader(in)
	for {
		line, err := readLine(r, maxLineBytes)
		if line == "" && err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "voicecmd parse: read stdin:", err)
				return exitFailure
			}
			return exitOK
		}
		text := strings.TrimRight(line, "\r\n")
		if err := enc.Encode(f.Understand(text, st).Unsure(minConf)); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse:", err)
			return exitFailure
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd parse: write:", err)
			return exitFailure
		}
	}
}

// maxLineBytes bounds what parse keeps of one input line: longer lines are read
// to their end but only this much is kept (the filler rejects it as too long), so
// a 10 MB line costs 64 KiB, not the line.
const maxLineBytes = 64 << 10

// readLine reads one line (with its newline, if any), keeping at most max bytes.
func readLine(r *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if room := max - len(b); room > 0 {
			b = append(b, chunk[:min(len(chunk), room)]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return string(b), err
	}
}

// usageExit maps flag parsing errors to exit codes: --help is success.
func usageExit(err error) int {
	if err == flag.ErrHelp {
		return exitOK
	}
	return exitUsage
}
