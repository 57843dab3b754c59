package defense

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/voicecmd/voicecmd/grammar"
)

// Intents lists every intent Do understands: the grammar's (commands.vcg).
var Intents = []string{"attack", "move", "hold", "retreat", "build", "upgrade", "rename", "recruit", "formation"}

// ErrOver is returned for commands given after the game ended.
var ErrOver = errors.New("the battle is over")

// Do acts out one command and returns a short effect for the HUD ("archers attack
// the goblin"). The error is for the player: why the command could not be carried
// out ("not enough gold: a cannon costs 150, you have 40"). Bad input (unknown
// names, missing slots, numbers out of range) is an error, never a panic.
func (w *World) Do(c grammar.Command) (effect string, err error) {
	if w.Outcome != Ongoing {
		return "", ErrOver
	}
	str := func(k string) string { return strings.TrimSpace(c.Slots[k].Str) }
	var q *Squad
	if squadIntent(c.Intent) {
		if q, err = w.commanded(str("squad"), c.Intent != "recruit" && c.Intent != "rename"); err != nil {
			return "", err
		}
	}
	switch c.Intent {
	case "attack":
		effect, err = w.attack(q, str("target"))
	case "move":
		effect, err = w.move(q, str("place"))
	case "hold":
		effect, err = w.hold(q)
	case "retreat":
		effect, err = w.retreat(q)
	case "build":
		effect, err = w.build(str("structure"), str("place"))
	case "upgrade":
		effect, err = w.upgrade(str("place"), str("structure"))
	case "rename":
		effect, err = w.rename(q, c.Slots["name"].Str)
	case "recruit":
		n := 1
		if v, ok := c.Slots["count"]; ok {
			if !v.IsNum || v.Num < 1 || v.Num > 5 {
				return "", fmt.Errorf("recruit between 1 and 5 soldiers at a time, not %s", v)
			}
			n = v.Num
		}
		effect, err = w.recruit(q, n)
	case "formation":
		effect, err = w.formation(q, str("formation"))
	default:
		err = fmt.Errorf("the commander does not know how to %q", c.Intent)
	}
	if err != nil {
		return "", err
	}
	w.say("%s", effect)
	if q != nil && w.OnCommand != nil {
		w.OnCommand(q.Name)
	}
	return effect, nil
}

func squadIntent(intent string) bool {
	switch intent {
	case "attack", "move", "hold", "retreat", "rename", "recruit", "formation":
		return true
	}
	return false
}

// commanded finds the squad a command names, with the player-facing errors.
// fighting: the command needs soldiers (a routed squad can still be renamed and
// recruited).
func (w *World) commanded(name string, fighting bool) (*Squad, error) {
	if name == "" {
		return nil, errors.New("which squad?")
	}
	q := w.Squad(name)
	switch {
	case q != nil:
	case w.Place(name) != nil:
		return nil, fmt.Errorf("the %s is a place, not a squad", name)
	case isEnemyKind(name):
		return nil, fmt.Errorf("the %s is an enemy, it does not take your orders", name)
	default:
		return nil, fmt.Errorf("there is no squad called %s", name)
	}
	if fighting && q.Routed() {
		return nil, fmt.Errorf("the %s have no soldiers left: recruit more", q.Name)
	}
	return q, nil
}

func isEnemyKind(name string) bool {
	_, ok := EnemyKinds[strings.ToLower(name)]
	return ok
}

func (w *World) place(name string) (*Place, error) {
	if name == "" {
		return nil, errors.New("where?")
	}
	p := w.Place(name)
	if p == nil {
		return nil, fmt.Errorf("there is no place called %s", name)
	}
	return p, nil
}

