package model_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/voicecmd/voicecmd/internal/model"
)

// tiny builds a two-token example: position roles point at candidate 1 or 2.
func tiny(cfg model.Config, rng *rand.Rand) *model.Example {
	ex := model.NewExample(cfg)
	ex.NTok, ex.NCand = 2, 3
	for t := 0; t < 2; t++ {
		ex.TokHash[t][0] = int32(rng.IntN(cfg.HashBuckets))
		ex.CandPool[(t+1)*cfg.MaxTokens+t] = 1
		ex.CandKind[t+1] = 1
	}
	for p := 0; p < cfg.Positions(); p++ {
		for c := 0; c < 3; c++ {
			ex.Allowed[p*cfg.MaxCands+c] = true
		}
		ex.Target[p] = int32(1 + p%2)
	}
	return ex
}

func Example() {
	cfg := model.DefaultConfig()
	cfg.Dim, cfg.FFN, cfg.HashBuckets = 16, 32, 64

	// Train a fresh model a little, save it with the grammar's fingerprint, load it back.
	w, _ := model.NewWeights(cfg, 1)
	w.Fingerprint = "my-grammar-v1"
	var losses []float64
	err := model.Train(context.Background(), model.TrainConfig{Steps: 100, Batch: 8, LR: 1e-2, Seed: 1}, w,
		func(rng *rand.Rand) (*model.Example, error) { return tiny(cfg, rng), nil },
		func(step int, loss float64, _ time.Duration) { losses = append(losses, loss) })
	fmt.Println("trained:", err == nil, "loss fell:", losses[len(losses)-1] < losses[0]/2)

	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.vcw")
	model.Save(path, w)
	if _, err := model.Load(path, "another-grammar"); err != nil {
		fmt.Println("wrong grammar rejected")
	}
	w, _ = model.Load(path, "my-grammar-v1")

	// Fill all P slots of one example in K=2 diffusion steps.
	b, _ := model.OpenBackend("cpu", w)
	defer b.Close()
	ex := tiny(cfg, rand.New(rand.NewPCG(9, 9)))
	out := []*model.Sampled{model.NewSampled(cfg)}
	b.Fill([]*model.Example{ex}, nil, 2, out)
	fmt.Println("slot 0:", out[0].Chosen[0], "slot 1:", out[0].Chosen[1])
	// Output:
	// trained: true loss fell: true
	// wrong grammar rejected
	// slot 0: 1 slot 1: 2
}
