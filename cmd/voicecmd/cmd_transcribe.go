package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/voicecmd/voicecmd/voice"
	"github.com/voicecmd/voicecmd/voice/whisper"
)

func init() {
	register(&subcommand{name: "transcribe", summary: "speech to text: microphone or WAV through whisper.cpp", run: runTranscribe})
}

// utteranceJSON is one line of `voicecmd transcribe --json`.
type utteranceJSON struct {
	Utterance       int         `json:"utterance"`
	Partial         bool        `json:"partial,omitempty"`
	Text            string      `json:"text"`
	StartMS         int64       `json:"start_ms"`
	EndMS           int64       `json:"end_ms"`
	EndpointDelayMS int64       `json:"endpoint_delay_ms,omitempty"`
	ASRMS           int64       `json:"asr_ms"`
	LatencyMS       int64       `json:"latency_ms,omitempty"`
	Tokens          []tokenJSON `json:"tokens,omitempty"`
}

type tokenJSON struct {
	Text string  `json:"text"`
	P    float32 `json:"p"`
}

func runTranscribe(args []string) int {
	fs := flag.NewFlagSet("transcribe", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: voicecmd transcribe --model FILE (--wav FILE | --mic [--device N]) [flags]

Finds utterances in the audio (energy endpointing), transcribes each with whisper.cpp
and prints one line per utterance: text, where it starts and ends in the stream, how
long after the last word the end was detected, and the transcription time. Stops at
the end of the WAV, after --max-utterances, or on Ctrl-C.

flags:`)
		fs.PrintDefaults()
	}
	model := fs.String("model", "", "ggml whisper model file (voicecmd models get tiny.en)")
	wav := fs.String("wav", "", "WAV file to transcribe (any rate, channels, PCM or float)")
	realtime := fs.Bool("realtime", false, "with --wav: play the file at real-time pace, as a microphone would")
	mic := fs.Bool("mic", false, "capture from the microphone")
	device := fs.Int("device", -1, "with --mic: input device index from 'voicecmd devices' (default: the system default)")
	maxUtt := fs.Int("max-utterances", 0, "stop after N utterances (0: no limit)")
	asJSON := fs.Bool("json", false, "print one JSON object per utterance")
	threads := fs.Int("threads", 0, "whisper.cpp threads (0: CPUs, at most 4)")
	vocab := fs.String("vocab", "", "comma-separated words to bias recognition toward (names, moves)")
	partials := fs.Duration("partials", 0, "print partial transcripts every this much new speech (e.g. 500ms; 0: off)")
	silence := fs.Duration("silence", 0, "trailing silence that ends an utterance (default 250ms)")
	if err := fs.Parse(args); err != nil {
		return usageExit(err)
	}
	if *model == "" || (*wav == "") == !*mic || fs.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "voicecmd transcribe: need --model and exactly one of --wav FILE or --mic")
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "voicecmd transcribe:", err)
		return exitFailure
	}

	var src voice.AudioSource
	if *wav != "" {
		samples, info, err := voice.ReadWAV(*wav)
		if err != nil {
			return fail(err)
		}
		if info.Truncated {
			fmt.Fprintf(os.Stderr, "voicecmd transcribe: warning: %s is truncated (its data ends before its header says); transcribing the %.1f s that are there\n",
				*wav, float64(len(samples))/voice.SampleRate)
		}
		// Trailing silence lets the endpointer close an utterance that runs to
		// the end of the file the same way it would live.
		samples = append(samples, make([]float32, voice.Samples(time.Second))...)
		if *realtime {
			src = voice.RealtimeSource(samples, 0)
		} else {
			src = voice.SliceSource(samples)
		}
	} else {
		m, err := voice.OpenMic(voice.MicOptions{Device: *device, UseDevice: *device >= 0})
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "listening on %q (%g Hz); Ctrl-C to stop\n", m.Device().Name, m.CaptureRate())
		src = m
	}
	tr, err := whisper.Load(*model, whisper.Options{Threads: *threads})
	if err != nil {
		src.Close()
		return fail(err)
	}
	defer tr.Close()
	var words []string
	for _, w := range strings.Split(*vocab, ",") {
		words = append(words, strings.TrimSpace(w))
	}
	rec, err := voice.NewRecognizer(src, voice.Options{
		Transcriber: tr, Vocabulary: words, MaxUtterances: *maxUtt, PartialInterval: *partials,
		Endpoint: voice.EndpointOptions{TrailingSilence: *silence}, LevelInterval: -1,
	})
	if err != nil {
		src.Close()
		return fail(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		if _, ok := <-sig; ok {
			rec.Close()
		}
	}()
	defer rec.Close()

	enc := json.NewEncoder(os.Stdout)
	code := exitOK
	for ev := range rec.Events() {
		switch ev.Kind {
		case voice.EventPartial, voice.EventFinal:
			if *asJSON {
				u := utteranceJSON{Utterance: ev.Utterance, Partial: ev.Kind == voice.EventPartial, Text: ev.Text,
					StartMS: ev.Start.Milliseconds(), EndMS: ev.End.Milliseconds(), ASRMS: ev.ASRTime.Milliseconds()}
				if ev.Kind == voice.EventFinal {
					u.EndpointDelayMS, u.LatencyMS = ev.EndpointDelay.Milliseconds(), ev.Latency.Milliseconds()
				}
				for _, t := range ev.Tokens {
					u.Tokens = append(u.Tokens, tokenJSON{Text: t.Text, P: t.P})
				}
				enc.Encode(u)
			} else if ev.Kind == voice.EventPartial {
				fmt.Printf("  ... %s\n", ev.Text)
			} else {
				fmt.Printf("#%d [%.2fs-%.2fs] %s  (end detected +%dms, asr %dms)\n", ev.Utterance,
					ev.Start.Seconds(), ev.End.Seconds(), ev.Text, ev.EndpointDelay.Milliseconds(), ev.ASRTime.Milliseconds())
			}
		case voice.EventError:
			fmt.Fprintln(os.Stderr, "voicecmd transcribe:", ev.Err)
			if ev.Utterance == 0 { // the source failed: the stream ends
				code = exitFailure
			}
		}
	}
	if st := rec.Stats(); st.Overruns > 0 {
		fmt.Fprintf(os.Stderr, "voicecmd transcribe: %d samples dropped (the reader fell behind the microphone)\n", st.Overruns)
	}
	if info := tr.Info(); info.Weightless() {
		fmt.Fprintln(os.Stderr, "note: the model is weightless (voicecmd models synth): transcripts are noise; use voicecmd models get for real ones")
	}
	return code
}