func (w *World) attack(q *Squad, target string) (string, error) {
	kind := strings.ToLower(target)
	if kind != "" && !isEnemyKind(kind) {
		if w.Squad(target) != nil {
			return "", fmt.Errorf("the %s are on your side", target)
		}
		return "", fmt.Errorf("there is no enemy called %s", target)
	}
	t := w.nearestEnemy(q.Pos, kind)
	if t == nil {
		if kind == "" {
			return "", errors.New("no enemies in sight")
		}
		return "", fmt.Errorf("no %s in sight", kind)
	}
	q.Order, q.Target, q.DestPlace = Attacking, t, nil
	if kind == "" {
		return fmt.Sprintf("%s attack the nearest %s", q.Name, t.Kind), nil
	}
	return fmt.Sprintf("%s attack the %s", q.Name, t.Kind), nil
}

func (w *World) move(q *Squad, name string) (string, error) {
	p, err := w.place(name)
	if err != nil {
		return "", err
	}
	to := w.slot(q, p)
	if q.At == p && q.Pos.Dist(to) < 1 {
		q.Order, q.Target = Idle, nil
		return fmt.Sprintf("%s are already at the %s", q.Name, p.Name), nil
	}
	q.Order, q.Dest, q.DestPlace, q.At, q.Target = Moving, to, p, nil, nil
	return fmt.Sprintf("%s march to the %s", q.Name, p.Name), nil
}

func (w *World) hold(q *Squad) (string, error) {
	q.Order, q.Target, q.DestPlace, q.Post = Holding, nil, nil, q.Pos
	if q.At == nil {
		q.At = w.placeNear(q.Pos)
	}
	if p := q.At; p != nil {
		return fmt.Sprintf("%s hold at the %s", q.Name, p.Name), nil
	}
	return fmt.Sprintf("%s hold their ground", q.Name), nil
}

func (w *World) retreat(q *Squad) (string, error) {
	keep := w.Place("keep")
	to := w.slot(q, keep)
	if q.At == keep && q.Pos.Dist(to) < 1 {
		q.Order, q.Target = Idle, nil
		return fmt.Sprintf("%s are already at the keep", q.Name), nil
	}
	q.Order, q.Dest, q.DestPlace, q.At, q.Target = Retreating, to, keep, nil, nil
	return fmt.Sprintf("%s fall back to the keep", q.Name), nil
}

func structureKind(name string) (string, error) {
	kind := strings.ToLower(name)
	if name == "" {
		return "", errors.New("which structure?")
	}
	if _, ok := Structures[kind]; !ok {
		return "", fmt.Errorf("there is no structure called %s", name)
	}
	return kind, nil
}

func (w *World) build(structure, at string) (string, error) {
	kind, err := structureKind(structure)
	if err != nil {
		return "", err
	}
	p, err := w.place(at)
	if err != nil {
		return "", err
	}
	switch {
	case !p.Buildable:
		return "", fmt.Errorf("nothing can be built on the %s", p.Name)
	case p.Structure != nil:
		return "", fmt.Errorf("there is already %s at the %s", grammar.Article(p.Structure.Kind), p.Name)
	}
	info := Structures[kind]
	if w.Gold < info.Cost {
		return "", fmt.Errorf("not enough gold: %s costs %d, you have %d", grammar.Article(kind), info.Cost, w.Gold)
	}
	w.Gold -= info.Cost
	s := &Structure{Kind: kind, Level: 1, Place: p, HP: info.HP, MaxHP: info.HP, Building: 45}
	p.Structure = s
	w.Structures = append(w.Structures, s)
	w.burst(p.Point, 16, colorDust, 2)
	w.floater(Point{p.X, p.Y - 30}, colorGold, "-%d", info.Cost)
	return fmt.Sprintf("%s built at the %s (-%d gold)", kind, p.Name, info.Cost), nil
}

