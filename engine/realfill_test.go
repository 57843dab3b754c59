package engine_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/engine"
	"github.com/voicecmd/voicecmd/engine/fill"
)

// The demo game's trained filler: these tests run the real model.
const demoDir = "../examples/monstertrainer"

func demoFiller(t testing.TB) *fill.Model {
	t.Helper()
	f, err := fill.Load(demoDir, fill.Options{})
	if err != nil {
		t.Fatalf("load the demo's filler: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// collect polls like a 1 kHz game loop until n utterances finished.
func collect(t *testing.T, e *engine.Engine, n int) ([]engine.Command, []engine.Utterance) {
	t.Helper()
	var cmds []engine.Command
	var utts []engine.Utterance
	deadline := time.Now().Add(10 * time.Second)
	for len(utts) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d utterances finished", len(utts), n)
		}
		cmds = append(cmds, e.Poll()...)
		utts = append(utts, e.Finished()...)
		time.Sleep(time.Millisecond)
	}
	return cmds, utts
}

func slots(c engine.Command) string {
	return fmt.Sprintf("%s actor=%s move=%s target=%s", c.Intent, c.Slots["actor"], c.Slots["move"], c.Slots["target"])
}

func TestRealFillerRenameAppliesToNextUtterance(t *testing.T) {
	e, err := engine.New(engine.Options{Filler: demoFiller(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Submit(0, "Sparky, thunderbolt the Rattler")
	cmds, _ := collect(t, e, 1)
	if len(cmds) != 1 || slots(cmds[0]) != "attack actor=Sparky move=thunderbolt target=Rattler" {
		t.Fatalf("got %v", cmds)
	}
	if err := e.Rename("monster", "Sparky", "Zappy"); err != nil {
		t.Fatal(err)
	}
	e.Submit(0, "Zappy, thunderbolt the Rattler")
	e.Submit(0, "Pikachu, use thunderbolt")
	cmds, utts := collect(t, e, 2)
	if len(cmds) != 1 || slots(cmds[0]) != "attack actor=Zappy move=thunderbolt target=Rattler" {
		t.Fatalf("after the rename: %v", cmds)
	}
	if !utts[1].Result.Rejected || utts[1].Result.Reason == "" {
		t.Errorf("Pikachu should be rejected with a reason: %+v", utts[1].Result)
	}
}

func TestRealFillerLowersK(t *testing.T) {
	f := demoFiller(t)
	// A budget no fill can meet: every fill lowers K until one step is left.
	e, err := engine.New(engine.Options{Filler: f, FillBudget: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if k := e.Stats().Steps; k != f.DefaultSteps() {
		t.Fatalf("starts at K=%d, want the model's default %d", k, f.DefaultSteps())
	}
	for i := range f.DefaultSteps() + 1 {
		e.Submit(0, "Bubbles, water gun on Stonejaw")
		cmds, _ := collect(t, e, 1)
		if len(cmds) != 1 || cmds[0].Slots["move"].Str != "water gun" {
			t.Fatalf("fill %d at lower K: %v", i, cmds)
		}
	}
	st := e.Stats()
	if st.Steps != 1 || st.StepsLowered != f.DefaultSteps()-1 {
		t.Fatalf("stats = %+v: want K lowered to 1, %d times", st, f.DefaultSteps()-1)
	}
}

func TestRealFillerBatchesPlayers(t *testing.T) {
	e, err := engine.New(engine.Options{Filler: demoFiller(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p2, _ := e.AddTypist()
	texts := []string{"Go, Leafy!", "Cinder, ember!"}
	e.Submit(0, texts[0])
	e.Submit(p2, texts[1])
	cmds, _ := collect(t, e, 2)
	got := map[int]string{}
	for _, c := range cmds {
		got[c.Source] = c.Intent + " " + c.Slots["actor"].Str
	}
	if got[0] != "switch Leafy" || got[p2] != "attack Cinder" {
		t.Fatalf("two players: %v", got)
	}
}

func ExampleEngine() {
	f, err := fill.Load("../examples/monstertrainer", fill.Options{})
	if err != nil {
		panic(err)
	}
	defer f.Close()
	eng, err := engine.New(engine.Options{Filler: f}) // source 0 types
	if err != nil {
		panic(err)
	}
	defer eng.Close()
	eng.Submit(0, "Sparky, thunderbolt the Rattler")
	for {
		// In a game, this loop is Ebiten's Update, 60 times a second.
		for _, c := range eng.Poll() {
			fmt.Println(c.Intent, c.Slots["actor"], c.Slots["move"], c.Slots["target"])
			return
		}
		time.Sleep(time.Millisecond)
	}
	// Output: attack Sparky thunderbolt Rattler
}

// BenchmarkTranscriptToCommand measures a final transcript's way through the engine
// with the demo's trained filler: Submit, the batched fill, Poll returning the
// command (polling as fast as possible, so the frame wait is not included).
func BenchmarkTranscriptToCommand(b *testing.B) {
	e, err := engine.New(engine.Options{Filler: demoFiller(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for b.Loop() {
		e.Submit(0, "Sparky, thunderbolt the Rattler")
		for len(e.Poll()) == 0 {
		}
	}
}

// Renaming a value touches only its own type: renaming Sparky to Ember and then to
// Zap must leave the move "ember" that Cinder knows alone (it once became "Zap").
func TestRenameKeepsOtherTypes(t *testing.T) {
	f := demoFiller(t)
	e, err := engine.New(engine.Options{Filler: f})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.Rename("monster", "Sparky", "Ember"); err != nil {
		t.Fatal(err)
	}
	if err := e.Rename("monster", "Ember", "Zap"); err != nil {
		t.Fatal(err)
	}
	st := e.State()
	if !st.Related("knows", "Cinder", "ember") || st.Related("knows", "Cinder", "Zap") {
		t.Errorf("Cinder's moves after renaming a monster: %v", st.Relations["knows"])
	}
	if !st.Has("move", "ember") || !st.Has("monster", "Zap") || !st.Related("knows", "Zap", "thunderbolt") {
		t.Errorf("state after renames: %+v", st)
	}
	if err := e.RemoveValue("monster", "Zap"); err != nil {
		t.Fatal(err)
	}
	if st := e.State(); !st.Related("knows", "Cinder", "ember") || st.Has("monster", "Zap") {
		t.Errorf("after removing Zap: %+v", st.Relations["knows"])
	}
}
