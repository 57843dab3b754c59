package defense

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

func cmd(intent string, kv ...any) grammar.Command {
	c := grammar.Command{Intent: intent, Slots: map[string]grammar.Value{}}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case int:
			c.Slots[kv[i].(string)] = grammar.Num(v)
		case string:
			c.Slots[kv[i].(string)] = grammar.Str(v)
		}
	}
	return c
}

// quiet is a world without waves: tests place the enemies.
func quiet() *World {
	w := New(1)
	w.Waves = false
	return w
}

func run(w *World, frames int) {
	for range frames {
		w.Step()
	}
}

func TestDo(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *World)
		cmd    grammar.Command
		effect string // substring of the effect; "" when an error is wanted
		err    string // substring of the error
		check  func(t *testing.T, w *World)
	}{
		{
			name:   "attack a named enemy",
			setup:  func(w *World) { w.Spawn("troll", 0, 200); w.Spawn("goblin", 0, 100) },
			cmd:    cmd("attack", "squad", "archers", "target", "goblin"),
			effect: "archers attack the goblin",
			check: func(t *testing.T, w *World) {
				q := w.Squad("archers")
				if q.Order != Attacking || q.Target == nil || q.Target.Kind != "goblin" {
					t.Errorf("archers: order %v target %+v", q.Order, q.Target)
				}
			},
		},
		{
			name:   "attack with no target takes the nearest",
			setup:  func(w *World) { w.Spawn("troll", 0, 400); w.Spawn("goblin", 0, 10) },
			cmd:    cmd("attack", "squad", "knights"),
			effect: "knights attack the nearest troll",
		},
		{
			name:  "attack an enemy kind that is not on the map",
			setup: func(w *World) { w.Spawn("goblin", 0, 100) },
			cmd:   cmd("attack", "squad", "archers", "target", "troll"),
			err:   "no troll in sight",
		},
		{name: "attack with no enemies", cmd: cmd("attack", "squad", "archers"), err: "no enemies in sight"},
		{name: "attack an unknown enemy", cmd: cmd("attack", "squad", "archers", "target", "dragon"), err: "there is no enemy called dragon"},
		{name: "attack your own squad", cmd: cmd("attack", "squad", "archers", "target", "knights"), err: "the knights are on your side"},
		{
			name:   "move to a place",
			cmd:    cmd("move", "squad", "scouts", "place", "bridge"),
			effect: "scouts march to the bridge",
			check: func(t *testing.T, w *World) {
				run(w, 200)
				if q := w.Squad("scouts"); q.At == nil || q.At.Name != "bridge" || q.Order != Idle || q.Pos.Dist(w.Place("bridge").Point) > 50 {
					t.Errorf("scouts did not reach the bridge: at %v %v order %v", q.At, q.Pos, q.Order)
				}
			},
		},
		{name: "move where the squad is", cmd: cmd("move", "squad", "scouts", "place", "mill"), effect: "scouts are already at the mill"},
		{name: "move to an unknown place", cmd: cmd("move", "squad", "scouts", "place", "moon"), err: "there is no place called moon"},
		{name: "move an unknown squad", cmd: cmd("move", "squad", "wizards", "place", "bridge"), err: "there is no squad called wizards"},
		{name: "a place as the squad", cmd: cmd("move", "squad", "bridge", "place", "mill"), err: "the bridge is a place, not a squad"},
		{name: "an enemy as the squad", cmd: cmd("hold", "squad", "troll"), err: "the troll is an enemy"},
		{name: "no squad at all", cmd: cmd("hold"), err: "which squad?"},
		{name: "move with no place", cmd: cmd("move", "squad", "scouts"), err: "where?"},
		{
			name:   "hold",
			setup:  func(w *World) { w.Do(cmd("move", "squad", "knights", "place", "bridge")); run(w, 20) },
			cmd:    cmd("hold", "squad", "knights"),
			effect: "knights hold",
			check: func(t *testing.T, w *World) {
				q := w.Squad("knights")
				before := q.Pos
				run(w, 60)
				if q.Order != Holding || q.Pos != before {
					t.Errorf("knights should stand still: order %v, %v -> %v", q.Order, before, q.Pos)
				}
			},
		},
		{name: "hold at a place", cmd: cmd("hold", "squad", "archers"), effect: "archers hold at the north gate"},
		{
			name:   "retreat",
			cmd:    cmd("retreat", "squad", "knights"),
			effect: "knights fall back to the keep",
			check: func(t *testing.T, w *World) {
				run(w, 400)
				if q := w.Squad("knights"); q.At == nil || q.At.Name != "keep" {
					t.Errorf("knights are at %v, want the keep", q.At)
				}
			},
		},
		{
			name:   "build",
			cmd:    cmd("build", "structure", "cannon", "place", "north gate"),
			effect: "cannon built at the north gate (-150 gold)",
			check: func(t *testing.T, w *World) {
				s := w.Place("north gate").Structure
				if s == nil || s.Kind != "cannon" || s.Level != 1 || w.Gold != StartGold-150 || len(w.Structures) != 1 {
					t.Errorf("structure %+v, gold %d", s, w.Gold)
				}
			},
		},
		{
			name:  "build where something stands",
			setup: func(w *World) { w.Do(cmd("build", "structure", "cannon", "place", "north gate")) },
			cmd:   cmd("build", "structure", "wall", "place", "north gate"),
			err:   "there is already a cannon at the north gate",
			check: func(t *testing.T, w *World) {
				if w.Gold != StartGold-150 {
					t.Errorf("a refused build cost gold: %d", w.Gold)
				}
			},
		},
		{
			name:  "build without the gold",
			setup: func(w *World) { w.Gold = 40 },
			cmd:   cmd("build", "structure", "mage tower", "place", "bridge"),
			err:   "not enough gold: a mage tower costs 125, you have 40",
			check: func(t *testing.T, w *World) {
				if w.Place("bridge").Structure != nil || w.Gold != 40 {
					t.Error("a refused build changed the map")
				}
			},
		},
		{name: "build on the keep", cmd: cmd("build", "structure", "wall", "place", "keep"), err: "nothing can be built on the keep"},
		{name: "build an unknown structure", cmd: cmd("build", "structure", "moat", "place", "bridge"), err: "there is no structure called moat"},
		{name: "build nowhere", cmd: cmd("build", "structure", "wall"), err: "where?"},
		{
			name:   "upgrade",
			setup:  func(w *World) { w.Do(cmd("build", "structure", "cannon", "place", "east gate")) },
			cmd:    cmd("upgrade", "structure", "cannon", "place", "east gate"),
			effect: "cannon at the east gate upgraded to level 2 (-110 gold)",
			check: func(t *testing.T, w *World) {
				if s := w.Place("east gate").Structure; s.Level != 2 || s.Damage() <= Structures["cannon"].Damage || s.Range() <= Structures["cannon"].Range {
					t.Errorf("level 2 cannon: %+v", s)
				}
			},
		},
		{
			name:   "upgrade without naming the structure",
			setup:  func(w *World) { w.Do(cmd("build", "structure", "wall", "place", "bridge")) },
			cmd:    cmd("upgrade", "place", "bridge"),
			effect: "wall at the bridge upgraded to level 2",
			check: func(t *testing.T, w *World) {
				if s := w.Place("bridge").Structure; s.MaxHP <= Structures["wall"].HP || s.HP != s.MaxHP {
					t.Errorf("an upgraded wall is stronger and repaired: %d/%d", s.HP, s.MaxHP)
				}
			},
		},
		{
			name:  "upgrade the wrong kind",
			setup: func(w *World) { w.Do(cmd("build", "structure", "wall", "place", "bridge")) },
			cmd:   cmd("upgrade", "structure", "cannon", "place", "bridge"),
			err:   "there is a wall at the bridge, not a cannon",
		},
		{name: "upgrade nothing", cmd: cmd("upgrade", "structure", "cannon", "place", "mill"), err: "nothing is built at the mill"},
		{
			name: "upgrade past the top",
			setup: func(w *World) {
				w.Gold = 10000
				w.Do(cmd("build", "structure", "arrow tower", "place", "mill"))
				w.Do(cmd("upgrade", "place", "mill"))
				w.Do(cmd("upgrade", "place", "mill"))
			},
			cmd: cmd("upgrade", "place", "mill"),
			err: "the arrow tower at the mill is at its highest level",
		},
		{
			name:  "upgrade without the gold",
			setup: func(w *World) { w.Do(cmd("build", "structure", "cannon", "place", "mill")); w.Gold = 5 },
			cmd:   cmd("upgrade", "place", "mill"),
			err:   "not enough gold: the upgrade costs 110, you have 5",
		},
		{
			name:   "rename",
			cmd:    cmd("rename", "squad", "squad two", "name", "falcons."),
			effect: "squad two are now called Falcons",
			check: func(t *testing.T, w *World) {
				if w.Squad("Falcons") == nil || w.Squad("squad two") != nil {
					t.Fatal("rename did not take")
				}
				if _, err := w.Do(cmd("move", "squad", "squad two", "place", "bridge")); err == nil || !strings.Contains(err.Error(), "there is no squad called squad two") {
					t.Errorf("the old name still takes orders: %v", err)
				}
				if _, err := w.Do(cmd("move", "squad", "Falcons", "place", "bridge")); err != nil {
					t.Errorf("the new name takes no orders: %v", err)
				}
			},
		},
		{name: "rename to a squad's name", cmd: cmd("rename", "squad", "scouts", "name", "Knights"), err: "there is already a squad called Knights"},
		{name: "rename to a place", cmd: cmd("rename", "squad", "scouts", "name", "the bridge"), err: "Bridge is the name of a place"},
		{name: "rename to an enemy", cmd: cmd("rename", "squad", "scouts", "name", "troll"), err: "Troll is the name of an enemy"},
		{name: "rename to nothing", cmd: cmd("rename", "squad", "scouts", "name", " ?! "), err: "what should the new name be?"},
		{name: "rename to the same name", cmd: cmd("rename", "squad", "scouts", "name", "Scouts"), err: "already called"},
		{
			name:  "the vocabulary refuses a rename",
			setup: func(w *World) { w.OnRename = func(string, string) error { return errors.New("engine: invalid state") } },
			cmd:   cmd("rename", "squad", "scouts", "name", "Ravens"),
			err:   "cannot rename scouts: engine: invalid state",
			check: func(t *testing.T, w *World) {
				if w.Squad("scouts") == nil {
					t.Error("a refused rename renamed")
				}
			},
		},
		{
			name:   "recruit",
			cmd:    cmd("recruit", "squad", "archers", "count", 2),
			effect: "archers +2 archers (-60 gold)",
			check: func(t *testing.T, w *World) {
				if q := w.Squad("archers"); q.Soldiers != 7 || w.Gold != StartGold-60 {
					t.Errorf("soldiers %d gold %d", q.Soldiers, w.Gold)
				}
			},
		},
		{name: "recruit one by default", cmd: cmd("recruit", "squad", "knights"), effect: "knights +1 knight (-45 gold)"},
		{name: "recruit past full strength", cmd: cmd("recruit", "squad", "archers", "count", 4), err: "the archers have room for only 3 more"},
		{name: "recruit too many at once", cmd: cmd("recruit", "squad", "archers", "count", 9), err: "between 1 and 5"},
		{name: "recruit a word count", cmd: cmd("recruit", "squad", "archers", "count", "lots"), err: "between 1 and 5"},
		{
			name:  "recruit without the gold",
			setup: func(w *World) { w.Gold = 50 },
			cmd:   cmd("recruit", "squad", "knights", "count", 2),
			err:   "not enough gold: 2 knights cost 90, you have 50",
		},
		{
			name:   "recruit brings a routed squad back",
			setup:  func(w *World) { w.wound(w.Squad("scouts"), 1000) },
			cmd:    cmd("recruit", "squad", "scouts", "count", 3),
			effect: "scouts +3 scouts",
			check: func(t *testing.T, w *World) {
				if q := w.Squad("scouts"); q.Routed() || q.At.Name != "keep" {
					t.Errorf("scouts: %d soldiers at %v", q.Soldiers, q.At)
				}
			},
		},
		{
			name:  "a routed squad cannot fight",
			setup: func(w *World) { w.wound(w.Squad("scouts"), 1000) },
			cmd:   cmd("move", "squad", "scouts", "place", "bridge"),
			err:   "the scouts have no soldiers left: recruit more",
		},
		{
			name:   "formation",
			cmd:    cmd("formation", "squad", "knights", "formation", "circle"),
			effect: "knights form a circle",
			check: func(t *testing.T, w *World) {
				if w.Squad("knights").Formation != "circle" {
					t.Error("formation unchanged")
				}
			},
		},
		{name: "formation already taken", cmd: cmd("formation", "squad", "archers", "formation", "line"), effect: "archers are already in a line"},
		{name: "unknown formation", cmd: cmd("formation", "squad", "archers", "formation", "pyramid"), err: "there is no formation called pyramid"},
		{name: "unknown intent", cmd: cmd("dance", "squad", "archers"), err: `does not know how to "dance"`},
		{
			name:  "after the battle",
			setup: func(w *World) { w.Outcome = Lost },
			cmd:   cmd("hold", "squad", "archers"),
			err:   "the battle is over",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := quiet()
			if tt.setup != nil {
				tt.setup(w)
			}
			effect, err := w.Do(tt.cmd)
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want %q (effect %q)", err, tt.err, effect)
			case tt.err == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.err == "" && !strings.Contains(effect, tt.effect):
				t.Fatalf("effect %q, want %q", effect, tt.effect)
			}
			if tt.check != nil {
				tt.check(t, w)
			}
		})
	}
}

