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
	"sync"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/game/harness"
	"github.com/voicecmd/voicecmd/internal/plot"
	"github.com/voicecmd/voicecmd/internal/understand"
	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

func init() {
	registerBench(&subcommand{name: "e2e", summary: "end of speech -> command dispatched in Update, whole pipeline", run: runBenchE2E})
}

// e2eUtterances are spoken by espeak-ng, in turn with the voices below: one per
// intent of the demo grammar, several phrasings.
var e2eUtterances = []string{
	"Sparky, thunderbolt the Rattler",
	"Bubbles, use water gun on Stonejaw",
	"Go, Leafy!",
	"Cinder, ember",
	"Sparky, dodge left",
	"use a potion on Bubbles",
	"Leafy, move forward two steps",
	"Bubbles, come back",
	"Cinder, hold",
	"call Sparky Zappy",
}

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
}

type pctl struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

type e2eUtteranceStat struct {
	Text     string  `json:"text"`
	Heard    string  `json:"heard"`
	Intent   string  `json:"intent"`
	E2E      float64 `json:"e2e_ms"`
	Endpoint float64 `json:"endpoint_ms"`
	ASR      float64 `json:"asr_ms"`
	Fill     float64 `json:"fill_ms"`
	Dispatch float64 `json:"dispatch_ms"`
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
	n := fs.Int("utterances", 20, "utterances to stream")
	threads := fs.Int("threads", 0, "whisper threads (0: all CPUs, at most 4)")
	trailing := fs.Duration("trailing-silence", 0, "endpointer trailing silence (0: the voice package's default)")
	partials := fs.Duration("partials", 0, "partial transcript interval (0: no partials)")
	gap := fs.Duration("gap", 1200*time.Millisecond, "silence between utterances")
	budget := fs.Duration("budget", 500*time.Microsecond, "the plugin's per-Update budget")
	oracle := fs.String("oracle-text", "auto", "use the spoken text as the transcript: auto (for weightless models), on, off")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pngPath := fs.String("png", "", "write the latency CDF per stage to this PNG")
	verbose := fs.Bool("v", false, "print each utterance")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if !flagRange("bench e2e", "utterances", *n, 1, 10000) || !flagRange("bench e2e", "threads", *threads, 0, 256) ||
		!flagRange("bench e2e", "trailing-silence", *trailing, 0, time.Minute) || !flagRange("bench e2e", "partials", *partials, 0, time.Minute) ||
		!flagRange("bench e2e", "gap", *gap, 0, time.Minute) || !flagRange("bench e2e", "budget", *budget, time.Microsecond, time.Second) {
		return exitUsage
	}
	if fs.NArg() != 0 || *n <= 0 {
		fs.Usage()
		return exitUsage
	}
	rep, err := benchE2E(e2eConfig{
		gameDir: *gameDir, model: *modelPath, n: *n, threads: *threads, trailing: *trailing,
		partials: *partials, gap: *gap, budget: *budget, oracle: *oracle, png: *pngPath,
		progress: os.Stderr, verbose: *verbose,
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
	progress           io.Writer
	verbose            bool
}

// clip is one synthesized utterance placed in the stream.
type clip struct {
	text       string
	start, end int // samples: where the clip starts and where its last word ends
}

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
	// Filler and engine.
	f, err := understand.Load(cfg.gameDir, understand.Options{})
	if err != nil {
		return nil, err
	}
	defer f.Close()

	ep := voice.EndpointOptions{TrailingSilence: cfg.trailing}
	src := &clockedSource{AudioSource: voice.RealtimeSource(stream, 0)}
	rec, err := voice.NewRecognizer(src, voice.Options{Transcriber: wm, Endpoint: ep, PartialInterval: cfg.partials, LevelInterval: -1})
	if err != nil {
		return nil, err
	}
	bs := &benchSource{rec: rec, src: src, clips: clips, oracle: oracle}
	eng, err := engine.New(engine.Options{Filler: f, Sources: []engine.Source{bs}})
	if err != nil {
		rec.Close()
		return nil, err
	}
	defer eng.Close()

	// The game: a headless 60 Hz loop around the plugin's frame work.
	loop := harness.NewLoop(eng, 0)
	type hit struct {
		at  time.Time
		cmd engine.Command
	}
	hits := map[uint64]hit{}
	rejected := map[uint64]engine.Utterance{}
	loop.Router.Fallback = func(c engine.Command) (string, error) {
		if _, dup := hits[c.Utterance]; !dup {
			hits[c.Utterance] = hit{time.Now(), c}
		}
		return "", nil
	}
	audio := time.Duration(len(stream)) * time.Second / voice.SampleRate
	say("streaming %d utterances (%.1f s of audio) in real time; model %s, oracle text %v", len(clips), audio.Seconds(), filepath.Base(modelPath), oracle)
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
		for _, u := range eng.Finished() {
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

	rep := &e2eReport{
		Machine: machineName(), Model: filepath.Base(modelPath), ModelWeightless: wm.Info().Weightless(),
		OracleText: oracle, Threads: wm.Threads(), Utterances: len(clips), AudioSeconds: audio.Seconds(),
		TrailingSilence: ms(defaultTrailing(cfg.trailing)), PartialsMS: ms(cfg.partials),
		Frames: len(updates), FramesOverBudget: over, BudgetUS: float64(cfg.budget.Microseconds()),
		Stages: map[string]pctl{},
	}
	stage := map[string][]float64{}
	for i, c := range clips {
		h, ok := hits[bs.utteranceFor(i)]
		st := e2eUtteranceStat{Text: c.text, Heard: bs.heard(i)}
		if ok {
			rep.Dispatched++
			end := src.wall(c.end)
			t := h.cmd.Timings
			st.Intent = h.cmd.Intent
			st.E2E = ms(h.at.Sub(end))
			st.Endpoint, st.ASR, st.Fill = ms(t.Endpoint), ms(t.ASR), ms(t.Fill)
			st.Dispatch = ms(t.Dispatch)
			stage["e2e"] = append(stage["e2e"], st.E2E)
			stage["endpoint"] = append(stage["endpoint"], st.Endpoint)
			stage["asr"] = append(stage["asr"], st.ASR)
			stage["fill"] = append(stage["fill"], st.Fill)
			stage["ready"] = append(stage["ready"], ms(t.Queue+t.Fill))
			stage["dispatch"] = append(stage["dispatch"], st.Dispatch)
			if h.cmd.Intent == expectedIntent[c.text] {
				rep.Correct++
			}
		} else if u, rej := rejected[bs.utteranceFor(i)]; rej {
			st.Intent = "rejected: " + u.Result.Reason
		}
		rep.PerUtterance = append(rep.PerUtterance, st)
		if cfg.verbose {
			say("  %-40q heard %-40q → %-10s e2e %6.1f ms (endpoint %.0f, asr %.0f, fill %.2f, dispatch %.1f)", c.text, st.Heard, st.Intent, st.E2E, st.Endpoint, st.ASR, st.Fill, st.Dispatch)
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
	if cfg.png != "" {
		var series []plot.Series
		for _, k := range []string{"e2e", "endpoint", "asr", "fill", "dispatch"} {
			series = append(series, plot.Series{Name: k, X: stage[k]})
		}
		if err := plot.CDF(cfg.png, "voicecmd end to end: end of speech -> command in Update", "milliseconds", series...); err != nil {
			return nil, err
		}
		rep.PNG = cfg.png
	}
	return rep, nil
}

// expectedIntent is what each utterance must produce.
var expectedIntent = map[string]string{
	"Sparky, thunderbolt the Rattler":    "attack",
	"Bubbles, use water gun on Stonejaw": "attack",
	"Go, Leafy!":                         "switch",
	"Cinder, ember":                      "attack",
	"Sparky, dodge left":                 "dodge",
	"use a potion on Bubbles":            "item",
	"Leafy, move forward two steps":      "move",
	"Bubbles, come back":                 "retreat",
	"Cinder, hold":                       "hold",
	"call Sparky Zappy":                  "rename",
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

// synthStream speaks n utterances with espeak-ng (cycling texts and voices) and lays
// them out with gap silences, plus a leading and a trailing second.
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
	for i := range n {
		text := e2eUtterances[i%len(e2eUtterances)]
		v := e2eVoices[(i/len(e2eUtterances)+i)%len(e2eVoices)]
		key := fmt.Sprintf("%s|%d|%s", v.name, v.speed, text)
		s, ok := cache[key]
		if !ok {
			wav := filepath.Join(dir, fmt.Sprintf("u%d.wav", i))
			if out, err := exec.Command("espeak-ng", "-v", v.name, "-s", fmt.Sprint(v.speed), "-w", wav, text).CombinedOutput(); err != nil {
				return nil, nil, fmt.Errorf("espeak-ng: %v: %s", err, out)
			}
			s, _, err = voice.ReadWAV(wav) // resampled to 16 kHz
			if err != nil {
				return nil, nil, err
			}
			cache[key] = s
		}
		first, last := speechSpan(s)
		c := clip{text: text, start: len(stream) + first, end: len(stream) + last}
		stream = append(stream, s...)
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
// final matched to the clip whose speech it covers; with oracle text, the spoken
// text replaces whisper's.
type benchSource struct {
	rec    *voice.Recognizer
	src    *clockedSource
	clips  []clip
	oracle bool

	mu       sync.Mutex
	byClip   map[int]uint64 // clip index → utterance id
	heardTxt map[int]string
	nFinals  int
	ended    bool
}

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
					text = "" // whisper's partial text is noise here; keep the ASR cost
				}
				if text != "" {
					emit(engine.Transcript{Utterance: uint64(ev.Utterance), Text: text, ASR: ev.ASRTime})
				}
			case voice.EventFinal:
				now := time.Now()
				ci := b.clipAt(ev.Start, ev.End)
				text := ev.Text
				b.mu.Lock()
				if ci >= 0 {
					if b.byClip == nil {
						b.byClip, b.heardTxt = map[int]uint64{}, map[int]string{}
					}
					if _, dup := b.byClip[ci]; !dup {
						b.byClip[ci] = uint64(ev.Utterance)
						b.heardTxt[ci] = ev.Text
						if b.oracle {
							text = b.clips[ci].text
						}
					} else if b.oracle {
						text = "" // a second piece of the same clip: nothing to say
					}
				}
				b.nFinals++
				b.mu.Unlock()
				speechEnd := now.Add(-ev.Latency)
				if ci >= 0 {
					speechEnd = b.src.wall(b.clips[ci].end)
				}
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

// clipAt returns the clip whose speech end lies in [start, end+slack] of an
// utterance's stream span, or -1.
func (b *benchSource) clipAt(start, end time.Duration) int {
	best, bd := -1, time.Duration(math.MaxInt64)
	for i, c := range b.clips {
		ce := voice.Duration(c.end)
		if ce < start {
			continue
		}
		d := ce - end
		if d < 0 {
			d = -d
		}
		if d < bd && d < 400*time.Millisecond {
			best, bd = i, d
		}
	}
	return best
}

func (b *benchSource) utteranceFor(clip int) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if id, ok := b.byClip[clip]; ok {
		return id
	}
	return math.MaxUint64
}

func (b *benchSource) heard(clip int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.heardTxt[clip]
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
	fmt.Fprintf(w, "voicecmd bench e2e — %s, whisper %s (%d threads%s), %d utterances, %.1f s audio\n",
		r.Machine, r.Model, r.Threads, map[bool]string{true: ", weightless: spoken text as transcript", false: ""}[r.OracleText],
		r.Utterances, r.AudioSeconds)
	fmt.Fprintf(w, "dispatched %d/%d (intent correct %d); endpointer trailing silence %.0f ms\n\n", r.Dispatched, r.Utterances, r.Correct, r.TrailingSilence)
	fmt.Fprintf(w, "%-28s %8s %8s %8s\n", "stage (ms)", "p50", "p95", "p99")
	for _, k := range []string{"endpoint", "asr", "fill", "ready", "dispatch", "e2e"} {
		p := r.Stages[k]
		name := map[string]string{"endpoint": "end of speech detected", "asr": "whisper (final)", "fill": "fill (batched)",
			"ready": "final transcript -> ready", "dispatch": "wait for Update", "e2e": "end of speech -> Update"}[k]
		fmt.Fprintf(w, "%-28s %8.1f %8.1f %8.1f\n", name, p.P50, p.P95, p.P99)
	}
	fmt.Fprintf(w, "\nplugin Update (µs): p50 %.1f, p90 %.1f, p99 %.1f, p99.9 %.1f, max %.1f over %d frames; %d over the %.0f µs budget\n",
		r.UpdateP50, r.UpdateP90, r.UpdateP99, r.UpdateP999, r.UpdateMax, r.Frames, r.FramesOverBudget, r.BudgetUS)
	if r.PNG != "" {
		fmt.Fprintf(w, "latency CDF: %s\n", r.PNG)
	}
}
