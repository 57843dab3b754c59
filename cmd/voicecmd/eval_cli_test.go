package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func evalJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	out, errs, code := runCLI(t, "", append([]string{"eval", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	return rep
}

func TestEvalCLIDemo(t *testing.T) {
	rep := evalJSON(t, "--game", demoGame)
	for _, k := range []string{"n", "exact", "intent_accuracy", "wrong_commands", "false_rejections",
		"correct_rejections", "sections", "categories", "risk_coverage", "failures"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("no %q in the report", k)
		}
	}
	if n := rep["n"].(float64); n < 250 {
		t.Errorf("n = %v: the demo dev set has more lines", n)
	}
	// The dev set's batch 6 holds the hard categories of issue 11; the committed
	// model scores about 94% on the whole file.
	if ex := rep["exact"].(float64); ex < 0.9 {
		t.Errorf("exact = %v on the demo dev set, want >= 0.9", ex)
	}
	if w := rep["wrong_commands"].(float64); w > 0.02 {
		t.Errorf("wrong commands = %v on the demo dev set at the default min confidence, want <= 0.02", w)
	}
	if _, ok := rep["ece"]; !ok {
		t.Error("no ece in the report")
	}
	secs := rep["sections"].(map[string]any)
	for _, s := range []string{"default", "renamed"} {
		m, ok := secs[s].(map[string]any)
		if !ok || m["n"].(float64) == 0 {
			t.Errorf("section %q missing or empty: %v", s, secs)
		}
	}
	if len(rep["risk_coverage"].([]any)) == 0 {
		t.Error("empty risk_coverage")
	}
}

// A small dev set with deliberately wrong expectations: each kind of error is counted.
const handDevset = `# category: plain
Sparky, thunderbolt the Rattler! => attack actor=Sparky move=thunderbolt target=Rattler
Bubbles dodge left => dodge actor=Bubbles direction=right
what's for dinner => REJECT
# category: wrong on purpose
Sparky, thunderbolt the Rattler! => REJECT
what's for dinner => retreat actor=Sparky
`

func writeDevset(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dev.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalCLICountsErrors(t *testing.T) {
	dev := writeDevset(t, handDevset)
	rep := evalJSON(t, "--game", demoGame, "--devset", dev)
	want := map[string]float64{
		"n":                  5,
		"exact":              0.4, // lines 2 and 4
		"intent_accuracy":    0.6, // plus the wrong direction (dodge is right)
		"wrong_commands":     0.4, // the wrong direction, and an attack where REJECT was expected
		"false_rejections":   0.2, // "what's for dinner" expected as a retreat
		"correct_rejections": 0.2,
	}
	for k, v := range want {
		if got := rep[k].(float64); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	cats := rep["categories"].(map[string]any)
	if p, w := cats["plain"].(map[string]any), cats["wrong on purpose"].(map[string]any); p["n"] != 3.0 || w["n"] != 2.0 || w["exact"] != 0.0 {
		t.Errorf("categories: %v", cats)
	}
	if f := rep["failures"].([]any); len(f) != 3 {
		t.Errorf("%d failures, want 3: %v", len(f), f)
	}

	// The text output lists the failures one per line.
	out, errs, code := runCLI(t, "", "eval", "--game", demoGame, "--devset", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"wrong on purpose", `line 3: "Bubbles dodge left" want dodge actor=Bubbles direction=right got dodge actor=Bubbles direction=left`,
		`line 7: "what's for dinner" want retreat actor=Sparky got REJECT (`} {
		if !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}

	// At --min-confidence 1 nothing less than certain is executed.
	rep = evalJSON(t, "--game", demoGame, "--devset", dev, "--min-confidence", "1")
	if rep["min_confidence"] != 1.0 {
		t.Errorf("min_confidence = %v", rep["min_confidence"])
	}
	for _, p := range rep["risk_coverage"].([]any) {
		if th := p.(map[string]any)["threshold"].(float64); th < 1 {
			t.Errorf("threshold %v executed below --min-confidence 1", th)
		}
	}
}

func TestEvalCLIState(t *testing.T) {
	dev := writeDevset(t, `Zappy use volt tackle on Gloomcap => attack actor=Zappy move="volt tackle" target=Gloomcap`+"\n")
	renamed := filepath.Join(demoGame, "testdata", "renamed_state.json")
	if ex := evalJSON(t, "--game", demoGame, "--devset", dev, "--state", renamed)["exact"]; ex != 1.0 {
		t.Errorf("with --state: exact %v, want 1", ex)
	}
	if ex := evalJSON(t, "--game", demoGame, "--devset", dev)["exact"]; ex != 0.0 {
		t.Errorf("without --state the party has no Zappy: exact %v, want 0", ex)
	}
}

func TestEvalCLIPNG(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rc.png")
	_, errs, code := runCLI(t, "", "eval", "--game", demoGame, "--png", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fh, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("image %v", b)
	}
}

func TestEvalCLIErrors(t *testing.T) {
	empty := t.TempDir()
	noModel := t.TempDir()
	for _, f := range []string{"commands.vcg", "state.json"} {
		b, err := os.ReadFile(filepath.Join(demoGame, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(noModel, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(noModel, "devset.txt"), []byte("Dodge! => dodge actor=Sparky\n"), 0o644)
	missing := filepath.Join(empty, "nope.txt")
	bad := writeDevset(t, "Sparky dodge\n")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"help", []string{"--help"}, 0, "usage: voicecmd eval"},
		{"no game", nil, 2, "need --game"},
		{"extra argument", []string{"--game", demoGame, "hello"}, 2, "need --game"},
		{"bad flag", []string{"--game", demoGame, "--bogus"}, 2, "-bogus"},
		{"negative steps", []string{"--game", demoGame, "--steps", "-1"}, 2, "--steps"},
		{"min confidence above 1", []string{"--game", demoGame, "--min-confidence", "1.5"}, 2, "--min-confidence"},
		{"min confidence negative", []string{"--game", demoGame, "--min-confidence", "-0.1"}, 2, "--min-confidence"},
		{"min confidence not a number", []string{"--game", demoGame, "--min-confidence", "high"}, 2, "min-confidence"},
		{"missing devset", []string{"--game", demoGame, "--devset", missing}, 1, missing},
		{"no devset in the game dir", []string{"--game", empty}, 1, filepath.Join(empty, "devset.txt")},
		{"bad devset line", []string{"--game", demoGame, "--devset", bad}, 1, "missing =>"},
		{"missing model", []string{"--game", noModel}, 1, "voicecmd train --game"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", append([]string{"eval"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out+errs, tt.msg) {
				t.Errorf("output lacks %q:\n%s%s", tt.msg, out, errs)
			}
			if tt.code != 0 && !strings.Contains(errs, "voicecmd eval") && !strings.Contains(errs, "usage: voicecmd eval") {
				t.Errorf("error does not name the command: %s", errs)
			}
		})
	}
}

func TestGenCLI(t *testing.T) {
	a, errs, code := runCLI(t, "", "gen", "--game", demoGame, "-n", "7", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, _, _ := runCLI(t, "", "gen", "--game", demoGame, "-n", "7", "--seed", "3")
	if a != b {
		t.Errorf("same seed, different output:\n%s\n---\n%s", a, b)
	}
	lines := strings.Split(strings.TrimRight(a, "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines for -n 7:\n%s", len(lines), a)
	}
	for _, l := range lines {
		if !strings.Contains(l, " => ") {
			t.Errorf("line without a target: %q", l)
		}
	}
	c, _, _ := runCLI(t, "", "gen", "--game", demoGame, "-n", "7", "--seed", "4")
	if c == a {
		t.Error("seeds 3 and 4 print the same examples")
	}
	def, _, _ := runCLI(t, "", "gen", "--game", demoGame)
	if n := strings.Count(def, "\n"); n != 20 {
		t.Errorf("default: %d lines, want 20", n)
	}
}

func TestGenCLIJSON(t *testing.T) {
	out, errs, code := runCLI(t, "", "gen", "--game", demoGame, "-n", "40", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	states := map[string]int{}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var ex struct{ Text, Want, State string }
		if err := json.Unmarshal([]byte(l), &ex); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if ex.Text == "" || ex.Want == "" {
			t.Errorf("empty field: %q", l)
		}
		states[ex.State]++
	}
	// The generator uses the game's state about half of the time.
	if len(states) != 2 || states["game"] == 0 || states["random"] == 0 {
		t.Errorf("states %v, want both game and random", states)
	}
}

func TestGenCLIErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"help", []string{"--help"}, 0, "usage: voicecmd gen"},
		{"no game", nil, 2, "need --game"},
		{"negative n", []string{"--game", demoGame, "-n", "-1"}, 2, "-n must be"},
		{"bad n", []string{"--game", demoGame, "-n", "many"}, 2, "-n"},
		{"missing game", []string{"--game", t.TempDir()}, 1, "commands.vcg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", append([]string{"gen"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out+errs, tt.msg) {
				t.Errorf("output lacks %q:\n%s%s", tt.msg, out, errs)
			}
		})
	}
}
