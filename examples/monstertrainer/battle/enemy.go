package battle

import "fmt"

// enemyMove is what each enemy does on its turn.
var enemyMoves = map[string]struct {
	move    string
	element Element
	power   int
	poison  bool
}{
	"Rattler":  {"poison fang", Poison, 14, true},
	"Stonejaw": {"rock slide", Rock, 18, false},
	"Gloomcap": {"spore burst", Poison, 11, true},
}

// enemyTurn lets the next enemy that can act attack a party member on the field,
// and applies damage over time.
func (w *World) enemyTurn() {
	for _, m := range w.all() {
		if m.Fainted() {
			continue
		}
		if m.Poisoned > 0 {
			m.Poisoned--
			w.damage(m, max(2, m.MaxHP/16))
			w.burst(m.X, m.Y, 6, Poison)
		}
		if m.Burning > 0 {
			m.Burning--
			w.damage(m, max(3, m.MaxHP/14))
			w.burst(m.X, m.Y, 10, Fire)
		}
	}
	var e *Monster
	for range len(w.Enemies) {
		c := w.Enemies[w.nextEnemy%len(w.Enemies)]
		w.nextEnemy++
		if !c.Fainted() {
			e = c
			break
		}
	}
	if e == nil {
		return
	}
	switch {
	case e.Asleep > 0:
		e.Asleep--
		w.floater(e.X, e.Y-60, "zzz", colorMiss)
		w.say("%s is fast asleep", e.Name)
		return
	case e.Paralyzed > 0:
		e.Paralyzed--
		w.floater(e.X, e.Y-60, "can't move!", ElementColor(Electric))
		w.burst(e.X, e.Y, 8, Electric)
		w.say("%s is paralyzed and cannot move", e.Name)
		return
	}
	var targets []*Monster
	for _, m := range w.Party {
		if m.Active() {
			targets = append(targets, m)
		}
	}
	if len(targets) == 0 {
		return
	}
	t := targets[w.rng.IntN(len(targets))]
	mv := enemyMoves[e.Name]
	if mv.move == "" {
		mv.move, mv.element, mv.power = "tackle", e.Element, 12
	}
	e.Lunge = 14
	e.LungeDX, e.LungeDY = unit(t.X-e.X, t.Y-e.Y)
	w.stream(e.X, e.Y, t.X, t.Y, 26, mv.element)
	miss := t.Evade > 0 ||
		(t.Swift > 0 && w.rng.IntN(2) == 0) ||
		(e.Blind > 0 && w.rng.IntN(2) == 0)
	if e.Blind > 0 {
		e.Blind--
	}
	if t.Swift > 0 {
		t.Swift--
	}
	if miss {
		t.Evade = 0
		w.floater(t.X, t.Y-60, "miss!", colorMiss)
		w.say("%s used %s on %s, but it missed", e.Name, mv.move, t.Name)
		return
	}
	dmg := float64(mv.power) * Effectiveness(mv.element, t.Element) * w.rnd(0.85, 1.15)
	n := w.damage(t, int(dmg+0.5))
	if t.Guard > 0 {
		t.Guard--
	}
	w.burst(t.X, t.Y, 14, mv.element)
	msg := fmt.Sprintf("%s used %s on %s: -%d HP", e.Name, mv.move, t.Name, n)
	if mv.poison && !t.Fainted() && w.rng.IntN(3) == 0 {
		t.Poisoned = 3
		msg += ", poisoned"
	}
	w.say("%s", msg)
}
