// Package e2e runs the tower-defense game as a player would: the real binary, in a
// real window under Xvfb, driven by a script of typed commands, with the trained
// filler. It checks the log (commands understood and acted out, rejections with
// reasons, squads moved and structures built as said) and the screenshot. It also
// runs package field's display tests (the game with a hand-written filler) in their
// own process. This package imports no Ebiten code itself, so its test binary starts
// without a display.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voicecmd/voicecmd/examples/towerdefense/defense"
	"github.com/voicecmd/voicecmd/internal/xvfb"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// gameBinary builds the game once for the package's tests.
func gameBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "towerdefense-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "towerdefense")
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

// TestFieldWithHandFiller runs package field's tests (build tag "display": the whole
// game in an Ebiten loop with a hand-written filler, no trained model needed) with an
// X display, so that a plain `go test ./...` covers the drawing and the wiring.
func TestFieldWithHandFiller(t *testing.T) {
	args := []string{"test", "-tags", "display", "-count=1"}
	if raceEnabled {
		args = append(args, "-race")
	}
	if testing.Verbose() {
		args = append(args, "-v")
	}
	cmd := exec.Command("go", append(args, "github.com/voicecmd/voicecmd/examples/towerdefense/field")...)
	cmd.Env = append(os.Environ(), "DISPLAY="+xvfb.Display(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags display ./examples/towerdefense/field: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

type logLine struct {
	Frame      int64          `json:"frame"`
	Type       string         `json:"type"`
	Intent     string         `json:"intent"`
	Slots      map[string]any `json:"slots"`
	Effect     string         `json:"effect"`
	Error      string         `json:"error"`
	Text       string         `json:"text"`
	Reason     string         `json:"reason"`
	Gold       int            `json:"gold"`
	Squads     []squad        `json:"squads"`
	Structures []built        `json:"structures"`
	Vocabulary []string       `json:"vocabulary"`
}

type squad struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	Soldiers int     `json:"soldiers"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	At       string  `json:"at"`
	Order    string  `json:"order"`
}

type built struct {
	Kind  string `json:"kind"`
	Place string `json:"place"`
	Level int    `json:"level"`
}

// script is what the player types, one line every third of a second.
const script = `# frame say text
10 say all units hold
30 say knights and scouts go to the bridge
50 say build a cannon at the north gate
70 say rename squad two to Falcons
90 say Falcons, go to the crossroads
110 say upgrade the cannon at the north gate
130 say build a mage tower at the bridge
150 say summon a dragon
170 say archers, attack the goblin
190 say squad two, hold
`

func TestEndToEnd(t *testing.T) {
	if _, err := os.Stat("../model.vcw"); err != nil {
		t.Fatalf("the tower defense needs its trained filler: %v\nfix: go run ./cmd/voicecmd train --game examples/towerdefense --seed 1", err)
	}
	dir := t.TempDir()
	bin := gameBinary(t)
	scriptPath := filepath.Join(dir, "script.txt")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath, shotPath := filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "shot.png")
	cmd := exec.Command(bin, "--game", "..", "--script", scriptPath, "--frames", "480",
		"--screenshot", shotPath, "--log", logPath, "--seed", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+xvfb.Display(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the game failed: %v\n%s", err, out)
	}

	var cmds, rejected []logLine
	var end logLine
	frames := 0
	for _, l := range readLog(t, logPath) {
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
			t.Errorf("the game logged an error: %+v", l)
		}
	}
	if frames != 480 {
		t.Errorf("logged %d frames, want 480", frames)
	}
	want := []struct {
		said   int64
		intent string
		slots  map[string]string
		effect string // prefix of the effect, or of the error after "error: "
	}{
		{10, "hold", map[string]string{"squad": "archers"}, "archers hold"},
		{10, "hold", map[string]string{"squad": "knights"}, "knights hold"},
		{10, "hold", map[string]string{"squad": "scouts"}, "scouts hold"},
		{10, "hold", map[string]string{"squad": "squad two"}, "squad two hold"},
		{30, "move", map[string]string{"squad": "knights", "place": "bridge"}, "knights march to the bridge"},
		{30, "move", map[string]string{"squad": "scouts", "place": "bridge"}, "scouts march to the bridge"},
		{50, "build", map[string]string{"structure": "cannon", "place": "north gate"}, "cannon built at the north gate"},
		{70, "rename", map[string]string{"squad": "squad two"}, "squad two are now called Falcons"},
		{90, "move", map[string]string{"squad": "Falcons", "place": "crossroads"}, "Falcons march to the crossroads"},
		{110, "upgrade", map[string]string{"structure": "cannon", "place": "north gate"}, "cannon at the north gate upgraded to level 2"},
		{130, "build", map[string]string{"structure": "mage tower", "place": "bridge"}, "error: not enough gold"},
		{170, "attack", map[string]string{"squad": "archers", "target": "goblin"}, "archers attack the goblin"},
	}
	if len(cmds) != len(want) {
		t.Fatalf("dispatched %d commands, want %d:\n%s", len(cmds), len(want), dump(cmds))
	}
	for i, w := range want {
		c := cmds[i]
		got := c.Effect
		if c.Error != "" {
			got = "error: " + c.Error
		}
		if c.Intent != w.intent || !strings.HasPrefix(got, w.effect) {
			t.Errorf("command %d: %s %v → %q; want %s → %q", i, c.Intent, c.Slots, got, w.intent, w.effect)
		}
		for k, v := range w.slots {
			if fmt.Sprint(c.Slots[k]) != v {
				t.Errorf("command %d: slot %s = %v, want %s", i, k, c.Slots[k], v)
			}
		}
		// Acted out before the next line was typed.
		if c.Frame < w.said || c.Frame-w.said > 20 {
			t.Errorf("command %d dispatched at frame %d, said at %d", i, c.Frame, w.said)
		}
	}
	if len(rejected) != 2 || rejected[0].Text != "summon a dragon" || rejected[1].Text != "squad two, hold" ||
		rejected[0].Reason == "" || rejected[1].Reason == "" {
		t.Errorf("\"summon a dragon\" and the old name \"squad two\" should be rejected with reasons: %+v", rejected)
	}

	// The map changed as the commands said.
	sq := map[string]squad{}
	for _, q := range end.Squads {
		sq[q.Name] = q
	}
	world := defense.New(1) // where the places are
	near := func(name, place string, within float64) {
		q, p := sq[name], world.Place(place)
		if q.At != place || math.Hypot(q.X-p.X, q.Y-p.Y) > within {
			t.Errorf("%s should be at the %s: %+v", name, place, q)
		}
	}
	near("knights", "bridge", 130) // they skirmish with the goblins there
	near("scouts", "bridge", 130)
	near("Falcons", "crossroads", 60)
	if _, ok := sq["squad two"]; ok {
		t.Errorf("squad two kept its old name: %+v", end.Squads)
	}
	if a := sq["archers"]; a.X > world.Place("north gate").X-70 {
		t.Errorf("the archers did not leave the north gate to attack: %+v", a)
	}
	if len(end.Structures) != 1 || end.Structures[0] != (built{"cannon", "north gate", 2}) {
		t.Errorf("structures %+v, want a level 2 cannon at the north gate", end.Structures)
	}
	if fmt.Sprint(end.Vocabulary) != "[archers knights scouts Falcons]" {
		t.Errorf("the rename did not reach the vocabulary: %v", end.Vocabulary)
	}
	checkScreenshot(t, shotPath)
}

// checkScreenshot: a 960×540 picture with many colours (the map is drawn), the dark
// voice HUD along the bottom and the level 2 cannon's gold stars at the north gate.
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
	rgb := func(x, y int) (int, int, int) {
		r, g, b, _ := img.At(x, y).RGBA()
		return int(r >> 8), int(g >> 8), int(b >> 8)
	}
	colours := map[[3]int]bool{}
	for y := 0; y < 540; y += 3 {
		for x := 0; x < 960; x += 3 {
			r, g, b := rgb(x, y)
			colours[[3]int{r, g, b}] = true
		}
	}
	if len(colours) < 300 {
		t.Errorf("the screenshot has %d colours: is the map drawn?", len(colours))
	}
	if r, g, b := rgb(480, 530); r > 60 || g > 60 || b > 80 {
		t.Errorf("no HUD at the bottom: pixel (%d,%d,%d)", r, g, b)
	}
	stars := 0
	for y := 160; y < 175; y++ {
		for x := 575; x < 605; x++ {
			if r, g, b := rgb(x, y); r > 220 && g > 180 && b < 130 {
				stars++
			}
		}
	}
	if stars < 10 {
		t.Errorf("no level stars under the cannon at the north gate (%d gold pixels)", stars)
	}
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