func TestRenameUpdatesVocabularyAndDefault(t *testing.T) {
	w := quiet()
	var renamed [2]string
	var last string
	w.OnRename = func(old, new string) error { renamed = [2]string{old, new}; return nil }
	w.OnCommand = func(s string) { last = s }
	if _, err := w.Do(cmd("rename", "squad", "squad two", "name", "the falcons")); err != nil {
		t.Fatal(err)
	}
	if renamed != [2]string{"squad two", "Falcons"} || last != "Falcons" {
		t.Errorf("hooks saw %v and %q", renamed, last)
	}
	w.Do(cmd("hold", "squad", "archers"))
	if last != "archers" {
		t.Errorf("the squad commanded last is %q, want archers", last)
	}
	w.Do(cmd("build", "structure", "wall", "place", "mill"))
	if last != "archers" {
		t.Error("a build names no squad and should not change the default")
	}
}

func TestStructuresShootAndKillPays(t *testing.T) {
	w := quiet()
	w.Do(cmd("build", "structure", "arrow tower", "place", "crossroads"))
	w.Do(cmd("build", "structure", "cannon", "place", "bridge"))
	gold := w.Gold
	var gs []*Enemy
	for i := range 4 {
		gs = append(gs, w.Spawn("goblin", i%2, 180+float64(i)*12))
	}
	run(w, 600)
	for _, g := range gs {
		if !g.Dead() {
			t.Errorf("goblin %d survived with %d HP at %v", g.ID, g.HP, g.Pos)
		}
	}
	if w.Gold != gold+4*EnemyKinds["goblin"].Reward {
		t.Errorf("gold %d, want %d", w.Gold, gold+4*EnemyKinds["goblin"].Reward)
	}
	if w.Lives != StartLives {
		t.Errorf("lives %d", w.Lives)
	}
}

