package field

import (
	"image/color"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/voicecmd/voicecmd/examples/towerdefense/defense"
)

// The town walls (a square around the keep) and the gaps the gates leave in them.
const (
	wallX0, wallY0 = 590.0, 95.0
	wallX1, wallY1 = 890.0, 395.0
	gateGap        = 22.0 // half the width of a gate
)

// riverPts is the river's course, north to south, through the bridge.
var riverPts = points(318, 20, 304, 90, 306, 165, 290, 240, 276, 315, 270, 385, 262, 460)

// points pairs up coordinates: points(x0, y0, x1, y1, ...).
func points(xy ...float64) []defense.Point {
	out := make([]defense.Point, 0, len(xy)/2)
	for i := 0; i+1 < len(xy); i += 2 {
		out = append(out, defense.Point{X: xy[i], Y: xy[i+1]})
	}
	return out
}

func polyPath(pts []defense.Point) *vector.Path {
	var p vector.Path
	for i, q := range pts {
		if i == 0 {
			p.MoveTo(float32(q.X), float32(q.Y))
		} else {
			p.LineTo(float32(q.X), float32(q.Y))
		}
	}
	return &p
}

// distToPolyline is the distance from p to the nearest segment of pts.
func distToPolyline(p defense.Point, pts []defense.Point) float64 {
	best := math.Inf(1)
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dx, dy := b.X-a.X, b.Y-a.Y
		t := ((p.X-a.X)*dx + (p.Y-a.Y)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		best = math.Min(best, p.Dist(defense.Point{X: a.X + dx*t, Y: a.Y + dy*t}))
	}
	return best
}

// background draws what never changes, once: grass, river, roads, the town with its
// walls and keep, the bridge, the mill's tower, the woods.
func (v *view) background(w *defense.World) *ebiten.Image {
	if v.bg != nil {
		return v.bg
	}
	img := ebiten.NewImage(defense.Width, defense.Height)
	g0, g1 := color.RGBA{92, 150, 70, 255}, color.RGBA{118, 172, 84, 255}
	for y := 0; y < defense.Height; y++ {
		c := mix(g0, g1, 0.5+0.5*math.Sin(float64(y)/70))
		rect(img, 0, float64(y), defense.Width, 1, c)
	}
	r := rand.New(rand.NewPCG(11, 4))
	for range 140 { // soft patches of darker and lighter grass
		x, y := r.Float64()*defense.Width, defense.FieldTop+r.Float64()*(defense.FieldBottom-defense.FieldTop)
		c := tr(70, 130, 55, 0.16)
		if r.IntN(2) == 0 {
			c = tr(150, 195, 100, 0.14)
		}
		fillEllipse(img, x, y, 20+r.Float64()*40, 8+r.Float64()*16, c)
	}

	// River: banks, water, light on the water.
	strokePath(img, polyPath(riverPts), 50, color.RGBA{120, 110, 70, 255})
	strokePath(img, polyPath(riverPts), 40, color.RGBA{52, 110, 170, 255})
	strokePath(img, polyPath(riverPts), 22, color.RGBA{70, 140, 200, 255})
	for i := range 14 {
		y := 50 + float64(i)*29
		x := riverX(y) + math.Sin(float64(i)*1.7)*6
		line(img, x-6, y, x+6, y+2, 2, tr(170, 215, 245, 0.59))
	}

	// The town: paved yard inside the walls.
	roundRect(img, wallX0, wallY0, wallX1-wallX0, wallY1-wallY0, 6, color.RGBA{178, 168, 140, 255})
	for range 260 {
		x, y := wallX0+8+r.Float64()*(wallX1-wallX0-16), wallY0+8+r.Float64()*(wallY1-wallY0-16)
		roundRect(img, x, y, 7+r.Float64()*6, 4+r.Float64()*3, 2, tr(150, 140, 115, 0.47))
	}

	// Roads: all the edges first, then all the dirt, so crossings merge.
	for _, rt := range w.Routes {
		strokePath(img, polyPath(rt.Points), 30, color.RGBA{120, 92, 58, 255})
	}
	for _, rt := range w.Routes {
		strokePath(img, polyPath(rt.Points), 24, color.RGBA{204, 172, 116, 255})
	}
	for _, rt := range w.Routes {
		strokePath(img, polyPath(rt.Points), 8, tr(222, 195, 142, 0.63))
	}
	for range 160 { // pebbles on the roads
		rt := w.Routes[r.IntN(len(w.Routes))]
		p := rt.At(r.Float64() * rt.Length())
		fillCircle(img, p.X+r.Float64()*18-9, p.Y+r.Float64()*18-9, 1+r.Float64()*1.2, color.RGBA{150, 122, 85, 200})
	}

	bridge(img)
	walls(img)
	keep(img, w.Place("keep").Point)
	millTower(img)
	trees(img, w, r)
	v.bg = img
	return img
}

