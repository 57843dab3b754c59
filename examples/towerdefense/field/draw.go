package field

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"github.com/voicecmd/voicecmd/examples/towerdefense/defense"
	"github.com/voicecmd/voicecmd/game"
)

// view draws a defense.World. It keeps only drawing resources.
type view struct {
	bg                             *ebiten.Image
	title, label, small, tiny, big text.Face
	t                              float64
}

func newView() *view {
	return &view{
		title: game.Face(20, true),
		label: game.Face(12, true),
		small: game.Face(12, false),
		tiny:  game.Face(10, true),
		big:   game.Face(56, true),
	}
}

func (v *view) update(w *defense.World) { v.t = float64(w.Frame) / 60 }

var (
	white  = color.RGBA{255, 255, 255, 255}
	ink    = color.RGBA{25, 25, 35, 255}
	shadow = color.RGBA{0, 0, 0, 70}
	plate  = color.RGBA{20, 24, 36, 190}
	gold   = color.RGBA{255, 215, 90, 255}
)

func (v *view) draw(screen *ebiten.Image, w *defense.World) {
	screen.DrawImage(v.background(w), nil)
	v.mill(screen)
	v.flag(screen, w.Place("keep").Point)
	for _, p := range w.Places {
		if p.Buildable && p.Structure == nil {
			strokeCircleA(screen, p.X, p.Y, 13, 2, tr(255, 250, 220, 0.43))
			fillCircle(screen, p.X, p.Y, 3, tr(255, 250, 220, 0.43))
		}
	}
	// Structures, enemies and soldiers, back to front.
	type thing struct {
		y    float64
		draw func()
	}
	var things []thing
	for _, s := range w.Structures {
		things = append(things, thing{s.Place.Y, func() { v.structure(screen, s) }})
	}
	for _, e := range w.Enemies {
		things = append(things, thing{e.Pos.Y, func() { v.enemy(screen, e) }})
	}
	for _, q := range w.Squads {
		if !q.Routed() {
			things = append(things, thing{q.Pos.Y, func() { v.squad(screen, q) }})
		}
	}
	sort.SliceStable(things, func(i, j int) bool { return things[i].y < things[j].y })
	for _, t := range things {
		t.draw()
	}
	v.shots(screen, w)
	for i := range w.Particles {
		p := &w.Particles[i]
		fillCircle(screen, p.X, p.Y, p.Size*(0.5+0.5*p.Alpha()), withAlpha(p.Color, p.Alpha()))
	}
	// Labels on top of everything on the map.
	for _, p := range w.Places {
		v.placeLabel(screen, p)
	}
	for _, e := range w.Enemies {
		v.enemyBar(screen, e)
	}
	for _, q := range w.Squads {
		v.squadLabel(screen, q)
	}
	for _, f := range w.Floaters {
		a := math.Min(1, float64(f.Life)/20)
		drawCentered(screen, f.Text, v.label, f.X+1, f.Y+1, withAlpha(ink, a*0.7))
		drawCentered(screen, f.Text, v.label, f.X, f.Y, withAlpha(f.Color, a))
	}
	v.topBar(screen, w)
	v.buildCard(screen, w)
	if w.Outcome != defense.Ongoing {
		v.banner(screen, w)
	}
}

func (v *view) mill(dst *ebiten.Image) {
	cx, cy := millX, millY-12
	for i := range 4 {
		a := v.t*1.2 + float64(i)*math.Pi/2
		ex, ey := cx+math.Cos(a)*26, cy+math.Sin(a)*26
		line(dst, cx, cy, ex, ey, 2, color.RGBA{90, 60, 35, 255})
		nx, ny := -math.Sin(a)*6, math.Cos(a)*6
		polygon(dst, [][2]float64{{cx + math.Cos(a)*8, cy + math.Sin(a)*8}, {ex, ey}, {ex + nx, ey + ny}, {cx + math.Cos(a)*8 + nx, cy + math.Sin(a)*8 + ny}},
			tr(240, 232, 210, 0.90))
	}
	fillCircle(dst, cx, cy, 3, color.RGBA{70, 45, 25, 255})
}

