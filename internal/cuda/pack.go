package cuda

// Pure-Go half of the backend: the device weight layout and the packing of a
// batch into the byte blob the kernel reads. It has no cgo, so it builds and is
// tested without the cuda tag; the layouts mirror kernels/fill.h.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"unsafe"

	"github.com/voicecmd/voicecmd/internal/model"
)

const maxLayers = 8 // VC_MAXL

// Mode bits of the kernel (kernels/fill.h).
const (
	modeEncode = 1
	modeFill   = 2
	modeLogits = 4
)

type encOff struct {
	LN1G, LN1B, Wqkv, Bqkv, Wo, Bo, LN2G, LN2B, W1, B1, W2, B2 int64
}

type decOff struct {
	LN1G, LN1B, Wqkv, Bqkv, Wo, Bo, LN2G, LN2B int64
	CWq, CBq, CWkv, CBkv, CWo, CBo, LN3G, LN3B int64
	W1, B1, W2, B2                             int64
}

// netDesc mirrors VCNet field for field (16 int32, then int64s only, so Go and C
// agree on the layout without padding rules; a cuda-tagged test checks sizes).
type netDesc struct {
	D, H, Le, Ld, Fh, NB, T, Hs, Ft, C, NK, Fc, S, F, P, R int32
	W                                                      int64 // device address of the weights

	SmX, SmXN, SmQKV, SmSC, SmInts, SmTotal int64
	EsKIN, EsKK, EsCKV, EsStride            int64

	Ehash, Wtf, Btf, Epos, LNencG, LNencB    int64
	Ekind, Wpool, Wcf, Bcf, Erole, Eframe    int64
	Emask, Win, LNdecG, LNdecB, WqOut, WkOut int64

	Enc [maxLayers]encOff
	Dec [maxLayers]decOff
}

// exHeader mirrors VCEx (80 bytes).
type exHeader struct {
	NTok, NCand, NTab, Words                                      int32
	Hash, TokFeat, Kind, Pool, CandFeat, Allowed, Tabs, Committed int64
}

const exHeaderSize = 80

