package game

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/voicecmd/voicecmd/game/harness"
)

// Fonts: the Go fonts, embedded in golang.org/x/image, so the HUD needs no asset files.
var (
	fontOnce            sync.Once
	regularSrc, boldSrc *text.GoTextFaceSource
)

func loadFonts() {
	fontOnce.Do(func() {
		var err error
		if regularSrc, err = text.NewGoTextFaceSource(bytes.NewReader(goregular.TTF)); err != nil {
			panic("game: embedded Go font: " + err.Error()) // cannot happen: fixed bytes
		}
		if boldSrc, err = text.NewGoTextFaceSource(bytes.NewReader(gobold.TTF)); err != nil {
			panic("game: embedded Go font: " + err.Error())
		}
	})
}

// Face returns the HUD's font (the Go font, regular or bold) at size pixels, for games
// that want to match it.
func Face(size float64, bold bool) text.Face {
	loadFonts()
	if bold {
		return &text.GoTextFace{Source: boldSrc, Size: size}
	}
	return &text.GoTextFace{Source: regularSrc, Size: size}
}

type hud struct {
	big, small, bold, smallBold text.Face
}

func (h *hud) init() {
	if h.big != nil {
		return
	}
	h.big = Face(17, false)
	h.small = Face(12, false)
	h.bold = Face(15, true)
	h.smallBold = Face(12, true)
}

// HUD colours.
var (
	panelBG    = color.RGBA{12, 14, 24, 215}
	panelEdge  = color.RGBA{90, 110, 170, 255}
	textMain   = color.RGBA{240, 240, 245, 255}
	textDim    = color.RGBA{150, 155, 175, 255}
	textFaint  = color.RGBA{100, 105, 125, 255}
	rejectRed  = color.RGBA{255, 95, 95, 255}
	effectGood = color.RGBA{140, 230, 150, 255}
	warnOrange = color.RGBA{255, 170, 70, 255}
	typeYellow = color.RGBA{255, 225, 110, 255}
)

// Draw draws the HUD overlay (and the text box when typing) along the bottom of
// screen. Call it at the end of the game's Draw, so it is on top.
func (p *Plugin) Draw(screen *ebiten.Image) {
	p.drawHUD(screen)
	if p.run != nil && p.run.WantsScreenshot() {
		img := image.NewRGBA(screen.Bounds())
		screen.ReadPixels(img.Pix)
		p.run.SaveScreenshot(img)
	}
}

func (p *Plugin) drawHUD(screen *ebiten.Image) {
	p.hud.init()
	v := p.view(time.Now())
	w := float32(screen.Bounds().Dx())
	sh := float32(screen.Bounds().Dy())
	h := float32(p.opts.HUDHeight)
	if p.opts.HideHUD && !v.typing {
		return
	}
	y0 := sh - h
	vector.DrawFilledRect(screen, 0, y0, w, h, panelBG, false)
	vector.StrokeLine(screen, 0, y0, w, y0, 2, panelEdge, false)

	// Mic: a dot (red while talking) over a level meter.
	micX, micY := float32(22), y0+24
	mic := textFaint
	if v.Talking {
		mic = rejectRed
	}
	vector.DrawFilledCircle(screen, micX, micY, 9, mic, true)
	vector.DrawFilledRect(screen, micX-3, micY+14, 6, 44, color.RGBA{40, 44, 60, 255}, false)
	lvl := float32(min(max(v.Level, 0), 1))
	vector.DrawFilledRect(screen, micX-3, micY+14+44*(1-lvl), 6, 44*lvl, levelColor(lvl), false)

	x := float32(44)
	line1 := y0 + 10
	switch {
	case v.typing:
		// Keep the end of long input visible: the cursor is what the player watches.
		drawText(screen, fitTail("> "+v.typed+"▌", p.hud.big, float64(w-x-12)), p.hud.big, x, line1, typeYellow)
	case v.Text != "" && v.Partial:
		drawText(screen, fit(v.Text+" …", p.hud.big, float64(w-x-12)), p.hud.big, x, line1, textDim)
	case v.Text != "" || v.Reject != "":
		drawText(screen, fit("“"+v.Text+"”", p.hud.big, float64(w-x-260)), p.hud.big, x, line1, textMain)
	case v.Talking:
		drawText(screen, "listening…", p.hud.big, x, line1, textDim)
	default:
		drawText(screen, "say or type a command", p.hud.big, x, line1, textFaint)
	}
	if v.Latency != "" {
		lw := float32(text.Advance(v.Latency, p.hud.small))
		drawText(screen, v.Latency, p.hud.small, w-lw-12, line1+3, textDim)
	}

	line2 := y0 + 38
	switch {
	case v.Question != "":
		drawText(screen, fit(v.Question, p.hud.big, float64(w-x-12)), p.hud.big, x, line2, typeYellow)
	case v.Reject != "":
		// The cross is drawn, not a glyph: the Go fonts have no U+2717.
		vector.StrokeLine(screen, x+2, line2+6, x+14, line2+18, 3, rejectRed, true)
		vector.StrokeLine(screen, x+14, line2+6, x+2, line2+18, 3, rejectRed, true)
		drawText(screen, fit(v.Reject, p.hud.big, float64(w-x-34)), p.hud.big, x+22, line2, rejectRed)
	default:
		cx := x
		for i, c := range v.Commands {
			if i > 0 && cx > w*2/3 {
				drawText(screen, fmt.Sprintf("+%d more", len(v.Commands)-i), p.hud.small, cx, line2+4, textDim)
				break
			}
			cx = p.drawCommand(screen, c, cx, line2) + 14
		}
	}
	if v.Err != "" {
		drawText(screen, fit(v.Err, p.hud.small, float64(w-x-12)), p.hud.small, x, y0+h-20, warnOrange)
	} else {
		drawText(screen, v.hint, p.hud.small, x, y0+h-20, textFaint)
	}
}