func TestWallBlocksUntilItFalls(t *testing.T) {
	w := quiet()
	for _, q := range w.Squads {
		w.wound(q, 10000) // nobody in the way but the wall
	}
	w.Do(cmd("build", "structure", "wall", "place", "bridge"))
	run(w, 50) // built
	bridge, _ := w.Routes[0].PlaceAt(w.Place("bridge"))
	troll := w.Spawn("troll", 0, bridge-60)
	run(w, 400)
	wall := w.Place("bridge").Structure
	if wall == nil || wall.HP >= wall.MaxHP || troll.D > bridge || !troll.Engaged {
		t.Fatalf("the troll should be stuck battering the wall: wall %+v troll at %.0f (bridge %.0f)", wall, troll.D, bridge)
	}
	run(w, 2000)
	if w.Place("bridge").Structure != nil || len(w.Structures) != 0 {
		t.Error("the wall should have fallen")
	}
	if troll.D <= bridge {
		t.Error("the troll should walk on once the wall is down")
	}
}

func TestSquadsFightAndRout(t *testing.T) {
	w := quiet()
	scouts := w.Squad("scouts")
	mill, _ := w.Routes[0].PlaceAt(w.Place("mill"))
	troll := w.Spawn("troll", 0, mill-50)
	w.Do(cmd("attack", "squad", "scouts", "target", "troll"))
	run(w, 1200)
	if troll.HP == troll.MaxHP {
		t.Error("the scouts never hit the troll")
	}
	if !scouts.Routed() || scouts.At.Name != "keep" || scouts.Order != Idle {
		t.Errorf("three scouts should lose to a troll and flee to the keep: %d soldiers at %v", scouts.Soldiers, scouts.At)
	}
	if _, err := w.Do(cmd("attack", "squad", "scouts")); err == nil {
		t.Error("a routed squad took an order")
	}
}

