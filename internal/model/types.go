package model

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Example is one transcript, featurized by engine/fill (docs/model.md).
// Slices are indexed with the Config's maximum sizes (T, C, P), not NTok/NCand.
type Example struct {
	NTok     int       // 1..T real tokens; rows >= NTok are padding
	TokHash  [][]int32 // [T][Hs] hash ids in [0,NB), -1 = unused
	TokFeat  []float32 // [T*Ft]
	NCand    int       // 1..C real candidates; others are padding (never allowed)
	CandKind []int32   // [C] kind id in [0,NK)
	CandPool []float32 // [C*T] pooling weights over tokens
	CandFeat []float32 // [C*Fc]
	Allowed  []bool    // [P*C] which candidates a position may ever take
	Target   []int32   // [P] training only: gold candidate per position (always allowed)
}

// NewExample returns an Example with every slice allocated at the Config's sizes,
// all hash ids -1, NTok = NCand = 0.
func NewExample(cfg Config) *Example {
	ex := &Example{
		TokHash:  make([][]int32, cfg.MaxTokens),
		TokFeat:  make([]float32, cfg.MaxTokens*cfg.TokFeat),
		CandKind: make([]int32, cfg.MaxCands),
		CandPool: make([]float32, cfg.MaxCands*cfg.MaxTokens),
		CandFeat: make([]float32, cfg.MaxCands*cfg.CandFeat),
		Allowed:  make([]bool, cfg.Positions()*cfg.MaxCands),
		Target:   make([]int32, cfg.Positions()),
	}
	for t := range ex.TokHash {
		ex.TokHash[t] = make([]int32, cfg.HashesPerToken)
		for j := range ex.TokHash[t] {
			ex.TokHash[t][j] = -1
		}
	}
	return ex
}

// Check reports the first way ex does not fit cfg (sizes, ids out of range).
// Backends call it so that bad input is an error, never an index panic.
func (ex *Example) Check(cfg Config, training bool) error {
	P, C, T := cfg.Positions(), cfg.MaxCands, cfg.MaxTokens
	switch {
	case ex == nil:
		return fmt.Errorf("model: nil example")
	case ex.NTok < 1 || ex.NTok > T:
		return fmt.Errorf("model: example NTok %d out of range [1,%d]", ex.NTok, T)
	case ex.NCand < 1 || ex.NCand > C:
		return fmt.Errorf("model: example NCand %d out of range [1,%d]", ex.NCand, C)
	case len(ex.TokHash) < ex.NTok:
		return fmt.Errorf("model: example TokHash has %d rows, want >= NTok %d", len(ex.TokHash), ex.NTok)
	case len(ex.TokFeat) < T*cfg.TokFeat:
		return fmt.Errorf("model: example TokFeat len %d, want %d", len(ex.TokFeat), T*cfg.TokFeat)
	case len(ex.CandKind) < C:
		return fmt.Errorf("model: example CandKind len %d, want %d", len(ex.CandKind), C)
	case len(ex.CandPool) < C*T:
		return fmt.Errorf("model: example CandPool len %d, want %d", len(ex.CandPool), C*T)
	case len(ex.CandFeat) < C*cfg.CandFeat:
		return fmt.Errorf("model: example CandFeat len %d, want %d", len(ex.CandFeat), C*cfg.CandFeat)
	case len(ex.Allowed) < P*C:
		return fmt.Errorf("model: example Allowed len %d, want %d", len(ex.Allowed), P*C)
	}
	for t := 0; t < ex.NTok; t++ {
		if len(ex.TokHash[t]) > cfg.HashesPerToken {
			return fmt.Errorf("model: example token %d has %d hashes, max %d", t, len(ex.TokHash[t]), cfg.HashesPerToken)
		}
		for _, h := range ex.TokHash[t] {
			if int(h) >= cfg.HashBuckets {
				return fmt.Errorf("model: example token %d hash %d out of range [0,%d)", t, h, cfg.HashBuckets)
			}
		}
	}
	for c := 0; c < ex.NCand; c++ {
		if k := ex.CandKind[c]; k < 0 || int(k) >= cfg.Kinds {
			return fmt.Errorf("model: example candidate %d kind %d out of range [0,%d)", c, k, cfg.Kinds)
		}
	}
	if training {
		if len(ex.Target) < P {
			return fmt.Errorf("model: example Target len %d, want %d", len(ex.Target), P)
		}
		for p := 0; p < P; p++ {
			tg := ex.Target[p]
			if tg < 0 || int(tg) >= ex.NCand || !ex.Allowed[p*C+int(tg)] {
				return fmt.Errorf("model: example target of position %d is %d, not an allowed real candidate", p, tg)
			}
		}
	}
	return nil
}

