package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/game/harness"
	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/plot"
	"github.com/voicecmd/voicecmd/internal/understand"
	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

func init() {
	registerBench(&subcommand{name: "e2e", summary: "end of speech -> command dispatched in Update, whole pipeline", run: runBenchE2E})
}

// e2eUtterances are spoken word by word by espeak-ng (so every word's end is known),
// in turn with the voices below. "…" is a pause inside the utterance (e2ePause):
// the ones whose first part is itself a command ("Sparky, thunderbolt … the
// Rattler") catch an endpointer that ends utterances too soon; "uh" is a hesitation.
var e2eUtterances = []string{
	"Sparky, thunderbolt the Rattler",
	"Bubbles, use water gun on Stonejaw",
	"Go, Leafy!",
	"Cinder, ember the Gloomcap",
	"Sparky, dodge left",
	"use a potion on Bubbles",
	"Leafy, move forward two steps",
	"Bubbles, come back",
	"Cinder, hold",
	"call Sparky Zappy",
	"Sparky, thunderbolt … the Rattler",
	"Bubbles, dodge … left",
	"use a potion … on Cinder",
	"Sparky, uh … thunderbolt the Stonejaw",
	"Leafy, razor leaf … the Gloomcap",
	"Leafy, vine whip the Stonejaw",
	"switch to Bubbles",
	"Cinder, ember",
	"Sparky, stay put",
	"give Leafy a super potion",
	"Cinder, move … forward two steps",
	"um … Leafy, come back",
	"Bubbles, water gun … on Stonejaw",
	"Sparky, use … quick attack on the Rattler",
	"Cinder, flamethrower … the Rattler",
	"Bubbles, dodge right",
	"Cinder, come back",
	"Leafy, sleep powder on the Rattler",
	"Sparky, quick attack the Gloomcap",
	"Bubbles, rain dance",
}

// e2ePause is the silence a "…" stands for: a natural pause inside a command,
// longer than the fixed endpointer's 250 ms.
const e2ePause = 350 * time.Millisecond

// e2eWordGap is the silence between words spoken one by one.
const e2eWordGap = 40 * time.Millisecond

var e2eVoices = []struct {
	name  string
	speed int
}{{"en-us", 175}, {"en+f3", 160}, {"en-gb+m3", 200}}

type e2eReport struct {
	Machine          string             `json:"machine"`
	Model            string             `json:"model"`
	ModelWeightless  bool               `json:"model_weightless"`
	OracleText       bool               `json:"oracle_text"`
	Threads          int                `json:"threads"`
	Utterances       int                `json:"utterances"`
	Dispatched       int                `json:"dispatched"`
	Correct          int                `json:"correct"`
	AudioSeconds     float64            `json:"audio_seconds"`
	TrailingSilence  float64            `json:"trailing_silence_ms"`
	PartialsMS       float64            `json:"partial_interval_ms"`
	E2EP50           float64            `json:"e2e_p50_ms"`
	E2EP95           float64            `json:"e2e_p95_ms"`
	E2EP99           float64            `json:"e2e_p99_ms"`
	Stages           map[string]pctl    `json:"stages_ms"`
	Frames           int                `json:"frames"`
	UpdateP50        float64            `json:"update_p50_us"`
	UpdateP90        float64            `json:"update_p90_us"`
	UpdateP99        float64            `json:"update_p99_us"`
	UpdateP999       float64            `json:"update_p999_us"`
	UpdateMax        float64            `json:"update_max_us"`
	FramesOverBudget int                `json:"frames_over_budget"`
	BudgetUS         float64            `json:"update_budget_us"`
	PNG              string             `json:"png,omitempty"`
	PerUtterance     []e2eUtteranceStat `json:"per_utterance,omitempty"`
	// Mode is "grammar" (grammar-aware endpointing, pause transcripts) or "fixed"
	// (the fixed trailing silence).
	Mode string `json:"mode"`
	// OpenFallingMS is engine.EndpointRule.OpenFalling in grammar-aware mode (0: off).
	OpenFallingMS float64 `json:"open_falling_ms"`
	// Premature counts utterances a command was dispatched for before their last
	// word (the endpointer ended them at an inner pause); Correct counts those whose
	// dispatched commands are exactly what the whole utterance means.
	Premature int `json:"premature"`
	// Pauses counts utterances with an inner pause or hesitation.
	Pauses int `json:"pauses"`
	// PartialText says where partial transcripts' text came from: "oracle-timed"
	// (weightless model: the words whose audio ended before the audio a partial
	// covers; whisper's compute still runs) or "whisper".
	PartialText string `json:"partial_text"`
	// ASRLoad is whisper's CPU time for partial and pause transcripts per second of
	// audio, in core-seconds (threads × busy time).
	ASRLoad float64 `json:"partial_asr_core_seconds_per_audio_second"`
	// Baseline is the fixed-silence run of the same stream, when both were run.
	Baseline *e2eReport `json:"baseline,omitempty"`
}

