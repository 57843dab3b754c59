// Package usecheck holds a test of voicecmd used the way a game developer uses it:
// from another module, through go.mod's require and replace, as README "Use it in
// your game" says.
package usecheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/internal/xvfb"
)

// typedGame is a typed-only game: the Ebiten plugin, the engine and the trained
// model, no microphone. It must not link PortAudio, ALSA or whisper.cpp.
const typedGame = `package main

import (
	"fmt"
	"os"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/engine/fill"
	"github.com/voicecmd/voicecmd/game"
)

type world struct{ voice *game.Plugin }

func (w *world) Update() error              { return w.voice.Update() }
func (w *world) Draw(screen *ebiten.Image)  { w.voice.Draw(screen) }
func (w *world) Layout(int, int) (int, int) { return 640, 360 }

func main() {
	m, err := fill.Load(os.Args[1], fill.Options{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if len(os.Args) > 2 {
		fmt.Println(fill.Describe(m.Understand(os.Args[2], nil)))
		return
	}
	eng, _ := engine.New(engine.Options{Filler: m})
	p, _ := game.New(game.Options{Engine: eng})
	p.Handle("attack", func(c engine.Command) (string, error) { return "ok", nil })
	ebiten.RunGame(&world{voice: p})
}
`

func TestTypedOnlyGameFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a game module (about 20 s)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := ""
	for _, line := range strings.Split(string(goMod), "\n") {
		if strings.HasPrefix(line, "go ") {
			goVersion = strings.TrimPrefix(line, "go ")
		}
	}
	dir := t.TempDir()
	mod := "module example.com/mygame\n\ngo " + goVersion + "\n\n" +
		"require github.com/voicecmd/voicecmd v0.0.0\n\n" +
		"replace github.com/voicecmd/voicecmd => " + root + "\n"
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(typedGame), 0o644)
	// go.sum: voicecmd's own sums cover every module the game needs; with -mod=mod
	// the build adds the requirements offline from the module cache, as README says.
	// (`go mod tidy` would also want the test dependencies of every dependency.)
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	run := func(name string, args ...string) string {
		t.Helper()
		var stderr strings.Builder
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env, cmd.Stderr = dir, env, &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.String())
		}
		return string(out)
	}
	run("go", "build", "-o", "mygame", ".")

	// The game understands with the demo's model (Ebiten needs a display as soon as
	// it is linked, even to print)...
	env = append(env, "DISPLAY="+xvfb.Display(t))
	got := run("./mygame", filepath.Join(root, "examples/monstertrainer"), "Sparky, thunderbolt the Rattler!")
	if strings.TrimSpace(got) != "attack actor=Sparky move=thunderbolt target=Rattler" {
		t.Errorf("typed game understood %q", got)
	}
	// ...and links no audio or speech library.
	deps := run("go", "list", "-deps", ".")
	for _, bad := range []string{"portaudio", "whisper"} {
		if strings.Contains(deps, bad) {
			t.Errorf("a typed-only game depends on a %s package", bad)
		}
	}
	if runtime.GOOS == "linux" {
		if _, err := exec.LookPath("ldd"); err == nil {
			libs := run("ldd", "./mygame")
			for _, bad := range []string{"libportaudio", "libasound"} {
				if strings.Contains(libs, bad) {
					t.Errorf("a typed-only game links %s:\n%s", bad, libs)
				}
			}
			t.Logf("ldd mygame:\n%s", libs)
		}
	}
}