func (v *view) flag(dst *ebiten.Image, p defense.Point) {
	x, y := p.X, p.Y-12-47
	line(dst, x, y, x, y-30, 2, color.RGBA{70, 60, 50, 255})
	var pts [][2]float64
	for i := 0; i <= 6; i++ {
		t := float64(i) / 6
		pts = append(pts, [2]float64{x + t*26, y - 30 + math.Sin(v.t*5-t*3)*2.5*t})
	}
	for i := 6; i >= 0; i-- {
		t := float64(i) / 6
		pts = append(pts, [2]float64{x + t*26, y - 18 + math.Sin(v.t*5-t*3)*2.5*t})
	}
	polygon(dst, pts, color.RGBA{60, 110, 210, 255})
	star(dst, x+11, y-24, 4, 0, gold)
}

// structure draws a building at its place, by kind, with its level as pips.
func (v *view) structure(dst *ebiten.Image, s *defense.Structure) {
	x, y := s.Place.X, s.Place.Y
	flash := func(c color.RGBA) color.RGBA {
		if s.Flash > 0 && s.Flash%4 < 2 {
			return mix(c, white, 0.5)
		}
		return c
	}
	built := 1.0
	if s.Building > 0 {
		built = 1 - float64(s.Building)/45
	}
	fillEllipse(dst, x+2, y+10, 20, 7, shadow)
	switch s.Kind {
	case "cannon":
		fillCircle(dst, x, y, 15, flash(color.RGBA{120, 116, 110, 255}))
		fillCircle(dst, x, y, 11, flash(color.RGBA{150, 146, 138, 255}))
		dx, dy := math.Cos(s.Aim), math.Sin(s.Aim)
		recoil := 0.0
		if s.Flash > 0 {
			recoil = 3
		}
		line(dst, x-dx*recoil, y-4-dy*recoil, x+dx*(20-recoil), y-4+dy*(14-recoil), 8, color.RGBA{40, 40, 45, 255})
		fillCircle(dst, x, y-4, 7, color.RGBA{55, 55, 62, 255})
		fillCircle(dst, x-2, y-6, 2, color.RGBA{120, 120, 130, 255})
	case "arrow tower":
		polygon(dst, [][2]float64{{x - 11, y + 8}, {x + 11, y + 8}, {x + 8, y - 20}, {x - 8, y - 20}}, flash(color.RGBA{140, 95, 55, 255}))
		line(dst, x-9, y+4, x+7, y-16, 1.5, color.RGBA{100, 65, 35, 255})
		line(dst, x+9, y+4, x-7, y-16, 1.5, color.RGBA{100, 65, 35, 255})
		rect(dst, x-13, y-24, 26, 6, flash(color.RGBA{165, 115, 70, 255}))
		polygon(dst, [][2]float64{{x - 14, y - 24}, {x + 14, y - 24}, {x, y - 38}}, flash(color.RGBA{60, 110, 180, 255}))
	case "mage tower":
		roundRect(dst, x-9, y-26, 18, 34, 4, flash(color.RGBA{110, 90, 150, 255}))
		rect(dst, x-9, y-26, 6, 34, color.RGBA{90, 70, 130, 255})
		polygon(dst, [][2]float64{{x - 12, y - 24}, {x + 12, y - 24}, {x, y - 46}}, flash(color.RGBA{70, 50, 120, 255}))
		glow := 0.6 + 0.4*math.Sin(v.t*4)
		fillCircle(dst, x, y-48, 7, withAlpha(color.RGBA{200, 150, 255, 255}, 0.35*glow))
		fillCircle(dst, x, y-48, 4, color.RGBA{230, 200, 255, 255})
	case "wall":
		// Across the road at the place.
		for i := range 5 {
			bx := x - 22 + float64(i)*9
			roundRect(dst, bx, y-14, 8, 26, 2, flash(color.RGBA{150, 145, 138, 255}))
			rect(dst, bx, y-14, 8, 4, color.RGBA{185, 182, 175, 255})
		}
		if s.MaxHP > 0 && s.HP < s.MaxHP {
			rect(dst, x-20, y-22, 40, 4, color.RGBA{60, 60, 75, 255})
			rect(dst, x-20, y-22, 40*float64(max(s.HP, 0))/float64(s.MaxHP), 4, color.RGBA{220, 200, 120, 255})
		}
	case "spike trap":
		rect(dst, x-13, y-9, 26, 18, color.RGBA{90, 70, 50, 255})
		c := color.RGBA{200, 200, 210, 255}
		if s.Flash > 0 {
			c = color.RGBA{255, 120, 100, 255}
		}
		for i := range 4 {
			for j := range 3 {
				px, py := x-10+float64(i)*6.5, y-5+float64(j)*6
				polygon(dst, [][2]float64{{px - 2, py + 2}, {px + 2, py + 2}, {px, py - 4}}, c)
			}
		}
	}
	if built < 1 { // scaffolding while it is being built
		rect(dst, x-16, y-30, 32, 40, tr(180, 140, 90, 0.63*(1-built)))
		for i := range 4 {
			line(dst, x-16+float64(i)*10, y+10, x-16+float64(i)*10, y-30, 1.5, color.RGBA{110, 75, 40, 220})
		}
		rect(dst, x-16, y+14, 32, 4, color.RGBA{40, 40, 50, 200})
		rect(dst, x-16, y+14, 32*built, 4, gold)
	}
	for i := range s.Level {
		star(dst, x-float64(s.Level-1)*5+float64(i)*10, y+16, 4.5, 0, gold)
	}
}

