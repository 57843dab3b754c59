package arena

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/voicecmd/voicecmd/examples/monstertrainer/battle"
	"github.com/voicecmd/voicecmd/game"
)

// view draws a battle.World. It keeps only drawing resources.
type view struct {
	bg                          *ebiten.Image
	title, name, small, big, hp text.Face
	t                           float64
}

func newView() *view {
	return &view{
		title: game.Face(20, true),
		name:  game.Face(14, true),
		small: game.Face(12, false),
		hp:    game.Face(10, true),
		big:   game.Face(56, true),
	}
}

func (v *view) update(w *battle.World) { v.t = float64(w.Frame) / 60 }

var (
	white  = color.RGBA{255, 255, 255, 255}
	ink    = color.RGBA{25, 25, 35, 255}
	shadow = color.RGBA{0, 0, 0, 70}
)

// background is drawn once: sky band, grass with mown stripes, the arena ring.
func (v *view) background() *ebiten.Image {
	if v.bg != nil {
		return v.bg
	}
	img := ebiten.NewImage(battle.Width, battle.Height)
	top, bottom := color.RGBA{40, 70, 110, 255}, color.RGBA{120, 170, 210, 255}
	for y := 0; y < int(battle.FieldTop)+10; y++ {
		rect(img, 0, float64(y), battle.Width, 1, mix(top, bottom, float64(y)/(battle.FieldTop+10)))
	}
	g0, g1 := color.RGBA{70, 140, 70, 255}, color.RGBA{95, 170, 80, 255}
	for y := int(battle.FieldTop); y < battle.Height; y++ {
		c := mix(g0, g1, float64(y-int(battle.FieldTop))/(battle.Height-battle.FieldTop))
		if (y/28)%2 == 0 {
			c = darker(c, 0.94)
		}
		rect(img, 0, float64(y), battle.Width, 1, c)
	}
	// Arena ring and centre line.
	fillEllipse(img, battle.Width/2, 250, 420, 170, color.RGBA{110, 175, 90, 255})
	strokeEllipse(img, battle.Width/2, 250, 420, 170, 3, color.RGBA{235, 240, 220, 150})
	line(img, 80, 245, battle.Width-80, 245, 2, color.RGBA{235, 240, 220, 110})
	strokeCircleA(img, battle.Width/2, 245, 46, 2, color.RGBA{235, 240, 220, 110})
	// Tufts of grass, fixed pattern.
	r := rand.New(rand.NewPCG(7, 7))
	for range 90 {
		x, y := r.Float64()*battle.Width, battle.FieldTop+20+r.Float64()*(440-battle.FieldTop)
		c := color.RGBA{60, 125, 55, 255}
		line(img, x, y, x-3, y-7, 1.5, c)
		line(img, x, y, x+1, y-9, 1.5, c)
		line(img, x, y, x+4, y-6, 1.5, c)
	}
	v.bg = img
	return img
}

func strokeEllipse(dst *ebiten.Image, cx, cy, rx, ry, w float64, c color.Color) {
	strokePath(dst, ellipsePath(cx, cy, rx, ry), float32(w), c)
}

func strokeCircleA(dst *ebiten.Image, cx, cy, r, w float64, c color.Color) {
	strokePath(dst, ellipsePath(cx, cy, r, r), float32(w), c)
}

func (v *view) draw(screen *ebiten.Image, w *battle.World) {
	screen.DrawImage(v.background(), nil)
	if w.Raining() {
		rect(screen, 0, 0, battle.Width, battle.Height, color.RGBA{10, 20, 50, 60})
	}
	// Platforms under the enemies and the field slots.
	for _, e := range w.Enemies {
		fillEllipse(screen, e.HomeX, e.HomeY+30, 62, 16, color.RGBA{85, 140, 70, 255})
		strokeEllipse(screen, e.HomeX, e.HomeY+30, 62, 16, 2, color.RGBA{60, 100, 50, 255})
	}
	// Monsters, back to front.
	ms := append(append([]*battle.Monster(nil), w.Enemies...), w.Party...)
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Y < ms[j-1].Y; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	for _, m := range ms {
		if !m.Enemy && !m.OnField {
			continue
		}
		v.monster(screen, m, 1)
	}
	v.beams(screen, w)
	v.particles(screen, w)
	for _, m := range ms {
		if m.Enemy || m.OnField {
			v.card(screen, m)
		}
	}
	v.bench(screen, w)
	v.topBar(screen, w)
	for _, f := range w.Floaters {
		a := math.Min(1, float64(f.Life)/20)
		drawCentered(screen, f.Text, v.name, f.X+1, f.Y+1, withAlpha(ink, a*0.7))
		drawCentered(screen, f.Text, v.name, f.X, f.Y, withAlpha(f.Color, a))
	}
	if w.Outcome != battle.Ongoing {
		v.banner(screen, w)
	}
}

