package battle

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/voicecmd/voicecmd/grammar"
)

// Intents lists every intent Do understands: the demo grammar's.
var Intents = []string{"attack", "move", "dodge", "retreat", "switch", "item", "hold", "rename"}

// ErrOver is returned for commands given after the battle ended.
var ErrOver = errors.New("the battle is over")

// MoveInfo is what a move does.
type MoveInfo struct {
	Element Element
	Power   int    // base damage; 0 for status moves
	Effect  string // "", "dash", "paralyze", "swift", "guard", "rain", "blind", "burn", "heal", "sleep"
}

// Moves is the move table. A move missing from it (one the game added at run time)
// hits with the user's element at power 20.
var Moves = map[string]MoveInfo{
	"thunderbolt":  {Electric, 28, ""},
	"quick attack": {Normal, 16, "dash"},
	"thunder wave": {Electric, 0, "paralyze"},
	"agility":      {Normal, 0, "swift"},
	"water gun":    {Water, 20, ""},
	"bubble beam":  {Water, 26, ""},
	"withdraw":     {Water, 0, "guard"},
	"rain dance":   {Water, 0, "rain"},
	"flamethrower": {Fire, 30, ""},
	"ember":        {Fire, 18, ""},
	"smokescreen":  {Normal, 0, "blind"},
	"fire spin":    {Fire, 10, "burn"},
	"vine whip":    {Grass, 22, ""},
	"razor leaf":   {Grass, 26, ""},
	"synthesis":    {Grass, 0, "heal"},
	"sleep powder": {Grass, 0, "sleep"},
}

// Do acts out one command and says what happened. The error is for the player: why
// the command could not be carried out ("Leafy is on the bench").
func (w *World) Do(c grammar.Command) (string, error) {
	if w.Outcome != Ongoing {
		return "", ErrOver
	}
	str := func(k string) string { return strings.TrimSpace(c.Slots[k].Str) }
	var (
		effect string
		err    error
	)
	switch c.Intent {
	case "attack":
		effect, err = w.attack(str("actor"), str("move"), str("target"))
	case "move":
		steps := 1
		if v, ok := c.Slots["steps"]; ok && v.IsNum {
			steps = v.Num
		}
		effect, err = w.move(str("actor"), str("direction"), steps)
	case "dodge":
		effect, err = w.dodge(str("actor"), str("direction"))
	case "retreat":
		effect, err = w.retreat(str("actor"))
	case "switch":
		effect, err = w.switchIn(str("actor"))
	case "item":
		effect, err = w.useItem(str("item"), str("target"))
	case "hold":
		effect, err = w.hold(str("actor"))
	case "rename":
		effect, err = w.rename(str("actor"), c.Slots["name"].Str)
	default:
		err = fmt.Errorf("the trainer does not know how to %q", c.Intent)
	}
	if err == nil {
		w.say("%s", effect)
		w.checkOutcome()
	}
	return effect, err
}

// partyMember finds a party monster by name, with the player-facing errors.
func (w *World) partyMember(name string, needField bool) (*Monster, error) {
	if name == "" {
		return nil, errors.New("who should do that?")
	}
	m := w.Find(name)
	switch {
	case m == nil:
		return nil, fmt.Errorf("there is no monster called %s", name)
	case m.Enemy:
		return nil, fmt.Errorf("%s is an enemy, it does not take your orders", m.Name)
	case needField && m.Fainted():
		return nil, fmt.Errorf("%s has fainted", m.Name)
	case needField && !m.OnField:
		return nil, fmt.Errorf("%s is on the bench; say \"Go, %s!\" first", m.Name, m.Name)
	}
	return m, nil
}