// deviceWeights lays the model's tensors out for the kernel: matrices
// transposed to [in][out] (q|k|v and cross k|v fused), vectors as they are.
// It returns the flat buffer and the description with every offset and the
// shared-memory plan filled in.
func deviceWeights(w *model.Weights) ([]float32, netDesc, error) {
	cfg := w.Config
	if err := cfg.Validate(); err != nil {
		return nil, netDesc{}, err
	}
	if cfg.EncLayers > maxLayers || cfg.DecLayers > maxLayers {
		return nil, netDesc{}, fmt.Errorf("cuda: %d encoder / %d decoder layers, at most %d supported",
			cfg.EncLayers, cfg.DecLayers, maxLayers)
	}
	if cfg.MaxTokens > 128 || cfg.Positions() > 128 {
		return nil, netDesc{}, fmt.Errorf("cuda: attention over %d tokens / %d positions, at most 128 supported",
			cfg.MaxTokens, cfg.Positions())
	}
	D, Fh := cfg.Dim, cfg.FFN
	var buf []float32
	put := func(v []float32) int64 {
		off := int64(len(buf))
		buf = append(buf, v...)
		for len(buf)%4 != 0 { // keep every tensor 16-byte aligned
			buf = append(buf, 0)
		}
		return off
	}
	// putT appends the transposes of the [out][in] matrices ms side by side:
	// row k of the result is [m0[:,k] | m1[:,k] | ...].
	putT := func(in int, ms ...[]float32) int64 {
		out := len(ms[0]) / in
		t := make([]float32, 0, in*out*len(ms))
		for k := 0; k < in; k++ {
			for _, m := range ms {
				for o := 0; o < out; o++ {
					t = append(t, m[o*in+k])
				}
			}
		}
		return put(t)
	}
	cat := func(vs ...[]float32) []float32 {
		var r []float32
		for _, v := range vs {
			r = append(r, v...)
		}
		return r
	}
	n := netDesc{
		D: i32(D), H: i32(cfg.Heads), Le: i32(cfg.EncLayers), Ld: i32(cfg.DecLayers), Fh: i32(Fh),
		NB: i32(cfg.HashBuckets), T: i32(cfg.MaxTokens), Hs: i32(cfg.HashesPerToken), Ft: i32(cfg.TokFeat),
		C: i32(cfg.MaxCands), NK: i32(cfg.Kinds), Fc: i32(cfg.CandFeat), S: i32(cfg.Roles), F: i32(cfg.Frames),
		P: i32(cfg.Positions()), R: i32(max(cfg.MaxTokens, cfg.Positions())),
	}
	n.Ehash = put(w.Ehash)
	n.Wtf = putT(cfg.TokFeat, w.Wtf)
	n.Btf = put(w.Btf)
	n.Epos = put(w.Epos)
	for l := range w.Enc {
		b := &w.Enc[l]
		n.Enc[l] = encOff{
			LN1G: put(b.LN1G), LN1B: put(b.LN1B),
			Wqkv: putT(D, b.Self.Wq, b.Self.Wk, b.Self.Wv), Bqkv: put(cat(b.Self.Bq, b.Self.Bk, b.Self.Bv)),
			Wo: putT(D, b.Self.Wo), Bo: put(b.Self.Bo),
			LN2G: put(b.LN2G), LN2B: put(b.LN2B),
			W1: putT(D, b.FFN.W1), B1: put(b.FFN.B1), W2: putT(Fh, b.FFN.W2), B2: put(b.FFN.B2),
		}
	}
	n.LNencG, n.LNencB = put(w.LNencG), put(w.LNencB)
	n.Ekind = put(w.Ekind)
	n.Wpool = putT(D, w.Wpool)
	n.Wcf = putT(cfg.CandFeat, w.Wcf)
	n.Bcf = put(w.Bcf)
	n.Erole, n.Eframe, n.Emask = put(w.Erole), put(w.Eframe), put(w.Emask)
	n.Win = putT(D, w.Win)
	for l := range w.Dec {
		b := &w.Dec[l]
		n.Dec[l] = decOff{
			LN1G: put(b.LN1G), LN1B: put(b.LN1B),
			Wqkv: putT(D, b.Self.Wq, b.Self.Wk, b.Self.Wv), Bqkv: put(cat(b.Self.Bq, b.Self.Bk, b.Self.Bv)),
			Wo: putT(D, b.Self.Wo), Bo: put(b.Self.Bo),
			LN2G: put(b.LN2G), LN2B: put(b.LN2B),
			CWq: putT(D, b.Cross.Wq), CBq: put(b.Cross.Bq),
			CWkv: putT(D, b.Cross.Wk, b.Cross.Wv), CBkv: put(cat(b.Cross.Bk, b.Cross.Bv)),
			CWo: putT(D, b.Cross.Wo), CBo: put(b.Cross.Bo),
			LN3G: put(b.LN3G), LN3B: put(b.LN3B),
			W1: putT(D, b.FFN.W1), B1: put(b.FFN.B1), W2: putT(Fh, b.FFN.W2), B2: put(b.FFN.B2),
		}
	}
	n.LNdecG, n.LNdecB = put(w.LNdecG), put(w.LNdecB)
	n.WqOut, n.WkOut = putT(D, w.WqOut), putT(D, w.WkOut)
	n.plan()
	return buf, n, nil
}

// plan fills in the shared-memory and encoder-state layouts (in floats).
func (n *netDesc) plan() {
	D, R, P, C, T := int64(n.D), int64(n.R), int64(n.P), int64(n.C), int64(n.T)
	al := func(x int64) int64 { return (x + 3) &^ 3 }
	n.SmX = 0
	n.SmXN = al(R * D)
	n.SmQKV = n.SmXN + al(R*D)
	n.SmSC = n.SmQKV + al(R*max(3*D+1, int64(n.Fh))) // q|k|v rows padded to an odd stride
	sc := P * C                                      // logits
	// the candidate phase uses [C][D] pooled + [C][D] k_c from SmXN on
	sc = max(sc, 2*C*D-(n.SmSC-n.SmXN))
	n.SmInts = n.SmSC + al(sc)
	n.SmTotal = n.SmInts + al(8*P)
	n.EsKIN = 0
	n.EsKK = al(C * D)
	n.EsCKV = n.EsKK + al(C*D)
	n.EsStride = n.EsCKV + al(int64(n.Ld)*T*2*D)
}

// smemBytes is the dynamic shared memory one block needs.
func (n *netDesc) smemBytes() int { return int(n.SmTotal) * 4 }

func i32(v int) int32 { return int32(v) }

// packer writes a batch into a byte blob: exHeader[cap] first, then every
// example's arrays at 4-byte aligned offsets.
type packer struct {
	cfg  model.Config
	buf  []byte
	size int
}

