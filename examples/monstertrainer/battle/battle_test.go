package battle

import (
	"errors"
	"strings"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

func cmd(intent string, kv ...any) grammar.Command {
	c := grammar.Command{Intent: intent, Slots: map[string]grammar.Value{}}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case int:
			c.Slots[kv[i].(string)] = grammar.Value{Num: v, IsNum: true}
		case string:
			c.Slots[kv[i].(string)] = grammar.Value{Str: v}
		}
	}
	return c
}

func calm(seed uint64) *World {
	w := New(seed)
	w.EnemiesAct = false
	return w
}

func run(w *World, frames int) {
	for range frames {
		w.Step()
	}
}

func TestAttackDamagesTargetWithEffect(t *testing.T) {
	w := calm(1)
	r := w.Find("Rattler")
	eff, err := w.Do(cmd("attack", "actor", "Sparky", "move", "thunderbolt", "target", "Rattler"))
	if err != nil {
		t.Fatal(err)
	}
	if r.HP >= r.MaxHP || !strings.Contains(eff, "Sparky used thunderbolt on Rattler: -") {
		t.Fatalf("HP %d/%d, effect %q", r.HP, r.MaxHP, eff)
	}
	if len(w.Beams) == 0 || len(w.Particles) == 0 {
		t.Error("a thunderbolt should draw a lightning beam and sparks")
	}
	// Water on rock is super effective.
	sj := w.Find("Stonejaw")
	eff, _ = w.Do(cmd("attack", "actor", "Bubbles", "move", "water gun", "target", "Stonejaw"))
	if !strings.Contains(eff, "super effective") || sj.MaxHP-sj.HP < 30 {
		t.Errorf("water gun on Stonejaw: %q, lost %d", eff, sj.MaxHP-sj.HP)
	}
	run(w, 120)
	if len(w.Beams) != 0 || len(w.Particles) != 0 {
		t.Error("effects should fade out")
	}
	if r.DisplayHP > float64(r.HP)+1 {
		t.Errorf("HP bar did not catch up: %.1f vs %d", r.DisplayHP, r.HP)
	}
}

func TestAttackWithoutTargetPicksNearestAndStatusMoves(t *testing.T) {
	w := calm(2)
	eff, err := w.Do(cmd("attack", "actor", "Sparky", "move", "thunder wave"))
	if err != nil || !strings.Contains(eff, "paralyzed") {
		t.Fatalf("%q %v", eff, err)
	}
	paralyzed := 0
	for _, e := range w.Enemies {
		paralyzed += e.Paralyzed
	}
	if paralyzed != 2 {
		t.Errorf("one enemy should be paralyzed for 2 turns")
	}
	w.Do(cmd("attack", "actor", "Bubbles", "move", "withdraw"))
	if w.Find("Bubbles").Guard != 2 {
		t.Error("withdraw should guard")
	}
}

func TestCommandErrors(t *testing.T) {
	w := calm(3)
	for _, tc := range []struct {
		c    grammar.Command
		want string
	}{
		{cmd("attack", "actor", "Leafy", "move", "vine whip"), "on the bench"},
		{cmd("attack", "actor", "Pikachu", "move", "thunderbolt"), "no monster called Pikachu"},
		{cmd("attack", "actor", "Sparky", "move", "thunderbolt", "target", "Bubbles"), "on your side"},
		{cmd("item", "item", "potion", "target", "Rattler"), "would not give"},
		{cmd("item", "item", "revive", "target", "Sparky"), "has not fainted"},
		{cmd("switch", "actor", "Sparky"), "already on the field"},
		{cmd("retreat", "actor", "Cinder"), "already on the bench"},
		{cmd("move", "actor", "Sparky", "direction", "sideways"), "which way"},
		{cmd("dance", "actor", "Sparky"), "does not know how"},
	} {
		_, err := w.Do(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: err = %v, want %q", tc.c.Intent, tc.c.Slots, err, tc.want)
		}
	}
}

