package harness

import (
	"bufio"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/engine"
)

// A scripted run drives the loop like a player would and logs what happened: the
// command, the rejection with its reason, the script error, and one record per frame.
func TestScriptedRun(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	os.WriteFile(script, []byte("2 say attack Sparky\n4 say nonsense\n6 wav hello.wav\n"), 0o644)
	opts := Options{Script: script, Frames: 400, Screenshot: filepath.Join(dir, "shot.png"), Log: filepath.Join(dir, "log.jsonl")}
	l := newLoop(t)
	l.Router.Handle("attack", func(c engine.Command) (string, error) { return c.Slots["actor"].Str + " attacks", nil })
	run, err := Start(opts, l)
	if err != nil {
		t.Fatal(err)
	}
	for !run.Done() {
		if run.WantsScreenshot() {
			img := image.NewRGBA(image.Rect(0, 0, 4, 3))
			img.Set(1, 1, color.RGBA{255, 0, 0, 255})
			run.SaveScreenshot(img)
			continue
		}
		l.Step()
		run.Step(3 * time.Microsecond)
		time.Sleep(200 * time.Microsecond)
	}
	if l.Frame() != 400 {
		t.Errorf("ran %d frames, want 400", l.Frame())
	}
	err = run.Close()
	if err == nil || !strings.Contains(err.Error(), "hello.wav") || !strings.Contains(err.Error(), "PlayWAV") {
		t.Errorf("Close() = %v, want the wav event's error naming the fix", err)
	}

	f, err := os.Open(opts.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		typ, _ := rec["type"].(string)
		kinds[typ]++
		switch typ {
		case "command":
			if rec["intent"] != "attack" || rec["effect"] != "Sparky attacks" || rec["frame"].(float64) < 2 {
				t.Errorf("command record %v", rec)
			}
		case "rejected":
			if rec["reason"] != "not a command" || rec["text"] != "nonsense" {
				t.Errorf("rejected record %v", rec)
			}
		case "frame":
			if _, ok := rec["plugin_us"]; !ok {
				t.Errorf("frame record without plugin_us: %v", rec)
			}
		}
	}
	if kinds["command"] != 1 || kinds["rejected"] != 1 || kinds["error"] != 1 || kinds["frame"] != 400 {
		t.Errorf("log has %v; want 1 command, 1 rejected, 1 error, 400 frames", kinds)
	}
	pf, err := os.Open(opts.Screenshot)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil || img.Bounds().Dx() != 4 {
		t.Fatalf("screenshot: %v %v", img, err)
	}
	if r, _, _, _ := img.At(1, 1).RGBA(); r>>8 != 255 {
		t.Errorf("screenshot pixel = %v", img.At(1, 1))
	}
}

func TestRunPlaysWAVThroughTheGame(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txt")
	os.WriteFile(script, []byte("1 wav clips/go.wav\n"), 0o644)
	var played []string
	l := newLoop(t)
	run, err := Start(Options{Script: script, PlayWAV: func(p string) error { played = append(played, p); return nil }}, l)
	if err != nil {
		t.Fatal(err)
	}
	l.Step()
	run.Step(0)
	if len(played) != 1 || played[0] != filepath.Join(dir, "clips/go.wav") {
		t.Errorf("played %v; want the path relative to the script", played)
	}
	if run.Done() {
		t.Error("a run without Frames is never done")
	}
	if err := run.Close(); err != nil {
		t.Error(err)
	}
}

func TestRunOptionErrors(t *testing.T) {
	l := newLoop(t)
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Screenshot: "x.png"}, "--screenshot needs --frames"},
		{Options{Frames: -1}, "--frames -1"},
		{Options{Script: "/nonexistent/script.txt"}, "harness: script:"},
		{Options{Log: "/nonexistent/dir/log.jsonl"}, "harness: log:"},
	} {
		_, err := Start(tc.opts, l)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start(%+v) = %v, want error containing %q", tc.opts, err, tc.want)
		}
	}
	if (Options{}).Scripted() || !(Options{Log: "x"}).Scripted() {
		t.Error("Scripted: only non-zero options make a scripted run")
	}
}

func TestRegisterFlags(t *testing.T) {
	var o Options
	fs := flag.NewFlagSet("game", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.RegisterFlags(fs)
	if err := fs.Parse([]string{"--script", "s.txt", "--frames", "90", "--screenshot", "a.png", "--log", "l.jsonl"}); err != nil {
		t.Fatal(err)
	}
	if o.Script != "s.txt" || o.Frames != 90 || o.Screenshot != "a.png" || o.Log != "l.jsonl" {
		t.Errorf("flags gave %+v", o)
	}
	if err := fs.Parse([]string{"--frames", "many"}); err == nil {
		t.Error("a bad --frames was accepted")
	}
}