func (w *World) attack(actor, move, target string) (string, error) {
	a, err := w.partyMember(actor, true)
	if err != nil {
		return "", err
	}
	move = strings.ToLower(move)
	info, ok := Moves[move]
	if !ok {
		info = MoveInfo{Element: a.Element, Power: 20}
	}
	a.Lunge = 14
	switch info.Effect {
	case "swift":
		a.Swift = 2
		w.sparkle(a.X, a.Y, 20, ElementColor(Electric))
		w.floater(a.X, a.Y-60, "evasion up!", colorInfo)
		return fmt.Sprintf("%s used agility: evasion up", a.Name), nil
	case "guard":
		a.Guard = 2
		w.burst(a.X, a.Y, 16, Water)
		return fmt.Sprintf("%s withdrew into its shell: damage halved for 2 turns", a.Name), nil
	case "rain":
		w.rain = 600
		return fmt.Sprintf("%s made it rain: water moves are stronger", a.Name), nil
	case "heal":
		n := w.heal(a, a.MaxHP*35/100)
		return fmt.Sprintf("%s used synthesis: +%d HP", a.Name, n), nil
	}
	var t *Monster
	if target != "" {
		t = w.Find(target)
		switch {
		case t == nil:
			return "", fmt.Errorf("there is no %s here", target)
		case !t.Enemy:
			return "", fmt.Errorf("%s is on your side", t.Name)
		case t.Fainted():
			return "", fmt.Errorf("%s has already fainted", t.Name)
		}
	} else {
		t = w.nearestEnemy(a)
		if t == nil {
			return "", errors.New("no enemy left to attack")
		}
	}
	a.LungeDX, a.LungeDY = unit(t.X-a.X, t.Y-a.Y)
	w.attackEffect(a, t, info)
	switch info.Effect {
	case "paralyze":
		t.Paralyzed = 2
		w.floater(t.X, t.Y-60, "paralyzed!", ElementColor(Electric))
		return fmt.Sprintf("%s used thunder wave: %s is paralyzed", a.Name, t.Name), nil
	case "blind":
		t.Blind = 3
		w.floater(t.X, t.Y-60, "accuracy down", colorMiss)
		return fmt.Sprintf("%s used smokescreen: %s can hardly see", a.Name, t.Name), nil
	case "sleep":
		t.Asleep = 2
		w.floater(t.X, t.Y-60, "zzz", colorMiss)
		return fmt.Sprintf("%s used sleep powder: %s fell asleep", a.Name, t.Name), nil
	}
	mult := Effectiveness(info.Element, t.Element)
	power := float64(info.Power) * mult
	if info.Element == Water && w.rain > 0 {
		power *= 1.5
	}
	n := w.damage(t, int(math.Round(power*w.rnd(0.9, 1.1))))
	note := ""
	switch {
	case mult > 1:
		note = " (super effective!)"
	case mult < 1:
		note = " (not very effective)"
	}
	if info.Effect == "burn" {
		t.Burning = 3
		note += ", trapped in flames"
	}
	if t.Fainted() {
		note += fmt.Sprintf(", %s fainted", t.Name)
	}
	return fmt.Sprintf("%s used %s on %s: -%d HP%s", a.Name, move, t.Name, n, note), nil
}

// attackEffect starts the visual of an attack from a to t.
func (w *World) attackEffect(a, t *Monster, info MoveInfo) {
	switch {
	case info.Effect == "dash":
		a.Lunge = 24
		w.burst(t.X, t.Y, 14, Normal)
	case info.Element == Electric:
		w.Beams = append(w.Beams, Beam{X0: a.X, Y0: a.Y - 20, X1: t.X, Y1: t.Y, Element: Electric, Life: 18, Max: 18, Seed: w.rng.Uint64()})
		w.burst(t.X, t.Y, 22, Electric)
	case info.Element == Grass && info.Power > 0:
		w.Beams = append(w.Beams, Beam{X0: a.X, Y0: a.Y, X1: t.X, Y1: t.Y, Element: Grass, Life: 14, Max: 14})
		w.stream(a.X, a.Y, t.X, t.Y, 24, Grass)
		w.burst(t.X, t.Y, 10, Grass)
	default:
		w.stream(a.X, a.Y-10, t.X, t.Y, 36, info.Element)
		w.burst(t.X, t.Y, 18, info.Element)
	}
}

func (w *World) nearestEnemy(a *Monster) *Monster {
	var best *Monster
	bd := math.Inf(1)
	for _, e := range w.Enemies {
		if e.Fainted() {
			continue
		}
		if d := math.Hypot(e.X-a.X, e.Y-a.Y); d < bd {
			best, bd = e, d
		}
	}
	return best
}

func unit(dx, dy float64) (float64, float64) {
	d := math.Hypot(dx, dy)
	if d == 0 {
		return 0, -1
	}
	return dx / d, dy / d
}

// direction turns a direction name into a screen vector: the party faces up the
// screen, toward the enemies, so forward is up and left is left.
func direction(dir string) (dx, dy float64, ok bool) {
	switch strings.ToLower(dir) {
	case "left":
		return -1, 0, true
	case "right":
		return 1, 0, true
	case "forward":
		return 0, -1, true
	case "back":
		return 0, 1, true
	}
	return 0, 0, false
}

func clampField(x, y float64) (float64, float64) {
	return math.Min(math.Max(x, fieldMinX), fieldMaxX), math.Min(math.Max(y, partyMinY), partyMaxY)
}

