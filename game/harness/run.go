package harness

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"time"
)

// Options is a scripted run: what a test, a demo recording or a benchmark drives a
// game with instead of a player. The zero value is an ordinary interactive run.
type Options struct {
	// Script is a script file of timed inputs (see ScriptEvent); "" means none.
	Script string
	// Frames ends the run after this many frames; 0 runs until the window closes.
	Frames int
	// Screenshot is a PNG file written from the last frame (needs Frames).
	Screenshot string
	// Log is a JSON-lines file: one record per dispatched command (frame, intent,
	// slots, confidence, effect, latency), per rejection (with its reason), per frame
	// (voicecmd's time in Update) and per script error; "" means none.
	Log string
	// PlayWAV plays a script's `wav FILE` event, typically by streaming the file
	// through voice.NewRecognizer into the engine (see voice.EngineSource). Nil makes
	// a wav event an error naming the fix; typed-only games leave it nil.
	PlayWAV func(path string) error
}

// RegisterFlags adds --script, --frames, --screenshot and --log to fs, writing into o.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Script, "script", o.Script, "script `FILE` of timed inputs: lines \"FRAME say TEXT\" or \"FRAME wav WAVFILE\"")
	fs.IntVar(&o.Frames, "frames", o.Frames, "exit after N frames (0: run until the window is closed)")
	fs.StringVar(&o.Screenshot, "screenshot", o.Screenshot, "write a PNG of the last frame to `FILE` (with --frames)")
	fs.StringVar(&o.Log, "log", o.Log, "write JSON lines to `FILE`: each command with its frame and effect, each rejection, each frame's voicecmd time")
}

// Scripted reports whether o asks for anything beyond an interactive run.
func (o Options) Scripted() bool {
	return o.Script != "" || o.Frames != 0 || o.Screenshot != "" || o.Log != ""
}

// Validate reports options that cannot work together, naming the flag.
func (o Options) Validate() error {
	switch {
	case o.Frames < 0:
		return fmt.Errorf("harness: --frames %d: must be 0 or more", o.Frames)
	case o.Screenshot != "" && o.Frames <= 0:
		return errors.New("harness: --screenshot needs --frames")
	}
	return nil
}

// Run drives one scripted run around a Loop. Call Step once per frame right after
// Loop.Step; check Done to end the game. Use it from the game goroutine only.
type Run struct {
	opts   Options
	loop   *Loop
	events []ScriptEvent
	next   int
	logF   *os.File
	log    *json.Encoder
	shot   bool
	err    error
}

// Start loads the script and opens the log. Errors name the file.
func Start(opts Options, loop *Loop) (*Run, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	events, err := LoadScript(opts.Script)
	if err != nil {
		return nil, err
	}
	r := &Run{opts: opts, loop: loop, events: events}
	if opts.Log != "" {
		r.logF, err = os.Create(opts.Log)
		if err != nil {
			return nil, fmt.Errorf("harness: log: %w", err)
		}
		r.log = json.NewEncoder(r.logF)
	}
	return r, nil
}

// Options returns the run's options.
func (r *Run) Options() Options { return r.opts }

// Step runs the script events due at the loop's frame and logs what the loop's last
// Step dispatched and finished; pluginTime (voicecmd's own time in the frame's
// Update) goes into the frame record.
func (r *Run) Step(pluginTime time.Duration) {
	frame := r.loop.Frame()
	for r.next < len(r.events) && r.events[r.next].Frame <= frame {
		if err := r.runEvent(r.events[r.next]); err != nil {
			r.Fail(err)
		}
		r.next++
	}
	for _, d := range r.loop.Dispatched() {
		r.logDispatch(d)
	}
	for _, u := range r.loop.Finished() {
		if u.Result.Rejected {
			r.Log(map[string]any{"frame": frame, "type": "rejected", "text": u.Text, "reason": u.Result.Reason})
		}
	}
	r.Log(map[string]any{"frame": frame, "type": "frame", "plugin_us": pluginTime.Microseconds()})
}

func (r *Run) runEvent(ev ScriptEvent) error {
	switch ev.Kind {
	case "say":
		return r.loop.Engine().Submit(r.loop.Source(), ev.Arg)
	case "wav":
		if r.opts.PlayWAV == nil {
			return fmt.Errorf("harness: script wav %s: this game has no voice input (set Options.PlayWAV, e.g. run with --model)", ev.Arg)
		}
		return r.opts.PlayWAV(ev.Arg)
	}
	return fmt.Errorf("harness: unknown script action %q", ev.Kind)
}

// Fail records err as the run's error (the first one is kept) and logs it.
func (r *Run) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.Log(map[string]any{"frame": r.loop.Frame(), "type": "error", "error": err.Error()})
}

// Err returns the first error of a script event or a screenshot, or nil.
func (r *Run) Err() error { return r.err }

// WantsScreenshot reports whether this frame's image should be saved: the frame
// limit is reached and the screenshot has not been taken.
func (r *Run) WantsScreenshot() bool {
	return r.opts.Screenshot != "" && !r.shot && r.opts.Frames > 0 && r.loop.Frame() >= int64(r.opts.Frames)
}

// SaveScreenshot writes img as the run's PNG.
func (r *Run) SaveScreenshot(img image.Image) {
	r.shot = true
	if err := writePNG(r.opts.Screenshot, img); err != nil {
		r.Fail(err)
	}
}

// Done reports whether the run is over: the frame limit is reached and the
// screenshot, if one was asked for, is written.
func (r *Run) Done() bool {
	return r.opts.Frames > 0 && r.loop.Frame() >= int64(r.opts.Frames) && (r.shot || r.opts.Screenshot == "")
}

// Log writes one JSON record to the log (a game adds its own, e.g. an end state).
func (r *Run) Log(v any) {
	if r.log != nil {
		r.log.Encode(v)
	}
}

// Close closes the log. It returns the run's first error, or the log's.
func (r *Run) Close() error {
	if r.logF != nil {
		if err := r.logF.Close(); err != nil && r.err == nil {
			return fmt.Errorf("harness: log: %w", err)
		}
	}
	return r.err
}

func (r *Run) logDispatch(d Dispatch) {
	slots := map[string]any{}
	for k, v := range d.Command.Slots {
		if v.IsNum {
			slots[k] = v.Num
		} else {
			slots[k] = v.Str
		}
	}
	rec := map[string]any{
		"frame": d.Frame, "type": "command", "intent": d.Command.Intent, "slots": slots,
		"text": d.Command.Text, "confidence": d.Command.Confidence, "effect": d.Effect,
		"latency_ms": float64(d.Command.Timings.Total.Microseconds()) / 1000,
	}
	if d.Err != nil {
		rec["error"] = d.Err.Error()
	}
	r.Log(rec)
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("harness: screenshot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("harness: screenshot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("harness: screenshot: %w", err)
	}
	return nil
}