func (pk *packer) reset(buf []byte, capacity int) error {
	need := capacity * exHeaderSize
	if len(buf) < need {
		return fmt.Errorf("cuda: input buffer %d bytes, headers alone need %d", len(buf), need)
	}
	pk.buf, pk.size = buf, need
	clear(buf[:need])
	return nil
}

// alloc reserves n bytes and returns their offset; false if the buffer is full.
func (pk *packer) alloc(n int) (int64, bool) {
	off := pk.size
	if off+n > len(pk.buf) {
		return 0, false
	}
	pk.size += n
	return int64(off), true
}

var errFull = fmt.Errorf("cuda: input buffer full")

// packedSize bounds the bytes example ex with constraints cs takes in the blob.
func packedSize(cfg model.Config, ex *model.Example, cs *model.Constraints, committed bool) int {
	P := cfg.Positions()
	words := (ex.NCand + 31) / 32
	n := 4 * (ex.NTok*cfg.HashesPerToken + ex.NTok*cfg.TokFeat + ex.NCand + ex.NCand*ex.NTok +
		ex.NCand*cfg.CandFeat + P*words)
	if cs != nil {
		n += 4 * len(cs.Tables) * (2 + ex.NCand*words)
	}
	if committed {
		n += 4 * P
	}
	return n
}

// i32s and f32s view n words of the blob at byte offset off (4-byte aligned:
// the buffer is page-aligned pinned memory or a Go []byte, offsets are multiples of 4).
func (pk *packer) i32s(off int64, n int) []int32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&pk.buf[off])), n)
}

func (pk *packer) f32s(off int64, n int) []float32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&pk.buf[off])), n)
}

// put packs example i. ex must have passed ex.Check; cs is nil or checked.
func (pk *packer) put(i int, ex *model.Example, cs *model.Constraints, committed []int32) error {
	cfg := pk.cfg
	P, C, T, Hs := cfg.Positions(), cfg.MaxCands, cfg.MaxTokens, cfg.HashesPerToken
	nt, nc := ex.NTok, ex.NCand
	words := (nc + 31) / 32
	if pk.size+packedSize(cfg, ex, cs, committed != nil) > len(pk.buf) {
		return errFull
	}
	h := exHeader{NTok: i32(nt), NCand: i32(nc), Words: i32(words)}
	h.Hash, _ = pk.alloc(4 * nt * Hs)
	hash := pk.i32s(h.Hash, nt*Hs)
	for t := 0; t < nt; t++ {
		row := hash[t*Hs : (t+1)*Hs]
		n := copy(row, ex.TokHash[t])
		for j := n; j < Hs; j++ {
			row[j] = -1
		}
	}
	h.TokFeat, _ = pk.alloc(4 * nt * cfg.TokFeat)
	copy(pk.f32s(h.TokFeat, nt*cfg.TokFeat), ex.TokFeat[:nt*cfg.TokFeat])
	h.Kind, _ = pk.alloc(4 * nc)
	copy(pk.i32s(h.Kind, nc), ex.CandKind[:nc])
	h.Pool, _ = pk.alloc(4 * nc * nt)
	pool := pk.f32s(h.Pool, nc*nt)
	for c := 0; c < nc; c++ {
		copy(pool[c*nt:(c+1)*nt], ex.CandPool[c*T:c*T+nt])
	}
	h.CandFeat, _ = pk.alloc(4 * nc * cfg.CandFeat)
	copy(pk.f32s(h.CandFeat, nc*cfg.CandFeat), ex.CandFeat[:nc*cfg.CandFeat])
	h.Allowed, _ = pk.alloc(4 * P * words)
	allowed := pk.i32s(h.Allowed, P*words)
	for p := 0; p < P; p++ {
		bitRow(allowed[p*words:(p+1)*words], ex.Allowed[p*C:p*C+nc])
	}
	if cs != nil && len(cs.Tables) > 0 {
		h.NTab = i32(len(cs.Tables))
		h.Tabs, _ = pk.alloc(4 * len(cs.Tables) * (2 + nc*words))
		tabs := pk.i32s(h.Tabs, len(cs.Tables)*(2+nc*words))
		for _, t := range cs.Tables {
			tabs[0], tabs[1] = int32(t.RoleA), int32(t.RoleB)
			for a := 0; a < nc; a++ {
				bitRow(tabs[2+a*words:2+(a+1)*words], t.OK[a*C:a*C+nc])
			}
			tabs = tabs[2+nc*words:]
		}
	}
	if committed != nil {
		h.Committed, _ = pk.alloc(4 * P)
		copy(pk.i32s(h.Committed, P), committed[:P])
	}
	pk.header(i, &h)
	return nil
}