// squad draws the soldiers of q in its formation, facing where they go.
func (v *view) squad(dst *ebiten.Image, q *defense.Squad) {
	fx, fy := math.Cos(q.Facing), math.Sin(q.Facing)
	px, py := -fy, fx // sideways
	n := q.Soldiers
	offs := make([][2]float64, n)
	for i := range n {
		var a, b float64 // along the facing, sideways
		switch q.Formation {
		case "wedge":
			row := int(math.Floor((math.Sqrt(float64(8*i+1)) - 1) / 2))
			k := float64(i - row*(row+1)/2)
			a, b = -float64(row)*8, (k-float64(row)/2)*9
		case "circle":
			if n == 1 {
				break
			}
			ang := 2 * math.Pi * float64(i) / float64(n)
			r := 6 + float64(n)*1.3
			a, b = math.Cos(ang)*r, math.Sin(ang)*r
		case "spread":
			a, b = float64(i/3)*-13+float64(i%2)*4, (float64(i%3)-1)*14
		default: // line
			a, b = float64(i/5)*-9, (float64(i%5)-float64(min(n, 5)-1)/2)*8
		}
		offs[i] = [2]float64{fx*a + px*b, fy*a + py*b}
	}
	base := q.Color
	if q.Flash > 0 && q.Flash%4 < 2 {
		base = mix(base, white, 0.6)
	}
	dark := darker(base, 0.65)
	for i, o := range offs {
		x, y := q.Pos.X+o[0], q.Pos.Y+o[1]
		if q.Order == defense.Moving || q.Order == defense.Retreating || q.Order == defense.Attacking {
			y -= math.Abs(math.Sin(q.Walk+float64(i)*0.9)) * 2
		}
		fillEllipse(dst, x, y+5, 5, 2, shadow)
		switch q.Unit {
		case "archer":
			strokeBow(dst, x+fx*5, y+fy*5-1, q.Facing, color.RGBA{120, 80, 40, 255})
		case "spearman":
			line(dst, x-fx*4, y-fy*4-2, x+fx*11, y+fy*11-2, 1.5, color.RGBA{110, 80, 50, 255})
			fillCircle(dst, x+fx*11, y+fy*11-2, 1.5, color.RGBA{210, 210, 220, 255})
		case "knight":
			line(dst, x+px*4, y+py*4-2, x+px*4+fx*9, y+py*4+fy*9-2, 1.8, color.RGBA{220, 225, 235, 255})
		}
		fillCircle(dst, x, y, 5, dark)
		fillCircle(dst, x, y-0.5, 4, base)
		head := color.RGBA{240, 205, 170, 255}
		if q.Unit == "knight" {
			head = color.RGBA{200, 205, 215, 255} // helmet
		}
		fillCircle(dst, x+fx*1.5, y-3+fy*1.5, 2.6, head)
		if q.Unit == "knight" {
			fillCircle(dst, x-px*4, y-py*4, 3, color.RGBA{210, 210, 220, 255}) // shield
			fillCircle(dst, x-px*4, y-py*4, 1.6, base)
		}
	}
	// The squad's banner behind it.
	bx, by := q.Pos.X-fx*16, q.Pos.Y-fy*16
	line(dst, bx, by+4, bx, by-20, 1.5, color.RGBA{70, 55, 40, 255})
	wave := math.Sin(v.t*6+float64(q.Soldiers)) * 1.5
	polygon(dst, [][2]float64{{bx, by - 20}, {bx + 12, by - 17 + wave}, {bx, by - 13}}, q.Color)
	if q.Halo > 0 {
		for i := range 5 {
			a := v.t*4 + float64(i)*2*math.Pi/5
			star(dst, q.Pos.X+math.Cos(a)*20, q.Pos.Y+math.Sin(a)*10-6, 3.5, a, withAlpha(gold, float64(q.Halo)/40))
		}
	}
}

