package xvfb

import (
	"os"
	"os/exec"
	"testing"
)

func TestDisplayServesX(t *testing.T) {
	t.Setenv("DISPLAY", "") // force a private server
	os.Unsetenv("DISPLAY")
	d := Display(t)
	if d == "" || d[0] != ':' {
		t.Fatalf("display %q", d)
	}
	// A real X client connects: xdpyinfo if present, else Xvfb's own socket.
	if p, err := exec.LookPath("xdpyinfo"); err == nil {
		cmd := exec.Command(p)
		cmd.Env = append(os.Environ(), "DISPLAY="+d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdpyinfo: %v\n%s", err, out)
		}
		return
	}
	if _, err := os.Stat("/tmp/.X11-unix/X" + d[1:]); err != nil {
		t.Fatalf("no X socket for %s: %v", d, err)
	}
}