func TestEnemiesReachTheKeep(t *testing.T) {
	w := quiet()
	for _, q := range w.Squads {
		w.wound(q, 10000)
	}
	e := w.Spawn("orc captain", 2, 0)
	w.Lives = 4
	run(w, 600)
	if !(w.Outcome == Lost && w.Lives == 0 && len(w.Enemies) == 0) {
		t.Errorf("an orc captain at the keep: outcome %v lives %d enemies %d (%v)", w.Outcome, w.Lives, len(w.Enemies), e.Pos)
	}
	if _, err := w.Do(cmd("hold", "squad", "archers")); !errors.Is(err, ErrOver) {
		t.Errorf("commands after a defeat: %v", err)
	}
}

// TestWholeGame plays every wave with a reasonable defense: the game is won, the
// waves come in order, the enemies walk the roads.
func TestWholeGame(t *testing.T) {
	w := New(3)
	w.Gold = 2000
	for _, c := range []grammar.Command{
		cmd("build", "structure", "cannon", "place", "crossroads"),
		cmd("build", "structure", "arrow tower", "place", "bridge"),
		cmd("build", "structure", "mage tower", "place", "east gate"),
		cmd("build", "structure", "arrow tower", "place", "mill"),
		cmd("upgrade", "place", "crossroads"),
		cmd("upgrade", "place", "crossroads"),
		cmd("upgrade", "place", "bridge"),
		cmd("upgrade", "place", "east gate"),
		cmd("move", "squad", "scouts", "place", "east gate"),
		cmd("move", "squad", "knights", "place", "bridge"),
	} {
		if _, err := w.Do(c); err != nil {
			t.Fatal(err)
		}
	}
	waves := 0
	for i := 0; i < 60*60*4 && w.Outcome == Ongoing; i++ {
		w.Step()
		if w.Wave != waves {
			waves = w.Wave
			if w.NextWaveIn() != 0 {
				t.Error("a wave is coming but the countdown runs")
			}
		}
		for _, e := range w.Enemies {
			if e.Pos.X < -40 || e.Pos.X > 1000 || e.Pos.Y < FieldTop || e.Pos.Y > FieldBottom {
				t.Fatalf("%s off the map at %v", e.Kind, e.Pos)
			}
		}
	}
	if w.Outcome != Won || w.Wave != WaveCount() {
		t.Fatalf("outcome %v after wave %d/%d, lives %d, frame %d", w.Outcome, w.Wave, WaveCount(), w.Lives, w.Frame)
	}
	t.Logf("won at frame %d with %d lives and %d gold", w.Frame, w.Lives, w.Gold)
}

