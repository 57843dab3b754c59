// Package battle is the monster-trainer demo's game logic, with no window: the party
// and the enemies, what each voice command does to them, enemy turns, particles and
// the win/lose state. Package arena draws it with Ebiten.
//
// Everything advances by frames (Step, 60 per second) and draws its randomness from a
// seeded source, so a scripted run is reproducible.
package battle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Field geometry, in screen pixels (the arena is 960×540, the HUD takes the bottom).
const (
	Width, Height = 960, 540
	FieldTop      = 40.0
	FieldBottom   = 440.0
	StepSize      = 40.0 // pixels per "step" of a move command
	partyMinY     = 250.0
	partyMaxY     = 420.0
	fieldMinX     = 60.0
	fieldMaxX     = 900.0
)

// EnemyTurnFrames is how often an enemy acts (frames between two enemy actions).
const EnemyTurnFrames = 150

// Element is a monster's or a move's type; it picks the colours and the effect.
type Element int

const (
	Normal Element = iota
	Electric
	Water
	Fire
	Grass
	Rock
	Poison
)

var elementNames = [...]string{"normal", "electric", "water", "fire", "grass", "rock", "poison"}

func (e Element) String() string { return elementNames[e] }

// Effectiveness is the damage multiplier of an attack of element a on a defender of
// element d.
func Effectiveness(a, d Element) float64 {
	strong := map[[2]Element]bool{
		{Electric, Water}: true, {Water, Fire}: true, {Water, Rock}: true, {Fire, Grass}: true,
		{Grass, Water}: true, {Grass, Rock}: true, {Poison, Grass}: true,
	}
	weak := map[[2]Element]bool{
		{Electric, Grass}: true, {Electric, Rock}: true, {Water, Grass}: true, {Fire, Water}: true,
		{Fire, Rock}: true, {Grass, Fire}: true, {Poison, Rock}: true, {Normal, Rock}: true,
	}
	switch {
	case strong[[2]Element{a, d}]:
		return 2
	case weak[[2]Element{a, d}]:
		return 0.5
	}
	return 1
}

// Monster is one creature on either side.
type Monster struct {
	Name    string // its current name (changes with rename)
	Species string // what it is, shown under the name
	Element Element
	Enemy   bool
	HP      int
	MaxHP   int
	Moves   []string

	// OnField is true for the party members in play (enemies are always on the
	// field until they faint).
	OnField bool

	// Position now and where it is heading, in pixels.
	X, Y      float64
	ToX, ToY  float64
	HomeX     float64
	HomeY     float64
	DisplayHP float64 // HP as the bar shows it (catches up with HP)
	Flash     int     // frames of the hit flash left
	Shake     int     // frames of the hit shake left
	Lunge     int     // frames of the attack lunge left
	LungeDX   float64 // direction of the lunge (unit vector)
	LungeDY   float64
	Evade     int     // frames during which enemy attacks miss (dodge)
	Guard     int     // enemy turns during which damage is halved (hold, withdraw)
	Swift     int     // enemy turns of raised evasion (agility)
	Asleep    int     // own turns skipped (enemies)
	Paralyzed int     // own turns skipped (enemies)
	Poisoned  int     // turns of poison damage left
	Burning   int     // turns of fire-spin damage left
	Blind     int     // turns of lowered accuracy (smokescreen)
	Halo      int     // frames of the rename/switch sparkle
	Enter     int     // frames of the send-in animation left
	Bob       float64 // idle animation phase
	Down      int     // frames spent fainted on the field
}

// Fainted reports whether the monster is out of HP.
func (m *Monster) Fainted() bool { return m.HP <= 0 }

// Active reports whether it is on the field and able to act.
func (m *Monster) Active() bool { return m.OnField && !m.Fainted() }

// Outcome is how the battle stands.
type Outcome int

const (
	Ongoing Outcome = iota
	Won
	Lost
)

func (o Outcome) String() string { return [...]string{"ongoing", "won", "lost"}[o] }

