// Package xvfb gives tests an X display for Ebiten: the one in $DISPLAY, or a
// private Xvfb server started for the test. A binary that links Ebiten needs a display
// as soon as it starts (Ebiten initialises GLFW in init), so tests of Ebiten code run
// it as a separate process — `go test` of a package, or the game's binary — with the
// display this package returns.
package xvfb

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Display returns an X display name for tb: $DISPLAY if set, else ":N" of an Xvfb
// server started now (1280×800, 24-bit) and stopped when the test ends. It fails the
// test when there is neither (install Debian's xvfb package).
func Display(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("DISPLAY"); d != "" {
		return d
	}
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		tb.Fatal("xvfb: no DISPLAY and no Xvfb: install the xvfb package (scripts/setup.sh does)")
	}
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	// -displayfd: Xvfb picks a free display number and writes it to fd 3.
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		tb.Fatalf("xvfb: start: %v", err)
	}
	w.Close()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	select {
	case n := <-num:
		if n == "" {
			tb.Fatal("xvfb: Xvfb exited without reporting a display")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		tb.Fatal("xvfb: Xvfb did not start within 20s")
	}
	return ""
}