// riverX is the river's centre at height y.
func riverX(y float64) float64 {
	for i := 1; i < len(riverPts); i++ {
		a, b := riverPts[i-1], riverPts[i]
		if y <= b.Y {
			return a.X + (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)
		}
	}
	return riverPts[len(riverPts)-1].X
}

func bridge(img *ebiten.Image) {
	x0, x1, y0, y1 := 260.0, 322.0, 224.0, 256.0
	fillEllipse(img, 291, y1+4, 34, 6, color.RGBA{0, 0, 0, 60})
	rect(img, x0, y0, x1-x0, y1-y0, color.RGBA{150, 105, 62, 255})
	for x := x0 + 5; x < x1; x += 6 {
		line(img, x, y0+1, x, y1-1, 1, color.RGBA{110, 75, 42, 255})
	}
	for _, y := range []float64{y0, y1} {
		line(img, x0-2, y, x1+2, y, 4, color.RGBA{95, 62, 35, 255})
		for x := x0; x <= x1; x += 15.5 {
			fillCircle(img, x, y, 3, color.RGBA{80, 52, 30, 255})
		}
	}
}

// walls draws the town walls with their crenellations and the gate towers.
func walls(img *ebiten.Image) {
	stone, top, dark := color.RGBA{150, 146, 140, 255}, color.RGBA{185, 182, 175, 255}, color.RGBA{95, 92, 90, 255}
	type seg struct{ x0, y0, x1, y1 float64 }
	gy0, gy1, gyE := 150.0, 340.0, 245.0
	segs := []seg{
		{wallX0, wallY0, wallX1, wallY0},               // north side
		{wallX0, wallY1, wallX1, wallY1},               // south side
		{wallX0, wallY0, wallX0, gy0 - gateGap},        // west side, three pieces
		{wallX0, gy0 + gateGap, wallX0, gy1 - gateGap}, //
		{wallX0, gy1 + gateGap, wallX0, wallY1},        //
		{wallX1, wallY0, wallX1, gyE - gateGap},        // east side, two pieces
		{wallX1, gyE + gateGap, wallX1, wallY1},        //
	}
	for _, s := range segs {
		line(img, s.x0, s.y0+3, s.x1, s.y1+3, 12, dark)
		line(img, s.x0, s.y0, s.x1, s.y1, 12, stone)
		line(img, s.x0, s.y0-2, s.x1, s.y1-2, 5, top)
		// Merlons along the wall.
		n := math.Hypot(s.x1-s.x0, s.y1-s.y0) / 12
		for i := 0; i <= int(n); i++ {
			t := float64(i) / math.Max(n, 1)
			x, y := s.x0+(s.x1-s.x0)*t, s.y0+(s.y1-s.y0)*t
			rect(img, x-2.5, y-6, 5, 5, stone)
		}
	}
	for _, c := range [][2]float64{{wallX0, wallY0}, {wallX1, wallY0}, {wallX0, wallY1}, {wallX1, wallY1}} {
		tower(img, c[0], c[1], 11)
	}
	for _, g := range [][2]float64{{wallX0, gy0}, {wallX0, gy1}, {wallX1, gyE}} {
		tower(img, g[0], g[1]-gateGap-4, 8)
		tower(img, g[0], g[1]+gateGap+4, 8)
	}
}

func tower(img *ebiten.Image, x, y, r float64) {
	fillCircle(img, x+2, y+4, r, color.RGBA{0, 0, 0, 70})
	fillCircle(img, x, y, r, color.RGBA{140, 136, 130, 255})
	fillCircle(img, x, y, r*0.7, color.RGBA{175, 172, 165, 255})
	fillCircle(img, x, y, r*0.35, color.RGBA{120, 116, 110, 255})
}