func TestMoveDodgeHoldRetreatSwitch(t *testing.T) {
	w := calm(4)
	s := w.Find("Sparky")
	x0, y0 := s.ToX, s.ToY
	if _, err := w.Do(cmd("move", "actor", "Sparky", "direction", "left", "steps", 2)); err != nil {
		t.Fatal(err)
	}
	if s.ToX != x0-2*StepSize || s.ToY != y0 {
		t.Fatalf("move left 2: at %.0f,%.0f from %.0f,%.0f", s.ToX, s.ToY, x0, y0)
	}
	w.Do(cmd("move", "actor", "Sparky", "direction", "forward"))
	if s.ToY != y0-StepSize {
		t.Fatalf("forward should go up the screen toward the enemies: y %.0f", s.ToY)
	}
	run(w, 60)
	if s.X != s.ToX {
		t.Errorf("Sparky should have walked there: x %.1f, heading %.1f", s.X, s.ToX)
	}

	w.Do(cmd("dodge", "actor", "Sparky", "direction", "right"))
	if s.Evade == 0 {
		t.Fatal("dodge should make the next attack miss")
	}
	w.Do(cmd("hold", "actor", "Bubbles"))
	if w.Find("Bubbles").Guard == 0 {
		t.Fatal("hold should guard")
	}
	eff, err := w.Do(cmd("retreat", "actor", "Sparky"))
	if err != nil || s.OnField {
		t.Fatalf("retreat: %q %v", eff, err)
	}
	if _, err := w.Do(cmd("attack", "actor", "Sparky", "move", "thunderbolt")); err == nil {
		t.Fatal("a benched monster cannot attack")
	}
	eff, err = w.Do(cmd("switch", "actor", "Leafy"))
	if err != nil || !w.Find("Leafy").OnField || eff != "Go, Leafy!" {
		t.Fatalf("switch into a free slot: %q %v", eff, err)
	}
	eff, err = w.Do(cmd("switch", "actor", "Cinder"))
	if err != nil || !w.Find("Cinder").OnField || len(w.OnFieldParty()) != 2 || !strings.Contains(eff, "comes back") {
		t.Fatalf("switch with a full field: %q %v, field %d", eff, err, len(w.OnFieldParty()))
	}
}

func TestEnemyTurnsAndDodge(t *testing.T) {
	w := New(5)
	for _, m := range w.Party {
		m.Evade = 10 * EnemyTurnFrames // nothing hits
	}
	run(w, EnemyTurnFrames+1)
	lost := 0
	for _, m := range w.Party {
		lost += m.MaxHP - m.HP
	}
	if lost != 0 {
		t.Fatalf("dodging monsters lost %d HP", lost)
	}
	missed := false
	for _, m := range w.Messages {
		missed = missed || strings.Contains(m, "missed")
	}
	if !missed {
		t.Fatalf("the enemy turn should report a miss: %v", w.Messages)
	}
	for _, m := range w.Party {
		m.Evade = 0
	}
	run(w, 3*EnemyTurnFrames)
	for _, m := range w.Party {
		lost += m.MaxHP - m.HP
	}
	if lost == 0 {
		t.Fatal("three enemy turns did no damage")
	}
}

func TestItemsAndRevive(t *testing.T) {
	w := calm(6)
	s := w.Find("Sparky")
	s.HP = 10
	eff, err := w.Do(cmd("item", "item", "potion", "target", "Sparky"))
	if err != nil || s.HP != 30 || !strings.Contains(eff, "3 left") {
		t.Fatalf("potion: %q %v HP %d", eff, err, s.HP)
	}
	s.HP = 0
	if _, err := w.Do(cmd("item", "item", "potion", "target", "Sparky")); err == nil {
		t.Fatal("a potion cannot heal a fainted monster")
	}
	w.Do(cmd("item", "item", "revive", "target", "Sparky"))
	if s.HP != s.MaxHP/2 {
		t.Fatalf("revive: HP %d", s.HP)
	}
	w.Bag["antidote"] = 0
	if _, err := w.Do(cmd("item", "item", "antidote", "target", "Sparky")); err == nil || !strings.Contains(err.Error(), "no antidote left") {
		t.Fatalf("empty bag: %v", err)
	}
}