// monster draws one creature, procedurally, by species.
func (v *view) monster(dst *ebiten.Image, m *battle.Monster, scale float64) {
	x, y := m.X, m.Y
	bob := math.Sin(m.Bob*2) * 3 * scale
	if m.Lunge > 0 {
		k := math.Sin(math.Pi * float64(m.Lunge) / 14)
		if m.Lunge > 14 {
			k = math.Sin(math.Pi * float64(m.Lunge) / 24)
			x += m.LungeDX * k * 120
			y += m.LungeDY * k * 120
		} else {
			x += m.LungeDX * k * 22
			y += m.LungeDY * k * 22
		}
	}
	if m.Shake > 0 {
		x += math.Sin(float64(m.Shake)*2.3) * 5
	}
	r := 24 * scale
	fillEllipse(dst, x, y+r+4, r*1.1, r*0.32, shadow)
	if m.Fainted() {
		bob = 0
	}
	by := y + bob
	base := battle.ElementColor(m.Element)
	if m.Fainted() {
		base = color.RGBA{130, 130, 140, 255}
	}
	if m.Flash > 0 && m.Flash%4 < 2 {
		base = mix(base, white, 0.7)
	}
	alpha := 1.0
	if m.Evade > 0 {
		alpha = 0.55 + 0.25*math.Sin(float64(m.Evade)*0.5)
	}
	if m.Enter > 0 {
		alpha = 1 - float64(m.Enter)/30
		strokeCircleA(dst, x, by, r*(1+float64(m.Enter)/10), 3, withAlpha(white, float64(m.Enter)/30))
	}
	c := withAlpha(base, alpha)
	dark := withAlpha(darker(base, 0.7), alpha)
	face := -1.0 // looks up the screen
	if m.Enemy {
		face = 1
	}
	switch m.Species {
	case "volt mouse":
		polygon(dst, [][2]float64{{x - r*0.9, by - r*0.4}, {x - r*1.3, by - r*1.6}, {x - r*0.3, by - r*0.8}}, c)
		polygon(dst, [][2]float64{{x + r*0.9, by - r*0.4}, {x + r*1.3, by - r*1.6}, {x + r*0.3, by - r*0.8}}, c)
		polygon(dst, [][2]float64{{x - r*1.18, by - r*1.3}, {x - r*1.3, by - r*1.6}, {x - r*1.0, by - r*1.35}}, withAlpha(ink, alpha))
		polygon(dst, [][2]float64{{x + r*1.18, by - r*1.3}, {x + r*1.3, by - r*1.6}, {x + r*1.0, by - r*1.35}}, withAlpha(ink, alpha))
		tail := [][2]float64{{x + r*0.8, by + r*0.3}, {x + r*1.5, by - r*0.2}, {x + r*1.2, by - r*0.5}, {x + r*1.9, by - r*1.1}}
		for i := 1; i < len(tail); i++ {
			line(dst, tail[i-1][0], tail[i-1][1], tail[i][0], tail[i][1], 5*scale, dark)
		}
		fillCircle(dst, x, by, r, c)
		fillCircle(dst, x-r*0.62, by+r*0.25, r*0.2, withAlpha(color.RGBA{240, 90, 80, 255}, alpha))
		fillCircle(dst, x+r*0.62, by+r*0.25, r*0.2, withAlpha(color.RGBA{240, 90, 80, 255}, alpha))
	case "bubble turtle":
		fillEllipse(dst, x, by+r*0.15, r*1.2, r*0.9, withAlpha(color.RGBA{150, 110, 70, 255}, alpha))
		strokeEllipse(dst, x, by+r*0.15, r*1.2, r*0.9, 3*scale, withAlpha(color.RGBA{110, 80, 50, 255}, alpha))
		fillCircle(dst, x, by-r*0.2, r*0.85, c)
		fillCircle(dst, x-r*0.9, by-r*0.9, r*0.18, withAlpha(color.RGBA{200, 235, 255, 200}, alpha))
		fillCircle(dst, x-r*1.2, by-r*1.3, r*0.12, withAlpha(color.RGBA{200, 235, 255, 200}, alpha))
	case "ember fox":
		for i := range 3 {
			fl := math.Sin(v.t*9+float64(i)) * 3
			cs := []color.RGBA{{255, 80, 30, 255}, {255, 150, 40, 255}, {255, 230, 90, 255}}
			fillCircle(dst, x+r*1.1+fl, by-r*0.6-float64(i)*r*0.3, r*(0.5-0.12*float64(i)), withAlpha(cs[i], alpha))
		}
		polygon(dst, [][2]float64{{x - r*0.8, by - r*0.5}, {x - r*0.7, by - r*1.5}, {x - r*0.2, by - r*0.9}}, dark)
		polygon(dst, [][2]float64{{x + r*0.8, by - r*0.5}, {x + r*0.7, by - r*1.5}, {x + r*0.2, by - r*0.9}}, dark)
		fillCircle(dst, x, by, r, c)
		fillEllipse(dst, x, by+r*0.45, r*0.55, r*0.35, withAlpha(color.RGBA{255, 235, 200, 255}, alpha))
	case "sprout frog":
		fillEllipse(dst, x, by, r*1.15, r*0.9, c)
		fillCircle(dst, x-r*0.5, by-r*0.75, r*0.38, c)
		fillCircle(dst, x+r*0.5, by-r*0.75, r*0.38, c)
		leaf(dst, x+r*0.15, by-r*1.35, r*0.9, -0.9, withAlpha(color.RGBA{60, 160, 60, 255}, alpha))
		leaf(dst, x-r*0.2, by-r*1.3, r*0.7, -2.4, withAlpha(color.RGBA{120, 220, 100, 255}, alpha))
		fillEllipse(dst, x, by+r*0.35, r*0.7, r*0.35, withAlpha(color.RGBA{220, 240, 180, 255}, alpha))
	case "coil snake":
		for i := 2; i >= 0; i-- {
			fillEllipse(dst, x, by+r*0.6-float64(i)*r*0.05+float64(2-i)*-r*0.35, r*(1.2-0.25*float64(2-i)), r*0.38, withAlpha(mix(base, ink, 0.15*float64(i)), alpha))
		}
		fillCircle(dst, x+r*0.1, by-r*0.55, r*0.6, c)
		line(dst, x+r*0.1, by-r*0.05, x+r*0.1, by+r*0.35, 2, withAlpha(color.RGBA{230, 60, 80, 255}, alpha))
		line(dst, x+r*0.1, by+r*0.35, x, by+r*0.5, 2, withAlpha(color.RGBA{230, 60, 80, 255}, alpha))
		line(dst, x+r*0.1, by+r*0.35, x+r*0.2, by+r*0.5, 2, withAlpha(color.RGBA{230, 60, 80, 255}, alpha))
		by -= r * 0.55
	case "boulder jaw":
		pts := [][2]float64{{x - r*1.2, by + r*0.6}, {x - r*1.3, by - r*0.3}, {x - r*0.6, by - r*1.1}, {x + r*0.5, by - r*1.2}, {x + r*1.3, by - r*0.4}, {x + r*1.2, by + r*0.7}}
		polygon(dst, pts, c)
		polygon(dst, [][2]float64{{x - r*1.1, by + r*0.2}, {x + r*1.1, by + r*0.25}, {x + r*1.2, by + r*0.7}, {x - r*1.2, by + r*0.6}}, dark)
		for i := range 5 {
			tx := x - r*0.8 + float64(i)*r*0.4
			polygon(dst, [][2]float64{{tx, by + r*0.22}, {tx + r*0.3, by + r*0.22}, {tx + r*0.15, by + r*0.45}}, withAlpha(white, alpha))
		}
		fillCircle(dst, x-r*0.5, by-r*0.6, r*0.15, dark)
		fillCircle(dst, x+r*0.7, by-r*0.2, r*0.1, dark)
		by -= r * 0.3
	case "gloom shroom":
		roundRect(dst, x-r*0.45, by-r*0.2, r*0.9, r*1.2, r*0.3, withAlpha(color.RGBA{235, 225, 200, 255}, alpha))
		var cap [][2]float64
		for i := 0; i <= 18; i++ {
			a := math.Pi + math.Pi*float64(i)/18
			cap = append(cap, [2]float64{x + r*1.35*math.Cos(a), by - r*0.1 + r*1.1*math.Sin(a)})
		}
		polygon(dst, cap, c)
		for _, s := range [][3]float64{{-0.7, -0.5, 0.2}, {0.1, -0.9, 0.25}, {0.75, -0.45, 0.18}, {-0.2, -0.35, 0.13}} {
			fillCircle(dst, x+r*s[0], by+r*s[1], r*s[2], withAlpha(color.RGBA{245, 235, 250, 255}, alpha))
		}
		by += r * 0.35
	default:
		fillCircle(dst, x, by, r, c)
	}
	// Eyes look toward the other side.
	ex := r * 0.35
	ey := by - r*0.15
	if m.Fainted() {
		for _, sx := range []float64{-1, 1} {
			cx := x + sx*ex
			line(dst, cx-4, ey-4, cx+4, ey+4, 2.5, ink)
			line(dst, cx-4, ey+4, cx+4, ey-4, 2.5, ink)
		}
	} else {
		for _, sx := range []float64{-1, 1} {
			fillCircle(dst, x+sx*ex, ey, r*0.24, withAlpha(white, alpha))
			fillCircle(dst, x+sx*ex, ey+face*r*0.08, r*0.12, withAlpha(ink, alpha))
		}
		if m.Asleep > 0 {
			for _, sx := range []float64{-1, 1} {
				fillCircle(dst, x+sx*ex, ey, r*0.26, withAlpha(base, alpha))
				line(dst, x+sx*ex-r*0.2, ey, x+sx*ex+r*0.2, ey, 2, ink)
			}
		}
	}
	// Status marks.
	if m.Guard > 0 && !m.Fainted() {
		hex := make([][2]float64, 6)
		for i := range hex {
			a := math.Pi/6 + math.Pi*float64(i)/3
			hex[i] = [2]float64{x + r*1.7*math.Cos(a), y + r*1.7*math.Sin(a)}
		}
		polygon(dst, hex, color.RGBA{60, 140, 200, 50})
		for i := range hex {
			j := (i + 1) % 6
			line(dst, hex[i][0], hex[i][1], hex[j][0], hex[j][1], 2, color.RGBA{140, 220, 255, 200})
		}
	}
	if m.Paralyzed > 0 {
		for i := range 3 {
			a := v.t*5 + float64(i)*2.1
			line(dst, x+math.Cos(a)*r, y+math.Sin(a)*r, x+math.Cos(a)*r*1.3, y+math.Sin(a)*r*1.3-4, 2, battle.ElementColor(battle.Electric))
		}
	}
	if m.Poisoned > 0 {
		for i := range 3 {
			fillCircle(dst, x-r+float64(i)*r, y-r-math.Mod(v.t*20+float64(i)*7, 20), 3, color.RGBA{190, 100, 220, 200})
		}
	}
	if m.Asleep > 0 {
		drawText(dst, "z", v.name, x+r, y-r*1.4-math.Mod(v.t*10, 10), color.RGBA{220, 230, 255, 255})
	}
	if m.Halo > 0 {
		for i := range 5 {
			a := v.t*4 + float64(i)*2*math.Pi/5
			star(dst, x+math.Cos(a)*r*1.6, y+math.Sin(a)*r*0.7-r, 5, a, withAlpha(color.RGBA{255, 240, 150, 255}, float64(m.Halo)/40))
		}
	}
}