type pctl struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

type e2eUtteranceStat struct {
	Premature bool    `json:"premature,omitempty"`
	Commands  string  `json:"commands,omitempty"`
	Text      string  `json:"text"`
	Heard     string  `json:"heard"`
	Intent    string  `json:"intent"`
	E2E       float64 `json:"e2e_ms"`
	Endpoint  float64 `json:"endpoint_ms"`
	ASR       float64 `json:"asr_ms"`
	Fill      float64 `json:"fill_ms"`
	Dispatch  float64 `json:"dispatch_ms"`
}

func runBenchE2E(args []string) int {
	fs := flag.NewFlagSet("bench e2e", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd bench e2e [--game DIR] [--model FILE] [--utterances N] [--json] [--png FILE]

Streams synthesized speech (espeak-ng) in real time through the whole pipeline —
endpointing, whisper.cpp, the filler, the engine — into a headless 60 Hz game loop,
and measures from the end of each utterance's last spoken word (known exactly for
synthesized audio) to the command's dispatch in Update. Without --model a weightless
tiny.en-shaped whisper model is synthesized: whisper's compute is real but its text
is not, so the spoken text stands in for its transcript (--oracle-text, on by
default for weightless models).

flags:`)
		fs.PrintDefaults()
	}
	gameDir := fs.String("game", "examples/monstertrainer", "game directory")
	modelPath := fs.String("model", "", "whisper ggml model (default: a synthesized tiny.en-shaped one)")
	n := fs.Int("utterances", len(e2eUtterances), "utterances to stream")
	mode := fs.String("mode", "both", "endpointing: both (the fixed-silence baseline, then grammar-aware, one stream each), grammar or fixed")
	threads := fs.Int("threads", 0, "whisper threads (0: all CPUs, at most 4)")
	trailing := fs.Duration("trailing-silence", 0, "endpointer trailing silence (0: the voice package's default)")
	partials := fs.Duration("partials", 0, "partial transcript interval (0: no partials)")
	gap := fs.Duration("gap", 1200*time.Millisecond, "silence between utterances")
	budget := fs.Duration("budget", 500*time.Microsecond, "the plugin's per-Update budget")
	oracle := fs.String("oracle-text", "auto", "use the spoken text as the transcript: auto (for weightless models), on, off")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pngPath := fs.String("png", "", "write the latency CDF per stage to this PNG")
	verbose := fs.Bool("v", false, "print each utterance")
	openFalling := fs.Duration("open-falling", 0, "grammar-aware mode: the silence that ends an open command when the voice fell at its last word (engine.EndpointRule.OpenFalling; 0: off)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *mode != "both" && *mode != "grammar" && *mode != "fixed" {
		fmt.Fprintf(os.Stderr, "voicecmd bench e2e: --mode %q: want both, grammar or fixed\n", *mode)
		return exitUsage
	}
	if !flagRange("bench e2e", "utterances", *n, 1, 10000) || !flagRange("bench e2e", "threads", *threads, 0, 256) ||
		!flagRange("bench e2e", "trailing-silence", *trailing, 0, time.Minute) || !flagRange("bench e2e", "partials", *partials, 0, time.Minute) ||
		!flagRange("bench e2e", "gap", *gap, 0, time.Minute) || !flagRange("bench e2e", "open-falling", *openFalling, 0, time.Minute) || !flagRange("bench e2e", "budget", *budget, time.Microsecond, time.Second) {
		return exitUsage
	}
	if fs.NArg() != 0 || *n <= 0 {
		fs.Usage()
		return exitUsage
	}
	rep, err := benchE2E(e2eConfig{
		gameDir: *gameDir, model: *modelPath, n: *n, threads: *threads, trailing: *trailing,
		partials: *partials, gap: *gap, budget: *budget, oracle: *oracle, png: *pngPath, mode: *mode,
		progress: os.Stderr, verbose: *verbose, openFalling: *openFalling,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "voicecmd bench e2e:", err)
		return exitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
		return exitOK
	}
	printE2E(os.Stdout, rep)
	return exitOK
}

type e2eConfig struct {
	gameDir, model     string
	n, threads         int
	trailing, partials time.Duration
	gap, budget        time.Duration
	oracle, png        string
	mode               string // "both" (default), "grammar" or "fixed"
	progress           io.Writer
	verbose            bool
	openFalling        time.Duration // engine.EndpointRule.OpenFalling in grammar-aware mode
}

// clip is one synthesized utterance placed in the stream.
type clip struct {
	text       string // as written, with "…" for its pauses
	start, end int    // samples: where the clip starts and where its last word ends
	words      []spokenWord
	pauses     int // "…" in it
}

// spokenWord is one word of a clip and where its audio ends in the stream.
type spokenWord struct {
	text string
	end  int
}

// said is what a listener heard of c up to stream position pos: the words whose
// audio ended by then (the oracle transcript of a weightless whisper model).
func (c clip) said(pos int) string {
	var ws []string
	for _, w := range c.words {
		if w.end <= pos {
			ws = append(ws, w.text)
		}
	}
	return strings.Join(ws, " ")
}

// full is the clip's whole text without its pause marks.
func (c clip) full() string { return c.said(math.MaxInt) }

func benchE2E(cfg e2eConfig) (*e2eReport, error) {
	say := func(format string, a ...any) {
		if cfg.progress != nil {
			fmt.Fprintf(cfg.progress, format+"\n", a...)
		}
	}
	// Speech.
	stream, clips, err := synthStream(cfg.n, cfg.gap)
	if err != nil {
		return nil, err
	}
	// Whisper model.
	modelPath := cfg.model
	if modelPath == "" {
		dir, err := os.MkdirTemp("", "voicecmd-e2e")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		modelPath = filepath.Join(dir, "tiny.en-synth.bin")
		f, err := os.Create(modelPath)
		if err != nil {
			return nil, err
		}
		if err := voice.SynthModel(f, "tiny.en"); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	wm, err := whisper.Load(modelPath, whisper.Options{Threads: cfg.threads})
	if err != nil {
		return nil, err
	}
	defer wm.Close()
	oracle := cfg.oracle == "on" || (cfg.oracle == "auto" && wm.Info().Weightless())
	f, err := understand.Load(cfg.gameDir, understand.Options{})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// What each whole utterance means: the filler on its full text.
	want := make([]string, len(clips))
	for i, c := range clips {
		want[i] = understand.Describe(f.Understand(c.full(), nil))
	}
	audio := time.Duration(len(stream)) * time.Second / voice.SampleRate
	run := func(grammarAware bool) (*e2eReport, error) {
		mode := e2eMode(grammarAware)
		say("%s: streaming %d utterances (%.1f s of audio) in real time; model %s, oracle text %v", mode, len(clips), audio.Seconds(), filepath.Base(modelPath), oracle)
		return runE2E(cfg, stream, clips, want, wm, f, oracle, grammarAware, modelPath, say)
	}
	var rep *e2eReport
	switch cfg.mode {
	case "fixed":
		rep, err = run(false)
	case "grammar":
		rep, err = run(true)
	default:
		var base *e2eReport
		if base, err = run(false); err != nil {
			return nil, err
		}
		if rep, err = run(true); err != nil {
			return nil, err
		}
		rep.Baseline = base
	}
	if err != nil {
		return nil, err
	}
	if cfg.png != "" {
		if err := e2ePNG(cfg.png, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// e2eMode names an endpointing mode in reports.
func e2eMode(grammarAware bool) string {
	if grammarAware {
		return "grammar"
	}
	return "fixed"
}

// runE2E streams the utterances once through one endpointing mode: the fixed
// trailing silence, or grammar-aware endpointing with pause transcripts.
func runE2E(cfg e2eConfig, stream []float32, clips []clip, want []string, wm *whisper.Model, f *understand.Model,
	oracle, grammarAware bool, modelPath string, say func(string, ...any)) (*e2eReport, error) {
	ep := voice.EndpointOptions{TrailingSilence: cfg.trailing}
	src := &clockedSource{AudioSource: voice.RealtimeSource(stream, 0)}
	asr := &timedTranscriber{t: wm}
	rec, err := voice.NewRecognizer(src, voice.Options{Transcriber: asr, Endpoint: ep, PartialInterval: cfg.partials,
		LevelInterval: -1, PauseTranscripts: grammarAware})
	if err != nil {
		return nil, err
	}
	bs := &benchSource{rec: rec, src: src, clips: clips, oracle: oracle}
	eng, err := engine.New(engine.Options{Filler: f, Sources: []engine.Source{bs}, Endpointing: engine.EndpointRule{On: grammarAware, OpenFalling: cfg.openFalling}})
	if err != nil {
		rec.Close()
		return nil, err
	}
	defer eng.Close()

	// The game: a headless 60 Hz loop around the plugin's frame work.
	loop := harness.NewLoop(eng, 0)
	type hit struct {
		at   time.Time
		cmds []engine.Command
	}
	hits := map[uint64]*hit{}
	loop.Router.Fallback = func(c engine.Command) (string, error) {
		h := hits[c.Utterance]
		if h == nil {
			h = &hit{at: time.Now()}
			hits[c.Utterance] = h
		}
		h.cmds = append(h.cmds, c)
		return "", nil
	}
	rejected := map[uint64]engine.Utterance{}
	audio := time.Duration(len(stream)) * time.Second / voice.SampleRate
	var updates []float64
	over := 0
	tick := time.NewTicker(time.Second / 60)
	defer tick.Stop()
	deadline := time.Now().Add(audio + 10*time.Second)
	for time.Now().Before(deadline) {
		<-tick.C
		loop.Step()
		u := loop.Stats().Last
		updates = append(updates, float64(u.Nanoseconds())/1e3)
		if u > cfg.budget {
			over++
		}
		for _, u := range loop.Finished() {
			if u.Result.Rejected {
				rejected[u.ID] = u
			}
		}
		if bs.done() && len(hits)+len(rejected) >= bs.finals() {
			break
		}
	}
	if err := eng.Err(); err != nil {
		return nil, err
	}

	mode := e2eMode(grammarAware)
	rep := &e2eReport{
		Machine: machineName(), Model: filepath.Base(modelPath), ModelWeightless: wm.Info().Weightless(),
		OracleText: oracle, Threads: wm.Threads(), Utterances: len(clips), AudioSeconds: audio.Seconds(),
		TrailingSilence: ms(defaultTrailing(cfg.trailing)), PartialsMS: ms(cfg.partials),
		Frames: len(updates), FramesOverBudget: over, BudgetUS: float64(cfg.budget.Microseconds()),
		Stages: map[string]pctl{}, Mode: mode,
		PartialText: map[bool]string{true: "oracle-timed", false: "whisper"}[oracle],
		ASRLoad:     asr.partialBusy().Seconds() * float64(wm.Threads()) / audio.Seconds(),
	}
	if grammarAware {
		rep.OpenFallingMS = ms(cfg.openFalling)
	}
	stage := map[string][]float64{}
	for i, c := range clips {
		st := e2eUtteranceStat{Text: c.text}
		if c.pauses > 0 || strings.Contains(c.text, " uh ") || strings.HasPrefix(c.text, "um ") {
			rep.Pauses++
		}
		for _, fin := range bs.finalsOf(i) {
			h, ok := hits[fin.utt]
			if !ok {
				if u, rej := rejected[fin.utt]; rej && fin.last {
					st.Intent = "rejected: " + u.Result.Reason
				}
				continue
			}
			if !fin.last {
				st.Premature = true // a command before the utterance's last word
				continue
			}
			rep.Dispatched++
			st.Heard = fin.text
			t := h.cmds[0].Timings
			st.Intent = h.cmds[0].Intent
			var got grammar.Result
			for _, c := range h.cmds {
				got.Commands = append(got.Commands, c.Command)
			}
			st.Commands = understand.Describe(got)
			st.E2E = ms(h.at.Sub(src.wall(c.end)))
			st.Endpoint, st.ASR, st.Fill = ms(t.Endpoint), ms(t.ASR), ms(t.Fill)
			st.Dispatch = ms(t.Dispatch)
			stage["e2e"] = append(stage["e2e"], st.E2E)
			stage["endpoint"] = append(stage["endpoint"], st.Endpoint)
			stage["asr"] = append(stage["asr"], st.ASR)
			stage["fill"] = append(stage["fill"], st.Fill)
			stage["ready"] = append(stage["ready"], ms(t.Queue+t.Fill))
			stage["dispatch"] = append(stage["dispatch"], st.Dispatch)
		}
		if st.Premature {
			rep.Premature++
		} else if st.Commands != "" && st.Commands == want[i] {
			rep.Correct++
		}
		rep.PerUtterance = append(rep.PerUtterance, st)
		if cfg.verbose {
			say("  %-44q -> %-56s e2e %6.1f ms (endpoint %.0f, asr %.0f, fill %.2f, dispatch %.1f)%s", c.text, st.Commands, st.E2E, st.Endpoint, st.ASR, st.Fill, st.Dispatch,
				map[bool]string{true: " PREMATURE", false: ""}[st.Premature])
		}
	}
	for k, v := range stage {
		rep.Stages[k] = pctl{percentile(v, 50), percentile(v, 95), percentile(v, 99)}
	}
	rep.E2EP50, rep.E2EP95, rep.E2EP99 = rep.Stages["e2e"].P50, rep.Stages["e2e"].P95, rep.Stages["e2e"].P99
	rep.UpdateP50, rep.UpdateP90 = percentile(updates, 50), percentile(updates, 90)
	rep.UpdateP99, rep.UpdateP999 = percentile(updates, 99), percentile(updates, 99.9)
	for _, u := range updates {
		rep.UpdateMax = math.Max(rep.UpdateMax, u)
	}
	if rep.Dispatched == 0 {
		return rep, errors.New("no command was dispatched: nothing to measure")
	}
	return rep, nil
}

// e2ePNG draws the end-to-end latency CDF (and the baseline's, when the report has
// one) with the grammar-aware run's stages.
func e2ePNG(path string, rep *e2eReport) error {
	pick := func(r *e2eReport, f func(e2eUtteranceStat) float64) []float64 {
		var v []float64
		for _, u := range r.PerUtterance {
			if u.Commands != "" {
				v = append(v, f(u))
			}
		}
		return v
	}
	series := []plot.Series{{Name: "last word -> Update (" + rep.Mode + ")", X: pick(rep, func(u e2eUtteranceStat) float64 { return u.E2E })}}
	if b := rep.Baseline; b != nil {
		series = append(series, plot.Series{Name: "last word -> Update (fixed 250 ms silence)", X: pick(b, func(u e2eUtteranceStat) float64 { return u.E2E })})
		b.PNG = path
	}
	series = append(series,
		plot.Series{Name: "endpoint (" + rep.Mode + ")", X: pick(rep, func(u e2eUtteranceStat) float64 { return u.Endpoint })},
		plot.Series{Name: "whisper on the critical path", X: pick(rep, func(u e2eUtteranceStat) float64 { return u.ASR })},
		plot.Series{Name: "wait for Update", X: pick(rep, func(u e2eUtteranceStat) float64 { return u.Dispatch })})
	rep.PNG = path
	return plot.CDF(path, "voicecmd: last word -> command in Update", "milliseconds", series...)
}

// timedTranscriber measures whisper's busy time on partial and pause transcripts.
type timedTranscriber struct {
	t    voice.Transcriber
	mu   sync.Mutex
	busy time.Duration
}

func (t *timedTranscriber) Transcribe(s []float32, o voice.TranscribeOptions) (voice.Transcription, error) {
	start := time.Now()
	tr, err := t.t.Transcribe(s, o)
	if o.Partial {
		t.mu.Lock()
		t.busy += time.Since(start)
		t.mu.Unlock()
	}
	return tr, err
}

func (t *timedTranscriber) partialBusy() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.busy
}

func defaultTrailing(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return 250 * time.Millisecond // voice.EndpointOptions' documented default
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// synthStream speaks n utterances with espeak-ng, word by word (cycling texts and
// voices), and lays them out with gap silences, plus a leading and a trailing
// second. Each word is synthesized alone and trimmed to its speech, so the stream
// position where every word ends is exact.
func synthStream(n int, gap time.Duration) ([]float32, []clip, error) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return nil, nil, fmt.Errorf("espeak-ng is needed to synthesize speech (scripts/setup.sh installs it): %w", err)
	}
	dir, err := os.MkdirTemp("", "voicecmd-e2e-speech")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	stream := make([]float32, voice.Samples(time.Second))
	var clips []clip
	cache := map[string][]float32{}
	word := func(v struct {
		name  string
		speed int
	}, w string) ([]float32, error) {
		key := fmt.Sprintf("%s|%d|%s", v.name, v.speed, w)
		if s, ok := cache[key]; ok {
			return s, nil
		}
		wav := filepath.Join(dir, fmt.Sprintf("w%d.wav", len(cache)))
		if out, err := exec.Command("espeak-ng", "-v", v.name, "-s", fmt.Sprint(v.speed), "-w", wav, w).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("espeak-ng: %v: %s", err, out)
		}
		s, _, err := voice.ReadWAV(wav) // resampled to 16 kHz
		if err != nil {
			return nil, err
		}
		first, last := speechSpan(s)
		s = s[first:last]
		cache[key] = s
		return s, nil
	}
	for i := range n {
		text := e2eUtterances[i%len(e2eUtterances)]
		v := e2eVoices[(i/len(e2eUtterances)+i)%len(e2eVoices)]
		c := clip{text: text, start: len(stream)}
		words := strings.Fields(text)
		for j, w := range words {
			if w == "…" {
				stream = append(stream, make([]float32, voice.Samples(e2ePause-e2eWordGap))...)
				c.pauses++
				continue
			}
			say := strings.Trim(w, ",.!?")
			if j+1 < len(words) && words[j+1] == "…" {
				// a speaker who pauses with more to say does not end the word the way
				// a finished sentence ends: espeak-ng's continuation (comma) intonation
				say += ","
			}
			audio, err := word(v, say)
			if err != nil {
				return nil, nil, err
			}
			stream = append(stream, audio...)
			c.words = append(c.words, spokenWord{text: w, end: len(stream)})
			stream = append(stream, make([]float32, voice.Samples(e2eWordGap))...)
		}
		c.end = c.words[len(c.words)-1].end
		stream = append(stream, make([]float32, voice.Samples(gap))...)
		clips = append(clips, c)
	}
	stream = append(stream, make([]float32, voice.Samples(time.Second))...)
	return stream, clips, nil
}

// speechSpan finds the first and one past the last sample of speech: the ends of
// the span where the signal exceeds 2% of its peak, on 5 ms windows.
func speechSpan(s []float32) (int, int) {
	var peak float32
	for _, x := range s {
		peak = max(peak, float32(math.Abs(float64(x))))
	}
	th := peak * 0.02
	win := voice.Samples(5 * time.Millisecond)
	first, last := -1, 0
	for i := 0; i < len(s); i += win {
		loud := false
		for _, x := range s[i:min(i+win, len(s))] {
			if x > th || -x > th {
				loud = true
				break
			}
		}
		if loud {
			if first < 0 {
				first = i
			}
			last = min(i+win, len(s))
		}
	}
	return max(first, 0), last
}

// clockedSource records when the real-time stream started, to turn stream positions
// into wall-clock times (a real-time source releases sample q at start + q/rate).
type clockedSource struct {
	voice.AudioSource
	mu    sync.Mutex
	start time.Time
}

func (c *clockedSource) Read(p []float32) (int, error) {
	c.mu.Lock()
	if c.start.IsZero() {
		c.start = time.Now()
	}
	c.mu.Unlock()
	return c.AudioSource.Read(p)
}

func (c *clockedSource) Realtime() bool { return true }

func (c *clockedSource) wall(pos int) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(voice.Duration(pos))
}

// benchSource is the engine source of the benchmark: the recognizer's events, each
// partial and final matched to the clip its audio belongs to; with oracle text, the
// words of the clip whose audio ended before the audio a transcript covers replace
// whisper's text.
type benchSource struct {
	rec    *voice.Recognizer
	src    *clockedSource
	clips  []clip
	oracle bool

	mu      sync.Mutex
	byClip  map[int][]benchFinal
	nFinals int
	ended   bool
}

// benchFinal is one final transcript of a clip.
type benchFinal struct {
	utt  uint64
	text string
	last bool // it covers the clip's last word
}

// wordSlack: a transcript whose audio ends this soon after a word's end has heard it
// (the endpointer's frames are 20 ms).
var wordSlack = voice.Samples(30 * time.Millisecond)

func (b *benchSource) Run(ctx context.Context, emit func(engine.Transcript)) error {
	defer b.rec.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-b.rec.Events():
			if !ok {
				b.mu.Lock()
				b.ended = true
				b.mu.Unlock()
				return nil
			}
			switch ev.Kind {
			case voice.EventPartial:
				text := ev.Text
				if b.oracle {
					text = ""
					if ci := b.clipOf(ev.End); ci >= 0 {
						text = b.clips[ci].said(voice.Samples(ev.End) + wordSlack)
					}
				}
				if text != "" {
					emit(engine.Transcript{Utterance: uint64(ev.Utterance), Text: text, ASR: ev.ASRTime})
				}
			case voice.EventFinal:
				now := time.Now()
				ci := b.clipOf(ev.End)
				text := ev.Text
				speechEnd := now.Add(-ev.Latency)
				b.mu.Lock()
				if ci >= 0 {
					c := b.clips[ci]
					pos := voice.Samples(ev.End) + wordSlack
					if b.oracle {
						text = c.said(pos)
					}
					if b.byClip == nil {
						b.byClip = map[int][]benchFinal{}
					}
					b.byClip[ci] = append(b.byClip[ci], benchFinal{utt: uint64(ev.Utterance), text: text, last: pos >= c.end})
					if pos >= c.end {
						speechEnd = b.src.wall(c.end)
					}
				}
				b.nFinals++
				b.mu.Unlock()
				emit(engine.Transcript{Utterance: uint64(ev.Utterance), Text: text, Final: true,
					SpeechEnd: speechEnd, Endpoint: ev.EndpointDelay, ASR: ev.ASRTime, At: now})
			case voice.EventError:
				if ev.Err != nil && !errors.Is(ev.Err, voice.ErrClosed) {
					return ev.Err
				}
			}
		}
	}
}

// clipOf returns the clip an utterance whose speech ends at end belongs to: the one
// whose words span contains it (with slack), or -1.
func (b *benchSource) clipOf(end time.Duration) int {
	e := voice.Samples(end)
	for i, c := range b.clips {
		if e >= c.start-voice.Samples(100*time.Millisecond) && e <= c.end+voice.Samples(300*time.Millisecond) {
			return i
		}
	}
	return -1
}

// SetEndpointSilence implements engine.Endpointer (as voice.EngineSource does).
func (b *benchSource) SetEndpointSilence(utt uint64, d time.Duration) {
	b.rec.SetEndpointSilence(int(utt), d)
}

// SetEndpointSilences implements engine.ProsodyEndpointer (as voice.EngineSource does).
func (b *benchSource) SetEndpointSilences(utt uint64, level, falling time.Duration) {
	b.rec.SetEndpointSilences(int(utt), level, falling)
}

func (b *benchSource) finalsOf(clip int) []benchFinal {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]benchFinal(nil), b.byClip[clip]...)
}

func (b *benchSource) done() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ended
}

func (b *benchSource) finals() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nFinals
}

func printE2E(w io.Writer, r *e2eReport) {
	fmt.Fprintf(w, "voicecmd bench e2e — %s, whisper %s (%d threads%s), %d utterances (%d with a pause or hesitation), %.1f s audio\n",
		r.Machine, r.Model, r.Threads, map[bool]string{true: ", weightless: partial text oracle-timed", false: ""}[r.OracleText],
		r.Utterances, r.Pauses, r.AudioSeconds)
	runs := []*e2eReport{r}
	if r.Baseline != nil {
		runs = []*e2eReport{r.Baseline, r}
	}
	for _, x := range runs {
		name := map[string]string{"grammar": "grammar-aware endpointing", "fixed": fmt.Sprintf("fixed %.0f ms silence", x.TrailingSilence)}[x.Mode]
		fmt.Fprintf(w, "\n%s: dispatched %d/%d, correct %d, premature %d; whisper on partials %.2f core-s per audio s\n",
			name, x.Dispatched, x.Utterances, x.Correct, x.Premature, x.ASRLoad)
		fmt.Fprintf(w, "%-28s %8s %8s %8s\n", "stage (ms)", "p50", "p95", "p99")
		for _, k := range []string{"endpoint", "asr", "fill", "ready", "dispatch", "e2e"} {
			p := x.Stages[k]
			label := map[string]string{"endpoint": "end of speech detected", "asr": "whisper (on the path)", "fill": "fill (batched)",
				"ready": "final transcript -> ready", "dispatch": "wait for Update", "e2e": "end of speech -> Update"}[k]
			fmt.Fprintf(w, "%-28s %8.1f %8.1f %8.1f\n", label, p.P50, p.P95, p.P99)
		}
		fmt.Fprintf(w, "plugin Update (µs): p50 %.1f, p99 %.1f, max %.1f over %d frames; %d over the %.0f µs budget\n",
			x.UpdateP50, x.UpdateP99, x.UpdateMax, x.Frames, x.FramesOverBudget, x.BudgetUS)
	}
	if r.PNG != "" {
		fmt.Fprintf(w, "latency CDF: %s\n", r.PNG)
	}
}
