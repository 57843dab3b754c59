package harness

import (
	"strings"
	"testing"
)

func TestParseScript(t *testing.T) {
	evs, err := ParseScript(strings.NewReader("# comment\n\n10 say Sparky, thunderbolt!\n 25 wav clips/go.wav\n30 say  two  spaces \n"), "dir/s.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []ScriptEvent{{10, "say", "Sparky, thunderbolt!"}, {25, "wav", "dir/clips/go.wav"}, {30, "say", "two  spaces"}}
	if len(evs) != len(want) {
		t.Fatalf("got %v", evs)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, evs[i], want[i])
		}
	}
}

func TestParseScriptErrors(t *testing.T) {
	for in, want := range map[string]string{
		"10 sing hello\n": `s.txt:1: unknown action "sing"`,
		"x say hi\n":      `s.txt:1: bad frame number "x"`,
		"\n-3 say hi\n":   `s.txt:2: bad frame number "-3"`,
		"10 say\n":        "s.txt:1: want `FRAME say TEXT`",
	} {
		_, err := ParseScript(strings.NewReader(in), "s.txt")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	if _, err := LoadScript("/nonexistent/script.txt"); err == nil || !strings.HasPrefix(err.Error(), "harness: script: ") {
		t.Errorf("missing file: %v", err)
	}
}