// card draws the name, species and HP bar above a monster.
func (v *view) card(dst *ebiten.Image, m *battle.Monster) {
	hp := fmt.Sprintf("%d/%d", max(m.HP, 0), m.MaxHP)
	hw := text.Advance(hp, v.hp)
	w := math.Max(110, text.Advance(m.Name, v.name)+hw+24)
	x := m.X - w/2
	y := m.Y - 78
	if m.Enemy {
		y = m.Y - 84
	}
	roundRect(dst, x, y, w, 32, 6, color.RGBA{20, 24, 36, 190})
	drawText(dst, m.Name, v.name, x+7, y+2, white)
	frac := math.Max(0, m.DisplayHP/float64(m.MaxHP))
	bc := color.RGBA{90, 220, 110, 255}
	switch {
	case frac < 0.25:
		bc = color.RGBA{240, 80, 70, 255}
	case frac < 0.5:
		bc = color.RGBA{245, 200, 60, 255}
	}
	rect(dst, x+7, y+21, w-14, 6, color.RGBA{60, 60, 75, 255})
	rect(dst, x+7, y+21, (w-14)*frac, 6, bc)
	drawText(dst, hp, v.hp, x+w-7-hw, y+5, color.RGBA{200, 205, 220, 255})
}

// bench shows the party members off the field, bottom left.
func (v *view) bench(dst *ebiten.Image, w *battle.World) {
	var benched []*battle.Monster
	for _, m := range w.Party {
		if !m.OnField {
			benched = append(benched, m)
		}
	}
	if len(benched) == 0 {
		return
	}
	bw := 10 + 118*float64(len(benched))
	roundRect(dst, 8, 388, bw, 54, 8, color.RGBA{20, 24, 36, 170})
	drawText(dst, "BENCH", v.hp, 16, 391, color.RGBA{170, 180, 200, 255})
	for i, m := range benched {
		bx := 16 + 118*float64(i)
		mini := *m
		mini.X, mini.Y = bx+18, 422
		mini.Lunge, mini.Shake, mini.Enter, mini.Guard, mini.Halo, mini.Evade = 0, 0, 0, 0, 0, 0
		v.monster(dst, &mini, 0.55)
		drawText(dst, m.Name, v.small, bx+36, 405, white)
		frac := math.Max(0, m.DisplayHP/float64(m.MaxHP))
		rect(dst, bx+36, 424, 70, 4, color.RGBA{60, 60, 75, 255})
		rect(dst, bx+36, 424, 70*frac, 4, color.RGBA{90, 220, 110, 255})
	}
}

