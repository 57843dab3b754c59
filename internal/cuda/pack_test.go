package cuda

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/voicecmd/voicecmd/internal/model"
)

// TestDeviceWeights: the device layout holds every matrix transposed and the
// q|k|v blocks side by side, so the kernel's [in][out] reads see model weights.
func TestDeviceWeights(t *testing.T) {
	cfg := model.DefaultConfig()
	w, err := model.NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	buf, n, err := deviceWeights(w)
	if err != nil {
		t.Fatal(err)
	}
	D := cfg.Dim
	a := &w.Enc[1].Self
	for _, c := range []struct{ o, i int }{{0, 0}, {5, 7}, {D - 1, D - 2}} {
		row := buf[n.Enc[1].Wqkv+int64(c.i*3*D):]
		if row[c.o] != a.Wq[c.o*D+c.i] || row[D+c.o] != a.Wk[c.o*D+c.i] || row[2*D+c.o] != a.Wv[c.o*D+c.i] {
			t.Fatalf("enc1 qkv [in %d][out %d] = %v %v %v, want %v %v %v", c.i, c.o, row[c.o], row[D+c.o], row[2*D+c.o],
				a.Wq[c.o*D+c.i], a.Wk[c.o*D+c.i], a.Wv[c.o*D+c.i])
		}
	}
	f := &w.Dec[0].FFN
	if got, want := buf[n.Dec[0].W2+int64(3*D+5)], f.W2[5*cfg.FFN+3]; got != want {
		t.Fatalf("dec0 w2 [in 3][out 5] = %v, want %v", got, want)
	}
	if got, want := buf[n.Ehash+int64(17*D+3)], w.Ehash[17*D+3]; got != want {
		t.Fatalf("ehash row 17 col 3 = %v, want %v", got, want)
	}
	if n.SmTotal*4 > 48<<10 {
		t.Errorf("demo config needs %d bytes of shared memory per block, want <= 48 KB (any CUDA GPU)", n.SmTotal*4)
	}
}

// TestPack checks the blob the kernel reads: header offsets, pooling rows cut to
// NTok, allowed and pair-table bit rows.
func TestPack(t *testing.T) {
	cfg := model.DefaultConfig()
	rng := rand.New(rand.NewPCG(1, 2))
	ex := model.NewExample(cfg)
	ex.NTok, ex.NCand = 3, 40
	ex.TokHash[1] = []int32{5, 9} // short row: padded with -1
	for i := range ex.CandPool {
		ex.CandPool[i] = rng.Float32()
	}
	C, T := cfg.MaxCands, cfg.MaxTokens
	ex.Allowed[2*C+33] = true
	cs := &model.Constraints{Tables: []model.PairTable{{RoleA: 1, RoleB: 4, OK: make([]bool, C*C)}}}
	cs.Tables[0].OK[7*C+35] = true
	cm := make([]int32, cfg.Positions())
	cm[3] = 12
	buf := make([]byte, 1<<20)
	pk := packer{cfg: cfg}
	if err := pk.reset(buf, 2); err != nil {
		t.Fatal(err)
	}
	if err := pk.put(0, ex, cs, cm); err != nil {
		t.Fatal(err)
	}
	if want := 2*exHeaderSize + packedSize(cfg, ex, cs, true); pk.size != want {
		t.Errorf("packed %d bytes, packedSize says %d", pk.size, want)
	}
	le := binary.LittleEndian
	u32 := func(off int64) uint32 { return le.Uint32(buf[off:]) }
	off := func(field int) int64 { return int64(le.Uint64(buf[16+8*field:])) }
	if u32(0) != 3 || u32(4) != 40 || u32(8) != 1 || u32(12) != 2 {
		t.Fatalf("header ints %d %d %d %d, want 3 40 1 2", u32(0), u32(4), u32(8), u32(12))
	}
	hs := cfg.HashesPerToken
	if got := [3]int32{int32(u32(off(0) + int64(4*hs))), int32(u32(off(0) + int64(4*hs+4))), int32(u32(off(0) + int64(4*hs+8)))}; got != [3]int32{5, 9, -1} {
		t.Errorf("token 1 hashes %v, want [5 9 -1]", got)
	}
	if got := math.Float32frombits(u32(off(3) + 4*(7*3+2))); got != ex.CandPool[7*T+2] {
		t.Errorf("pool[7][2] = %v, want %v", got, ex.CandPool[7*T+2])
	}
	if got := u32(off(5) + 4*(2*2+1)); got != 1<<(33-32) {
		t.Errorf("allowed row 2 word 1 = %#x, want bit 1", got)
	}
	tab := off(6)
	if u32(tab) != 1 || u32(tab+4) != 4 || u32(tab+8+4*(7*2+1)) != 1<<(35-32) {
		t.Errorf("pair table roles %d,%d row 7 word 1 %#x", u32(tab), u32(tab+4), u32(tab+8+4*(7*2+1)))
	}
	if got := int32(u32(off(7) + 4*3)); got != 12 {
		t.Errorf("committed[3] = %d, want 12", got)
	}
	for i := exHeaderSize; i < 2*exHeaderSize; i++ {
		if buf[i] != 0 {
			t.Fatalf("unused header slot not zero (ntok 0 ends that block)")
		}
	}
}