func strokeBow(dst *ebiten.Image, x, y, facing float64, c color.Color) {
	var pts []defense.Point
	for i := 0; i <= 6; i++ {
		a := facing - 1.2 + 2.4*float64(i)/6
		pts = append(pts, defense.Point{X: x + math.Cos(a)*4 - math.Cos(facing)*3, Y: y + math.Sin(a)*4 - math.Sin(facing)*3})
	}
	strokePath(dst, polyPath(pts), 1.3, c)
}

// squadLabel names the squad above it, with its soldiers and what it is doing.
func (v *view) squadLabel(dst *ebiten.Image, q *defense.Squad) {
	name := strings.ToUpper(q.Name[:1]) + q.Name[1:]
	count := fmt.Sprintf("×%d", q.Soldiers)
	order := map[defense.Order]string{defense.Moving: "march", defense.Attacking: "attack", defense.Holding: "hold", defense.Retreating: "retreat"}[q.Order]
	if q.Routed() {
		order = "routed"
	}
	nw, cw, ow := text.Advance(name, v.label), text.Advance(count, v.tiny), 0.0
	if order != "" {
		ow = text.Advance(order, v.tiny) + 6
	}
	w := 16 + nw + 4 + cw + ow + 6
	x, y := q.Pos.X-w/2, q.Pos.Y-34
	alpha := 1.0
	if q.Routed() {
		alpha = 0.6
	}
	roundRect(dst, x, y, w, 16, 5, withAlpha(plate, alpha))
	fillCircle(dst, x+8, y+8, 4, withAlpha(q.Color, alpha))
	drawText(dst, name, v.label, x+15, y+1, withAlpha(white, alpha))
	drawText(dst, count, v.tiny, x+15+nw+4, y+3, withAlpha(color.RGBA{200, 205, 220, 255}, alpha))
	if order != "" {
		c := map[string]color.RGBA{"march": {170, 225, 255, 255}, "attack": {255, 140, 120, 255}, "hold": {255, 220, 120, 255},
			"retreat": {200, 200, 200, 255}, "routed": {255, 110, 100, 255}}[order]
		drawText(dst, order, v.tiny, x+w-6-ow+6, y+3, withAlpha(c, alpha))
	}
}

func (v *view) placeLabel(dst *ebiten.Image, p *defense.Place) {
	x, y := p.X, p.Y+20
	if p.Name == "keep" {
		y = p.Y + 36
	}
	w := text.Advance(p.Name, v.tiny) + 10
	roundRect(dst, x-w/2, y, w, 13, 4, tr(245, 235, 200, 0.82))
	drawCentered(dst, p.Name, v.tiny, x, y, color.RGBA{70, 50, 30, 255})
}

