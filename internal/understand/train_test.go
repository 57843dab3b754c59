package understand

import (
	"context"
	"testing"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
)

// TestTrainSmoke is CI's short training run: a small model on generated data must
// learn (the loss falls by half) and come out usable by a Filler.
func TestTrainSmoke(t *testing.T) {
	g, st, _ := demo(t)
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.FFN, cfg.EncLayers = 32, 64, 1
	var losses []float64
	w, err := Train(context.Background(), g, TrainOptions{
		Config: cfg,
		Base:   st,
		Train:  model.TrainConfig{Steps: 300, Batch: 16, Seed: 3, LR: 3e-3},
		Progress: func(step int, loss float64, _ time.Duration) {
			losses = append(losses, loss)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	first, last := mean(losses[:10]), mean(losses[len(losses)-20:])
	t.Logf("loss %.3f -> %.3f over %d steps", first, last, len(losses))
	if !(last < first/2) {
		t.Errorf("loss did not fall enough: %.3f -> %.3f", first, last)
	}
	if w.Fingerprint != Fingerprint(g) {
		t.Error("trained weights lack the grammar fingerprint")
	}
	f, err := New(g, w, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := f.Understand("Sparky dodge left", nil)
	for _, c := range r.Commands {
		if err := g.Check(c, st); err != nil {
			t.Errorf("invalid command from a barely trained model: %v", err)
		}
	}
}

// Training is deterministic for a seed: same seed, same weights.
func TestTrainDeterministic(t *testing.T) {
	g, st, _ := demo(t)
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.FFN, cfg.EncLayers, cfg.HashBuckets = 16, 32, 1, 512
	run := func() *model.Weights {
		w, err := Train(context.Background(), g, TrainOptions{Config: cfg, Base: st, Train: model.TrainConfig{Steps: 5, Batch: 8, Seed: 9}})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	a, b := run(), run()
	for i := range a.Data {
		if a.Data[i] != b.Data[i] {
			t.Fatalf("parameter %d differs between two runs with the same seed", i)
		}
	}
}

var _ = grammar.Str
