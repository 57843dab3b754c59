// Command voicecmd is the command-line front end of voicecmd: parse transcripts,
// train the filler, transcribe speech, fetch models and run benchmarks.
//
// Each subcommand lives in its own file (cmd_*.go) and registers itself in init;
// this file only dispatches. Exit codes: 0 ok, 1 failure, 2 usage.
package main

import (
	"fmt"
	"os"
	"sort"
	"time"
)

// subcommand is one verb of the CLI. run receives the arguments after the verb
// and returns the process exit code.
type subcommand struct {
	name    string
	summary string
	run     func(args []string) int
}

var subcommands = map[string]*subcommand{}

// register adds a subcommand; called from init functions in cmd_*.go.
func register(c *subcommand) {
	if _, dup := subcommands[c.name]; dup {
		panic("voicecmd: subcommand registered twice: " + c.name)
	}
	subcommands[c.name] = c
}

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: voicecmd <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", n, subcommands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'voicecmd <command> --help' for a command's flags.")
}

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		usage()
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage()
		return exitOK
	}
	c, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "voicecmd: unknown command %q\n", args[0])
		usage()
		return exitUsage
	}
	return c.run(args[1:])
}

// stderrf prints a library's note (fill.Options.Logf) on stderr, one line.
func stderrf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// flagRange reports a numeric flag outside [lo, hi] on stderr, naming the command,
// the flag and the bound; the caller then exits with exitUsage.
func flagRange[T int | float64 | time.Duration](cmd, name string, v, lo, hi T) bool {
	if v >= lo && v <= hi {
		return true
	}
	fmt.Fprintf(os.Stderr, "voicecmd %s: --%s %v: must be between %v and %v\n", cmd, name, v, lo, hi)
	return false
}