// enemy draws one attacker, by kind.
func (v *view) enemy(dst *ebiten.Image, e *defense.Enemy) {
	x, y := e.Pos.X, e.Pos.Y-4
	r := e.Info.Radius
	bob := math.Abs(math.Sin(e.Walk*3)) * 2
	if e.Engaged {
		bob = 0
		x += math.Sin(e.Walk*9) * 1.5
	}
	y -= bob
	tint := func(c color.RGBA) color.RGBA {
		if e.Flash > 0 && e.Flash%4 < 2 {
			return mix(c, white, 0.7)
		}
		return c
	}
	fillEllipse(dst, e.Pos.X, e.Pos.Y+r*0.6, r*1.1, r*0.35, shadow)
	if e.Kind == "goblin" || e.Kind == "skeleton" {
		fillCircle(dst, x, y, r+1.5, tr(20, 20, 25, 0.8)) // an outline: small ones stand out on grass and road
	}
	if e.Slow > 0 {
		strokeCircleA(dst, x, y, r+4, 2, tr(190, 130, 255, 0.78))
	}
	eyes := func(ex, ey, s float64, c color.RGBA) {
		fillCircle(dst, ex-s, ey, 1.6, c)
		fillCircle(dst, ex+s, ey, 1.6, c)
	}
	switch e.Kind {
	case "goblin":
		polygon(dst, [][2]float64{{x - r*0.7, y - r*0.3}, {x - r*1.5, y - r*0.9}, {x - r*0.5, y - r*0.8}}, tint(color.RGBA{90, 160, 60, 255}))
		polygon(dst, [][2]float64{{x + r*0.7, y - r*0.3}, {x + r*1.5, y - r*0.9}, {x + r*0.5, y - r*0.8}}, tint(color.RGBA{90, 160, 60, 255}))
		fillCircle(dst, x, y, r, tint(color.RGBA{110, 180, 70, 255}))
		eyes(x, y-1, 3, color.RGBA{255, 230, 60, 255})
		line(dst, x+r, y+2, x+r+6, y-4, 2, color.RGBA{200, 200, 210, 255})
	case "wolf rider":
		fillEllipse(dst, x, y+3, r*1.3, r*0.6, tint(color.RGBA{110, 100, 95, 255}))
		fillCircle(dst, x+r*1.1, y, r*0.45, tint(color.RGBA{120, 110, 105, 255}))
		polygon(dst, [][2]float64{{x + r, y - r*0.3}, {x + r*1.2, y - r*0.9}, {x + r*1.35, y - r*0.3}}, tint(color.RGBA{90, 80, 75, 255}))
		fillCircle(dst, x-2, y-r*0.5, r*0.45, tint(color.RGBA{110, 180, 70, 255}))
		eyes(x+r*1.2, y-1, 1.5, color.RGBA{255, 80, 60, 255})
	case "skeleton":
		roundRect(dst, x-r*0.6, y-r*0.2, r*1.2, r*1.3, 3, tint(color.RGBA{225, 222, 205, 255}))
		for i := range 3 {
			line(dst, x-r*0.5, y+float64(i)*3, x+r*0.5, y+float64(i)*3, 1, color.RGBA{120, 115, 100, 255})
		}
		fillCircle(dst, x, y-r*0.6, r*0.7, tint(color.RGBA{240, 238, 225, 255}))
		eyes(x, y-r*0.65, 2.5, ink)
	case "troll":
		fillEllipse(dst, x, y+r*0.15, r*1.05, r*0.9, tint(color.RGBA{92, 136, 116, 255}))
		fillEllipse(dst, x, y+r*0.35, r*0.55, r*0.45, tint(color.RGBA{140, 172, 128, 255}))
		fillCircle(dst, x-r*0.95, y+r*0.25, r*0.32, tint(color.RGBA{80, 120, 102, 255}))
		line(dst, x+r*0.7, y+r*0.4, x+r*1.5, y-r*0.9, 5, color.RGBA{120, 85, 50, 255})
		fillCircle(dst, x+r*1.5, y-r*0.9, 5, color.RGBA{100, 70, 42, 255})
		fillCircle(dst, x, y-r*0.6, r*0.5, tint(color.RGBA{104, 150, 126, 255}))
		eyes(x, y-r*0.7, 3, color.RGBA{255, 210, 80, 255})
		polygon(dst, [][2]float64{{x - 4, y - r*0.35}, {x - 2, y - r*0.35}, {x - 3, y - r*0.55}}, white)
		polygon(dst, [][2]float64{{x + 2, y - r*0.35}, {x + 4, y - r*0.35}, {x + 3, y - r*0.55}}, white)
	case "orc captain":
		polygon(dst, [][2]float64{{x - r*0.8, y - r*0.4}, {x + r*0.8, y - r*0.4}, {x + r*1.2, y + r*1.0}, {x - r*1.2, y + r*1.0}}, tint(color.RGBA{160, 32, 38, 255}))
		fillCircle(dst, x, y+r*0.1, r*0.8, tint(color.RGBA{80, 82, 95, 255}))
		line(dst, x-r*0.6, y+r*0.1, x+r*0.6, y+r*0.1, 2, color.RGBA{170, 150, 70, 255})
		line(dst, x+r*0.9, y+r*0.6, x+r*1.3, y-r*1.0, 3, color.RGBA{110, 80, 50, 255})
		polygon(dst, [][2]float64{{x + r*1.3, y - r*1.0}, {x + r*1.9, y - r*0.9}, {x + r*1.3, y - r*0.3}}, color.RGBA{200, 205, 215, 255})
		fillCircle(dst, x, y-r*0.55, r*0.5, tint(color.RGBA{88, 135, 62, 255}))
		polygon(dst, [][2]float64{{x - r*0.55, y - r*0.7}, {x + r*0.55, y - r*0.7}, {x + r*0.4, y - r*1.1}, {x - r*0.4, y - r*1.1}}, color.RGBA{215, 175, 60, 255})
		polygon(dst, [][2]float64{{x - r*0.5, y - r*0.9}, {x - r*1.1, y - r*1.5}, {x - r*0.3, y - r*1.05}}, color.RGBA{240, 232, 210, 255})
		polygon(dst, [][2]float64{{x + r*0.5, y - r*0.9}, {x + r*1.1, y - r*1.5}, {x + r*0.3, y - r*1.05}}, color.RGBA{240, 232, 210, 255})
		eyes(x, y-r*0.5, 3, color.RGBA{255, 60, 40, 255})
	default:
		fillCircle(dst, x, y, r, tint(color.RGBA{150, 60, 60, 255}))
	}
}

