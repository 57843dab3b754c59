package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sampleSetup: tinyConfig (S=3, F=2, P=6, C=6), 4 real candidates all allowed everywhere.
func sampleSetup() (Config, *Example, []float32, []int32, *Sampled) {
	cfg := tinyConfig()
	ex := NewExample(cfg)
	ex.NTok, ex.NCand = 1, 4
	P, C := cfg.Positions(), cfg.MaxCands
	for p := 0; p < P; p++ {
		for c := 0; c < 4; c++ {
			ex.Allowed[p*C+c] = true
		}
	}
	logits := make([]float32, P*C)
	committed := make([]int32, P)
	for p := range committed {
		committed[p] = -1
	}
	return cfg, ex, logits, committed, NewSampled(cfg)
}

func TestSampleStepsSchedule(t *testing.T) {
	for _, K := range []int{1, 2, 3, 6, 100, 0} {
		cfg, ex, logits, committed, out := sampleSetup()
		rng := rand.New(rand.NewPCG(uint64(K), 1))
		counts := map[int8]int{}
		steps := clampSteps(K, cfg.Positions())
		for s := 0; s < steps; s++ {
			for i := range logits {
				logits[i] = float32(rng.NormFloat64())
			}
			left := Sample(cfg, ex, nil, logits, committed, s, K, out)
			if s == steps-1 && left != 0 {
				t.Fatalf("K=%d: %d positions still masked after the last step", K, left)
			}
		}
		for p, st := range out.Step {
			counts[st]++
			if committed[p] != out.Chosen[p] {
				t.Fatalf("K=%d position %d: committed %d, Chosen %d", K, p, committed[p], out.Chosen[p])
			}
		}
		// P=6 positions: ceil(|M|/(K-s)) per step
		want := map[int][]int{1: {6}, 2: {3, 3}, 3: {2, 2, 2}, 6: {1, 1, 1, 1, 1, 1}, 100: {1, 1, 1, 1, 1, 1}, 0: {6}}[K]
		for s, n := range want {
			if counts[int8(s)] != n {
				t.Fatalf("K=%d: step %d committed %d positions, want %d (steps %v)", K, s, counts[int8(s)], n, out.Step)
			}
		}
	}
}

func TestSampleCommitsMostConfident(t *testing.T) {
	cfg, ex, logits, committed, out := sampleSetup()
	C := cfg.MaxCands
	// position 4 is the most peaked, then 1; the rest are flat (conf 0.25, ties -> lower p)
	logits[4*C+2] = 10
	logits[1*C+3] = 5
	Sample(cfg, ex, nil, logits, committed, 0, 3, out) // commits ceil(6/3) = 2
	if out.Step[4] != 0 || out.Step[1] != 0 || committed[4] != 2 || committed[1] != 3 {
		t.Fatalf("step 0 committed %v (steps %v), want positions 4->2 and 1->3", committed, out.Step)
	}
	Sample(cfg, ex, nil, logits, committed, 1, 3, out) // flat: ties -> positions 0, 2
	if out.Step[0] != 1 || out.Step[2] != 1 || out.Step[3] != -1 || out.Step[5] != -1 {
		t.Fatalf("step 1: steps %v, want positions 0 and 2 (lowest on ties)", out.Step)
	}
	if committed[0] != 0 || math.Abs(float64(out.Conf[0])-0.25) > 1e-6 {
		t.Fatalf("flat position: chose %d conf %v, want 0 (lowest index on ties) with 0.25", committed[0], out.Conf[0])
	}
}