// topBar shows the title, the bag and the latest battle messages.
func (v *view) topBar(dst *ebiten.Image, w *battle.World) {
	rect(dst, 0, 0, battle.Width, 34, color.RGBA{14, 18, 30, 200})
	drawText(dst, "MONSTER TRAINER", v.title, 14, 5, color.RGBA{255, 215, 90, 255})
	if n := len(w.Messages); n > 0 {
		msg := w.Messages[n-1]
		drawText(dst, msg, v.small, 240, 10, white)
	}
	// The enemies' clock: a bar that empties until the next enemy acts.
	if f := w.EnemyTurnIn(); f > 0 {
		drawText(dst, "ENEMY TURN", v.hp, battle.Width-170, 12, color.RGBA{240, 130, 120, 255})
		rect(dst, battle.Width-100, 15, 86, 6, color.RGBA{60, 60, 75, 255})
		rect(dst, battle.Width-100, 15, 86*f, 6, color.RGBA{240, 110, 100, 255})
	}
	// The bag, bottom right, like the bench bottom left.
	items := []string{"potion", "super potion", "revive", "antidote"}
	roundRect(dst, battle.Width-158, 366, 150, 76, 8, color.RGBA{20, 24, 36, 170})
	drawText(dst, "BAG", v.hp, battle.Width-150, 369, color.RGBA{170, 180, 200, 255})
	for i, it := range items {
		y := 382 + 14*float64(i)
		drawText(dst, it, v.small, battle.Width-150, y, white)
		n := fmt.Sprintf("×%d", w.Bag[it])
		drawText(dst, n, v.small, battle.Width-16-text.Advance(n, v.small), y, color.RGBA{255, 215, 90, 255})
	}
}