func (v *view) enemyBar(dst *ebiten.Image, e *defense.Enemy) {
	r := e.Info.Radius
	w := 2*r + 10
	x, y := e.Pos.X-w/2, e.Pos.Y-r*2-10
	frac := math.Max(0, e.DisplayHP/float64(e.MaxHP))
	c := color.RGBA{90, 220, 110, 255}
	switch {
	case frac < 0.3:
		c = color.RGBA{240, 80, 70, 255}
	case frac < 0.6:
		c = color.RGBA{245, 200, 60, 255}
	}
	rect(dst, x-1, y-1, w+2, 5, color.RGBA{20, 20, 30, 200})
	rect(dst, x, y, w*frac, 3, c)
}

func (v *view) shots(dst *ebiten.Image, w *defense.World) {
	for i := range w.Shots {
		s := &w.Shots[i]
		p := s.Pos()
		switch s.Kind {
		case defense.Arrow:
			a := math.Atan2(s.At.Y-s.From.Y, s.At.X-s.From.X)
			dx, dy := math.Cos(a)*7, math.Sin(a)*7
			line(dst, p.X-dx, p.Y-dy, p.X+dx, p.Y+dy, 1.5, color.RGBA{90, 60, 30, 255})
			fillCircle(dst, p.X+dx, p.Y+dy, 1.5, color.RGBA{220, 220, 230, 255})
		case defense.Ball:
			t := math.Min(s.T, 1)
			gx, gy := s.From.X+(s.At.X-s.From.X)*t, s.From.Y+(s.At.Y-s.From.Y)*t
			fillEllipse(dst, gx, gy+2, 4, 1.5, shadow)
			fillCircle(dst, p.X, p.Y, 4, color.RGBA{35, 35, 40, 255})
		case defense.Bolt:
			fillCircle(dst, p.X, p.Y, 7, tr(180, 120, 255, 0.27))
			fillCircle(dst, p.X, p.Y, 3.5, color.RGBA{235, 210, 255, 255})
		}
	}
}