// bitRow packs v into little-endian words of bits. Eight bools (bytes 0/1) at a
// time: multiplying by 0x0102040810204080 gathers their low bits into the top byte.
func bitRow(dst []int32, v []bool) {
	for w := range dst {
		seg := v[w*32 : min(len(v), (w+1)*32)]
		var x uint32
		b := 0
		for ; b+8 <= len(seg); b += 8 {
			u := *(*uint64)(unsafe.Pointer(&seg[b]))
			x |= uint32((u*0x0102040810204080)>>56) << b
		}
		for ; b < len(seg); b++ {
			x |= uint32(*(*uint8)(unsafe.Pointer(&seg[b]))) << b
		}
		dst[w] = int32(x)
	}
}

func (pk *packer) header(i int, h *exHeader) {
	b := pk.buf[i*exHeaderSize:]
	le := binary.LittleEndian
	for j, v := range []int32{h.NTok, h.NCand, h.NTab, h.Words} {
		le.PutUint32(b[4*j:], uint32(v))
	}
	for j, v := range []int64{h.Hash, h.TokFeat, h.Kind, h.Pool, h.CandFeat, h.Allowed, h.Tabs, h.Committed} {
		le.PutUint64(b[16+8*j:], uint64(v))
	}
}

// unpackFill copies one example's kernel output (five int32/float32 arrays of P)
// into s.
func unpackFill(o []byte, P int, s *model.Sampled) {
	le := binary.LittleEndian
	for p := 0; p < P; p++ {
		s.Chosen[p] = int32(le.Uint32(o[4*p:]))
		s.Free[p] = int32(le.Uint32(o[4*(P+p):]))
		s.Conf[p] = math.Float32frombits(le.Uint32(o[4*(2*P+p):]))
		s.FreeProb[p] = math.Float32frombits(le.Uint32(o[4*(3*P+p):]))
		s.Step[p] = int8(int32(le.Uint32(o[4*(4*P+p):])))
	}
}

// bucket rounds a batch size up to the power of two the kernel is launched
// (and its graph recorded) for.
func bucket(n int) int { return 1 << bits.Len(uint(n-1)) }

// batchLayout returns the blob size of a batch padded to bcap examples and the
// byte offset at which each example's arrays start.
func batchLayout(cfg model.Config, batch []*model.Example, cons []*model.Constraints, committed bool, bcap int) (int, []int) {
	offs := make([]int, len(batch))
	size := bcap * exHeaderSize
	for i, ex := range batch {
		offs[i] = size
		size += packedSize(cfg, ex, consAt(cons, i), committed)
	}
	return size, offs
}

func consAt(cons []*model.Constraints, i int) *model.Constraints {
	if cons == nil {
		return nil
	}
	return cons[i]
}

// packBatch packs the batch into buf (laid out by batchLayout). Large batches
// are packed by several goroutines, each example into its own byte range.
func packBatch(cfg model.Config, buf []byte, bcap int, batch []*model.Example, cons []*model.Constraints,
	committed [][]int32, offs []int, size int) error {
	pk := packer{cfg: cfg}
	if err := pk.reset(buf[:size], bcap); err != nil {
		return err
	}
	one := func(i int) error {
		end := size
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		sub := packer{cfg: cfg, buf: buf[:end], size: offs[i]}
		var cm []int32
		if committed != nil {
			cm = committed[i]
		}
		return sub.put(i, batch[i], consAt(cons, i), cm)
	}
	workers := min(runtime.GOMAXPROCS(0), len(batch)/32)
	if workers <= 1 {
		for i := range batch {
			if err := one(i); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(batch); i += workers {
				if err := one(i); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkConstraints rejects pair tables with roles or sizes outside the Config.
func checkConstraints(cfg model.Config, cs *model.Constraints) error {
	if cs == nil {
		return nil
	}
	C := cfg.MaxCands
	for i, t := range cs.Tables {
		if t.RoleA < 0 || t.RoleA >= cfg.Roles || t.RoleB < 0 || t.RoleB >= cfg.Roles || len(t.OK) < C*C {
			return fmt.Errorf("cuda: constraint table %d: roles %d,%d (of %d), OK len %d (want %d)",
				i, t.RoleA, t.RoleB, cfg.Roles, len(t.OK), C*C)
		}
	}
	return nil
}