func (w *World) move(actor, dir string, steps int) (string, error) {
	a, err := w.partyMember(actor, true)
	if err != nil {
		return "", err
	}
	dx, dy, ok := direction(dir)
	if !ok {
		return "", fmt.Errorf("which way is %q?", dir)
	}
	if steps < 1 || steps > 5 {
		return "", fmt.Errorf("%d steps is too far", steps)
	}
	x, y := clampField(a.ToX+dx*StepSize*float64(steps), a.ToY+dy*StepSize*float64(steps))
	moved := math.Hypot(x-a.ToX, y-a.ToY) / StepSize
	a.ToX, a.ToY = x, y
	a.HomeX, a.HomeY = x, y
	w.dust(a.X, a.Y)
	if moved < 0.5 {
		w.floater(a.X, a.Y-60, "bump!", colorMiss)
		return fmt.Sprintf("%s cannot go further %s", a.Name, dir), nil
	}
	unitWord := "steps"
	if steps == 1 {
		unitWord = "step"
	}
	return fmt.Sprintf("%s moved %d %s %s", a.Name, steps, unitWord, dir), nil
}

func (w *World) dodge(actor, dir string) (string, error) {
	a, err := w.partyMember(actor, true)
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = "left"
		if w.rng.IntN(2) == 1 {
			dir = "right"
		}
	}
	dx, dy, ok := direction(dir)
	if !ok {
		return "", fmt.Errorf("which way is %q?", dir)
	}
	x, y := clampField(a.ToX+dx*60, a.ToY+dy*60)
	// Afterimages where it stood.
	for i := range 5 {
		w.Particles = append(w.Particles, Particle{X: a.X + dx*float64(i)*12, Y: a.Y + dy*float64(i)*12, Size: 26, Grow: -0.6,
			Life: 20 + i*3, Max: 20 + i*3, Color: ElementColor(a.Element), Shape: Ring})
	}
	a.X, a.Y = a.X+(x-a.X)*0.5, a.Y+(y-a.Y)*0.5
	a.ToX, a.ToY, a.HomeX, a.HomeY = x, y, x, y
	a.Evade = 2 * EnemyTurnFrames
	w.floater(a.X, a.Y-60, "dodge!", colorMiss)
	return fmt.Sprintf("%s dodged %s: the next attack on it misses", a.Name, dir), nil
}

func (w *World) retreat(actor string) (string, error) {
	a, err := w.partyMember(actor, false)
	if err != nil {
		return "", err
	}
	if !a.OnField {
		return "", fmt.Errorf("%s is already on the bench", a.Name)
	}
	w.Beams = append(w.Beams, Beam{X0: a.X, Y0: a.Y, X1: 30, Y1: 400, Element: Fire, Life: 16, Max: 16})
	w.burst(a.X, a.Y, 16, Normal)
	w.toBench(a)
	return fmt.Sprintf("%s, come back! %s returns to the bench", a.Name, a.Name), nil
}

func (w *World) toBench(m *Monster) {
	i := 0
	for j, p := range w.Party {
		if p == m {
			i = j
		}
	}
	m.OnField = false
	m.HomeX, m.HomeY = benchPos(i)
	m.ToX, m.ToY = m.HomeX, m.HomeY
	m.Evade, m.Guard, m.Swift = 0, 0, 0
}

func (w *World) switchIn(actor string) (string, error) {
	a, err := w.partyMember(actor, false)
	if err != nil {
		return "", err
	}
	switch {
	case a.OnField:
		return "", fmt.Errorf("%s is already on the field", a.Name)
	case a.Fainted():
		return "", fmt.Errorf("%s has fainted and cannot fight; use a revive", a.Name)
	}
	field := w.OnFieldParty()
	slot := -1
	for i := range 2 {
		if !w.slotUsed(i, field) {
			slot = i
			break
		}
	}
	note := ""
	if slot < 0 {
		// Both slots taken: the weakest (fainted first) comes back.
		out := field[0]
		for _, m := range field[1:] {
			if float64(m.HP)/float64(m.MaxHP) < float64(out.HP)/float64(out.MaxHP) {
				out = m
			}
		}
		slot = w.slotOf(out, field)
		w.toBench(out)
		note = fmt.Sprintf(" (%s comes back)", out.Name)
	}
	a.OnField = true
	a.HomeX, a.HomeY = slotX(slot), 360
	a.ToX, a.ToY = a.HomeX, a.HomeY
	a.X, a.Y = a.HomeX, a.HomeY
	a.Enter, a.Halo = 30, 40
	w.burst(a.X, a.Y, 24, a.Element)
	w.sparkle(a.X, a.Y, 16, colorInfo)
	if w.OnSwitch != nil {
		w.OnSwitch(a.Name)
	}
	return fmt.Sprintf("Go, %s!%s", a.Name, note), nil
}

