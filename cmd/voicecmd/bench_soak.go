package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	registerBench(&subcommand{name: "soak", summary: "memory and correctness over a long run with live renames", run: runBenchSoak})
}

type soakReport struct {
	Machine         string  `json:"machine"`
	DurationS       float64 `json:"duration_s"`
	Utterances      int     `json:"utterances"`
	Renames         int     `json:"renames"`
	WrongCommands   int     `json:"wrong_commands"` // a command for the old name, or another monster
	Missed          int     `json:"missed"`         // the renamed monster's command not understood
	OldNameAccepted int     `json:"old_name_accepted"`
	RSSWarmMB       float64 `json:"rss_after_warmup_mb"`
	RSSEndMB        float64 `json:"rss_end_mb"`
	RSSMaxMB        float64 `json:"rss_max_mb"`
	RSSGrowthPct    float64 `json:"rss_growth_pct"`       // end vs after warm-up (the first tenth)
	HeapWarmMB      float64 `json:"heap_after_warmup_mb"` // Go heap in use, after a collection
	HeapEndMB       float64 `json:"heap_end_mb"`
	Goroutines      [2]int  `json:"goroutines"` // after warm-up, at the end
}

// runBenchSoak drives the engine with the demo's real filler for --duration:
// typed utterances in batches, and every --rename-every a rename of the party's
// first monster to a fresh name; after each rename it checks that the new name is
// understood as that monster and the old one rejected, and it samples RSS.
func runBenchSoak(args []string) int {
	fs := flag.NewFlagSet("bench soak", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd bench soak [--game DIR] [--duration D] [--rename-every N] [--json]

Runs the engine for --duration with the game's trained filler: typed utterances as
fast as the engine fills them, a rename of a monster every N utterances, and a check
after each rename that commands go to the new name and the old one is rejected.
Reports utterances, wrong commands, RSS after warm-up and at the end (growth %) and
goroutines. scripts/soak.sh runs it for 30 minutes.

flags:`)
		fs.PrintDefaults()
	}
	gameDir := fs.String("game", "examples/monstertrainer", "game directory")
	duration := fs.Duration("duration", time.Minute, "how long to run")
	every := fs.Int("rename-every", 200, "utterances between renames")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if !flagRange("bench soak", "duration", *duration, time.Second, 24*time.Hour) || !flagRange("bench soak", "rename-every", *every, 1, 1<<30) {
		return exitUsage
	}
	m, err := understand.Load(*gameDir, understand.Options{Logf: stderrf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd bench soak:", err)
		return exitFailure
	}
	defer m.Close()
	eng, err := engine.New(engine.Options{Filler: m, MaxBatch: 16})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd bench soak:", err)
		return exitFailure
	}
	defer eng.Close()
	monsters := eng.State().Values["monster"]
	if len(monsters) == 0 {
		fmt.Fprintln(os.Stderr, "voicecmd bench soak: the game's state has no monster to rename")
		return exitFailure
	}
	name := monsters[0]
	rep := soakReport{Machine: machineName()}
	start := time.Now()
	warm := start.Add(*duration / 10)
	phrases := []string{"%s, dodge left", "%s come back", "%s, stay put", "use a potion on %s", "%s move forward two steps"}
	wait := func(n int) []engine.Utterance {
		var got []engine.Utterance
		deadline := time.Now().Add(10 * time.Second)
		for len(got) < n && time.Now().Before(deadline) {
			eng.Poll()
			got = append(got, eng.Finished()...)
			time.Sleep(200 * time.Microsecond)
		}
		return got
	}
	for gen := 1; time.Since(start) < *duration; gen++ {
		// A batch of ordinary utterances with the current name.
		for i := 0; i < *every; i += 8 {
			for k := 0; k < 8; k++ {
				eng.Submit(0, fmt.Sprintf(phrases[(i+k)%len(phrases)], name))
			}
			for _, u := range wait(8) {
				rep.Utterances++
				for _, c := range u.Result.Commands {
					if a := c.Slots["actor"].Str + c.Slots["target"].Str; a != name {
						rep.WrongCommands++
					}
				}
			}
		}
		// Rename, then the new name must work and the old one must not.
		old := name
		name = soakNames[gen%len(soakNames)]
		if err := eng.Rename("monster", old, name); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd bench soak: rename:", err)
			return exitFailure
		}
		rep.Renames++
		eng.Submit(0, name+", dodge left")
		eng.Submit(0, old+", dodge left")
		got := wait(2)
		rep.Utterances += len(got)
		for _, u := range got {
			said := strings.SplitN(u.Text, ",", 2)[0]
			switch {
			case said == name && (u.Result.Rejected || u.Result.Commands[0].Slots["actor"].Str != name):
				if u.Result.Rejected {
					rep.Missed++
				} else {
					rep.WrongCommands++
				}
			case said == old && !u.Result.Rejected:
				rep.OldNameAccepted++
				rep.WrongCommands++
			}
		}
		rss := rssMB()
		rep.RSSMaxMB = max(rep.RSSMaxMB, rss)
		if rep.RSSWarmMB == 0 && time.Now().After(warm) {
			debug.FreeOSMemory() // measure what is kept, not pages the GC has not returned yet
			rep.RSSWarmMB = rssMB()
			rep.HeapWarmMB = heapMB()
			rep.Goroutines[0] = runtime.NumGoroutine()
		}
	}
	debug.FreeOSMemory()
	rep.RSSEndMB = rssMB()
	rep.HeapEndMB = heapMB()
	rep.Goroutines[1] = runtime.NumGoroutine()
	rep.DurationS = time.Since(start).Seconds()
	if rep.RSSWarmMB > 0 {
		rep.RSSGrowthPct = 100 * (rep.RSSEndMB - rep.RSSWarmMB) / rep.RSSWarmMB
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(rep)
	} else {
		fmt.Printf("soak on %s: %.0f s, %d utterances, %d renames\n", rep.Machine, rep.DurationS, rep.Utterances, rep.Renames)
		fmt.Printf("wrong commands %d (old name accepted %d), renamed monster missed %d\n", rep.WrongCommands, rep.OldNameAccepted, rep.Missed)
		fmt.Printf("RSS %.1f MB after warm-up, %.1f MB at the end (%+.1f%%), max %.1f MB; heap %.1f -> %.1f MB; goroutines %d -> %d\n",
			rep.RSSWarmMB, rep.RSSEndMB, rep.RSSGrowthPct, rep.RSSMaxMB, rep.HeapWarmMB, rep.HeapEndMB, rep.Goroutines[0], rep.Goroutines[1])
	}
	if rep.WrongCommands > 0 {
		return exitFailure
	}
	return exitOK
}

// soakNames are the names the soak renames to, in turn: unlike each other (a
// sound-alike old name would rightly be heard as the new one) and unlike every
// word of the demo's grammar and state.
var soakNames = []string{"Zappy", "Ripple", "Pebble", "Thorn", "Comet", "Mango", "Pixel", "Waffle", "Nimbus", "Gizmo", "Biscuit", "Orbit"}

// heapMB is the Go heap in use, in MB.
func heapMB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

// rssMB is this process's resident set size in MB (Linux; 0 elsewhere).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
