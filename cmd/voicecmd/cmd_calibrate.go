package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "calibrate", summary: "refit a model's confidence calibration (train does it too)", run: runCalibrate})
}

func runCalibrate(args []string) int {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd calibrate --game DIR [--n N] [--seed S]

Fits DIR/model.vcw's confidence calibration (DIR/model.cal.json) on N utterances
generated from the grammar with a seed training did not use, so that a command's
confidence is the probability that it is exactly what was said. voicecmd train does
this after training; run it alone after changing the state or the off-topic file.

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory (required)")
	n := fs.Int("n", 4000, "generated utterances to fit on")
	seed := fs.Uint64("seed", 1_000_004, "generator seed (not the training seed)")
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
	cal := understand.CalibrateOnGenerated(m, m.State(), offTopic, *seed, *n)
	path := understand.CalibrationPath(filepath.Join(*game, understand.WeightsFile))
	if err := understand.SaveCalibration(path, cal); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd calibrate:", err)
		return exitFailure
	}
	fmt.Printf("wrote %s: %d executed of %d generated utterances, ECE %.3f -> %.3f\n", path, cal.N, *n, cal.ECERaw, cal.ECEFitted)
	return exitOK
}
