package cuda

// Parity checks shared by the GPU tests (cuda_test.go, build tag cuda) and the
// emulator tests (emu_test.go, every build): the kernel, on a device or on the
// CPU emulator, against the pure-Go reference backend model.CPU.

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/model"
	"github.com/voicecmd/voicecmd/internal/understand"
)

// kernelBackend is what the parity checks need of the device side.
type kernelBackend interface {
	model.Backend
	model.Stepwise
}

// randomWeights perturbs fresh weights (LN gains/biases, zero biases) so that
// every tensor, biases included, takes part in the comparison.
func randomWeights(t testing.TB, cfg model.Config, seed uint64) *model.Weights {
	w, err := model.NewWeights(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range w.Data {
		w.Data[i] += float32(rng.NormFloat64() * 0.05)
	}
	return w
}

// randomExample: random sizes and contents, some positions allowing one or no
// candidate, pooling rows that sum to 1 over the real tokens.
func randomExample(cfg model.Config, rng *rand.Rand) *model.Example {
	ex := model.NewExample(cfg)
	T, C, P := cfg.MaxTokens, cfg.MaxCands, cfg.Positions()
	ex.NTok = 1 + rng.IntN(T)
	ex.NCand = 1 + rng.IntN(C)
	for t := 0; t < ex.NTok; t++ {
		n := rng.IntN(cfg.HashesPerToken + 1)
		ex.TokHash[t] = ex.TokHash[t][:n] // shorter rows are allowed
		for j := range ex.TokHash[t] {
			ex.TokHash[t][j] = int32(rng.IntN(cfg.HashBuckets+1)) - 1
		}
		for f := 0; f < cfg.TokFeat; f++ {
			ex.TokFeat[t*cfg.TokFeat+f] = float32(rng.NormFloat64())
		}
	}
	for c := 0; c < ex.NCand; c++ {
		ex.CandKind[c] = int32(rng.IntN(cfg.Kinds))
		var s float32
		row := ex.CandPool[c*T : c*T+ex.NTok]
		for t := range row {
			row[t] = rng.Float32()
			s += row[t]
		}
		for t := range row {
			row[t] /= s
		}
		for f := 0; f < cfg.CandFeat; f++ {
			ex.CandFeat[c*cfg.CandFeat+f] = float32(rng.NormFloat64())
		}
	}
	for p := 0; p < P; p++ {
		switch rng.IntN(10) {
		case 0: // allows nothing
		case 1: // exactly one
			ex.Allowed[p*C+rng.IntN(ex.NCand)] = true
		default:
			for c := 0; c < ex.NCand; c++ {
				ex.Allowed[p*C+c] = rng.IntN(2) == 0
			}
		}
	}
	return ex
}

func randomConstraints(cfg model.Config, rng *rand.Rand) *model.Constraints {
	if rng.IntN(4) == 0 {
		return nil
	}
	C := cfg.MaxCands
	cs := &model.Constraints{}
	for range rng.IntN(6) {
		t := model.PairTable{RoleA: rng.IntN(cfg.Roles), RoleB: rng.IntN(cfg.Roles), OK: make([]bool, C*C)}
		for i := range t.OK {
			t.OK[i] = rng.IntN(3) != 0
		}
		cs.Tables = append(cs.Tables, t)
	}
	return cs
}

// demoExample has the shape the demo's featurizer produces (as internal/model's
// benchmarks): 10 tokens with 8 hashes, 60 candidates, a third allowed.
func demoExample(cfg model.Config, rng *rand.Rand) *model.Example {
	ex := model.NewExample(cfg)
	ex.NTok = min(10, cfg.MaxTokens)
	ex.NCand = min(60, cfg.MaxCands)
	for t := 0; t < ex.NTok; t++ {
		for j := 0; j < min(8, cfg.HashesPerToken); j++ {
			ex.TokHash[t][j] = int32(rng.IntN(cfg.HashBuckets))
		}
		for f := 0; f < cfg.TokFeat; f++ {
			ex.TokFeat[t*cfg.TokFeat+f] = float32(rng.IntN(2))
		}
	}
	for c := 0; c < ex.NCand; c++ {
		ex.CandKind[c] = int32(rng.IntN(cfg.Kinds))
		ex.CandPool[c*cfg.MaxTokens+rng.IntN(ex.NTok)] = 1
		ex.CandFeat[c*cfg.CandFeat] = 1
	}
	P, C := cfg.Positions(), cfg.MaxCands
	for p := 0; p < P; p++ {
		for c := 0; c < ex.NCand; c++ {
			ex.Allowed[p*C+c] = rng.IntN(3) == 0
		}
		ex.Allowed[p*C+rng.IntN(ex.NCand)] = true
	}
	return ex
}

func configs() map[string]model.Config {
	wide := model.DefaultConfig()
	wide.Dim, wide.Heads, wide.FFN, wide.EncLayers, wide.DecLayers = 128, 8, 256, 2, 2
	odd := model.DefaultConfig()
	odd.Dim, odd.Heads, odd.FFN, odd.MaxTokens, odd.MaxCands, odd.Frames, odd.Roles = 36, 3, 50, 40, 33, 2, 7
	return map[string]model.Config{"demo": model.DefaultConfig(), "wide": wide, "odd": odd}
}

// decodeParity: Encode + Decode logits of dev match the CPU backend within
// 1e-3 on random inputs and committed slots, for batches of each size in sizes.
func decodeParity(t *testing.T, name string, cfg model.Config, w *model.Weights, dev kernelBackend, sizes []int) {
	t.Helper()
	cpu, err := model.NewCPU(w)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, uint64(cfg.Dim)))
	P, C := cfg.Positions(), cfg.MaxCands
	for _, n := range sizes {
		batch := make([]*model.Example, n)
		committed := make([][]int32, n)
		lc, lg := make([][]float32, n), make([][]float32, n)
		for i := range batch {
			batch[i] = randomExample(cfg, rng)
			committed[i] = make([]int32, P)
			for p := range committed[i] {
				committed[i][p] = int32(rng.IntN(batch[i].NCand+1)) - 1
			}
			lc[i], lg[i] = make([]float32, P*C), make([]float32, P*C)
			for j := range lg[i] {
				lg[i][j] = float32(math.NaN()) // poison: every logit must be written
			}
		}
		ec, err := cpu.Encode(batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := cpu.Decode(ec, committed, lc); err != nil {
			t.Fatal(err)
		}
		eg, err := dev.Encode(batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := dev.Decode(eg, committed, lg); err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range batch {
			for j := range lc[i] {
				a, b := float64(lc[i][j]), float64(lg[i][j])
				if math.IsInf(a, -1) && math.IsInf(b, -1) {
					continue
				}
				d := math.Abs(a - b)
				if !(d <= 1e-3) { // NaN fails too
					t.Fatalf("%s batch %d row %d logit [p=%d][c=%d]: cpu %g %s %g", name, n, i, j/C, j%C, a, dev.Name(), b)
				}
				worst = max(worst, d)
			}
		}
		t.Logf("%s batch %d: max |Δlogit| = %.3g", name, n, worst)
	}
}

// fillCase is one batch of fillParity: n random examples, steps diffusion steps.
type fillCase struct{ n, steps int }

// fillParity: the whole fill on dev commits the same candidates at the same
// steps as the CPU reference, with Conf/FreeProb within 1e-3.
func fillParity(t *testing.T, name string, cfg model.Config, w *model.Weights, dev kernelBackend, cases []fillCase) {
	t.Helper()
	cpu, err := model.NewCPU(w)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, uint64(cfg.Dim)))
	P := cfg.Positions()
	for _, tc := range cases {
		batch := make([]*model.Example, tc.n)
		cons := make([]*model.Constraints, tc.n)
		oc, og := make([]*model.Sampled, tc.n), make([]*model.Sampled, tc.n)
		for i := range batch {
			batch[i] = randomExample(cfg, rng)
			cons[i] = randomConstraints(cfg, rng)
			oc[i] = model.NewSampled(cfg)
		}
		if err := cpu.Fill(batch, cons, tc.steps, oc); err != nil {
			t.Fatal(err)
		}
		if err := dev.Fill(batch, cons, tc.steps, og); err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range batch {
			c, d := oc[i], og[i]
			if !slices.Equal(c.Chosen, d.Chosen) || !slices.Equal(c.Free, d.Free) || !slices.Equal(c.Step, d.Step) {
				t.Fatalf("%s n=%d K=%d row %d differs:\ncpu chosen %v free %v step %v\n%s chosen %v free %v step %v",
					name, tc.n, tc.steps, i, c.Chosen, c.Free, c.Step, dev.Name(), d.Chosen, d.Free, d.Step)
			}
			for p := 0; p < P; p++ {
				e := max(math.Abs(float64(c.Conf[p]-d.Conf[p])), math.Abs(float64(c.FreeProb[p]-d.FreeProb[p])))
				if !(e <= 1e-3) {
					t.Fatalf("%s n=%d K=%d row %d position %d: conf %g/%g freeProb %g/%g (cpu/%s)",
						name, tc.n, tc.steps, i, p, c.Conf[p], d.Conf[p], c.FreeProb[p], d.FreeProb[p], dev.Name())
				}
				worst = max(worst, e)
			}
		}
		t.Logf("%s n=%d K=%d: identical choices, max |Δprob| = %.3g", name, tc.n, tc.steps, worst)
	}
}

