package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

const demoGame = "../../examples/monstertrainer"

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// voicecmdBinary builds the CLI once per test run.
func voicecmdBinary(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "voicecmd-cli")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(dir, "voicecmd")
		out, err := exec.Command("go", "build", "-o", cliPath, ".").CombinedOutput()
		if err != nil {
			cliErr = err
			t.Logf("%s", out)
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliPath
}

func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(voicecmdBinary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestParseCLI(t *testing.T) {
	out, errs, code := runCLI(t, "", "parse", "--game", demoGame, "Sparky, thunderbolt the Rattler!")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r grammar.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %q", out)
	}
	if r.Rejected || len(r.Commands) != 1 || r.Commands[0].Intent != "attack" ||
		r.Commands[0].Slots["actor"] != grammar.Str("Sparky") || r.Commands[0].Slots["target"] != grammar.Str("Rattler") {
		t.Errorf("got %s", out)
	}
	// The contract's exact key set.
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	for _, k := range []string{"text", "commands", "rejected", "reason"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("output lacks %q: %s", k, out)
		}
	}
}

func TestParseCLIStdin(t *testing.T) {
	in := "Bubbles dodge left\n\nwhat's for dinner\nCinder, go two steps forward\r\n[BLANK_AUDIO]"
	out, errs, code := runCLI(t, in, "parse", "--game", demoGame, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d output lines for 5 input lines:\n%s", len(lines), out)
	}
	want := []struct {
		text     string
		rejected bool
		intent   string
	}{
		{"Bubbles dodge left", false, "dodge"},
		{"", true, ""},
		{"what's for dinner", true, ""},
		{"Cinder, go two steps forward", false, "move"},
		{"[BLANK_AUDIO]", true, ""},
	}
	for i, line := range lines {
		var r grammar.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d not JSON: %q", i, line)
		}
		w := want[i]
		if r.Text != w.text || r.Rejected != w.rejected || r.Commands == nil {
			t.Errorf("line %d: %s", i, line)
		}
		if r.Rejected && r.Reason == "" {
			t.Errorf("line %d: rejection without a reason", i)
		}
		if w.intent != "" && (len(r.Commands) != 1 || r.Commands[0].Intent != w.intent) {
			t.Errorf("line %d: want %s, got %s", i, w.intent, line)
		}
	}
	if !strings.Contains(lines[3], `"steps":2`) {
		t.Errorf("steps must be a JSON number: %s", lines[3])
	}
}

func TestParseCLIState(t *testing.T) {
	st := filepath.Join(demoGame, "testdata", "renamed_state.json")
	out, errs, code := runCLI(t, "", "parse", "--game", demoGame, "--state", st, "Zappy use volt tackle on Gloomcap")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"actor":"Zappy"`) || !strings.Contains(out, `"move":"volt tackle"`) {
		t.Errorf("renamed party not understood: %s", out)
	}
}

func TestCLIErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, 2, "usage"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"help", []string{"--help"}, 0, "commands:"},
		{"parse help", []string{"parse", "--help"}, 0, "usage: voicecmd parse"},
		{"parse without game", []string{"parse", "hello"}, 2, "need --game"},
		{"parse bad flag", []string{"parse", "--bogus"}, 2, "flag provided but not defined"},
		{"parse missing game dir", []string{"parse", "--game", empty, "hi"}, 1, "commands.vcg"},
		{"parse bad state", []string{"parse", "--game", demoGame, "--state", filepath.Join(empty, "nope.json"), "hi"}, 1, "nope.json"},
		{"train without game", []string{"train"}, 2, "need --game"},
		{"bench unknown", []string{"bench", "nothing"}, 2, "unknown kind"},
		{"parse negative steps", []string{"parse", "--game", demoGame, "--steps", "-1", "hi"}, 2, "--steps -1"},
		{"parse min confidence", []string{"parse", "--game", demoGame, "--min-confidence", "2", "hi"}, 2, "--min-confidence 2"},
		{"train negative steps", []string{"train", "--game", demoGame, "--steps", "-3"}, 2, "--steps -3"},
		{"train zero batch", []string{"train", "--game", demoGame, "--batch", "0"}, 2, "--batch 0"},
		{"e2e negative gap", []string{"bench", "e2e", "--gap", "-1s"}, 2, "--gap -1s"},
		{"e2e zero budget", []string{"bench", "e2e", "--budget", "0s"}, 2, "--budget 0s"},
		{"asr negative threads", []string{"bench", "asr", "--threads", "-2"}, 2, "--threads -2"},
		{"fill zero batch", []string{"bench", "fill", "--game", demoGame, "--batch", "0"}, 2, "--batch and --reps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out+errs, tt.msg) {
				t.Errorf("output lacks %q:\n%s%s", tt.msg, out, errs)
			}
		})
	}
}

func TestParseCLIMissingWeights(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"commands.vcg", "state.json"} {
		b, err := os.ReadFile(filepath.Join(demoGame, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	_, errs, code := runCLI(t, "", "parse", "--game", dir, "hi")
	if code != 1 || !strings.Contains(errs, "voicecmd train --game") {
		t.Errorf("exit %d, stderr %q: want 1 and a hint to train", code, errs)
	}
	os.WriteFile(filepath.Join(dir, "model.vcw"), []byte("VCMW garbage"), 0o644)
	_, errs, code = runCLI(t, "", "parse", "--game", dir, "hi")
	if code != 1 || !strings.Contains(errs, "model.vcw") {
		t.Errorf("corrupt weights: exit %d, stderr %q", code, errs)
	}
}

// A huge line on stdin is answered with a rejection (not held in memory whole) and
// the next line is still understood.
func TestParseCLIHugeLine(t *testing.T) {
	in := strings.Repeat("and ", 1<<18) + "\nSparky dodge left\n"
	out, errs, code := runCLI(t, in, "parse", "--game", demoGame, "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"rejected":true`) || !strings.Contains(lines[0], "too long") || !strings.Contains(lines[1], `"intent":"dodge"`) {
		t.Fatalf("output:\n%.400s", out)
	}
}

// A short soak: renames keep working and memory figures come out.
func TestBenchSoakShort(t *testing.T) {
	out, errs, code := runCLI(t, "", "bench", "soak", "--game", demoGame, "--duration", "2s", "--rename-every", "16", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r["renames"].(float64) < 2 || r["wrong_commands"].(float64) != 0 || r["rss_end_mb"].(float64) <= 0 {
		t.Errorf("soak report %v", r)
	}
}

// Output that cannot be written is a failure with a message, not a silent success.
func TestParseCLIWriteError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	for _, args := range [][]string{{"parse", "--game", demoGame, "Sparky dodge"}, {"parse", "--game", demoGame, "-"}} {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(voicecmdBinary(t), args...)
		cmd.Stdin = strings.NewReader("Sparky dodge\n")
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &errb
		err = cmd.Run()
		full.Close()
		if err == nil || !strings.Contains(errb.String(), "voicecmd parse:") {
			t.Errorf("%v to /dev/full: err %v, stderr %q; want exit 1 with a message", args[len(args)-1], err, errb.String())
		}
	}
}
