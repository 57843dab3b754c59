package model

import (
	"context"

	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// TrainConfig configures Train. Zero fields take the defaults named below.
type TrainConfig struct {
	Steps       int     // optimizer steps (required, > 0)
	Batch       int     // examples per step; default 32
	LR          float64 // peak learning rate; default 3e-3
	MinLR       float64 // learning rate at the end of the cosine decay; default LR/10
	Warmup      int     // linear warmup steps; default Steps/20
	WeightDecay float64 // AdamW decoupled decay on matrices only (not LN, biases, embeddings); default 0.01, <0 for none
	Beta1       float64 // default 0.9
	Beta2       float64 // default 0.99
	Eps         float64 // default 1e-8
	Clip        float64 // global gradient-norm clip; default 1, <0 for none
	Seed        uint64  // seeds the example stream (next's rng) and the mask draws
	// Workers is the number of goroutines a minibatch is split over; default 2.
	// Training is deterministic for a given (Seed, Workers, Batch): each worker sums
	// its examples in order and the workers' gradients are reduced in worker order.
	Workers int
}

func (tc *TrainConfig) defaults() error {
	if tc.Steps <= 0 {
		return fmt.Errorf("model: train: Steps = %d, want > 0", tc.Steps)
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if tc.Batch <= 0 {
		tc.Batch = 32
	}
	def(&tc.LR, 3e-3)
	def(&tc.MinLR, tc.LR/10)
	if tc.Warmup == 0 {
		tc.Warmup = tc.Steps / 20
	}
	def(&tc.WeightDecay, 0.01)
	def(&tc.Beta1, 0.9)
	def(&tc.Beta2, 0.99)
	def(&tc.Eps, 1e-8)
	def(&tc.Clip, 1)
	if tc.Workers <= 0 {
		tc.Workers = 2
	}
	tc.Workers = min(tc.Workers, tc.Batch, 64)
	return nil
}

// LRAt returns the learning rate of step (0-based): linear warmup, then cosine decay to MinLR.
func (tc TrainConfig) LRAt(step int) float64 {
	if step < tc.Warmup {
		return tc.LR * float64(step+1) / float64(tc.Warmup)
	}
	span := tc.Steps - tc.Warmup
	if span <= 0 {
		return tc.LR
	}
	f := float64(step-tc.Warmup) / float64(span)
	return tc.MinLR + 0.5*(tc.LR-tc.MinLR)*(1+math.Cos(math.Pi*f))
}

// DrawMask draws the decoder input of one training example (MDLM): a ratio r ~ U(0,1],
// each position masked (-1) with probability r, at least one masked; the others hold Target.
func DrawMask(rng *rand.Rand, target []int32, committed []int32) {
	r := 1 - rng.Float64() // (0,1]
	any := false
	for p := range committed {
		if rng.Float64() < r {
			committed[p] = -1
			any = true
		} else {
			committed[p] = target[p]
		}
	}
	if !any {
		committed[rng.IntN(len(committed))] = -1
	}
}

type trainItem struct {
	ex        *Example
	committed []int32
}

// Train runs tc.Steps AdamW steps on w (in place) over examples drawn from next.
// next is called on one goroutine, in order, with an rng seeded from tc.Seed; it
// must return a fresh Example (Train may still read it while next runs again), or
// an error that stops training (Train returns it).
// progress (may be nil) is called after every step with the minibatch's mean loss.
// Train stops early with ctx's error when ctx is done, and returns an error for an
// example that does not fit w's Config. It leaves no goroutine running.
func Train(ctx context.Context, tc TrainConfig, w *Weights, next func(rng *rand.Rand) (*Example, error), progress func(step int, loss float64, elapsed time.Duration)) error {
	if err := tc.defaults(); err != nil {
		return err
	}
	cfg := w.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	P := cfg.Positions()
	specs := bind[float32](cfg, &Tensors[float32]{}, nil)

	// example producer: overlaps featurization with the previous step's compute.
	ctx, cancel := context.WithCancel(ctx)
	batches := make(chan []trainItem, 1)
	var prodErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(batches)
		exRng := rand.New(rand.NewPCG(tc.Seed, 1))
		maskRng := rand.New(rand.NewPCG(tc.Seed, 2))
		for step := 0; step < tc.Steps; step++ {
			items := make([]trainItem, tc.Batch)
			for i := range items {
				ex, err := next(exRng)
				if err != nil {
					prodErr = err
					return
				}
				if err := ex.Check(cfg, true); err != nil {
					prodErr = fmt.Errorf("model: train step %d example %d: %w", step, i, err)
					return
				}
				items[i] = trainItem{ex, make([]int32, P)}
				DrawMask(maskRng, ex.Target, items[i].committed)
			}
			select {
			case batches <- items:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range batches {
		}
		wg.Wait()
	}()

	type worker struct {
		tp   *tape[float32]
		grad []float32
		loss float64
	}
	workers := make([]*worker, tc.Workers)
	for i := range workers {
		g, buf := newTensors[float32](cfg)
		gp := g
		workers[i] = &worker{tp: newTape(cfg, &w.Tensors, &gp), grad: buf}
	}
	owner := make([]int, tc.Batch)
	m := make([]float32, len(w.Data))
	v := make([]float32, len(w.Data))
	start := time.Now()
	for step := 0; step < tc.Steps; step++ {
		var items []trainItem
		select {
		case it, ok := <-batches:
			if !ok {
				if prodErr != nil {
					return prodErr
				}
				return ctx.Err()
			}
			items = it
		case <-ctx.Done():
			return ctx.Err()
		}
		B := len(items)
		assign(items, len(workers), cfg, owner)
		var wwg sync.WaitGroup
		for wi, wk := range workers {
			wwg.Add(1)
			go func() {
				defer wwg.Done()
				zero(wk.grad)
				wk.loss = 0
				for i, it := range items {
					if owner[i] != wi {
						continue
					}
					wk.tp.forward(it.ex, it.committed)
					wk.loss += wk.tp.loss(it.ex, float32(1)/float32(B))
					wk.tp.backward(it.ex)
				}
			}()
		}
		wwg.Wait()
		grad := workers[0].grad
		loss := workers[0].loss
		for _, wk := range workers[1:] {
			addTo(grad, wk.grad)
			loss += wk.loss
		}
		loss /= float64(B)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("model: train step %d: loss is %v (lower LR?)", step, loss)
		}
		adamW(tc, step, specs, w.Data, grad, m, v)
		if progress != nil {
			progress(step, loss, time.Since(start))
		}
	}
	return nil
}

func adamW(tc TrainConfig, step int, specs []tensorSpec, p, g, m, v []float32) {
	if tc.Clip > 0 {
		var n2 float64
		for _, x := range g {
			n2 += float64(x) * float64(x)
		}
		if n := math.Sqrt(n2); n > tc.Clip {
			s := float32(tc.Clip / n)
			for i := range g {
				g[i] *= s
			}
		}
	}
	lr := tc.LRAt(step)
	t := float64(step + 1)
	bc1 := 1 - math.Pow(tc.Beta1, t)
	bc2 := 1 - math.Pow(tc.Beta2, t)
	b1, b2 := float32(tc.Beta1), float32(tc.Beta2)
	a := float32(lr / bc1)
	rb2 := float32(1 / math.Sqrt(bc2))
	eps := float32(tc.Eps)
	for _, s := range specs {
		decay := float32(0)
		if s.kind == kindMatrix && tc.WeightDecay > 0 {
			decay = float32(lr * tc.WeightDecay)
		}
		pp, gg, mm, vv := p[s.off:s.off+s.n], g[s.off:s.off+s.n], m[s.off:s.off+s.n], v[s.off:s.off+s.n]
		for i := range pp {
			gi := gg[i]
			mi := b1*mm[i] + (1-b1)*gi
			vi := b2*vv[i] + (1-b2)*gi*gi
			mm[i], vv[i] = mi, vi
			pp[i] -= a*mi/(float32(math.Sqrt(float64(vi)))*rb2+eps) + decay*pp[i]
		}
	}
}

// assign splits a minibatch over workers: each example, in order, goes to the
// worker with the least estimated work so far (decoder cost is fixed, encoder and
// candidate costs grow with NTok and NCand). The split depends only on the batch,
// so training stays deterministic, and it keeps the workers' finishing times close.
func assign(items []trainItem, workers int, cfg Config, owner []int) {
	var load [64]int
	P, D := cfg.Positions(), cfg.Dim
	for i, it := range items {
		cost := P*(12*D+2*cfg.FFN)*D*cfg.DecLayers + it.ex.NTok*(6*D+2*cfg.FFN)*D*cfg.EncLayers + it.ex.NCand*(4*D+P)*D
		best := 0
		for w := 1; w < workers && w < len(load); w++ {
			if load[w] < load[best] {
				best = w
			}
		}
		owner[i] = best
		load[best] += cost
	}
}