func (v *view) banner(dst *ebiten.Image, w *battle.World) {
	msg, c := "VICTORY!", color.RGBA{255, 220, 80, 255}
	if w.Outcome == battle.Lost {
		msg, c = "DEFEAT", color.RGBA{240, 90, 90, 255}
	}
	rect(dst, 0, 160, battle.Width, 110, color.RGBA{10, 12, 20, 170})
	drawCentered(dst, msg, v.big, battle.Width/2+3, 183, ink)
	drawCentered(dst, msg, v.big, battle.Width/2, 180, c)
	drawCentered(dst, "press R to play again", v.small, battle.Width/2, 246, white)
}

func (v *view) beams(dst *ebiten.Image, w *battle.World) {
	for _, b := range w.Beams {
		a := float64(b.Life) / float64(max(b.Max, 1))
		switch b.Element {
		case battle.Electric:
			r := rand.New(rand.NewPCG(b.Seed, uint64(b.Life/3)))
			pts := [][2]float64{{b.X0, b.Y0}}
			const n = 9
			for i := 1; i < n; i++ {
				t := float64(i) / n
				pts = append(pts, [2]float64{b.X0 + (b.X1-b.X0)*t + (r.Float64()-0.5)*34, b.Y0 + (b.Y1-b.Y0)*t + (r.Float64()-0.5)*34})
			}
			pts = append(pts, [2]float64{b.X1, b.Y1})
			for i := 1; i < len(pts); i++ {
				line(dst, pts[i-1][0], pts[i-1][1], pts[i][0], pts[i][1], 9, withAlpha(color.RGBA{255, 240, 120, 255}, a*0.5))
				line(dst, pts[i-1][0], pts[i-1][1], pts[i][0], pts[i][1], 3.5, withAlpha(white, a))
			}
		case battle.Grass:
			// A lashing vine with a curl.
			mx, my := (b.X0+b.X1)/2+30*math.Sin(float64(b.Life)), (b.Y0+b.Y1)/2-40
			prev := [2]float64{b.X0, b.Y0}
			for i := 1; i <= 12; i++ {
				t := float64(i) / 12
				x := (1-t)*(1-t)*b.X0 + 2*(1-t)*t*mx + t*t*b.X1
				y := (1-t)*(1-t)*b.Y0 + 2*(1-t)*t*my + t*t*b.Y1
				line(dst, prev[0], prev[1], x, y, 5, withAlpha(color.RGBA{60, 150, 50, 255}, a))
				prev = [2]float64{x, y}
			}
		case battle.Fire:
			// Recall beam (retreat): red, fading.
			line(dst, b.X0, b.Y0, b.X1, b.Y1, 10, withAlpha(color.RGBA{255, 70, 60, 255}, a*0.5))
			line(dst, b.X0, b.Y0, b.X1, b.Y1, 3, withAlpha(white, a))
		}
	}
}