func TestSamplePairConstraints(t *testing.T) {
	cfg, ex, logits, committed, out := sampleSetup()
	C, S := cfg.MaxCands, cfg.Roles
	// frame 1: role 0 (actor) is committed to candidate 1; role 1 (move) prefers 3,
	// but actor 1 only knows move 2; role 2 allows nothing the table permits.
	ok := make([]bool, C*C)
	ok[1*C+2] = true
	ok2 := make([]bool, C*C) // role 0 -> role 2: nothing allowed
	cons := &Constraints{Tables: []PairTable{{RoleA: 0, RoleB: 1, OK: ok}, {RoleA: 0, RoleB: 2, OK: ok2}}}
	base := 1 * S
	logits[(base+0)*C+1] = 20
	logits[(base+1)*C+3] = 4
	logits[(base+1)*C+2] = 2
	logits[(base+2)*C+0] = 3
	Sample(cfg, ex, cons, logits, committed, 0, 2, out) // commits 3: the actor (conf ~1) first
	if committed[base] != 1 {
		t.Fatalf("actor not committed first: %v", committed)
	}
	for s := 1; s < 2; s++ {
		Sample(cfg, ex, cons, logits, committed, s, 2, out)
	}
	p := base + 1
	u := func(l []float32, c int) float32 {
		var sum float64
		for _, v := range l[:4] {
			sum += math.Exp(float64(v))
		}
		return float32(math.Exp(float64(l[c])) / sum)
	}
	row := logits[p*C : p*C+C]
	if out.Chosen[p] != 2 || out.Free[p] != 3 {
		t.Fatalf("move: chosen %d free %d, want chosen 2 (allowed by the table), free 3", out.Chosen[p], out.Free[p])
	}
	if d := math.Abs(float64(out.Conf[p] - u(row, 2))); d > 1e-6 {
		t.Fatalf("move conf %v, want u[2] = %v", out.Conf[p], u(row, 2))
	}
	if d := math.Abs(float64(out.FreeProb[p] - u(row, 3))); d > 1e-6 {
		t.Fatalf("move freeProb %v, want u[3] = %v", out.FreeProb[p], u(row, 3))
	}
	q := base + 2
	if out.Chosen[q] != 0 || out.Free[q] != 0 || out.Conf[q] != 0 {
		t.Fatalf("empty constrained set: chosen %d free %d conf %v, want free choice 0 with conf 0", out.Chosen[q], out.Free[q], out.Conf[q])
	}
	// the other direction: with the move committed first, the actor is constrained
	cfg, ex, logits, committed, out = sampleSetup()
	cons.Tables = cons.Tables[:1]
	committed[base+1] = 2 // as if committed at step 0
	for p := range out.Step {
		out.Step[p] = -1
	}
	out.Step[base+1] = 0
	logits[(base+0)*C+3] = 5 // prefers actor 3, who does not know move 2
	for s := 1; s < cfg.Positions(); s++ {
		if Sample(cfg, ex, cons, logits, committed, s, cfg.Positions(), out) == 0 {
			break
		}
	}
	if committed[base] != 1 || out.Free[base] != 3 {
		t.Fatalf("actor with move 2 committed: chose %d free %d, want 1 (knows move 2), free 3", committed[base], out.Free[base])
	}
}

func TestSampleNoAllowed(t *testing.T) {
	cfg, ex, logits, committed, out := sampleSetup()
	C := cfg.MaxCands
	for c := 0; c < C; c++ {
		ex.Allowed[2*C+c] = false
	}
	if left := Sample(cfg, ex, nil, logits, committed, 0, 1, out); left != 0 {
		t.Fatalf("%d left", left)
	}
	if out.Chosen[2] != -1 || out.Free[2] != -1 || out.Conf[2] != 0 || committed[2] != -1 {
		t.Fatalf("position without candidates: chosen %d free %d conf %v", out.Chosen[2], out.Free[2], out.Conf[2])
	}
}

// TestFillMatchesDecodeLoop: the CPU Filler equals Encode + K×(Decode + Sample).
func TestFillMatchesDecodeLoop(t *testing.T) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 11)
	cpu, _ := NewCPU(w)
	batch := demoBatch(cfg, 3)
	C := cfg.MaxCands
	cons := make([]*Constraints, len(batch))
	for i := range cons {
		ok := make([]bool, C*C)
		for k := range ok {
			ok[k] = k%3 != 0
		}
		cons[i] = &Constraints{Tables: []PairTable{{RoleA: 0, RoleB: 1, OK: ok}}}
	}
	for _, K := range []int{1, 2, 3, cfg.Positions()} {
		out := []*Sampled{NewSampled(cfg), NewSampled(cfg), NewSampled(cfg)}
		if err := cpu.Fill(batch, cons, K, out); err != nil {
			t.Fatal(err)
		}
		for i, ex := range batch {
			ref := NewSampled(cfg)
			enc, err := cpu.Encode([]*Example{ex})
			if err != nil {
				t.Fatal(err)
			}
			committed := make([]int32, cfg.Positions())
			for p := range committed {
				committed[p] = -1
			}
			logits := make([]float32, cfg.Positions()*C)
			for s := 0; s < K; s++ {
				if err := cpu.Decode(enc, [][]int32{committed}, [][]float32{logits}); err != nil {
					t.Fatal(err)
				}
				if Sample(cfg, ex, cons[i], logits, committed, s, K, ref) == 0 {
					break
				}
			}
			for p := range committed {
				if ref.Chosen[p] != out[i].Chosen[p] || ref.Step[p] != out[i].Step[p] || ref.Conf[p] != out[i].Conf[p] {
					t.Fatalf("K=%d row %d position %d: Fill %d/%d/%v, loop %d/%d/%v", K, i, p,
						out[i].Chosen[p], out[i].Step[p], out[i].Conf[p], ref.Chosen[p], ref.Step[p], ref.Conf[p])
				}
			}
		}
	}
}

func TestBackendRegistry(t *testing.T) {
	w, _ := NewWeights(tinyConfig(), 1)
	b, err := OpenBackend("cpu", w)
	if err != nil || b.Name() != "cpu" {
		t.Fatalf("OpenBackend(cpu) = %v, %v", b, err)
	}
	if _, ok := b.(Stepwise); !ok {
		t.Fatal("cpu backend does not expose Encode/Decode")
	}
	if _, err := OpenBackend("nope", w); err == nil {
		t.Fatal("unknown backend opened")
	}
}