// topBar shows the title, gold, the keep's health, the wave and the latest event.
func (v *view) topBar(dst *ebiten.Image, w *defense.World) {
	rect(dst, 0, 0, defense.Width, 32, color.RGBA{14, 18, 30, 215})
	drawText(dst, "TOWER DEFENSE", v.title, 14, 4, gold)
	x := 212.0
	fillCircle(dst, x+8, 16, 8, color.RGBA{230, 180, 50, 255})
	fillCircle(dst, x+8, 16, 5, gold)
	drawText(dst, fmt.Sprint(w.Gold), v.label, x+21, 8, white)
	x += 70
	heart(dst, x+8, 16, color.RGBA{235, 80, 80, 255})
	drawText(dst, fmt.Sprintf("%d", w.Lives), v.label, x+21, 8, white)
	x += 50
	wave := fmt.Sprintf("WAVE %d/%d", w.Wave, defense.WaveCount())
	drawText(dst, wave, v.label, x, 8, color.RGBA{255, 170, 120, 255})
	x += text.Advance(wave, v.label) + 10
	if s := w.NextWaveIn(); s > 0 {
		drawText(dst, fmt.Sprintf("next in %.0fs", math.Ceil(s)), v.small, x, 8, color.RGBA{200, 205, 220, 255})
	}
	if n := len(w.Messages); n > 0 {
		msg := w.Messages[n-1]
		for text.Advance(msg, v.small) > defense.Width-500 && len(msg) > 4 {
			msg = msg[:len(msg)-4] + "…"
		}
		drawText(dst, msg, v.small, defense.Width-12-text.Advance(msg, v.small), 8, white)
	}
}

func heart(dst *ebiten.Image, x, y float64, c color.Color) {
	fillCircle(dst, x-3.2, y-2, 4.2, c)
	fillCircle(dst, x+3.2, y-2, 4.2, c)
	polygon(dst, [][2]float64{{x - 7.2, y - 1}, {x + 7.2, y - 1}, {x, y + 7}}, c)
}

// buildCard lists what can be built and what it costs, bottom left.
func (v *view) buildCard(dst *ebiten.Image, w *defense.World) {
	x, y := 8.0, 360.0
	roundRect(dst, x, y, 150, 84, 8, color.RGBA{20, 24, 36, 175})
	drawText(dst, "BUILD", v.tiny, x+8, y+3, color.RGBA{170, 180, 200, 255})
	for i, k := range defense.StructureNames {
		cost := defense.Structures[k].Cost
		c := white
		if cost > w.Gold {
			c = color.RGBA{150, 150, 160, 255}
		}
		ty := y + 17 + 13*float64(i)
		drawText(dst, k, v.small, x+8, ty-1, c)
		n := fmt.Sprint(cost)
		drawText(dst, n, v.small, x+142-text.Advance(n, v.small), ty-1, gold)
	}
}

func (v *view) banner(dst *ebiten.Image, w *defense.World) {
	msg, c := "VICTORY!", color.RGBA{255, 220, 80, 255}
	if w.Outcome == defense.Lost {
		msg, c = "THE KEEP FELL", color.RGBA{240, 90, 90, 255}
	}
	rect(dst, 0, 160, defense.Width, 110, color.RGBA{10, 12, 20, 170})
	drawCentered(dst, msg, v.big, defense.Width/2+3, 183, ink)
	drawCentered(dst, msg, v.big, defense.Width/2, 180, c)
	drawCentered(dst, "press R to play again", v.small, defense.Width/2, 246, white)
}

func strokeCircleA(dst *ebiten.Image, cx, cy, r, w float64, c color.Color) {
	strokePath(dst, ellipsePath(cx, cy, r, r), float32(w), c)
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