func (v *view) particles(dst *ebiten.Image, w *battle.World) {
	for i := range w.Particles {
		p := &w.Particles[i]
		a := p.Alpha()
		c := withAlpha(p.Color, a)
		switch p.Shape {
		case battle.Spark:
			line(dst, p.X-p.Size/2, p.Y, p.X+p.Size/2, p.Y, 2, c)
			line(dst, p.X, p.Y-p.Size/2, p.X, p.Y+p.Size/2, 2, c)
		case battle.Drop:
			fillEllipse(dst, p.X, p.Y, p.Size*0.7, p.Size, c)
		case battle.Flame:
			t := 1 - a
			fc := mix(color.RGBA{255, 230, 90, 255}, color.RGBA{230, 60, 30, 255}, t)
			fillCircle(dst, p.X, p.Y, p.Size, withAlpha(fc, a))
		case battle.Leaf:
			leaf(dst, p.X, p.Y, p.Size*2, p.Spin, c)
		case battle.Star:
			star(dst, p.X, p.Y, p.Size, p.Spin, c)
		case battle.Ring:
			strokeCircleA(dst, p.X, p.Y, p.Size, 2, c)
		default:
			fillCircle(dst, p.X, p.Y, p.Size, c)
		}
	}
}

func drawText(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	text.Draw(dst, s, face, op)
}

func drawCentered(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color) {
	drawText(dst, s, face, x-text.Advance(s, face)/2, y, c)
}