// TestPackBatch: the parallel batch packer writes the same bytes as packing the
// examples one after the other.
func TestPackBatch(t *testing.T) {
	cfg := model.DefaultConfig()
	rng := rand.New(rand.NewPCG(3, 4))
	batch := make([]*model.Example, 300)
	cons := make([]*model.Constraints, len(batch))
	for i := range batch {
		ex := model.NewExample(cfg)
		ex.NTok, ex.NCand = 1+rng.IntN(cfg.MaxTokens), 1+rng.IntN(cfg.MaxCands)
		for j := range ex.CandPool {
			ex.CandPool[j] = rng.Float32()
		}
		for j := range ex.Allowed {
			ex.Allowed[j] = rng.IntN(3) == 0
		}
		batch[i] = ex
		if i%3 == 0 {
			tab := model.PairTable{RoleA: 1, RoleB: 2, OK: make([]bool, cfg.MaxCands*cfg.MaxCands)}
			for j := range tab.OK {
				tab.OK[j] = rng.IntN(2) == 0
			}
			cons[i] = &model.Constraints{Tables: []model.PairTable{tab}}
		}
	}
	bcap := 512
	size, offs := batchLayout(cfg, batch, cons, false, bcap)
	par := make([]byte, size)
	if err := packBatch(cfg, par, bcap, batch, cons, nil, offs, size); err != nil {
		t.Fatal(err)
	}
	seq := make([]byte, size)
	pk := packer{cfg: cfg}
	if err := pk.reset(seq, bcap); err != nil {
		t.Fatal(err)
	}
	for i, ex := range batch {
		if err := pk.put(i, ex, cons[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	if pk.size != size {
		t.Fatalf("sequential packing used %d bytes, layout says %d", pk.size, size)
	}
	for i := range seq {
		if seq[i] != par[i] {
			t.Fatalf("byte %d differs: sequential %d, parallel %d", i, seq[i], par[i])
		}
	}
}

func BenchmarkPack1024(b *testing.B) {
	cfg := model.DefaultConfig()
	rng := rand.New(rand.NewPCG(1, 2))
	batch := make([]*model.Example, 1024)
	for i := range batch {
		ex := model.NewExample(cfg)
		ex.NTok, ex.NCand = 10, 60
		for p := 0; p < cfg.Positions(); p++ {
			for c := 0; c < 60; c++ {
				ex.Allowed[p*cfg.MaxCands+c] = rng.IntN(3) == 0
			}
		}
		batch[i] = ex
	}
	buf := make([]byte, 16<<20)
	pk := packer{cfg: cfg}
	b.ResetTimer()
	for range b.N {
		pk.reset(buf, len(batch))
		for i, ex := range batch {
			if err := pk.put(i, ex, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