func (w *World) upgrade(at, structure string) (string, error) {
	p, err := w.place(at)
	if err != nil {
		return "", err
	}
	s := p.Structure
	if s == nil {
		return "", fmt.Errorf("nothing is built at the %s", p.Name)
	}
	if structure != "" {
		kind, err := structureKind(structure)
		if err != nil {
			return "", err
		}
		if kind != s.Kind {
			return "", fmt.Errorf("there is %s at the %s, not %s", grammar.Article(s.Kind), p.Name, grammar.Article(kind))
		}
	}
	if s.Level >= MaxLevel {
		return "", fmt.Errorf("the %s at the %s is at its highest level", s.Kind, p.Name)
	}
	cost := UpgradeCost(s.Kind, s.Level)
	if w.Gold < cost {
		return "", fmt.Errorf("not enough gold: the upgrade costs %d, you have %d", cost, w.Gold)
	}
	w.Gold -= cost
	s.Level++
	if s.MaxHP > 0 {
		s.MaxHP = Structures[s.Kind].HP * (1 + s.Level) / 2
		s.HP = s.MaxHP // the masons repair it too
	}
	s.Flash = 20
	w.burst(p.Point, 20, colorGold, 2.4)
	w.floater(Point{p.X, p.Y - 30}, colorGold, "level %d", s.Level)
	return fmt.Sprintf("%s at the %s upgraded to level %d (-%d gold)", s.Kind, p.Name, s.Level, cost), nil
}

func (w *World) rename(q *Squad, spoken string) (string, error) {
	name := CleanName(spoken)
	switch {
	case name == "":
		return "", errors.New("what should the new name be?")
	case strings.EqualFold(name, q.Name):
		return "", fmt.Errorf("the %s are already called %s", q.Name, name)
	case w.Squad(name) != nil:
		return "", fmt.Errorf("there is already a squad called %s", name)
	case w.Place(name) != nil:
		return "", fmt.Errorf("%s is the name of a place", name)
	case isEnemyKind(name):
		return "", fmt.Errorf("%s is the name of an enemy", name)
	}
	old := q.Name
	if w.OnRename != nil {
		if err := w.OnRename(old, name); err != nil {
			return "", fmt.Errorf("cannot rename %s: %v", old, err)
		}
	}
	q.Name, q.Halo = name, 60
	w.burst(q.Pos, 20, colorInfo, 2)
	w.floater(Point{q.Pos.X, q.Pos.Y - 34}, colorInfo, "%s!", name)
	return fmt.Sprintf("%s are now called %s", old, name), nil
}

// CleanName turns a spoken name ("the falcons.") into a label ("Falcons"):
// punctuation around it and a leading "the" go, each word gets a capital.
func CleanName(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words := strings.Fields(s)
	if len(words) > 1 && strings.EqualFold(words[0], "the") {
		words = words[1:]
	}
	for i, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}

func (w *World) recruit(q *Squad, n int) (string, error) {
	if room := MaxSoldier - q.Soldiers; n > room {
		if room == 0 {
			return "", fmt.Errorf("the %s are at full strength (%d soldiers)", q.Name, MaxSoldier)
		}
		return "", fmt.Errorf("the %s have room for only %d more", q.Name, room)
	}
	cost := q.Info.Cost * n
	if w.Gold < cost {
		return "", fmt.Errorf("not enough gold: %d %s cost %d, you have %d", n, plural(q.Unit, n), cost, w.Gold)
	}
	w.Gold -= cost
	if q.Routed() {
		q.Order, q.Target = Idle, nil // back in the field at the keep
	}
	q.Soldiers += n
	q.Halo = 40
	w.floater(Point{q.Pos.X, q.Pos.Y - 34}, colorInfo, "+%d", n)
	return fmt.Sprintf("%s +%d %s (-%d gold)", q.Name, n, plural(q.Unit, n), cost), nil
}

func plural(unit string, n int) string {
	if n == 1 {
		return unit
	}
	return unit + "s"
}

func (w *World) formation(q *Squad, name string) (string, error) {
	f := strings.ToLower(name)
	if _, ok := Formations[f]; !ok {
		if f == "" {
			return "", errors.New("which formation?")
		}
		return "", fmt.Errorf("there is no formation called %s", name)
	}
	if q.Formation == f {
		return fmt.Sprintf("%s are already in %s", q.Name, formationPhrase(f)), nil
	}
	q.Formation = f
	return fmt.Sprintf("%s form %s", q.Name, formationPhrase(f)), nil
}

func formationPhrase(f string) string {
	if f == "spread" {
		return "a loose spread"
	}
	return grammar.Article(f)
}
