package defense

import (
	"image/color"
	"math"
)

const (
	engageDist = 20.0 // an enemy this close to a squad stops to fight it
	leash      = 80.0 // an idle squad chases enemies this far from its post
)

// Step advances the game one frame (60 per second).
func (w *World) Step() {
	w.Frame++
	w.stepEffects()
	w.stepShots()
	if w.Outcome != Ongoing {
		return
	}
	w.stepWaves()
	w.stepStructures()
	for _, q := range w.Squads {
		w.stepSquad(q)
	}
	w.stepEnemies()
	if w.Lives <= 0 && w.Outcome == Ongoing {
		w.Lives = 0
		w.Outcome = Lost
		w.say("The keep has fallen.")
	}
}

func (w *World) stepStructures() {
	for _, s := range w.Structures {
		if s.Flash > 0 {
			s.Flash--
		}
		if s.Building > 0 {
			s.Building--
			continue
		}
		if s.Cooldown > 0 {
			s.Cooldown--
			continue
		}
		info := Structures[s.Kind]
		switch s.Kind {
		case "wall":
			continue
		case "spike trap":
			hit := false
			for _, e := range w.Enemies {
				if !e.Dead() && e.Pos.Dist(s.Place.Point) <= s.Range()+e.Info.Radius {
					w.hurt(e, s.Damage())
					hit = true
				}
			}
			if hit {
				s.Cooldown, s.Flash = info.Reload, 8
			}
			continue
		}
		t := w.frontEnemy(s.Place.Point, s.Range())
		if t == nil {
			continue
		}
		s.Aim = angle(s.Place.Point, t.Pos)
		from := Point{s.Place.X + math.Cos(s.Aim)*14, s.Place.Y - 14 + math.Sin(s.Aim)*8}
		w.shoot(info.Shot, from, t, s.Damage(), info.Splash, info.Slow)
		s.Cooldown, s.Flash = info.Reload, 6
	}
}

// frontEnemy returns the enemy in range of p that is furthest along its road (the
// most dangerous), or nil.
func (w *World) frontEnemy(p Point, rng float64) *Enemy {
	var best *Enemy
	bestLeft := math.Inf(1)
	for _, e := range w.Enemies {
		if e.Dead() || e.Pos.Dist(p) > rng+e.Info.Radius {
			continue
		}
		if left := e.Route.Length() - e.D; left < bestLeft {
			best, bestLeft = e, left
		}
	}
	return best
}

// nearestEnemy returns the live enemy closest to p (of kind, when kind is not ""),
// or nil.
func (w *World) nearestEnemy(p Point, kind string) *Enemy {
	var best *Enemy
	bestD := math.Inf(1)
	for _, e := range w.Enemies {
		if e.Dead() || (kind != "" && e.Kind != kind) {
			continue
		}
		if d := e.Pos.Dist(p); d < bestD {
			best, bestD = e, d
		}
	}
	return best
}

func (w *World) stepSquad(q *Squad) {
	q.Flash = max(q.Flash-1, 0)
	q.Halo = max(q.Halo-1, 0)
	if q.Cooldown > 0 {
		q.Cooldown--
	}
	if q.Routed() {
		return
	}
	if q.At != nil && q.At.Name == "keep" && q.Wounds > 0 && w.Frame%10 == 0 {
		q.Wounds-- // the keep's healers
	}
	switch q.Order {
	case Moving, Retreating:
		if w.march(q, q.Dest) {
			q.Order, q.At, q.Post = Idle, q.DestPlace, q.Dest
		}
	case Attacking:
		if q.Target == nil || q.Target.Dead() {
			q.Target = w.nearestEnemy(q.Pos, "")
			if q.Target == nil || q.Target.Pos.Dist(q.Pos) > q.Info.Range+leash {
				// Nothing left near: stand here.
				q.Order, q.Target, q.Post = Idle, nil, q.Pos
				q.At = w.placeNear(q.Pos)
				return
			}
		}
		if q.Target.Pos.Dist(q.Pos) > q.Info.Range {
			q.At = nil
			w.march(q, q.Target.Pos)
			return
		}
		w.strike(q, q.Target)
	case Holding:
		if t := w.nearestEnemy(q.Pos, ""); t != nil && t.Pos.Dist(q.Pos) <= q.Info.Range+t.Info.Radius {
			w.strike(q, t)
		}
	case Idle:
		t := w.nearestEnemy(q.Pos, "")
		switch {
		case t != nil && t.Pos.Dist(q.Pos) <= q.Info.Range+t.Info.Radius:
			w.strike(q, t)
		case t != nil && !q.Info.Ranged && t.Pos.Dist(q.Post) <= leash:
			w.march(q, t.Pos) // skirmish near the post
		default:
			w.march(q, q.Post)
		}
	}
}

// march moves q toward to at its speed and reports whether it got there.
func (w *World) march(q *Squad, to Point) bool {
	d := q.Pos.Dist(to)
	step := q.Info.Speed * Formations[q.Formation].Speed
	if d <= step {
		q.Pos = to
		return true
	}
	q.Facing = angle(q.Pos, to)
	q.Pos.X += (to.X - q.Pos.X) / d * step
	q.Pos.Y += (to.Y - q.Pos.Y) / d * step
	q.Walk += 0.25
	return false
}

