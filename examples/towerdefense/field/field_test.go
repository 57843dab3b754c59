//go:build display

// These tests open an Ebiten window, so they need an X display: run them with
// `go test -tags display` under Xvfb (the e2e package does, in its own process).

package field

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/game/harness"
	"github.com/voicecmd/voicecmd/grammar"
)

var shotOut = flag.String("shot", "", "also write the scripted run's screenshot to `FILE`")

// tableFiller stands in for the trained model: it knows a fixed set of sentences.
// Like the real filler it rejects a command naming a squad the state lacks (a squad
// renamed away), so the game's vocabulary updates are exercised.
type tableFiller map[string][]grammar.Command

func (tableFiller) DefaultSteps() int { return 0 }

func (f tableFiller) Fill(texts []string, st *grammar.State, steps int) []grammar.Result {
	out := make([]grammar.Result, len(texts))
	for i, t := range texts {
		cmds, ok := f[t]
		if !ok {
			out[i] = grammar.Reject(t, "not a command of this game")
			continue
		}
		out[i] = grammar.Result{Text: t, Commands: []grammar.Command{}}
		for _, c := range cmds {
			if s, has := c.Slots["squad"]; has && !st.Has("squad", s.Str) {
				out[i] = grammar.Reject(t, "unknown squad %q", s.Str)
				break
			}
			c.Confidence = 0.9
			out[i].Commands = append(out[i].Commands, c)
		}
	}
	return out
}

func c(intent string, kv ...string) grammar.Command {
	cmd := grammar.Command{Intent: intent, Slots: map[string]grammar.Value{}}
	for i := 0; i+1 < len(kv); i += 2 {
		cmd.Slots[kv[i]] = grammar.Str(kv[i+1])
	}
	return cmd
}

var filler = tableFiller{
	"all units hold":                       {c("hold", "squad", "archers"), c("hold", "squad", "knights"), c("hold", "squad", "scouts"), c("hold", "squad", "squad two")},
	"knights and scouts go to the bridge":  {c("move", "squad", "knights", "place", "bridge"), c("move", "squad", "scouts", "place", "bridge")},
	"build a cannon at the north gate":     {c("build", "structure", "cannon", "place", "north gate")},
	"rename squad two to Falcons":          {c("rename", "squad", "squad two", "name", "Falcons")},
	"Falcons, go to the crossroads":        {c("move", "squad", "Falcons", "place", "crossroads")},
	"upgrade the cannon at the north gate": {c("upgrade", "place", "north gate", "structure", "cannon")},
	"build a mage tower at the bridge":     {c("build", "structure", "mage tower", "place", "bridge")},
	"archers, attack the goblin":           {c("attack", "squad", "archers", "target", "goblin")},
	"squad two, hold":                      {c("hold", "squad", "squad two")},
}

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

type record struct {
	Type   string         `json:"type"`
	Frame  int64          `json:"frame"`
	Intent string         `json:"intent"`
	Slots  map[string]any `json:"slots"`
	Text   string         `json:"text"`
	Effect string         `json:"effect"`
	Error  string         `json:"error"`
	Reason string         `json:"reason"`
}

// TestScriptedRun plays a script through the whole game (engine, plugin, router,
// rules, drawing) in a real Ebiten loop and checks the log, the end record and the
// screenshot.
func TestScriptedRun(t *testing.T) {
	dir := t.TempDir()
	scriptPath, logPath, shotPath := filepath.Join(dir, "script.txt"), filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "shot.png")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{GameDir: "..", Filler: filler, Seed: 1,
		Run: harness.Options{Script: scriptPath, Frames: 480, Screenshot: shotPath, Log: logPath}}
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds, rejected []record
	var end EndRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		switch r.Type {
		case "command":
			cmds = append(cmds, r)
		case "rejected":
			rejected = append(rejected, r)
		case "error":
			t.Errorf("logged error: %+v", r)
		case "end":
			if err := json.Unmarshal(sc.Bytes(), &end); err != nil {
				t.Fatal(err)
			}
		}
	}
	var got []string
	for _, r := range cmds {
		s := r.Intent + " " + fmt.Sprint(r.Slots["squad"]) + ": " + r.Effect
		if r.Error != "" {
			s = r.Intent + " " + fmt.Sprint(r.Slots["squad"]) + ": error: " + r.Error
		}
		got = append(got, s)
	}
	want := []string{
		"hold archers: archers hold at the north gate",
		"hold knights: knights hold at the crossroads",
		"hold scouts: scouts hold at the mill",
		"hold squad two: squad two hold at the south gate",
		"move knights: knights march to the bridge",
		"move scouts: scouts march to the bridge",
		"build <nil>: cannon built at the north gate (-150 gold)",
		"rename squad two: squad two are now called Falcons",
		"move Falcons: Falcons march to the crossroads",
		"upgrade <nil>: cannon at the north gate upgraded to level 2 (-110 gold)",
		"build <nil>: error: not enough gold: a mage tower costs 125, you have 40",
		"attack archers: archers attack the goblin",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("dispatched:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(rejected) != 2 || rejected[0].Text != "summon a dragon" || rejected[1].Text != "squad two, hold" ||
		!strings.Contains(rejected[1].Reason, "unknown squad") {
		t.Errorf("rejections: %+v", rejected)
	}

	if end.Type != "end" || end.Frame != 480 {
		t.Fatalf("no end record: %+v", end)
	}
	squads := map[string]SquadEnd{}
	for _, q := range end.Squads {
		squads[q.Name] = q
	}
	for _, n := range []string{"knights", "scouts"} {
		if q := squads[n]; q.At != "bridge" {
			t.Errorf("%s should be at the bridge: %+v", n, q)
		}
	}
	if q := squads["Falcons"]; q.At != "crossroads" || q.Unit != "spearman" {
		t.Errorf("Falcons (squad two) should be at the crossroads: %+v", q)
	}
	if _, ok := squads["squad two"]; ok {
		t.Error("squad two kept its old name")
	}
	if q := squads["archers"]; q.X > 520 {
		t.Errorf("the archers never left the north gate to attack: %+v", q)
	}
	if len(end.Structures) != 1 || end.Structures[0] != (BuiltEnd{"cannon", "north gate", 2}) {
		t.Errorf("structures %+v, want a level 2 cannon at the north gate", end.Structures)
	}
	if fmt.Sprint(end.Vocabulary) != "[archers knights scouts Falcons]" {
		t.Errorf("the engine's squads: %v", end.Vocabulary)
	}
	checkScreenshot(t, shotPath)
	if *shotOut != "" {
		data, _ := os.ReadFile(shotPath)
		if err := os.WriteFile(*shotOut, data, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// checkScreenshot looks for the map: 960×540, many colours, the grass, the river,
// the dark voice HUD along the bottom.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
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
		t.Errorf("the screenshot has %d colours: is anything drawn?", len(colours))
	}
	if r, g, b := rgb(380, 420); !(g > r+20 && g > b+20) {
		t.Errorf("no grass south of the crossroads: (%d,%d,%d)", r, g, b)
	}
	if r, g, b := rgb(304, 100); !(b > r+60 && b > g) {
		t.Errorf("no river north of the bridge: (%d,%d,%d)", r, g, b)
	}
	if r, g, b := rgb(480, 530); r > 60 || g > 60 || b > 80 {
		t.Errorf("no HUD at the bottom: (%d,%d,%d)", r, g, b)
	}
}
