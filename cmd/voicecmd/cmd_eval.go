package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/plot"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "eval", summary: "score a dev set against a game's current model (no training)", run: runEval})
}

func runEval(args []string) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd eval --game DIR [--devset FILE] [--state FILE] [--steps K] [--json] [--png FILE] [--min-confidence X]

Understands every line of a dev set with the game's current model (DIR/model.vcw)
and reports exact match, intent accuracy, wrong commands executed, false and
correct rejections (overall, per @state section and per "# category:" comment),
the risk-coverage curve over confidence thresholds, and every failure.
The dev-set format is described in README.md ("Dev sets").

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory with commands.vcg, model.vcw and state.json (required)")
	devset := fs.String("devset", "", "dev set file (default DIR/devset.txt)")
	statePath := fs.String("state", "", "state JSON file replacing the game's state.json for lines without @state")
	steps := fs.Int("steps", 0, "diffusion steps K (0: the model's default)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	pngPath := fs.String("png", "", "write the risk-coverage curve as a PNG to this file")
	minConf := fs.Float64("min-confidence", engine.DefaultMinConfidence, "results less confident than this (0..1) count as rejected (not executed), as in a game")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	switch {
	case *game == "" || fs.NArg() != 0:
		fmt.Fprintln(os.Stderr, "voicecmd eval: need --game DIR and no other arguments")
		fs.Usage()
		return exitUsage
	case *steps < 0:
		fmt.Fprintf(os.Stderr, "voicecmd eval: --steps must be >= 0 (0: the model's default), got %d\n", *steps)
		return exitUsage
	case !(*minConf >= 0 && *minConf <= 1):
		fmt.Fprintf(os.Stderr, "voicecmd eval: --min-confidence must be in [0,1], got %v\n", *minConf)
		return exitUsage
	}
	if *devset == "" {
		*devset = filepath.Join(*game, "devset.txt")
	}
	if _, err := os.Stat(*devset); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "voicecmd eval: no dev set at %s: write one (see README.md, \"Dev sets\") or pass --devset FILE\n", *devset)
		return exitFailure
	}
	cases, err := understand.LoadDevSet(*devset)
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
		return exitFailure
	}
	if len(cases) == 0 {
		fmt.Fprintf(os.Stderr, "voicecmd eval: %s has no utterances; add lines like: TEXT => intent slot=value\n", *devset)
		return exitFailure
	}
	cats, err := understand.LoadCategories(*devset)
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
		return exitFailure
	}
	f, err := understand.Load(*game, understand.Options{Steps: *steps, Logf: stderrf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
		return exitFailure
	}
	defer f.Close()
	var st *grammar.State // nil: the game's state.json
	if *statePath != "" {
		if st, err = grammar.LoadState(*statePath); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
			return exitFailure
		}
	}
	// One utterance per fill, as a player speaks them (and as `train` scores).
	got := make([]grammar.Result, len(cases))
	for i, c := range cases {
		s := c.State
		if s == nil {
			s = st
		}
		got[i] = f.FillEach([]string{c.Text}, []*grammar.State{s}, 0)[0]
	}
	rep := understand.Score(cases, got, understand.ScoreOptions{MinConfidence: *minConf, Categories: cats})

	if *pngPath != "" {
		title := fmt.Sprintf("risk-coverage: %s, %s, K=%d", *game, *devset, f.Steps())
		if err := writeRiskCoverage(*pngPath, title, rep.RiskCoverage); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
			return exitFailure
		}
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd eval:", err)
			return exitFailure
		}
	} else {
		printReport(os.Stdout, *devset, f.Steps(), rep)
	}
	if *pngPath != "" {
		fmt.Fprintf(os.Stderr, "wrote %s\n", *pngPath)
	}
	return exitOK
}

// writeRiskCoverage plots the wrong-command rate against coverage. The curve
// starts at (0, 0): a threshold above every confidence executes nothing.
func writeRiskCoverage(path, title string, pts []understand.RiskPoint) error {
	xs, ys := []float64{0}, []float64{0}
	for i := len(pts) - 1; i >= 0; i-- { // increasing coverage
		xs, ys = append(xs, pts[i].Coverage), append(ys, pts[i].WrongCommands)
	}
	return plot.LineChart(path, title, "coverage (fraction of utterances executed)", "wrong-command rate",
		plot.Series{Name: "confidence threshold sweep", X: xs, Y: ys})
}

func printReport(w io.Writer, devset string, steps int, r understand.Report) {
	fmt.Fprintf(w, "%s at K=%d, min confidence %g: %d utterances\n\n", devset, steps, r.MinConfidence, r.N)
	fmt.Fprintf(w, "%-20s %5s %7s %7s %7s %9s %9s\n", "", "n", "exact", "intent", "wrong", "false-rej", "right-rej")
	row := func(name string, m understand.Metrics) {
		pct := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
		fmt.Fprintf(w, "%-20s %5d %7s %7s %7s %9s %9s\n", name, m.N, pct(m.Exact), pct(m.IntentAccuracy),
			pct(m.WrongCommands), pct(m.FalseRejections), pct(m.CorrectRejections))
	}
	row("all", r.Metrics)
	for _, k := range slices.Sorted(maps.Keys(r.Sections)) {
		name := "@" + k
		if k == "default" {
			name = "default state"
		}
		row(name, r.Sections[k])
	}
	for _, k := range slices.Sorted(maps.Keys(r.Categories)) {
		row("# "+k, r.Categories[k])
	}
	// The most that can be executed without a single wrong command.
	best := understand.RiskPoint{Threshold: 1}
	for _, p := range r.RiskCoverage {
		if p.WrongCommands == 0 && p.Coverage > best.Coverage {
			best = p
		}
	}
	if best.Coverage > 0 {
		fmt.Fprintf(w, "\nrisk-coverage: %d thresholds; no wrong command at confidence >= %.3f, executing %.1f%%\n",
			len(r.RiskCoverage), best.Threshold, 100*best.Coverage)
	} else {
		fmt.Fprintf(w, "\nrisk-coverage: %d thresholds; every threshold that executes anything executes a wrong command\n", len(r.RiskCoverage))
	}
	fmt.Fprintf(w, "calibration: ECE %.3f over the executed results (0 = confidence is the chance of being right)\n", r.ECE)
	if len(r.Failures) == 0 {
		fmt.Fprintln(w, "\nno failures")
		return
	}
	fmt.Fprintf(w, "\nfailures (%d):\n", len(r.Failures))
	for _, m := range r.Failures {
		fmt.Fprintf(w, "  line %d: %q want %s got %s\n", m.Line, m.Text, m.Want, m.Got)
	}
}
