// Package defense is the tower-defense example's game logic, with no window: a map
// with roads and named places, waves of enemies walking the roads to the keep,
// squads the player commands (move, attack, hold, retreat, recruit, formations,
// renames) and structures built at places. Package field draws it with Ebiten.
//
// Everything advances by frames (Step, 60 per second) and draws its randomness from
// a seeded source, so a scripted run is reproducible. A World is used from one
// goroutine (the game's).
package defense

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
)

// Screen geometry, in pixels: the map is 960×540; the voice HUD covers the bottom.
const (
	Width, Height = 960, 540
	FieldTop      = 36.0  // below the top bar
	FieldBottom   = 448.0 // above the voice HUD (92 px)
)

// Point is a position on the map, in pixels.
type Point struct{ X, Y float64 }

// Dist returns the distance between p and q.
func (p Point) Dist(q Point) float64 { return math.Hypot(p.X-q.X, p.Y-q.Y) }

// Place is a named spot of the map: squads go there, structures are built there.
type Place struct {
	Name string
	Point
	// Buildable is false for the keep: nothing is built on it.
	Buildable bool
	// Structure stands at the place; nil when it is empty.
	Structure *Structure
}

// Outcome is how the defense stands.
type Outcome int

const (
	Ongoing Outcome = iota
	Won             // every wave beaten
	Lost            // the keep fell
)

func (o Outcome) String() string { return [...]string{"ongoing", "won", "lost"}[o] }

// Game balance.
const (
	StartGold  = 300
	StartLives = 20 // the keep's hit points: enemies that reach it take some
	MaxLevel   = 3  // structures are upgraded twice at most
	MaxSoldier = 8  // soldiers per squad
	FirstWave  = 60 // frame of the first wave
	WaveBonus  = 40 // gold at the start of every wave after the first
)

// World is the whole game.
type World struct {
	Frame   int64
	Gold    int
	Lives   int
	Wave    int // waves started so far (1-based number of the current wave)
	Outcome Outcome

	Places     []*Place
	Routes     []*Route
	Squads     []*Squad
	Enemies    []*Enemy
	Structures []*Structure

	Shots     []Shot
	Particles []Particle
	Floaters  []Floater
	Messages  []string // recent events, newest last

	// Waves turns the enemy waves on (true from New). Tests turn it off and
	// place enemies with Spawn.
	Waves bool

	// OnRename is called before a squad is renamed, so the game can update the voice
	// vocabulary; a non-nil error cancels the rename.
	OnRename func(old, new string) error
	// OnCommand is called with the squad a command went to, so the game can make it
	// the default squad of commands that name none ("hold!").
	OnCommand func(squad string)

	rng      *rand.Rand
	nextID   int
	pending  []spawn // the current wave's enemies still to come
	lastWave int64   // frame the current wave's last enemy came
	clearAt  int64   // frame the map was last found clear of enemies (0: it is not)
}

// Place names, map positions and who starts where. The state document
// (state.json) lists the same names: package field checks they agree.
var (
	// PlaceNames in map order, west to east.
	PlaceNames = []string{"mill", "bridge", "crossroads", "north gate", "south gate", "east gate", "keep"}
	// SquadNames at the start, in the state's order.
	SquadNames = []string{"archers", "knights", "scouts", "squad two"}
)

var placeSpots = map[string]Point{
	"mill":       {150, 208},
	"bridge":     {290, 240},
	"crossroads": {420, 240},
	"north gate": {590, 150},
	"south gate": {590, 340},
	"east gate":  {890, 245},
	"keep":       {760, 245},
}

// New returns the starting map: four squads at their posts, 300 gold, the first
// wave due in a second.
func New(seed uint64) *World {
	w := &World{
		Gold:  StartGold,
		Lives: StartLives,
		Waves: true,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for _, n := range PlaceNames {
		w.Places = append(w.Places, &Place{Name: n, Point: placeSpots[n], Buildable: n != "keep"})
	}
	w.Routes = buildRoutes(w)
	start := []struct {
		name, unit, place, formation string
		soldiers                     int
		c                            color.RGBA
	}{
		{"archers", "archer", "north gate", "line", 5, color.RGBA{70, 140, 235, 255}},
		{"knights", "knight", "crossroads", "wedge", 4, color.RGBA{225, 70, 70, 255}},
		{"scouts", "scout", "mill", "spread", 3, color.RGBA{245, 180, 40, 255}},
		{"squad two", "spearman", "south gate", "line", 5, color.RGBA{175, 95, 220, 255}},
	}
	for i, s := range start {
		q := &Squad{Name: s.name, Unit: s.unit, Info: Units[s.unit], Soldiers: s.soldiers,
			Formation: s.formation, Color: s.c, index: i}
		p := w.Place(s.place)
		q.Pos = w.slot(q, p)
		q.Post, q.At = q.Pos, p
		q.Walk = float64(i)
		w.Squads = append(w.Squads, q)
	}
	w.say("Defend the keep! Enemies come from the west road and the east gate.")
	return w
}

// Place returns the place called name (case-insensitive), or nil.
func (w *World) Place(name string) *Place {
	name = strings.TrimSpace(name)
	for _, p := range w.Places {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// Squad returns the squad called name (case-insensitive), or nil.
func (w *World) Squad(name string) *Squad {
	name = strings.TrimSpace(name)
	for _, q := range w.Squads {
		if strings.EqualFold(q.Name, name) {
			return q
		}
	}
	return nil
}

// slot is where squad q stands at place p: beside the place's centre (where a
// structure stands), one corner per squad so that squads do not overlap.
func (w *World) slot(q *Squad, p *Place) Point {
	corners := []Point{{-40, -20}, {40, -20}, {-40, 22}, {40, 22}}
	c := corners[q.index%len(corners)]
	if p.Name == "keep" {
		c.X, c.Y = c.X*2.1, c.Y*2.3 // around the keep's walls
	}
	return Point{p.X + c.X, p.Y + c.Y}
}

// NextWaveIn returns the seconds until the next wave, or 0 while one is coming,
// after the last wave, and with waves off.
func (w *World) NextWaveIn() float64 {
	if !w.Waves || w.Outcome != Ongoing || w.Wave >= len(wavePlan) || len(w.pending) > 0 {
		return 0
	}
	next := w.nextWaveFrame()
	if next <= w.Frame {
		return 0
	}
	return float64(next-w.Frame) / 60
}

// WaveCount returns the number of waves to beat.
func WaveCount() int { return len(wavePlan) }

func (w *World) say(format string, args ...any) {
	w.Messages = append(w.Messages, fmt.Sprintf(format, args...))
	if len(w.Messages) > 6 {
		w.Messages = w.Messages[len(w.Messages)-6:]
	}
}

func (w *World) rnd(lo, hi float64) float64 { return lo + w.rng.Float64()*(hi-lo) }
