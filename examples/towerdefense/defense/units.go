package defense

import "image/color"

// UnitInfo describes one kind of soldier.
type UnitInfo struct {
	Speed     float64 // pixels per frame
	Range     float64 // pixels from the squad's centre to what it hits
	Damage    int     // per soldier per hit
	Reload    int     // frames between hits
	SoldierHP int     // damage one soldier takes before falling
	Cost      int     // gold per recruit
	Ranged    bool    // shoots arrows instead of fighting hand to hand
}

// Units by unit kind. A squad keeps its kind when it is renamed.
var Units = map[string]UnitInfo{
	"archer":   {Speed: 1.3, Range: 150, Damage: 4, Reload: 40, SoldierHP: 20, Cost: 30, Ranged: true},
	"knight":   {Speed: 1.5, Range: 26, Damage: 7, Reload: 45, SoldierHP: 45, Cost: 45},
	"scout":    {Speed: 2.4, Range: 26, Damage: 4, Reload: 30, SoldierHP: 22, Cost: 25},
	"spearman": {Speed: 1.4, Range: 34, Damage: 5, Reload: 40, SoldierHP: 28, Cost: 20},
}

// Order is what a squad is doing.
type Order int

const (
	Idle       Order = iota // at its post: fights what comes close, then returns
	Moving                  // marching to a place
	Attacking               // chasing and fighting one enemy
	Holding                 // standing still, fighting only what is in range
	Retreating              // falling back to the keep (it heals there)
)

func (o Order) String() string {
	return [...]string{"idle", "moving", "attacking", "holding", "retreating"}[o]
}

// Formations and what they change: damage dealt, damage taken, speed.
var Formations = map[string]struct{ Attack, Guard, Speed float64 }{
	"line":   {1, 1, 1},
	"wedge":  {1.3, 0.8, 1},
	"circle": {0.8, 1.5, 0.85},
	"spread": {0.9, 1, 1.25},
}

// FormationNames in the grammar's order.
var FormationNames = []string{"line", "wedge", "circle", "spread"}

// Squad is a group of soldiers that takes orders by name.
type Squad struct {
	Name      string // changes with rename
	Unit      string // "archer", "knight", ...: fixed
	Info      UnitInfo
	Soldiers  int
	Wounds    int // damage taken by the front soldier
	Formation string
	Color     color.RGBA

	Pos   Point
	Order Order
	// Dest is where a moving or retreating squad goes; DestPlace names it.
	Dest      Point
	DestPlace *Place
	// At is the place the squad stands at (nil in the open); Post is where an idle
	// squad returns after a skirmish.
	At     *Place
	Post   Point
	Target *Enemy

	Cooldown int
	Facing   float64 // radians, for drawing
	Walk     float64 // walking animation phase
	Flash    int     // frames of the hit flash left
	Halo     int     // frames of the rename/recruit sparkle left

	index int // corner at places
}

// Routed reports whether the squad has no soldiers left.
func (q *Squad) Routed() bool { return q.Soldiers <= 0 }

// EnemyInfo describes one kind of enemy.
type EnemyInfo struct {
	HP     int
	Speed  float64 // pixels per frame
	Damage int     // per hit on a squad or a wall
	Reload int     // frames between hits
	Reward int     // gold for beating it
	Harm   int     // damage to the keep when it gets there
	Radius float64 // size, for hits and drawing
}

// EnemyKinds by name; EnemyNames in the state's order.
var (
	EnemyKinds = map[string]EnemyInfo{
		"goblin":      {HP: 40, Speed: 0.9, Damage: 4, Reload: 50, Reward: 8, Harm: 1, Radius: 8},
		"wolf rider":  {HP: 60, Speed: 1.5, Damage: 6, Reload: 45, Reward: 12, Harm: 1, Radius: 11},
		"skeleton":    {HP: 55, Speed: 0.75, Damage: 5, Reload: 50, Reward: 10, Harm: 1, Radius: 9},
		"troll":       {HP: 220, Speed: 0.5, Damage: 16, Reload: 80, Reward: 30, Harm: 3, Radius: 15},
		"orc captain": {HP: 400, Speed: 0.6, Damage: 20, Reload: 60, Reward: 80, Harm: 5, Radius: 14},
	}
	EnemyNames = []string{"goblin", "wolf rider", "skeleton", "troll", "orc captain"}
)

// Enemy is one attacker walking a route.
type Enemy struct {
	ID        int
	Kind      string
	Info      EnemyInfo
	HP, MaxHP int
	Route     *Route
	D         float64 // distance walked along the route
	Pos       Point
	Slow      int // frames of slowness left (mage tower)
	Cooldown  int
	Engaged   bool // stopped by a squad or a wall
	Flash     int
	Walk      float64
	DisplayHP float64 // HP as the bar shows it (catches up with HP)
}

// Dead reports whether the enemy is beaten.
func (e *Enemy) Dead() bool { return e.HP <= 0 }

// StructureInfo describes one kind of structure at level 1.
type StructureInfo struct {
	Cost   int
	Range  float64
	Reload int
	Damage int
	Splash float64 // cannon: radius of the blast
	Slow   int     // mage tower: frames the target is slowed
	HP     int     // wall: how much it takes before it falls
	Shot   ShotKind
}

// Structures by the grammar's canonical names; StructureNames in its order.
var (
	Structures = map[string]StructureInfo{
		"cannon":      {Cost: 150, Range: 125, Reload: 100, Damage: 34, Splash: 34, Shot: Ball},
		"arrow tower": {Cost: 100, Range: 150, Reload: 32, Damage: 11, Shot: Arrow},
		"mage tower":  {Cost: 125, Range: 135, Reload: 60, Damage: 16, Slow: 90, Shot: Bolt},
		"wall":        {Cost: 50, HP: 300},
		"spike trap":  {Cost: 75, Range: 22, Reload: 30, Damage: 8},
	}
	StructureNames = []string{"cannon", "arrow tower", "mage tower", "wall", "spike trap"}
)

// UpgradeCost is the gold to raise a structure of kind from level to level+1.
func UpgradeCost(kind string, level int) int {
	return Structures[kind].Cost * level * 3 / 4 / 5 * 5
}

// Structure is a building at a place.
type Structure struct {
	Kind     string
	Level    int
	Place    *Place
	HP       int // walls only
	MaxHP    int
	Cooldown int
	Aim      float64 // radians: where it last shot
	Building int     // frames of construction left; it does nothing meanwhile
	Flash    int
}

// Range returns the structure's reach at its level.
func (s *Structure) Range() float64 { return Structures[s.Kind].Range + 12*float64(s.Level-1) }

// Damage returns the damage of one shot at its level.
func (s *Structure) Damage() int { return Structures[s.Kind].Damage * (1 + s.Level) / 2 }
