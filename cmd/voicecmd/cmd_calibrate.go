package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "calibrate", summary: "refit a model's confidence calibration (train does it too)", run: runCalibrate})
}

// minCalibrationCases is the fewest labelled utterances a calibration is fit on:
// below it the isotonic fit follows a handful of outcomes.
const minCalibrationCases = 200

func runCalibrate(args []string) int {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd calibrate --game DIR [--n N] [--seed S] [--devset FILE,FILE...]

Fits DIR/model.vcw's confidence calibration (DIR/model.cal.json) on N utterances
generated from the grammar with a seed training did not use, so that a command's
confidence is the probability that it is exactly what was said. voicecmd train does
this after training; run it alone after changing the state or the off-topic file.
With --devset it fits on those labelled files instead (dev-set format): what
players actually said. Never list a held-out set you will score later.

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory (required)")
	n := fs.Int("n", 4000, "generated utterances to fit on")
	seed := fs.Uint64("seed", 1_000_004, "generator seed (not the training seed)")
	devsets := fs.String("devset", "", "comma-separated labelled files to fit on instead of generated utterances")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *game == "" || fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if !flagRange("calibrate", "n", *n, 100, 1_000_000) {
		return exitUsage
	}
	m, err := understand.Load(*game, understand.Options{Logf: stderrf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd calibrate:", err)
		return exitFailure
	}
	defer m.Close()
	offTopic, err := understand.LoadOffTopic(*game)
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd calibrate:", err)
		return exitFailure
	}
	var cal *understand.Calibration
	from := fmt.Sprintf("%d generated utterances", *n)
	if *devsets != "" {
		var cases []understand.Case
		for _, f := range strings.Split(*devsets, ",") {
			cs, err := understand.LoadDevSet(strings.TrimSpace(f))
			if err != nil {
				fmt.Fprintln(os.Stderr, "voicecmd calibrate:", err)
				return exitFailure
			}
			cases = append(cases, cs...)
		}
		if len(cases) < minCalibrationCases {
			fmt.Fprintf(os.Stderr, "voicecmd calibrate: %d labelled utterances are too few to fit a calibration on; give at least %d\n", len(cases), minCalibrationCases)
			return exitFailure
		}
		cal, from = understand.CalibrateOnCases(m, cases, 0), fmt.Sprintf("%d labelled utterances", len(cases))
	} else {
		cal = understand.CalibrateOnGenerated(m, m.State(), offTopic, *seed, *n)
	}
	path := understand.CalibrationPath(filepath.Join(*game, understand.WeightsFile))
	if err := understand.SaveCalibration(path, cal); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd calibrate:", err)
		return exitFailure
	}
	fmt.Printf("wrote %s: %d executed of %s, ECE %.3f -> %.3f\n", path, cal.N, from, cal.ECERaw, cal.ECEFitted)
	return exitOK
}
