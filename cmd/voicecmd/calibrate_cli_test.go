package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyGame copies the demo's grammar, state and weights into a fresh directory, so
// a test can rewrite its calibration.
func copyGame(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"commands.vcg", "state.json", "model.vcw", "model.cal.json"} {
		b, err := os.ReadFile(filepath.Join(demoGame, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// voicecmd calibrate --devset fits the calibration on labelled utterances: the
// file it writes is monotone, says how many utterances it was fit on, and a
// command the fit saw always right keeps a high confidence.
func TestCalibrateOnDevset(t *testing.T) {
	game := copyGame(t)
	dev := filepath.Join(demoGame, "devset.txt")
	lines, err := os.ReadFile(dev)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, "", "calibrate", "--game", game, "--devset", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "labelled utterances") {
		t.Errorf("output does not say what it was fit on: %q", out)
	}
	b, err := os.ReadFile(filepath.Join(game, "model.cal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cal struct {
		X []float64 `json:"raw"`
		Y []float64 `json:"calibrated"`
		N int       `json:"n"`
	}
	if err := json.Unmarshal(b, &cal); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "=>"); cal.N < n/2 || cal.N > n || len(cal.X) == 0 {
		t.Fatalf("fit on %d utterances (%d knots) of a %d-line dev set", cal.N, len(cal.X), n)
	}
	for i := 1; i < len(cal.Y); i++ {
		if cal.Y[i] < cal.Y[i-1] || cal.X[i] <= cal.X[i-1] {
			t.Fatalf("calibration not monotone at knot %d: %v -> %v", i, cal.X, cal.Y)
		}
	}
	out, errs, code = runCLI(t, "", "parse", "--game", game, "Sparky, thunderbolt the Rattler!")
	if code != 0 || !strings.Contains(out, `"rejected":false`) {
		t.Errorf("after calibrating on the dev set a plain command is rejected: %s %s", out, errs)
	}
}

// A dev set that cannot be read is named, and nothing is written.
func TestCalibrateDevsetErrors(t *testing.T) {
	game := copyGame(t)
	before, _ := os.ReadFile(filepath.Join(game, "model.cal.json"))
	for _, tc := range []struct{ name, devset, msg string }{
		{"missing file", filepath.Join(t.TempDir(), "nope.txt"), "nope.txt"},
		{"no arrow", writeDevset(t, "Sparky dodge\n"), "missing =>"},
		{"too few", writeDevset(t, handDevset), "too few"},
	} {
		_, errs, code := runCLI(t, "", "calibrate", "--game", game, "--devset", tc.devset)
		if code == 0 || !strings.Contains(errs, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q, want an error naming %q", tc.name, code, errs, tc.msg)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(game, "model.cal.json")); string(after) != string(before) {
		t.Error("a failed calibration rewrote model.cal.json")
	}
}
