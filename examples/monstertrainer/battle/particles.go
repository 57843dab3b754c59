package battle

import (
	"image/color"
	"math"
)

// Shape is how a particle is drawn.
type Shape int

const (
	Dot Shape = iota
	Spark
	Drop
	Flame
	Leaf
	Star
	Ring
)

// Particle is one bit of an effect: it moves, falls and fades.
type Particle struct {
	X, Y, VX, VY float64
	Gravity      float64
	Size         float64
	Grow         float64 // size change per frame
	Life, Max    int     // frames left, frames at birth
	Color        color.RGBA
	Shape        Shape
	Spin         float64
}

// Alpha is the particle's opacity in [0, 1], fading out at the end of its life.
func (p *Particle) Alpha() float64 { return math.Min(1, 2*float64(p.Life)/float64(max(p.Max, 1))) }

// Beam is a line effect between two points (lightning, vine, water jet).
type Beam struct {
	X0, Y0, X1, Y1 float64
	Element        Element
	Life, Max      int
	Seed           uint64 // for the lightning's jags
}

// Floater is a rising text: damage numbers, "miss!", "dodge!".
type Floater struct {
	X, Y  float64
	Text  string
	Color color.RGBA
	Life  int
}

// Colours shared by the logic (which picks them) and the view.
var (
	colorDamage = color.RGBA{255, 90, 80, 255}
	colorHeal   = color.RGBA{110, 240, 140, 255}
	colorInfo   = color.RGBA{255, 240, 160, 255}
	colorMiss   = color.RGBA{200, 210, 255, 255}
)

// ElementColor is the main colour of an element.
func ElementColor(e Element) color.RGBA {
	switch e {
	case Electric:
		return color.RGBA{255, 220, 60, 255}
	case Water:
		return color.RGBA{70, 160, 255, 255}
	case Fire:
		return color.RGBA{255, 120, 40, 255}
	case Grass:
		return color.RGBA{90, 200, 90, 255}
	case Rock:
		return color.RGBA{170, 150, 120, 255}
	case Poison:
		return color.RGBA{180, 90, 210, 255}
	}
	return color.RGBA{235, 235, 235, 255}
}

func (w *World) stepParticles() {
	ps := w.Particles[:0]
	for _, p := range w.Particles {
		p.Life--
		if p.Life <= 0 {
			continue
		}
		p.X += p.VX
		p.Y += p.VY
		p.VY += p.Gravity
		p.Size = math.Max(0.5, p.Size+p.Grow)
		p.Spin += 0.2
		ps = append(ps, p)
	}
	w.Particles = ps
	bs := w.Beams[:0]
	for _, b := range w.Beams {
		b.Life--
		if b.Life > 0 {
			bs = append(bs, b)
		}
	}
	w.Beams = bs
	fs := w.Floaters[:0]
	for _, f := range w.Floaters {
		f.Life--
		f.Y -= 0.8
		if f.Life > 0 {
			fs = append(fs, f)
		}
	}
	w.Floaters = fs
}

func (w *World) floater(x, y float64, text string, c color.RGBA) {
	w.Floaters = append(w.Floaters, Floater{X: x, Y: y, Text: text, Color: c, Life: 60})
}

func (w *World) rnd(a, b float64) float64 { return a + (b-a)*w.rng.Float64() }

// burst throws particles of an element out from (x, y).
func (w *World) burst(x, y float64, n int, e Element) {
	c := ElementColor(e)
	for range n {
		a := w.rnd(0, 2*math.Pi)
		s := w.rnd(1, 5)
		p := Particle{X: x, Y: y, VX: math.Cos(a) * s, VY: math.Sin(a) * s, Size: w.rnd(2, 5), Life: 30, Max: 30, Color: c}
		switch e {
		case Electric:
			p.Shape, p.Size = Spark, w.rnd(4, 8)
		case Water:
			p.Shape, p.Gravity = Drop, 0.25
		case Fire:
			p.Shape, p.Grow, p.VY = Flame, -0.1, p.VY-1.5
		case Grass:
			p.Shape, p.Size, p.Gravity = Leaf, w.rnd(4, 7), 0.05
		case Rock:
			p.Gravity, p.Color = 0.3, color.RGBA{140, 120, 95, 255}
		case Poison:
			p.Shape, p.Grow, p.VY = Ring, 0.15, p.VY*0.4-0.6
		default:
			p.Shape = Star
		}
		w.Particles = append(w.Particles, p)
	}
}

// stream sends particles of an element from one point to another, arriving over
// about 24 frames: the travelling part of an attack.
func (w *World) stream(x0, y0, x1, y1 float64, n int, e Element) {
	c := ElementColor(e)
	for i := range n {
		life := 16 + i%10
		f := float64(life)
		p := Particle{
			X: x0 + w.rnd(-6, 6), Y: y0 + w.rnd(-6, 6),
			VX: (x1 - x0) / f, VY: (y1 - y0) / f,
			Size: w.rnd(3, 6), Life: life, Max: life, Color: c,
		}
		switch e {
		case Water:
			p.Shape = Drop
		case Fire:
			p.Shape, p.Grow = Flame, 0.25
		case Grass:
			p.Shape, p.Size = Leaf, w.rnd(5, 8)
		case Poison:
			p.Shape = Ring
		case Rock:
			p.Size = w.rnd(5, 9)
		}
		// Stagger the start: later particles start further back.
		back := float64(i%6) * 0.15
		p.X -= p.VX * back * f
		p.Y -= p.VY * back * f
		w.Particles = append(w.Particles, p)
	}
}

// sparkle raises glittering stars around (x, y).
func (w *World) sparkle(x, y float64, n int, c color.RGBA) {
	for range n {
		w.Particles = append(w.Particles, Particle{
			X: x + w.rnd(-28, 28), Y: y + w.rnd(-10, 30), VX: w.rnd(-0.3, 0.3), VY: w.rnd(-2.2, -0.8),
			Size: w.rnd(2, 5), Life: 40, Max: 40, Color: c, Shape: Star,
		})
	}
}

// dust kicks up a little cloud at a monster's feet.
func (w *World) dust(x, y float64) {
	for range 8 {
		w.Particles = append(w.Particles, Particle{
			X: x + w.rnd(-14, 14), Y: y + 26, VX: w.rnd(-1, 1), VY: w.rnd(-1, -0.2),
			Size: w.rnd(3, 6), Grow: 0.15, Life: 24, Max: 24, Color: color.RGBA{190, 180, 150, 255},
		})
	}
}

func (w *World) confetti() {
	cs := []color.RGBA{{255, 90, 90, 255}, {255, 220, 60, 255}, {90, 200, 255, 255}, {120, 230, 120, 255}, {230, 130, 255, 255}}
	if w.Outcome == Lost {
		cs = []color.RGBA{{90, 90, 120, 255}, {60, 60, 90, 255}}
	}
	for range 4 {
		w.Particles = append(w.Particles, Particle{
			X: w.rnd(0, Width), Y: -10, VX: w.rnd(-1, 1), VY: w.rnd(1, 3), Gravity: 0.02,
			Size: w.rnd(3, 6), Life: 200, Max: 200, Color: cs[w.rng.IntN(len(cs))], Shape: Leaf,
		})
	}
}
