package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/cuda"
	"github.com/voicecmd/voicecmd/internal/understand"
)

func init() {
	registerBench(&subcommand{name: "fill", summary: "transcript -> commands latency and accuracy per K", run: runBenchFill})
}

type fillResult struct {
	Steps    int     `json:"steps"`
	Batch    int     `json:"batch"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
	PerUttUs float64 `json:"per_utterance_us"`
	Accuracy float64 `json:"accuracy"`
	// Sections is the exact-match accuracy per @state section of the dev set
	// ("default" for lines without one).
	Sections map[string]float64 `json:"sections"`
}

type fillReport struct {
	Backend      string       `json:"backend"`
	Kernel       string       `json:"cuda_kernel,omitempty"` // the GPU kernel build (cuda.KernelEnv)
	Machine      string       `json:"machine"`
	Slots        int          `json:"slots"`
	State        string       `json:"state,omitempty"` // --state: the default state replaced
	StateValues  int          `json:"state_values"`    // dynamic values in the default state
	DefaultSteps int          `json:"default_steps"`
	Results      []fillResult `json:"results"`
}

func runBenchFill(args []string) int {
	fs := flag.NewFlagSet("bench fill", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd bench fill --game DIR [--backend NAME] [--batch N] [--reps N] [--json]

Measures the whole fill (transcript -> featurize -> K diffusion steps -> commands) on
the game's dev set utterances, at batch 1 and at a large batch, for K = 1, 2, the
default and one slot per step, with dev-set exact-match accuracy at each K (in all
and per @state section). --state FILE replaces the game's default state (e.g. one
with hundreds of moves and items, to measure a large vocabulary).

flags:`)
		fs.PrintDefaults()
	}
	game := fs.String("game", "", "game directory (required)")
	backend := fs.String("backend", "cpu", "compute backend: cpu, cuda or auto")
	batchN := fs.Int("batch", 64, "the large batch size")
	reps := fs.Int("reps", 5, "passes over the dev set at batch 1")
	asJSON := fs.Bool("json", false, "print one JSON object")
	stateFile := fs.String("state", "", "state JSON replacing the game's default state for the dev set's lines without @state")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *game == "" || fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	if *batchN < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "voicecmd bench fill: --batch and --reps must be at least 1")
		return exitUsage
	}
	f, err := understand.Load(*game, understand.Options{Backend: *backend, Logf: stderrf})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd bench fill:", err)
		return exitFailure
	}
	defer f.Close()
	cases, err := understand.LoadDevSet(filepath.Join(*game, "devset.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd bench fill:", err)
		return exitFailure
	}
	P := f.Weights().Config.Positions()
	rep := fillReport{Backend: f.Backend(), Machine: machineName(), Slots: P, DefaultSteps: f.Steps()}
	def := f.State()
	if *stateFile != "" {
		if def, err = grammar.LoadState(*stateFile); err != nil {
			fmt.Fprintln(os.Stderr, "voicecmd bench fill:", err)
			return exitFailure
		}
		rep.State = *stateFile
		for i := range cases {
			if cases[i].State == nil {
				cases[i].State = def
			}
		}
	}
	for _, vs := range def.Values {
		rep.StateValues += len(vs)
	}
	if rep.Backend == "cuda" {
		rep.Kernel = cuda.KernelBuild()
	}
	stepsList := []int{1, 2, f.Steps(), P}
	seen := map[int]bool{}
	for _, k := range stepsList {
		if seen[k] {
			continue
		}
		seen[k] = true
		ev := understand.Evaluate(f, cases, k)
		acc, secs := ev.Accuracy(), map[string]float64{}
		for name, s := range ev.ByState {
			if name == "" {
				name = "default"
			}
			secs[name] = ratio(s[0], s[1])
		}
		// batch 1: every dev utterance, reps times, one at a time
		var lat []time.Duration
		for r := 0; r < *reps; r++ {
			for _, c := range cases {
				t0 := time.Now()
				f.FillEach([]string{c.Text}, []*grammar.State{c.State}, k)
				lat = append(lat, time.Since(t0))
			}
		}
		rep.Results = append(rep.Results, fillResult{Steps: k, Batch: 1, P50us: pctUs(lat, 50), P99us: pctUs(lat, 99), PerUttUs: pctUs(lat, 50), Accuracy: acc, Sections: secs})
		// large batch: default-state utterances in batches of batchN
		var texts []string
		for len(texts) < *batchN {
			for _, c := range cases {
				if c.StateName == "" && len(texts) < *batchN {
					texts = append(texts, c.Text)
				}
			}
		}
		var blat []time.Duration
		for r := 0; r < max(3, *reps*2); r++ {
			t0 := time.Now()
			f.Fill(texts, def, k)
			blat = append(blat, time.Since(t0))
		}
		p50 := pctUs(blat, 50)
		rep.Results = append(rep.Results, fillResult{Steps: k, Batch: *batchN, P50us: p50, P99us: pctUs(blat, 99), PerUttUs: p50 / float64(*batchN), Accuracy: acc, Sections: secs})
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(rep)
		return exitOK
	}
	be := rep.Backend
	if rep.Kernel != "" {
		be += " (kernel build " + rep.Kernel + ")"
	}
	fmt.Printf("backend %s on %s, %d slot positions, default K=%d, %d values in the default state\n", be, rep.Machine, rep.Slots, rep.DefaultSteps, rep.StateValues)
	var names []string
	if len(rep.Results) > 0 {
		for n := range rep.Results[0].Sections {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	fmt.Printf("%5s %6s %10s %10s %12s %9s", "K", "batch", "p50 µs", "p99 µs", "µs/utt", "dev acc")
	for _, n := range names {
		fmt.Printf(" %9s", "@"+n)
	}
	fmt.Println()
	for _, r := range rep.Results {
		fmt.Printf("%5d %6d %10.0f %10.0f %12.1f %8.1f%%", r.Steps, r.Batch, r.P50us, r.P99us, r.PerUttUs, 100*r.Accuracy)
		for _, n := range names {
			fmt.Printf(" %8.1f%%", 100*r.Sections[n])
		}
		fmt.Println()
	}
	return exitOK
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// pctUs returns the p-th percentile (nearest rank, as the other benchmarks) in microseconds.
func pctUs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0 // JSON has no NaN
	}
	us := make([]float64, len(d))
	for i, x := range d {
		us[i] = float64(x.Nanoseconds()) / 1e3
	}
	return percentile(us, p)
}

// machineName describes this computer for benchmark reports.
func machineName() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				if _, v, ok := strings.Cut(name, ":"); ok {
					model = strings.TrimSpace(v)
				}
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