// World is the whole battle. Use it from one goroutine (the game's).
type World struct {
	Frame   int64
	Party   []*Monster
	Enemies []*Monster
	Bag     map[string]int // item → count left

	Particles []Particle
	Beams     []Beam
	Floaters  []Floater
	Messages  []string // recent events, newest last

	Outcome Outcome

	// EnemiesAct turns enemy turns on (true by default from New).
	EnemiesAct bool

	// OnRename is called after a monster is renamed, so the game can update the
	// voice vocabulary; a non-nil error undoes the rename.
	OnRename func(old, new string) error

	// OnSwitch is called after a monster is sent in, so the game can make it the
	// default actor of commands that name none ("dodge left" after "Go, Leafy!").
	OnSwitch func(name string)

	rng       *rand.Rand
	rain      int // frames of rain dance left
	nextEnemy int
	turnClock int
	endFrame  int64
}

// New returns the demo's starting battle: Sparky and Bubbles on the field, Cinder and
// Leafy on the bench, against Rattler, Stonejaw and Gloomcap.
func New(seed uint64) *World {
	w := &World{
		rng:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		EnemiesAct: true,
		Bag:        map[string]int{"potion": 4, "super potion": 2, "revive": 2, "antidote": 3},
		turnClock:  EnemyTurnFrames,
	}
	add := func(name, species string, el Element, hp int, moves ...string) {
		w.Party = append(w.Party, &Monster{Name: name, Species: species, Element: el, HP: hp, MaxHP: hp, Moves: moves})
	}
	add("Sparky", "volt mouse", Electric, 70, "thunderbolt", "quick attack", "thunder wave", "agility")
	add("Bubbles", "bubble turtle", Water, 85, "water gun", "bubble beam", "withdraw", "rain dance")
	add("Cinder", "ember fox", Fire, 75, "flamethrower", "ember", "smokescreen", "fire spin")
	add("Leafy", "sprout frog", Grass, 80, "vine whip", "razor leaf", "synthesis", "sleep powder")
	enemy := func(name, species string, el Element, hp int, x, y float64) {
		m := &Monster{Name: name, Species: species, Element: el, HP: hp, MaxHP: hp, Enemy: true, OnField: true,
			X: x, Y: y, ToX: x, ToY: y, HomeX: x, HomeY: y}
		w.Enemies = append(w.Enemies, m)
	}
	enemy("Rattler", "coil snake", Poison, 90, 250, 150)
	enemy("Stonejaw", "boulder jaw", Rock, 110, 480, 130)
	enemy("Gloomcap", "gloom shroom", Poison, 80, 710, 150)
	for i, m := range w.Party {
		m.DisplayHP = float64(m.HP)
		m.Bob = float64(i)
		if i < 2 {
			m.OnField = true
			m.HomeX, m.HomeY = slotX(i), 360
		} else {
			m.HomeX, m.HomeY = benchPos(i)
		}
		m.X, m.Y, m.ToX, m.ToY = m.HomeX, m.HomeY, m.HomeX, m.HomeY
	}
	for i, m := range w.Enemies {
		m.DisplayHP = float64(m.HP)
		m.Bob = float64(i) * 1.7
	}
	w.say("A wild Rattler, Stonejaw and Gloomcap appear!")
	return w
}

func slotX(i int) float64 { return 330 + 300*float64(i) }

// benchPos is where a benched monster waits (bottom-left corner, small).
func benchPos(i int) (float64, float64) { return 40 + 56*float64(i%4), 410 }

// Find returns the party member or enemy called name (case-insensitive), or nil.
func (w *World) Find(name string) *Monster {
	for _, m := range w.all() {
		if strings.EqualFold(m.Name, name) {
			return m
		}
	}
	return nil
}

func (w *World) all() []*Monster {
	return append(append([]*Monster(nil), w.Party...), w.Enemies...)
}

// OnFieldParty returns the party members on the field, fainted or not.
func (w *World) OnFieldParty() []*Monster {
	var out []*Monster
	for _, m := range w.Party {
		if m.OnField {
			out = append(out, m)
		}
	}
	return out
}

func (w *World) say(format string, args ...any) {
	w.Messages = append(w.Messages, fmt.Sprintf(format, args...))
	if len(w.Messages) > 6 {
		w.Messages = w.Messages[len(w.Messages)-6:]
	}
}