// keep draws the castle in the middle of the town.
func keep(img *ebiten.Image, p defense.Point) {
	x, y := p.X, p.Y-12
	fillEllipse(img, x+4, y+44, 56, 12, color.RGBA{0, 0, 0, 70})
	roundRect(img, x-44, y-40, 88, 82, 4, color.RGBA{160, 154, 145, 255})
	rect(img, x-44, y-40, 88, 10, color.RGBA{190, 186, 178, 255})
	for i := range 8 {
		rect(img, x-42+float64(i)*11, y-47, 7, 8, color.RGBA{160, 154, 145, 255})
	}
	for i := range 4 { // stone courses
		line(img, x-42, y-18+float64(i)*14, x+42, y-18+float64(i)*14, 1, color.RGBA{130, 124, 116, 255})
	}
	// Door and windows.
	roundRect(img, x-10, y+20, 20, 22, 8, color.RGBA{70, 48, 30, 255})
	for _, wx := range []float64{-26, 20} {
		roundRect(img, wx+x, y-14, 6, 12, 3, color.RGBA{40, 40, 55, 255})
	}
	for _, c := range [][2]float64{{-44, -40}, {44, -40}, {-44, 42}, {44, 42}} {
		cx, cy := x+c[0], y+c[1]
		fillCircle(img, cx, cy, 14, color.RGBA{150, 144, 136, 255})
		polygon(img, [][2]float64{{cx - 16, cy - 4}, {cx + 16, cy - 4}, {cx, cy - 30}}, color.RGBA{175, 60, 50, 255})
		polygon(img, [][2]float64{{cx, cy - 4}, {cx + 16, cy - 4}, {cx, cy - 30}}, color.RGBA{140, 45, 40, 255})
	}
}

// millTower draws the mill beside the west road; its sails turn in draw.
func millTower(img *ebiten.Image) {
	x, y := millX, millY
	fillEllipse(img, x+3, y+22, 18, 5, color.RGBA{0, 0, 0, 70})
	polygon(img, [][2]float64{{x - 13, y + 22}, {x + 13, y + 22}, {x + 9, y - 10}, {x - 9, y - 10}}, color.RGBA{215, 205, 185, 255})
	polygon(img, [][2]float64{{x, y + 22}, {x + 13, y + 22}, {x + 9, y - 10}, {x, y - 10}}, color.RGBA{190, 180, 160, 255})
	polygon(img, [][2]float64{{x - 12, y - 8}, {x + 12, y - 8}, {x, y - 26}}, color.RGBA{120, 70, 45, 255})
	roundRect(img, x-4, y+10, 8, 12, 3, color.RGBA{90, 60, 35, 255})
}

const millX, millY = 150.0, 160.0

// trees plants woods where nothing else is: off the roads, the river and the town.
func trees(img *ebiten.Image, w *defense.World, r *rand.Rand) {
	type tree struct{ x, y, s float64 }
	var ts []tree
	for tries := 0; len(ts) < 95 && tries < 4000; tries++ {
		p := defense.Point{X: r.Float64() * defense.Width, Y: defense.FieldTop + 14 + r.Float64()*(defense.FieldBottom-defense.FieldTop-10)}
		ok := p.X < wallX0-30 || p.X > wallX1+22 || p.Y < wallY0-28 || p.Y > wallY1+22
		for _, rt := range w.Routes {
			ok = ok && distToPolyline(p, rt.Points) > 34
		}
		ok = ok && distToPolyline(p, riverPts) > 38 && p.Dist(defense.Point{X: millX, Y: millY}) > 40
		for _, pl := range w.Places {
			ok = ok && pl.Dist(p) > 62
		}
		for _, t := range ts {
			ok = ok && math.Hypot(t.x-p.X, t.y-p.Y) > 17
		}
		// Keep the build card's corner and the road entrances clear.
		ok = ok && !(p.X < 170 && p.Y > 350) && !(p.X > 900 && p.Y > 205 && p.Y < 285)
		if ok {
			ts = append(ts, tree{p.X, p.Y, 0.8 + r.Float64()*0.5})
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].y < ts[j].y })
	for _, t := range ts {
		s := 11 * t.s
		fillEllipse(img, t.x+3, t.y+s*0.9, s*1.1, s*0.35, color.RGBA{0, 0, 0, 60})
		rect(img, t.x-1.5, t.y, 3, s*0.9, color.RGBA{95, 65, 40, 255})
		dark, mid, light := color.RGBA{40, 95, 45, 255}, color.RGBA{55, 120, 55, 255}, color.RGBA{85, 150, 70, 255}
		fillCircle(img, t.x, t.y-s*0.2, s, dark)
		fillCircle(img, t.x-s*0.25, t.y-s*0.45, s*0.75, mid)
		fillCircle(img, t.x-s*0.4, t.y-s*0.65, s*0.35, light)
	}
}