// slotUsed reports whether field slot i has a monster; slots are told apart by side
// (monsters walk, so positions drift).
func (w *World) slotUsed(i int, field []*Monster) bool {
	for _, m := range field {
		if w.slotOf(m, field) == i {
			return true
		}
	}
	return false
}

func (w *World) slotOf(m *Monster, field []*Monster) int {
	if len(field) == 2 {
		other := field[0]
		if other == m {
			other = field[1]
		}
		if m.HomeX > other.HomeX || (m.HomeX == other.HomeX && m == field[1]) {
			return 1
		}
		return 0
	}
	if m.HomeX >= Width/2 {
		return 1
	}
	return 0
}

func (w *World) useItem(item, target string) (string, error) {
	item = strings.ToLower(item)
	t, err := w.partyMember(target, false)
	if err != nil {
		if m := w.Find(target); m != nil && m.Enemy {
			return "", fmt.Errorf("you would not give a %s to %s", item, m.Name)
		}
		return "", err
	}
	left, known := w.Bag[item]
	if known && left <= 0 {
		return "", fmt.Errorf("no %s left", item)
	}
	var what string
	switch item {
	case "revive":
		if !t.Fainted() {
			return "", fmt.Errorf("%s has not fainted", t.Name)
		}
		t.HP = 0
		n := w.heal(t, t.MaxHP/2)
		w.burst(t.X, t.Y, 20, Electric)
		what = fmt.Sprintf("%s is back on its feet with %d HP", t.Name, n)
	case "antidote":
		if t.Fainted() {
			return "", fmt.Errorf("%s has fainted; use a revive", t.Name)
		}
		t.Poisoned = 0
		w.sparkle(t.X, t.Y, 14, ElementColor(Poison))
		what = fmt.Sprintf("%s is cured of poison", t.Name)
	default:
		if t.Fainted() {
			return "", fmt.Errorf("%s has fainted; use a revive", t.Name)
		}
		if t.HP == t.MaxHP {
			return "", fmt.Errorf("%s is already at full HP", t.Name)
		}
		amount := map[string]int{"potion": 20, "super potion": 50}[item]
		if amount == 0 {
			amount = 15 // an item the game added at run time
		}
		n := w.heal(t, amount)
		what = fmt.Sprintf("%s +%d HP", t.Name, n)
	}
	if known {
		w.Bag[item] = left - 1
		return fmt.Sprintf("used a %s on %s: %s (%d left)", item, t.Name, what, left-1), nil
	}
	return fmt.Sprintf("used a %s on %s: %s", item, t.Name, what), nil
}

func (w *World) hold(actor string) (string, error) {
	a, err := w.partyMember(actor, true)
	if err != nil {
		return "", err
	}
	a.ToX, a.ToY = a.X, a.Y
	a.HomeX, a.HomeY = a.X, a.Y
	a.Guard = max(a.Guard, 1)
	w.floater(a.X, a.Y-60, "guard", colorInfo)
	return fmt.Sprintf("%s holds its ground: the next hit is halved", a.Name), nil
}

func (w *World) rename(actor, name string) (string, error) {
	a, err := w.partyMember(actor, false)
	if err != nil {
		return "", err
	}
	name = CleanName(name)
	if name == "" {
		return "", errors.New("what should the new name be?")
	}
	if m := w.Find(name); m != nil && m != a {
		return "", fmt.Errorf("%s is already taken", name)
	}
	old := a.Name
	a.Name = name
	if w.OnRename != nil {
		if err := w.OnRename(old, name); err != nil {
			a.Name = old
			return "", fmt.Errorf("cannot rename %s: %v", old, err)
		}
	}
	a.Halo = 60
	w.sparkle(a.X, a.Y, 30, colorInfo)
	w.floater(a.X, a.Y-60, name+"!", colorInfo)
	return fmt.Sprintf("%s is now called %s", old, name), nil
}

// CleanName turns a spoken name ("captain fluff.") into a label ("Captain Fluff").
func CleanName(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	words := strings.Fields(s)
	for i, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		words[i] = string(rs)
	}
	return strings.Join(words, " ")
}
