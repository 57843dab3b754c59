package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/voicecmd/voicecmd/voice"
)

func init() {
	register(&subcommand{name: "models", summary: "whisper models: get (download), synth (weightless test model), info", run: runModels})
}

func modelsUsage() {
	names := make([]string, 0, len(voice.Releases))
	for n := range voice.Releases {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, `usage: voicecmd models <get|synth|info> ...

  get NAME [--dir DIR]            download a whisper model (%s), with resume and SHA-256 check
  synth --size NAME --out FILE    write a weightless model of that shape (tests, benchmarks)
  info FILE                       check a model file and print its hyper-parameters
`, strings.Join(names, ", "))
}

func runModels(args []string) int {
	if len(args) == 0 {
		modelsUsage()
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		modelsUsage()
		return exitOK
	case "get":
		return runModelsGet(args[1:])
	case "synth":
		return runModelsSynth(args[1:])
	case "info":
		return runModelsInfo(args[1:])
	}
	fmt.Fprintf(os.Stderr, "voicecmd models: unknown subcommand %q\n", args[0])
	modelsUsage()
	return exitUsage
}

func runModelsGet(args []string) int {
	fs := flag.NewFlagSet("models get", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd models get NAME [--dir DIR]

Downloads a whisper.cpp ggml model (tiny.en, base.en, small.en) into DIR, showing
progress, resuming an interrupted download, and checking the file's SHA-256.
Prints the model's path.

flags:`)
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "models", "directory to save the model in")
	url := fs.String("url", "", "download from this URL instead (a mirror); the SHA-256 must still match")
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usageExit(err)
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	rel, ok := voice.Releases[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "voicecmd models get: unknown model %q\n", name)
		fs.Usage()
		return exitUsage
	}
	if *url != "" {
		rel.URL = *url
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newByteBar(os.Stderr, rel.Name)
	path, err := voice.DownloadModel(ctx, rel, *dir, voice.DownloadOptions{Progress: bar.update})
	bar.done()
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd models get:", err)
		return exitFailure
	}
	fmt.Println(path)
	return exitOK
}

// byteBar draws download progress on one line of a terminal, or every 10% otherwise.
type byteBar struct {
	p    *progress
	name string
	last int64
}

func newByteBar(w *os.File, name string) *byteBar {
	return &byteBar{p: newProgress(w, 100), name: name, last: -1}
}

func (b *byteBar) update(done, total int64) {
	b.last = done
	mb := float64(done) / 1e6
	if total <= 0 {
		if b.p.tty {
			fmt.Fprintf(b.p.w, "\r%s: %.1f MB ", b.name, mb)
		}
		return
	}
	pct := int(100 * done / total)
	if b.p.tty {
		const width = 30
		fill := width * pct / 100
		fmt.Fprintf(b.p.w, "\r%s [%s%s] %3d%% %.1f/%.1f MB ", b.name, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, mb, float64(total)/1e6)
	} else if pct/10 != b.p.lastPct/10 {
		b.p.lastPct = pct
		fmt.Fprintf(b.p.w, "%s: %d%% (%.1f/%.1f MB)\n", b.name, pct, mb, float64(total)/1e6)
	}
}

func (b *byteBar) done() {
	if b.p.tty && b.last >= 0 {
		fmt.Fprintln(b.p.w)
	}
}

func runModelsSynth(args []string) int {
	fs := flag.NewFlagSet("models synth", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd models synth --size NAME --out FILE

Writes a weightless whisper model of a released shape (tiny.en, base.en, small.en):
the real hyper-parameters, mel filters and a vocabulary, but no tensors. whisper.cpp
loads it as an empty test model and runs the full compute, so it measures latency
and exercises the plumbing; its transcripts are noise.

flags:`)
		fs.PrintDefaults()
	}
	size := fs.String("size", "tiny.en", "model shape: tiny.en, base.en or small.en")
	out := fs.String("out", "", "file to write (required)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if _, ok := voice.ModelShapes[*size]; !ok {
		fmt.Fprintf(os.Stderr, "voicecmd models synth: unknown size %q (tiny.en, base.en, small.en)\n", *size)
		return exitUsage
	}
	f, err := os.Create(*out)
	if err == nil {
		err = voice.SynthModel(f, *size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd models synth:", err)
		return exitFailure
	}
	return exitOK
}

func runModelsInfo(args []string) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(os.Stderr, "usage: voicecmd models info FILE\n\nChecks a ggml whisper model file and prints its hyper-parameters.")
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitUsage
	}
	info, err := voice.ReadModelInfo(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd models info:", err)
		return exitFailure
	}
	kind := fmt.Sprintf("%d tensors", info.Tensors)
	if info.Weightless() {
		kind = "weightless (synthesized)"
	}
	fmt.Printf("%s: %s, %s, width %d, %d+%d layers, %d heads, vocab %d (%d in file), ftype %d, %.1f MB\n",
		info.Path, info.SizeName(), kind, info.NAudioState, info.NAudioLayer, info.NTextLayer, info.NAudioHead,
		info.NVocab, info.FileVocab, info.FType, float64(info.Size)/1e6)
	return exitOK
}