func TestBadInputErrors(t *testing.T) {
	cfg := tinyConfig()
	w, _ := NewWeights(cfg, 1)
	cpu, _ := NewCPU(w)
	ex := synthBatch(cfg, 1, 1)[0]
	bad := *ex
	bad.CandKind = append([]int32(nil), ex.CandKind...)
	bad.CandKind[0] = 99
	if _, err := cpu.Encode([]*Example{&bad}); err == nil {
		t.Fatal("kind out of range accepted")
	}
	bad = *ex
	bad.TokHash = [][]int32{{1000}}
	if _, err := cpu.Encode([]*Example{&bad}); err == nil {
		t.Fatal("hash out of range accepted")
	}
	enc, err := cpu.Encode([]*Example{ex})
	if err != nil {
		t.Fatal(err)
	}
	committed := make([]int32, cfg.Positions())
	committed[0] = int32(ex.NCand) // a padding candidate
	if err := cpu.Decode(enc, [][]int32{committed}, [][]float32{make([]float32, cfg.Positions()*cfg.MaxCands)}); err == nil {
		t.Fatal("committed padding candidate accepted")
	}
	if err := cpu.Fill([]*Example{ex}, nil, 2, []*Sampled{nil}); err == nil {
		t.Fatal("nil output accepted")
	}
	if err := cpu.Fill([]*Example{ex}, []*Constraints{{Tables: []PairTable{{RoleA: 0, RoleB: 9}}}}, 2, []*Sampled{{}}); err == nil {
		t.Fatal("bad constraint table accepted")
	}
}

// TestDecodeCacheMatchesFresh: a Decode after other Decodes (which reuses the
// first block's rows of unchanged positions) equals a Decode right after Encode.
func TestDecodeCacheMatchesFresh(t *testing.T) {
	cfg := DefaultConfig()
	w, _ := NewWeights(cfg, 5)
	a, _ := NewCPU(w)
	b, _ := NewCPU(w)
	ex := demoBatch(cfg, 1)
	P, C := cfg.Positions(), cfg.MaxCands
	encA, _ := a.Encode(ex)
	rng := rand.New(rand.NewPCG(8, 8))
	committed := make([]int32, P)
	la, lb := make([]float32, P*C), make([]float32, P*C)
	for round := 0; round < 6; round++ {
		for p := range committed {
			switch rng.IntN(3) {
			case 0:
				committed[p] = -1
			case 1:
				committed[p] = int32(rng.IntN(ex[0].NCand))
			} // else unchanged
		}
		if round == 3 {
			for p := range committed {
				committed[p] = -1 // back to all masked
			}
		}
		if err := a.Decode(encA, [][]int32{committed}, [][]float32{la}); err != nil {
			t.Fatal(err)
		}
		encB, _ := b.Encode(ex)
		if err := b.Decode(encB, [][]int32{committed}, [][]float32{lb}); err != nil {
			t.Fatal(err)
		}
		for i := range la {
			if la[i] != lb[i] {
				t.Fatalf("round %d logit %d: cached %v, fresh %v", round, i, la[i], lb[i])
			}
		}
	}
}

// TestSampleSameStepRecheck: positions committed in the same step constrain each
// other (docs/model.md step 3): the less confident one is re-picked.
func TestSampleSameStepRecheck(t *testing.T) {
	cfg, ex, logits, committed, out := sampleSetup()
	C := cfg.MaxCands
	ok := make([]bool, C*C)
	ok[1*C+2], ok[2*C+1] = true, true
	cons := &Constraints{Tables: []PairTable{{RoleA: 0, RoleB: 1, OK: ok}}}
	logits[0*C+1] = 9 // role 0 of frame 0: candidate 1, very confident
	logits[1*C+1] = 3 // role 1: prefers 1 too (forbidden with actor 1), then 2
	logits[1*C+2] = 2
	if left := Sample(cfg, ex, cons, logits, committed, 0, 1, out); left != 0 {
		t.Fatalf("%d left", left)
	}
	if committed[0] != 1 || committed[1] != 2 {
		t.Fatalf("committed %v, want role 0 -> 1 and role 1 re-picked to 2", committed[:2])
	}
	if out.Free[1] != 1 {
		t.Fatalf("free choice of role 1 = %d, want 1", out.Free[1])
	}
	var sum float64
	for c := 0; c < 4; c++ {
		sum += math.Exp(float64(logits[1*C+c]))
	}
	if want := math.Exp(2) / sum; math.Abs(float64(out.Conf[1])-want) > 1e-6 {
		t.Fatalf("conf of the re-picked choice %v, want u[2] = %v", out.Conf[1], want)
	}
}
