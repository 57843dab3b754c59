package defense

import (
	"fmt"
	"image/color"
	"math"
)

// ShotKind is what flies from a shooter to its target.
type ShotKind int

const (
	Arrow ShotKind = iota
	Ball           // cannonball: blasts everything around where it lands
	Bolt           // magic: slows the target
)

// Shot is a projectile in flight. Its damage lands when it arrives.
type Shot struct {
	Kind     ShotKind
	From, At Point
	Target   *Enemy // followed while alive
	Speed    float64
	Damage   int
	Splash   float64
	Slow     int
	T        float64 // progress 0..1 (for the cannonball's arc)
	dist     float64
}

// Particle is a short-lived speck for explosions, sparks and dust.
type Particle struct {
	X, Y, VX, VY float64
	Size         float64
	Life, Max    int
	Color        color.RGBA
}

// Alpha returns how visible the particle still is, 0..1.
func (p *Particle) Alpha() float64 { return float64(p.Life) / float64(max(p.Max, 1)) }

// Floater is a rising text ("+8", "-12").
type Floater struct {
	Text  string
	X, Y  float64
	Life  int
	Color color.RGBA
}

var (
	colorGold   = color.RGBA{255, 215, 80, 255}
	colorDamage = color.RGBA{255, 110, 90, 255}
	colorInfo   = color.RGBA{170, 225, 255, 255}
	colorDust   = color.RGBA{200, 180, 140, 255}
)

func (w *World) shoot(kind ShotKind, from Point, t *Enemy, dmg int, splash float64, slow int) {
	speed := map[ShotKind]float64{Arrow: 7, Ball: 4.5, Bolt: 5.5}[kind]
	w.Shots = append(w.Shots, Shot{Kind: kind, From: from, At: t.Pos, Target: t, Speed: speed,
		Damage: dmg, Splash: splash, Slow: slow, dist: from.Dist(t.Pos)})
}

// stepShots moves the projectiles and lands the ones that arrived.
func (w *World) stepShots() {
	kept := w.Shots[:0]
	for _, s := range w.Shots {
		if s.Target != nil && !s.Target.Dead() {
			s.At = s.Target.Pos
		}
		s.dist = math.Max(s.dist, 1)
		s.T += s.Speed / s.dist
		if s.T < 1 {
			kept = append(kept, s)
			continue
		}
		w.land(s)
	}
	w.Shots = kept
}

func (w *World) land(s Shot) {
	switch {
	case s.Splash > 0:
		for _, e := range w.Enemies {
			if !e.Dead() && e.Pos.Dist(s.At) <= s.Splash+e.Info.Radius {
				w.hurt(e, s.Damage)
			}
		}
		w.burst(s.At, 18, color.RGBA{255, 170, 60, 255}, 3.2)
		w.burst(s.At, 10, color.RGBA{90, 80, 75, 255}, 1.6)
	case s.Target != nil && !s.Target.Dead():
		w.hurt(s.Target, s.Damage)
		if s.Slow > 0 {
			s.Target.Slow = max(s.Target.Slow, s.Slow)
			w.burst(s.At, 8, color.RGBA{190, 130, 255, 255}, 1.5)
		}
	}
}

// Pos returns where the shot is now.
func (s *Shot) Pos() Point {
	t := math.Min(s.T, 1)
	p := Point{s.From.X + (s.At.X-s.From.X)*t, s.From.Y + (s.At.Y-s.From.Y)*t}
	if s.Kind == Ball {
		p.Y -= math.Sin(math.Pi*t) * math.Min(40, s.dist*0.3) // a lob
	}
	return p
}

func (w *World) burst(at Point, n int, c color.RGBA, speed float64) {
	for range n {
		a := w.rnd(0, 2*math.Pi)
		v := w.rnd(0.3, 1) * speed
		life := 18 + w.rng.IntN(14)
		w.Particles = append(w.Particles, Particle{X: at.X, Y: at.Y, VX: math.Cos(a) * v, VY: math.Sin(a) * v,
			Size: w.rnd(1.5, 3.5), Life: life, Max: life, Color: c})
	}
}

func (w *World) floater(at Point, c color.RGBA, format string, args ...any) {
	w.Floaters = append(w.Floaters, Floater{Text: fmt.Sprintf(format, args...), X: at.X, Y: at.Y, Life: 50, Color: c})
}

func (w *World) stepEffects() {
	kept := w.Particles[:0]
	for _, p := range w.Particles {
		p.X += p.VX
		p.Y += p.VY
		p.VX *= 0.92
		p.VY *= 0.92
		if p.Life--; p.Life > 0 {
			kept = append(kept, p)
		}
	}
	w.Particles = kept
	fl := w.Floaters[:0]
	for _, f := range w.Floaters {
		f.Y -= 0.6
		if f.Life--; f.Life > 0 {
			fl = append(fl, f)
		}
	}
	w.Floaters = fl
}