// Step advances the battle one frame: animations, particles, enemy turns.
func (w *World) Step() {
	w.Frame++
	for _, m := range w.all() {
		m.Bob += 0.06
		// Ease toward the target position.
		m.X += (m.ToX - m.X) * 0.18
		m.Y += (m.ToY - m.Y) * 0.18
		if math.Abs(m.ToX-m.X) < 0.3 && math.Abs(m.ToY-m.Y) < 0.3 {
			m.X, m.Y = m.ToX, m.ToY
		}
		m.DisplayHP += (float64(m.HP) - m.DisplayHP) * 0.12
		for _, c := range []*int{&m.Flash, &m.Shake, &m.Lunge, &m.Evade, &m.Halo, &m.Enter} {
			if *c > 0 {
				*c--
			}
		}
	}
	w.stepParticles()
	if w.rain > 0 {
		w.rain--
		for range 3 {
			w.Particles = append(w.Particles, Particle{X: w.rnd(0, Width), Y: FieldTop, VX: -1, VY: w.rnd(7, 10),
				Size: 2, Life: 45, Max: 45, Color: ElementColor(Water), Shape: Drop})
		}
	}
	if w.Outcome != Ongoing {
		if w.Frame%6 == 0 {
			w.confetti()
		}
		return
	}
	w.replaceFainted()
	if w.EnemiesAct {
		w.turnClock--
		if w.turnClock <= 0 {
			w.turnClock = EnemyTurnFrames
			w.enemyTurn()
		}
	}
	w.checkOutcome()
}

func (w *World) checkOutcome() {
	if w.Outcome != Ongoing {
		return
	}
	alive := func(ms []*Monster) bool {
		for _, m := range ms {
			if !m.Fainted() {
				return true
			}
		}
		return false
	}
	switch {
	case !alive(w.Enemies):
		w.Outcome = Won
		w.endFrame = w.Frame
		w.say("You won the battle!")
	case !alive(w.Party):
		w.Outcome = Lost
		w.endFrame = w.Frame
		w.say("Your party has fainted. You lost...")
	}
}

// damage hits m for n HP (after guard) and returns the HP actually lost.
func (w *World) damage(m *Monster, n int) int {
	if m.Guard > 0 {
		n = (n + 1) / 2
	}
	n = max(n, 1)
	n = min(n, m.HP)
	m.HP -= n
	m.Flash, m.Shake = 14, 16
	w.floater(m.X, m.Y-50, fmt.Sprintf("-%d", n), colorDamage)
	if m.Fainted() {
		w.say("%s fainted!", m.Name)
		w.burst(m.X, m.Y, 30, Normal)
	}
	return n
}

func (w *World) heal(m *Monster, n int) int {
	n = min(n, m.MaxHP-m.HP)
	m.HP += n
	w.floater(m.X, m.Y-50, fmt.Sprintf("+%d", n), colorHeal)
	w.sparkle(m.X, m.Y, 24, colorHeal)
	return n
}

// Raining reports whether rain dance is in effect.
func (w *World) Raining() bool { return w.rain > 0 }

// EndFrame is the frame the battle was won or lost (0 while ongoing).
func (w *World) EndFrame() int64 { return w.endFrame }

// replaceFainted benches a party member that has lain fainted on the field for a
// second and sends in the first healthy one from the bench.
func (w *World) replaceFainted() {
	for _, m := range w.Party {
		if !m.OnField || !m.Fainted() {
			m.Down = 0
			continue
		}
		m.Down++
		if m.Down < 60 {
			continue
		}
		for _, b := range w.Party {
			if !b.OnField && !b.Fainted() {
				if eff, err := w.switchIn(b.Name); err == nil {
					w.say("%s (%s jumps in)", eff, b.Name)
				}
				break
			}
		}
		if m.OnField {
			w.toBench(m)
		}
	}
}

// EnemyTurnIn is the fraction of the enemy turn interval left before the next enemy
// acts (1 just after one acted, 0 when the next acts); 0 when enemies do not act.
func (w *World) EnemyTurnIn() float64 {
	if !w.EnemiesAct || w.Outcome != Ongoing {
		return 0
	}
	return float64(w.turnClock) / EnemyTurnFrames
}