// TestBadCommandsNeverPanic throws random commands, good and bad, at a running game.
func TestBadCommandsNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	words := []string{"", " ", "archers", "knights", "scouts", "squad two", "Falcons", "bridge", "keep", "mill",
		"north gate", "goblin", "troll", "cannon", "wall", "spike trap", "wedge", "spread", "??", "123", "ARCHERS "}
	slots := []string{"squad", "target", "place", "structure", "name", "count", "formation", "bogus"}
	intents := append(append([]string(nil), Intents...), "", "fly")
	w := New(5)
	w.Gold = 5000
	w.OnRename = func(string, string) error { return nil }
	for i := range 20000 {
		c := grammar.Command{Intent: intents[rng.IntN(len(intents))], Slots: map[string]grammar.Value{}}
		for range rng.IntN(4) {
			k := slots[rng.IntN(len(slots))]
			if rng.IntN(4) == 0 {
				c.Slots[k] = grammar.Num(rng.IntN(12) - 3)
			} else {
				c.Slots[k] = grammar.Str(words[rng.IntN(len(words))])
			}
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("Do(%+v) at frame %d panicked: %v", c, w.Frame, r)
				}
			}()
			w.Do(c)
			if i%3 == 0 {
				w.Step()
			}
		}()
	}
	for _, q := range w.Squads {
		if q.Soldiers < 0 || q.Soldiers > MaxSoldier {
			t.Errorf("%s has %d soldiers", q.Name, q.Soldiers)
		}
	}
	if w.Gold < 0 {
		t.Errorf("gold %d", w.Gold)
	}
	if len(w.Messages) == 0 || w.Messages[len(w.Messages)-1] == "" {
		t.Errorf("messages %q", w.Messages)
	}
}

func TestNextWaveComesSoonerOnceClear(t *testing.T) {
	w := New(1)
	for w.Wave < 1 || len(w.pending) > 0 {
		w.Step()
	}
	if s := w.NextWaveIn(); s < 10 {
		t.Errorf("with enemies on the map the next wave is %.1fs away, want the full rest", s)
	}
	for _, e := range w.Enemies {
		e.HP = 0 // the player beat them all
	}
	w.Step()
	cleared := w.Frame
	if s := w.NextWaveIn(); s <= 0 || s > 3 {
		t.Errorf("next wave in %.1fs after the map is clear, want at most 3s", s)
	}
	for w.Wave < 2 {
		w.Step()
	}
	if d := w.Frame - cleared; d > 3*60 {
		t.Errorf("wave 2 came %d frames after the map was clear", d)
	}
}