// devSetParity: on the demo game's dev set (its first limit utterances; all if
// limit <= 0), the whole pipeline (featurize, fill, decode) gives the same
// commands and rejections with the named backend as with the CPU one, batched
// and (for the first few) one utterance at a time.
func devSetParity(t *testing.T, backend string, limit, alone int) {
	dir := ""
	for _, d := range []string{"../../examples/monstertrainer", "examples/monstertrainer"} {
		if _, err := os.Stat(d + "/model.vcw"); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skip("no examples/monstertrainer/model.vcw (trained demo weights) here")
	}
	cases, err := understand.LoadDevSet(dir + "/devset.txt")
	if err != nil {
		t.Fatal(err)
	}
	if limit > 0 && limit < len(cases) {
		cases = cases[:limit]
	}
	cpu, err := understand.Load(dir, understand.Options{Backend: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	defer cpu.Close()
	dev, err := understand.Load(dir, understand.Options{Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if dev.Backend() != backend {
		t.Fatalf("fill opened backend %q, want %s", dev.Backend(), backend)
	}
	texts := make([]string, len(cases))
	sts := make([]*grammar.State, len(cases))
	for i, c := range cases {
		texts[i], sts[i] = c.Text, c.State
	}
	rc, rd := cpu.FillEach(texts, sts, 0), dev.FillEach(texts, sts, 0)
	for i := range cases {
		if !understand.Same(rd[i], rc[i]) {
			t.Errorf("line %d %q: cpu %s, %s %s", cases[i].Line, texts[i], understand.Describe(rc[i]), backend, understand.Describe(rd[i]))
		}
		if i < alone {
			if one := dev.FillEach(texts[i:i+1], sts[i:i+1], 0)[0]; !understand.Same(one, rc[i]) {
				t.Errorf("line %d %q alone: cpu %s, %s %s", cases[i].Line, texts[i], understand.Describe(rc[i]), backend, understand.Describe(one))
			}
		}
	}
	ec, ed := understand.Evaluate(cpu, cases, 0), understand.Evaluate(dev, cases, 0)
	t.Logf("dev set: %d utterances, identical results; exact match cpu %.3f %s %.3f", len(cases), ec.Accuracy(), backend, ed.Accuracy())
}
