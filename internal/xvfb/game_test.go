package xvfb

import (
	"os"
	"os/exec"
	"testing"
)

// TestEbitenPlugin runs package game's tests (build tag "display": keys, text box,
// the HUD drawn in a real Ebiten loop) in their own process with an X display, so
// that a plain `go test ./...` covers them on a machine without one.
func TestEbitenPlugin(t *testing.T) {
	args := []string{"test", "-tags", "display", "-count=1"}
	if raceEnabled {
		args = append(args, "-race")
	}
	if testing.Verbose() {
		args = append(args, "-v")
	}
	cmd := exec.Command("go", append(args, "github.com/voicecmd/voicecmd/game")...)
	cmd.Env = append(os.Environ(), "DISPLAY="+Display(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -tags display ./game: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
