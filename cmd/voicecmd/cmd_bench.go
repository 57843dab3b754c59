package main

import (
	"fmt"
	"os"
	"sort"
)

// benchKinds holds the `voicecmd bench <kind>` benchmarks; each registers itself
// from its own file (bench_fill.go, bench_asr.go, bench_e2e.go).
var benchKinds = map[string]*subcommand{}

func registerBench(c *subcommand) { benchKinds[c.name] = c }

func init() {
	register(&subcommand{name: "bench", summary: "latency benchmarks: fill, asr, e2e", run: runBench})
}

func runBench(args []string) int {
	names := make([]string, 0, len(benchKinds))
	for n := range benchKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: voicecmd bench <kind> [flags]\n\nkinds:")
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-6s %s\n", n, benchKinds[n].summary)
		}
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := benchKinds[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "voicecmd bench: unknown kind %q (have %v)\n", args[0], names)
		return exitUsage
	}
	return c.run(args[1:])
}