// drawCommand draws one command chip: the intent, then each slot's value with a
// confidence bar under it, then the effect. It returns the x after it.
func (p *Plugin) drawCommand(screen *ebiten.Image, c harness.CommandView, x, y float32) float32 {
	alpha := uint8(255)
	if c.Forming {
		alpha = 150
	}
	ic := intentColor(c.Intent)
	ic.A = alpha
	iw := float32(text.Advance(c.Intent, p.hud.bold))
	vector.DrawFilledRect(screen, x, y, iw+12, 22, ic, false)
	drawText(screen, c.Intent, p.hud.bold, x+6, y+2, color.RGBA{15, 15, 25, 255})
	x += iw + 18
	for _, s := range c.Slots {
		label := s.Name + " "
		lw := float32(text.Advance(label, p.hud.small))
		drawText(screen, label, p.hud.small, x, y+4, textDim)
		x += lw
		vw := float32(text.Advance(s.Value, p.hud.bold))
		col := textMain
		col.A = alpha
		drawText(screen, s.Value, p.hud.bold, x, y+2, col)
		// Confidence bar: full width = 1.0.
		vector.DrawFilledRect(screen, x, y+21, vw, 3, color.RGBA{50, 54, 70, 255}, false)
		vector.DrawFilledRect(screen, x, y+21, vw*float32(min(max(s.Confidence, 0), 1)), 3, levelColorConf(s.Confidence), false)
		pct := fmt.Sprintf("%.0f%%", 100*s.Confidence)
		drawText(screen, pct, p.hud.small, x+vw+3, y+4, textFaint)
		x += vw + float32(text.Advance(pct, p.hud.small)) + 12
	}
	switch {
	case c.Err != "":
		drawText(screen, "→ "+c.Err, p.hud.small, x, y+4, warnOrange)
		x += float32(text.Advance("→ "+c.Err, p.hud.small))
	case c.Effect != "":
		drawText(screen, "→ "+c.Effect, p.hud.small, x, y+4, effectGood)
		x += float32(text.Advance("→ "+c.Effect, p.hud.small))
	}
	return x
}

// fit shortens s with an ellipsis until it is at most width pixels wide.
func fit(s string, face text.Face, width float64) string {
	if text.Advance(s, face) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && text.Advance(string(rs)+"…", face) > width {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// fitTail is fit keeping the end of s.
func fitTail(s string, face text.Face, width float64) string {
	if text.Advance(s, face) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && text.Advance("…"+string(rs), face) > width {
		rs = rs[1:]
	}
	return "…" + string(rs)
}

func drawText(dst *ebiten.Image, s string, face text.Face, x, y float32, c color.Color) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(float64(x), float64(y))
	op.ColorScale.ScaleWithColor(c)
	text.Draw(dst, s, face, op)
}

func levelColor(l float32) color.RGBA {
	switch {
	case l > 0.85:
		return rejectRed
	case l > 0.6:
		return warnOrange
	}
	return effectGood
}

func levelColorConf(c float64) color.RGBA {
	switch {
	case c >= 0.8:
		return effectGood
	case c >= 0.5:
		return warnOrange
	}
	return rejectRed
}

// intentColor gives each intent a stable pastel colour.
func intentColor(intent string) color.RGBA {
	palette := []color.RGBA{
		{255, 190, 90, 255}, {120, 200, 255, 255}, {170, 230, 130, 255}, {240, 140, 200, 255},
		{200, 170, 255, 255}, {255, 230, 120, 255}, {130, 230, 210, 255}, {255, 150, 130, 255},
	}
	var h uint32 = 2166136261
	for i := 0; i < len(intent); i++ {
		h = (h ^ uint32(intent[i])) * 16777619
	}
	return palette[h%uint32(len(palette))]
}
