//go:build display

package game

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/voicecmd/voicecmd/engine"
)

// hudGame drives a Plugin through a real Ebiten loop (under Xvfb in CI): a partial
// transcript forming, typing in the text box, a dispatched command. At each stage it
// reads the screen back.
type hudGame struct {
	p      *Plugin
	in     *fakeInput
	talk   chan struct{}
	frame  int
	stage  int
	shots  map[string]*image.RGBA
	start  time.Time
	failed error
}

const (
	stForming = iota
	stTyping
	stSent
	stDone
)

func (g *hudGame) Update() error {
	g.frame++
	if time.Since(g.start) > 20*time.Second {
		g.failed = errors.New("timed out")
		return ebiten.Termination
	}
	g.in.frame(nil, nil, "")
	switch g.stage {
	case stTyping:
		switch {
		case g.frame%10 == 1 && !g.p.Typing() && g.shots["typing"] == nil:
			g.in.frame([]ebiten.Key{ebiten.KeyEnter}, nil, "")
		case g.p.Typing() && len(g.p.text) == 0:
			g.in.frame(nil, nil, "hold Sparky")
		}
	case stDone:
		return ebiten.Termination
	}
	if g.stage == stSent && g.p.Typing() {
		g.in.frame([]ebiten.Key{ebiten.KeyEnter}, nil, "") // send what was typed
	}
	return g.p.Update()
}

func (g *hudGame) Draw(screen *ebiten.Image) {
	screen.Fill(color.RGBA{40, 90, 40, 255})
	g.p.Draw(screen)
	take := func(name string) {
		img := image.NewRGBA(screen.Bounds())
		screen.ReadPixels(img.Pix)
		g.shots[name] = img
	}
	switch g.stage {
	case stForming:
		if lv := g.p.eng.Live(0); lv.Partial != "" {
			take("forming")
			close(g.talk) // let the final transcript through
			g.stage = stTyping
		}
	case stTyping:
		if g.p.Typing() && string(g.p.text) == "hold Sparky" {
			take("typing")
			g.stage = stSent
		}
	case stSent:
		if len(g.p.loop.View(time.Now(), time.Minute).Commands) == 1 && g.p.loop.View(time.Now(), time.Minute).Text == "hold Sparky" {
			take("sent")
			g.stage = stDone
		}
	}
}

func (g *hudGame) Layout(int, int) (int, int) { return 800, 300 }

// TestHUDUnderEbiten runs the plugin in a real window and checks what the HUD draws.
func TestHUDUnderEbiten(t *testing.T) {
	talk := make(chan struct{})
	src := engine.SourceFunc(func(ctx context.Context, emit func(engine.Transcript)) error {
		emit(engine.Transcript{Utterance: 1, Text: "attack Sparky"})
		select {
		case <-talk:
		case <-ctx.Done():
			return nil
		}
		emit(engine.Transcript{Utterance: 1, Text: "attack Sparky", Final: true})
		<-ctx.Done()
		return nil
	})
	p, in := newPlugin(t, src)
	p.Handle("hold", func(c engine.Command) (string, error) { return "Sparky stands firm", nil })
	p.Handle("attack", func(c engine.Command) (string, error) { return "-18 HP", nil })
	g := &hudGame{p: p, in: in, talk: talk, shots: map[string]*image.RGBA{}, start: time.Now()}
	ebiten.SetWindowSize(800, 300)
	if err := ebiten.RunGame(g); err != nil && !errors.Is(err, ebiten.Termination) {
		t.Fatal(err)
	}
	if g.failed != nil {
		t.Fatalf("%v at stage %d", g.failed, g.stage)
	}
	dir := os.Getenv("HUD_SHOTS") // set to look at the pictures
	for name, img := range g.shots {
		if dir != "" {
			f, _ := os.Create(filepath.Join(dir, "hud-"+name+".png"))
			png.Encode(f, img)
			f.Close()
		}
	}
	hud := image.Rect(0, 300-92, 800, 300)
	// Forming: the intent chip of "attack", translucent, in the command row.
	if n := countNear(g.shots["forming"], hud, blend(intentColor("attack"), panelBG, 150)); n < 50 {
		t.Errorf("forming: %d pixels of the attack chip", n)
	}
	// Typing: the text box's yellow text.
	if n := countNear(g.shots["typing"], hud, typeYellow); n < 30 {
		t.Errorf("typing: %d yellow text pixels", n)
	}
	// Sent: the solid hold chip and the green effect text.
	if n := countNear(g.shots["sent"], hud, intentColor("hold")); n < 100 {
		t.Errorf("sent: %d pixels of the hold chip", n)
	}
	if n := countNear(g.shots["sent"], hud, effectGood); n < 20 {
		t.Errorf("sent: %d pixels of effect text", n)
	}
}

// blend is c drawn with alpha a over bg.
func blend(c, bg color.RGBA, a uint8) color.RGBA {
	f := float64(a) / 255
	mixc := func(x, y uint8) uint8 { return uint8(float64(x)*f + float64(y)*(1-f)) }
	return color.RGBA{mixc(c.R, bg.R), mixc(c.G, bg.G), mixc(c.B, bg.B), 255}
}

func countNear(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	if img == nil {
		return 0
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := img.RGBAAt(x, y)
			if near(p.R, c.R) && near(p.G, c.G) && near(p.B, c.B) {
				n++
			}
		}
	}
	return n
}

func near(a, b uint8) bool { return int(a)-int(b) < 40 && int(b)-int(a) < 40 }