// strike hits t when the squad is ready: arrows for archers, blades otherwise.
func (w *World) strike(q *Squad, t *Enemy) {
	q.Facing = angle(q.Pos, t.Pos)
	if q.Cooldown > 0 {
		return
	}
	q.Cooldown = q.Info.Reload
	dmg := int(math.Round(float64(q.Info.Damage*q.Soldiers) * Formations[q.Formation].Attack))
	if q.Info.Ranged {
		w.shoot(Arrow, q.Pos, t, dmg, 0, 0)
		return
	}
	w.hurt(t, dmg)
	w.burst(Point{(q.Pos.X + t.Pos.X) / 2, (q.Pos.Y + t.Pos.Y) / 2}, 5, color.RGBA{255, 245, 200, 255}, 1.8)
}

// placeNear returns the place p is at (beside it, where squads stand), or nil.
func (w *World) placeNear(p Point) *Place {
	for _, pl := range w.Places {
		limit := 60.0
		if !pl.Buildable {
			limit = 110 // the keep is big
		}
		if pl.Dist(p) < limit {
			return pl
		}
	}
	return nil
}

// hurt deals dmg to e; a beaten enemy pays its reward.
func (w *World) hurt(e *Enemy, dmg int) {
	if e.Dead() || dmg <= 0 {
		return
	}
	e.HP -= dmg
	e.Flash = 6
	if e.Dead() {
		w.Gold += e.Info.Reward
		w.floater(Point{e.Pos.X, e.Pos.Y - 20}, colorGold, "+%d", e.Info.Reward)
		w.burst(e.Pos, 14, color.RGBA{200, 60, 50, 255}, 2.2)
	}
}

func (w *World) stepEnemies() {
	kept := w.Enemies[:0]
	for _, e := range w.Enemies {
		e.DisplayHP += (float64(max(e.HP, 0)) - e.DisplayHP) * 0.15
		e.Flash = max(e.Flash-1, 0)
		if e.Dead() {
			continue
		}
		w.stepEnemy(e)
		if e.D >= e.Route.Length() {
			w.Lives -= e.Info.Harm
			w.floater(Point{e.Pos.X, e.Pos.Y - 30}, colorDamage, "-%d", e.Info.Harm)
			w.burst(e.Pos, 12, colorDamage, 2)
			w.say("A %s reached the keep!", e.Kind)
			continue
		}
		kept = append(kept, e)
	}
	// Forget the removed enemies so their memory can go.
	for i := len(kept); i < len(w.Enemies); i++ {
		w.Enemies[i] = nil
	}
	w.Enemies = kept
}

func (w *World) stepEnemy(e *Enemy) {
	if e.Cooldown > 0 {
		e.Cooldown--
	}
	if e.Slow > 0 {
		e.Slow--
	}
	e.Engaged = false
	// A squad in the way: fight it.
	for _, q := range w.Squads {
		if !q.Routed() && q.Pos.Dist(e.Pos) <= engageDist+e.Info.Radius {
			e.Engaged = true
			if e.Cooldown == 0 {
				e.Cooldown = e.Info.Reload
				w.wound(q, e.Info.Damage)
			}
			return
		}
	}
	// A wall ahead on the road: batter it.
	for _, s := range w.Structures {
		if s.Kind != "wall" || s.Building > 0 {
			continue
		}
		if d, on := e.Route.PlaceAt(s.Place); on && d-e.D >= 0 && d-e.D <= 16+e.Info.Radius {
			e.Engaged = true
			if e.Cooldown == 0 {
				e.Cooldown = e.Info.Reload
				s.HP -= e.Info.Damage
				s.Flash = 6
				w.burst(s.Place.Point, 4, color.RGBA{160, 150, 140, 255}, 1.5)
				if s.HP <= 0 {
					w.demolish(s)
					w.say("The wall at the %s fell.", s.Place.Name)
				}
			}
			return
		}
	}
	speed := e.Info.Speed
	if e.Slow > 0 {
		speed *= 0.5
	}
	e.D += speed
	e.Pos = e.Route.At(e.D)
	e.Walk += speed * 0.15
}

// wound deals dmg to squad q; soldiers fall as their wounds add up.
func (w *World) wound(q *Squad, dmg int) {
	dmg = max(1, int(math.Round(float64(dmg)/Formations[q.Formation].Guard)))
	q.Wounds += dmg
	q.Flash = 6
	for q.Wounds >= q.Info.SoldierHP && q.Soldiers > 0 {
		q.Wounds -= q.Info.SoldierHP
		q.Soldiers--
		w.floater(Point{q.Pos.X, q.Pos.Y - 30}, colorDamage, "-1 %s", q.Unit)
	}
	if q.Routed() {
		q.Wounds, q.Order, q.Target = 0, Idle, nil
		keep := w.Place("keep")
		q.Pos, q.Post, q.At = w.slot(q, keep), w.slot(q, keep), keep
		w.say("The %s are routed! Recruit more to bring them back.", q.Name)
	}
}

func (w *World) demolish(s *Structure) {
	s.Place.Structure = nil
	kept := w.Structures[:0]
	for _, x := range w.Structures {
		if x != s {
			kept = append(kept, x)
		}
	}
	w.Structures = kept
}
