// Package e2e runs the monster-trainer demo as a user would: the real binary, in a
// real window under Xvfb, driven by a script, with the trained filler. It checks the
// log (commands understood and acted out, state changed) and the screenshot (the
// field is drawn). This package imports no Ebiten code itself, so its test binary
// starts without a display.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voicecmd/voicecmd/internal/xvfb"
	"github.com/voicecmd/voicecmd/voice"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// demoBinary builds the demo once for the package's tests.
func demoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "monstertrainer-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "monstertrainer")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		if out, err := exec.Command("go", append(args, "..")...).CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

type logLine struct {
	Frame      int64             `json:"frame"`
	Type       string            `json:"type"`
	Intent     string            `json:"intent"`
	Slots      map[string]any    `json:"slots"`
	Effect     string            `json:"effect"`
	Error      string            `json:"error"`
	Text       string            `json:"text"`
	Reason     string            `json:"reason"`
	UpdateUS   int64             `json:"update_us"`
	Outcome    string            `json:"outcome"`
	Party      []monster         `json:"party"`
	Enemies    []monster         `json:"enemies"`
	Vocabulary []string          `json:"vocabulary"`
	Extra      map[string]string `json:"-"`
}

type monster struct {
	Name    string  `json:"name"`
	HP      int     `json:"hp"`
	MaxHP   int     `json:"max_hp"`
	OnField bool    `json:"on_field"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
}

// script is what the player types, one command every half second.
const script = `# frame say text
10 say Sparky, thunderbolt the Rattler
40 say Go, Leafy!
70 say Bubbles, dodge left
100 say call Bubbles Captain Fluff
130 say Captain Fluff, use water gun on Stonejaw
160 say Pikachu, use thunderbolt
`

func TestDemoEndToEnd(t *testing.T) {
	if _, err := os.Stat("../model.vcw"); err != nil {
		t.Fatalf("the demo needs its trained filler: %v (voicecmd train --game examples/monstertrainer)", err)
	}
	dir := t.TempDir()
	bin := demoBinary(t)
	scriptPath := filepath.Join(dir, "script.txt")
	os.WriteFile(scriptPath, []byte(script), 0o644)
	logPath, shotPath := filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "shot.png")

	cmd := exec.Command(bin, "--game", "..", "--script", scriptPath, "--frames", "220",
		"--screenshot", shotPath, "--log", logPath, "--seed", "3")
	cmd.Env = append(os.Environ(), "DISPLAY="+xvfb.Display(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}

	lines := readLog(t, logPath)
	var cmds []logLine
	var rejected []logLine
	var end logLine
	frames := 0
	for _, l := range lines {
		switch l.Type {
		case "command":
			cmds = append(cmds, l)
		case "rejected":
			rejected = append(rejected, l)
		case "frame":
			frames++
		case "end":
			end = l
		case "error":
			t.Errorf("demo logged an error: %+v", l)
		}
	}
	if frames != 220 {
		t.Errorf("logged %d frames, want 220", frames)
	}
	want := []struct {
		intent string
		slots  map[string]string
		effect string
	}{
		{"attack", map[string]string{"actor": "Sparky", "move": "thunderbolt", "target": "Rattler"}, "Sparky used thunderbolt on Rattler"},
		{"switch", map[string]string{"actor": "Leafy"}, "Go, Leafy!"},
		{"dodge", map[string]string{"actor": "Bubbles", "direction": "left"}, "Bubbles dodged left"},
		{"rename", map[string]string{"actor": "Bubbles"}, "Bubbles is now called Captain Fluff"},
		{"attack", map[string]string{"actor": "Captain Fluff", "move": "water gun", "target": "Stonejaw"}, "Captain Fluff used water gun on Stonejaw"},
	}
	if len(cmds) != len(want) {
		t.Fatalf("dispatched %d commands, want %d:\n%s", len(cmds), len(want), dump(cmds))
	}
	for i, w := range want {
		c := cmds[i]
		if c.Intent != w.intent || !strings.HasPrefix(c.Effect, w.effect) || c.Error != "" {
			t.Errorf("command %d: %s %v → %q (error %q); want %s → %q", i, c.Intent, c.Slots, c.Effect, c.Error, w.intent, w.effect)
		}
		for k, v := range w.slots {
			if fmt.Sprint(c.Slots[k]) != v {
				t.Errorf("command %d: slot %s = %v, want %s", i, k, c.Slots[k], v)
			}
		}
	}
	// Every command was acted out within half a second of being typed (30 frames), in
	// order: the next one is typed 30 frames later.
	for i, c := range cmds {
		said := []int64{10, 40, 70, 100, 130}[i]
		if c.Frame < said || c.Frame-said > 30 {
			t.Errorf("command %d dispatched at frame %d, said at %d", i, c.Frame, said)
		}
	}
	if len(rejected) != 1 || !strings.Contains(rejected[0].Text, "Pikachu") || rejected[0].Reason == "" {
		t.Errorf("Pikachu should be rejected with a reason: %+v", rejected)
	}

	// The world changed as the commands said.
	mon := map[string]monster{}
	for _, m := range append(end.Party, end.Enemies...) {
		mon[m.Name] = m
	}
	if r := mon["Rattler"]; r.HP >= r.MaxHP {
		t.Errorf("Rattler was not damaged: %+v", r)
	}
	if s := mon["Stonejaw"]; s.HP >= s.MaxHP {
		t.Errorf("Stonejaw was not damaged: %+v", s)
	}
	if !mon["Leafy"].OnField || mon["Captain Fluff"].Name == "" || mon["Bubbles"].Name != "" {
		t.Errorf("party after switch and rename: %+v", end.Party)
	}
	if !contains(end.Vocabulary, "Captain Fluff") || contains(end.Vocabulary, "Bubbles") {
		t.Errorf("the rename did not reach the vocabulary: %v", end.Vocabulary)
	}

	checkScreenshot(t, shotPath)
}

// checkScreenshot looks for the field: a 960×540 image, mostly grass green in the
// middle, the dark HUD along the bottom, and colourful monsters where they stand.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 540 {
		t.Fatalf("screenshot is %v, want 960×540", b)
	}
	green, total := 0, 0
	for y := 200; y < 300; y += 4 {
		for x := 100; x < 860; x += 4 {
			r, g, b := rgb(img, x, y)
			total++
			if g > r+20 && g > b+20 {
				green++
			}
		}
	}
	if green*10 < total*7 {
		t.Errorf("the middle of the field is %d/%d green pixels, want most", green, total)
	}
	if r, g, b := rgb(img, 480, 530); r > 60 || g > 60 || b > 80 {
		t.Errorf("no HUD at the bottom: pixel (%d,%d,%d)", r, g, b)
	}
	// Stonejaw (grey rock) stands near (480, 130).
	found := false
	for y := 100; y < 160 && !found; y += 2 {
		for x := 450; x < 510; x += 2 {
			r, g, b := rgb(img, x, y)
			if absDiff(r, g) < 25 && absDiff(g, b) < 35 && r > 100 && r < 200 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("Stonejaw is not drawn where it stands")
	}
}

func rgb(img image.Image, x, y int) (int, int, int) {
	r, g, b, _ := img.At(x, y).RGBA()
	return int(r >> 8), int(g >> 8), int(b >> 8)
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

func readLog(t *testing.T, path string) []logLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func dump(ls []logLine) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "  frame %d %s %v → %q %s\n", l.Frame, l.Intent, l.Slots, l.Effect, l.Error)
	}
	return b.String()
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestDemoVoicePath plays a spoken WAV through the demo's voice pipeline
// (endpointing, whisper.cpp with a weightless tiny.en-shaped model, the filler):
// whisper's text is meaningless without weights, so the check is that the utterance
// was heard, transcribed and answered (a command or a rejection) in the log, and that
// nothing failed.
func TestDemoVoicePath(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng is needed (scripts/setup.sh installs it)")
	}
	dir := t.TempDir()
	bin := demoBinary(t)
	model := filepath.Join(dir, "tiny.en.bin")
	mf, err := os.Create(model)
	if err != nil {
		t.Fatal(err)
	}
	if err := voice.SynthModel(mf, "tiny.en"); err != nil {
		t.Fatal(err)
	}
	mf.Close()
	wav := filepath.Join(dir, "say.wav")
	if out, err := exec.Command("espeak-ng", "-w", wav, "Sparky, thunderbolt the Rattler").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	scriptPath, logPath := filepath.Join(dir, "script.txt"), filepath.Join(dir, "log.jsonl")
	os.WriteFile(scriptPath, []byte("10 wav say.wav\n"), 0o644)
	cmd := exec.Command(bin, "--game", "..", "--model", model, "--mic=false", "--script", scriptPath,
		"--frames", "270", "--log", logPath, "--calm")
	cmd.Env = append(os.Environ(), "DISPLAY="+xvfb.Display(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	answered := 0
	for _, l := range readLog(t, logPath) {
		switch l.Type {
		case "error":
			t.Errorf("demo logged an error: %+v", l)
		case "command", "rejected":
			if l.Frame <= 10 {
				t.Errorf("answer before the audio started: %+v", l)
			}
			answered++
		}
	}
	if answered == 0 {
		t.Fatal("the spoken utterance never reached the filler")
	}
}