// PairTable: if role A of a frame holds a, role B of the same frame may hold b only if OK[a*C+b].
type PairTable struct {
	RoleA, RoleB int
	OK           []bool // [C*C]
}

// Constraints are the grammar/state pair constraints of one example.
type Constraints struct{ Tables []PairTable }

// Sampled is the result of a K-step fill for one example, per position.
type Sampled struct {
	Chosen   []int32   // [P] committed candidate (-1 if the position allows none)
	Free     []int32   // [P] argmax over Allowed, ignoring pair constraints
	Conf     []float32 // [P] u[Chosen] at commit time; 0 if the constrained set was empty
	FreeProb []float32 // [P] u[Free]
	Step     []int8    // [P] diffusion step at which the position was committed
}

// NewSampled allocates a Sampled for cfg.
func NewSampled(cfg Config) *Sampled {
	P := cfg.Positions()
	return &Sampled{make([]int32, P), make([]int32, P), make([]float32, P), make([]float32, P), make([]int8, P)}
}

func (s *Sampled) ensure(P int) {
	if len(s.Chosen) < P || len(s.Free) < P || len(s.Conf) < P || len(s.FreeProb) < P || len(s.Step) < P {
		*s = Sampled{make([]int32, P), make([]int32, P), make([]float32, P), make([]float32, P), make([]int8, P)}
	}
}

// EncState is a backend's encoded batch (transcript encoder output and candidate
// projections). It stays valid until the next Encode or Fill on the same backend.
type EncState interface {
	// BatchSize is the number of examples encoded.
	BatchSize() int
}

// Backend runs the network: the whole K-step fill (encoder once, then K rounds of
// decoder + Sample under the constraints). A Backend is not safe for concurrent use:
// use one per goroutine (they may share one *Weights, which they never modify).
type Backend interface {
	Name() string
	// Fill runs the encoder, then steps rounds of decoder + Sample, writing out[i]
	// for batch[i]. cons[i] may be nil (no pair constraints); out[i] is
	// (re)allocated if too short. Errors: an example that does not fit the Config.
	Fill(batch []*Example, cons []*Constraints, steps int, out []*Sampled) error
	Close() error
}

// Stepwise is implemented by backends that also expose the fill's two halves, for
// parity tests and benchmarks that compare backends one decoder pass at a time.
type Stepwise interface {
	// Encode runs the encoder and candidate projection for a batch of examples.
	// Errors: an example that does not fit the Config.
	Encode(batch []*Example) (EncState, error)
	// Decode runs one decoder pass: committed [len(batch)][P] (-1 = masked),
	// logits out [len(batch)][P*C]; padding candidates get -Inf.
	Decode(enc EncState, committed [][]int32, logits [][]float32) error
}

var (
	regMu    sync.Mutex
	registry = map[string]func(*Weights) (Backend, error){}
)

// RegisterBackend makes a backend available to OpenBackend under name. It is meant
// to be called from init functions; registering a name twice panics.
func RegisterBackend(name string, open func(*Weights) (Backend, error)) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("model: backend " + name + " registered twice")
	}
	registry[name] = open
}

// Backends lists the registered backend names, sorted.
func Backends() []string {
	regMu.Lock()
	defer regMu.Unlock()
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// OpenBackend opens the backend registered under name for w. Safe for concurrent use.
func OpenBackend(name string, w *Weights) (Backend, error) {
	regMu.Lock()
	open := registry[name]
	regMu.Unlock()
	if open == nil {
		return nil, fmt.Errorf("model: unknown backend %q (have %v)", name, Backends())
	}
	if w == nil {
		return nil, fmt.Errorf("model: OpenBackend(%q): nil weights", name)
	}
	return open(w)
}

// OpenAuto is the one rule behind the backend name "auto": the "cuda" backend when
// this binary has it (built with -tags cuda) and a device is usable, else "cpu".
// When it falls back it returns the reason (e.g. "built without -tags cuda" or
// "cuda: cuInit: CUDA_ERROR_NO_DEVICE (100)") for the caller to log; "" when cuda
// was chosen. Safe for concurrent use.
func OpenAuto(w *Weights) (b Backend, fallback string, err error) {
	fallback = "built without -tags cuda"
	if slices.Contains(Backends(), "cuda") {
		b, err := OpenBackend("cuda", w)
		if err == nil {
			return b, "", nil
		}
		fallback = err.Error()
	}
	b, err = OpenBackend("cpu", w)
	return b, fallback, err
}
