package model

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

type golden struct {
	Params int       `json:"params"`
	Sum    float64   `json:"weights_sum"` // Σ|w|: pins NewWeights
	Logits []float32 `json:"logits"`      // decoder logits of row 0, positions 0 and 5, real candidates
	Chosen []int32   `json:"chosen"`      // K=3 fill of row 0
	Step   []int8    `json:"step"`
	Conf0  float32   `json:"conf0"`
}

// TestGolden pins the numbers of the demo config at a fixed seed: weight init,
// decoder logits and a K=3 fill. Run with -update after an intended change.
func TestGolden(t *testing.T) {
	cfg := DefaultConfig()
	w, err := NewWeights(cfg, 42)
	if err != nil {
		t.Fatal(err)
	}
	cpu, _ := NewCPU(w)
	batch := demoBatch(cfg, 2)
	var g golden
	g.Params = w.NumParams()
	for _, v := range w.Data {
		g.Sum += math.Abs(float64(v))
	}
	enc, err := cpu.Encode(batch)
	if err != nil {
		t.Fatal(err)
	}
	P, C := cfg.Positions(), cfg.MaxCands
	committed := [][]int32{make([]int32, P), make([]int32, P)}
	for p := range committed[0] {
		committed[0][p], committed[1][p] = -1, -1
	}
	committed[0][5] = 7
	logits := [][]float32{make([]float32, P*C), make([]float32, P*C)}
	if err := cpu.Decode(enc, committed, logits); err != nil {
		t.Fatal(err)
	}
	n := batch[0].NCand
	g.Logits = append(append([]float32(nil), logits[0][:n]...), logits[0][5*C:5*C+n]...)
	out := []*Sampled{NewSampled(cfg), NewSampled(cfg)}
	if err := cpu.Fill(batch, nil, 3, out); err != nil {
		t.Fatal(err)
	}
	g.Chosen, g.Step, g.Conf0 = out[0].Chosen, out[0].Step, out[0].Conf[0]

	path := filepath.Join("testdata", "golden.json")
	if *update {
		b, _ := json.MarshalIndent(g, "", " ")
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update)", err)
	}
	var want golden
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if g.Params != want.Params || math.Abs(g.Sum-want.Sum) > 1e-6*want.Sum {
		t.Fatalf("weights: %d params, Σ|w| %v; golden %d, %v", g.Params, g.Sum, want.Params, want.Sum)
	}
	if len(g.Logits) != len(want.Logits) {
		t.Fatalf("%d logits, golden %d", len(g.Logits), len(want.Logits))
	}
	for i := range g.Logits {
		if d := math.Abs(float64(g.Logits[i] - want.Logits[i])); d > 1e-4 {
			t.Fatalf("logit %d = %v, golden %v", i, g.Logits[i], want.Logits[i])
		}
	}
	for p := range g.Chosen {
		if g.Chosen[p] != want.Chosen[p] || g.Step[p] != want.Step[p] {
			t.Fatalf("fill position %d: chosen %d at step %d, golden %d at %d", p, g.Chosen[p], g.Step[p], want.Chosen[p], want.Step[p])
		}
	}
	if math.Abs(float64(g.Conf0-want.Conf0)) > 1e-5 {
		t.Fatalf("conf[0] = %v, golden %v", g.Conf0, want.Conf0)
	}
}