func TestRenameChangesLabelAndVocabulary(t *testing.T) {
	w := calm(7)
	var renamed []string
	w.OnRename = func(old, new string) error {
		renamed = append(renamed, old+"->"+new)
		return nil
	}
	eff, err := w.Do(cmd("rename", "actor", "Bubbles", "name", "captain fluff."))
	if err != nil || eff != "Bubbles is now called Captain Fluff" {
		t.Fatalf("%q %v", eff, err)
	}
	if w.Find("Captain Fluff") == nil || w.Find("Bubbles") != nil || len(renamed) != 1 || renamed[0] != "Bubbles->Captain Fluff" {
		t.Fatalf("rename not applied: %v", renamed)
	}
	if _, err := w.Do(cmd("attack", "actor", "Captain Fluff", "move", "water gun")); err != nil {
		t.Fatalf("the new name should take orders: %v", err)
	}
	w.OnRename = func(old, new string) error { return errors.New("vocabulary full") }
	if _, err := w.Do(cmd("rename", "actor", "Sparky", "name", "Zappy")); err == nil || w.Find("Sparky") == nil {
		t.Fatalf("a refused rename must be undone: %v", err)
	}
	if _, err := w.Do(cmd("rename", "actor", "Sparky", "name", "leafy")); err == nil {
		t.Fatal("renaming onto a taken name must fail")
	}
}

func TestWinAndLose(t *testing.T) {
	w := calm(8)
	for _, e := range w.Enemies {
		e.HP = 1
	}
	for _, e := range []string{"Rattler", "Stonejaw", "Gloomcap"} {
		if _, err := w.Do(cmd("attack", "actor", "Sparky", "move", "thunderbolt", "target", e)); err != nil {
			t.Fatal(err)
		}
	}
	if w.Outcome != Won {
		t.Fatalf("outcome = %v", w.Outcome)
	}
	if _, err := w.Do(cmd("hold", "actor", "Sparky")); !errors.Is(err, ErrOver) {
		t.Fatalf("after the end: %v", err)
	}
	l := New(9)
	for _, m := range l.Party {
		m.HP = 1
	}
	run(l, 40*EnemyTurnFrames)
	if l.Outcome != Lost {
		t.Fatalf("a party left at 1 HP under attack should lose: %v", l.Outcome)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{"captain fluff.": "Captain Fluff", " zappy!": "Zappy", "...": "", "r2 d2": "R2 D2"} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := New(42), New(42)
	for range 1000 {
		a.Step()
		b.Step()
	}
	for i := range a.Party {
		if a.Party[i].HP != b.Party[i].HP {
			t.Fatal("same seed, different battles")
		}
	}
}

func TestEnemyTurnClock(t *testing.T) {
	w := New(10)
	if f := w.EnemyTurnIn(); f != 1 {
		t.Fatalf("at start: %v", f)
	}
	run(w, EnemyTurnFrames/2)
	if f := w.EnemyTurnIn(); f < 0.45 || f > 0.55 {
		t.Fatalf("half way: %v", f)
	}
	if calm(11).EnemyTurnIn() != 0 {
		t.Fatal("calm enemies have no clock")
	}
}

func TestSwitchReportsNewDefaultActor(t *testing.T) {
	w := calm(7)
	var sent []string
	w.OnSwitch = func(name string) { sent = append(sent, name) }
	if _, err := w.Do(cmd("switch", "actor", "Leafy")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Do(cmd("switch", "actor", "Leafy")); err == nil {
		t.Fatal("switching in a monster already on the field must fail")
	}
	if len(sent) != 1 || sent[0] != "Leafy" {
		t.Fatalf("OnSwitch calls: %v (want one, for Leafy)", sent)
	}
}
