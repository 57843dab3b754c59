package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	register(&subcommand{name: "train", summary: "train the filler model for a game's grammar", run: runTrain})
}

// Demo training budget: about 8 minutes on a 2-core machine (see README).
const (
	defaultTrainSteps = 16000
	defaultTrainBatch = 32
)

func runTrain(args []string) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd train --game DIR [--out FILE] [--seed N] [--steps N]

Trains the masked-diffusion filler on utterances generated from DIR/commands.vcg
(mixed with random names, so renamed monsters and new moves work without
retraining, and with off-topic speech: everyday English, plus DIR/offtopic.txt if
the game has one), writes the weights (default DIR/model.vcw) and a loss curve PNG next to
them, and reports exact-match accuracy on DIR/devset.txt when it exists.

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory with commands.vcg and state.json (required)")
	out := fs.String("out", "", "weights file to write (default DIR/model.vcw)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same weights")
	steps := fs.Int("steps", defaultTrainSteps, "optimizer steps")
	batch := fs.Int("batch", defaultTrainBatch, "examples per step")
	lr := fs.Float64("lr", 3e-3, "peak learning rate")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if !flagRange("train", "steps", *steps, 1, 1<<30) || !flagRange("train", "batch", *batch, 1, 1<<16) || !flagRange("train", "lr", *lr, 1e-9, 10) {
		return exitUsage
	}
	if *game == "" || fs.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "voicecmd train: need --game DIR and no other arguments")
		fs.Usage()
		return exitUsage
	}
	if *out == "" {
		*out = filepath.Join(*game, understand.WeightsFile)
	}
	g, err := grammar.ParseFile(filepath.Join(*game, understand.GrammarFile))
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	st, err := understand.LoadState(g, filepath.Join(*game, understand.StateFile), stderrf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	offTopic, err := understand.LoadOffTopic(*game)
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var losses []float64
	bar := newProgress(os.Stderr, *steps)
	start := time.Now()
	w, err := understand.Train(ctx, g, understand.TrainOptions{
		Base:     st,
		OffTopic: offTopic,
		Train:    model.TrainConfig{Steps: *steps, Batch: *batch, LR: *lr, Seed: *seed},
		Progress: func(step int, loss float64, elapsed time.Duration) {
			losses = append(losses, loss)
			bar.update(step+1, smoothed(losses), elapsed)
		},
	})
	bar.done()
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	if err := model.Save(*out, w); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	fmt.Printf("wrote %s (%d parameters, %d steps x %d, %s)\n", *out, w.NumParams(), *steps, *batch, time.Since(start).Round(time.Second))
	m, err := understand.New(g, w, st, understand.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	defer m.Close()
	// Calibrate on generated utterances the training never drew (another seed).
	cal := understand.CalibrateOnGenerated(m, st, offTopic, *seed+1_000_003, 4000)
	if err := understand.SaveCalibration(understand.CalibrationPath(*out), cal); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train:", err)
		return exitFailure
	}
	m.SetCalibration(cal)
	fmt.Printf("wrote %s (confidence calibrated on %d unseen generated utterances: ECE %.3f -> %.3f)\n",
		understand.CalibrationPath(*out), cal.N, cal.ECERaw, cal.ECEFitted)
	curve := strings.TrimSuffix(*out, filepath.Ext(*out)) + "_loss.png"
	if err := writeLossCurve(curve, losses); err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd train: loss curve:", err)
	} else {
		fmt.Printf("wrote %s\n", curve)
	}
	dev := filepath.Join(*game, "devset.txt")
	if _, err := os.Stat(dev); err == nil {
		cases, err := understand.LoadDevSet(dev)
		if err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd train:", err)
			return exitFailure
		}
		printEval(understand.Evaluate(m, cases, 0), m.Steps())
	}
	return exitOK
}

func printEval(ev understand.Eval, steps int) {
	fmt.Printf("dev set: %d/%d exact (%.1f%%) at K=%d", ev.Correct, ev.Total, 100*ev.Accuracy(), steps)
	for name, s := range ev.ByState {
		if name != "" {
			fmt.Printf("; @%s %d/%d", name, s[0], s[1])
		}
	}
	fmt.Println()
	for _, fl := range ev.Failures {
		fmt.Printf("  line %d: %q\n    want %s\n    got  %s\n", fl.Case.Line, fl.Case.Text, understand.Describe(fl.Case.Want), understand.Describe(fl.Got))
	}
}

// smoothed is the mean of the last 50 losses (minibatch losses are noisy).
func smoothed(l []float64) float64 {
	n := min(len(l), 50)
	s := 0.0
	for _, v := range l[len(l)-n:] {
		s += v
	}
	return s / float64(n)
}
