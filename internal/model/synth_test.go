package model

import "math/rand/v2"

// tinyConfig is small enough for float64 finite differences over every parameter.
func tinyConfig() Config {
	return Config{Dim: 8, Heads: 2, EncLayers: 1, DecLayers: 1, FFN: 12, HashBuckets: 32,
		MaxTokens: 5, HashesPerToken: 3, TokFeat: 3, MaxCands: 6, Kinds: 4, CandFeat: 2,
		Roles: 3, Frames: 2}
}

// synthExample builds an example of a pointer task: tokens carry random word ids;
// candidate 0 is "none", candidate t+1 pools token t. The target of a position with
// role s is the first candidate whose word id is s (mod vocab), else "none".
func synthExample(cfg Config, rng *rand.Rand) *Example {
	ex := NewExample(cfg)
	vocab := cfg.Roles + 2
	nt := 1 + rng.IntN(min(cfg.MaxTokens, cfg.MaxCands-1))
	ex.NTok, ex.NCand = nt, nt+1
	words := make([]int, nt)
	for t := 0; t < nt; t++ {
		words[t] = rng.IntN(vocab)
		ex.TokHash[t][0] = int32(words[t] % cfg.HashBuckets)
		if cfg.HashesPerToken > 1 {
			ex.TokHash[t][1] = int32((words[t]*7 + 3 + rng.IntN(2)) % cfg.HashBuckets)
		}
		for f := 0; f < cfg.TokFeat; f++ {
			ex.TokFeat[t*cfg.TokFeat+f] = float32(rng.NormFloat64() * 0.5)
		}
		c := t + 1
		ex.CandKind[c] = 1 % int32(cfg.Kinds)
		ex.CandPool[c*cfg.MaxTokens+t] = 1
		for f := 0; f < cfg.CandFeat; f++ {
			ex.CandFeat[c*cfg.CandFeat+f] = float32(rng.NormFloat64() * 0.5)
		}
	}
	P, C := cfg.Positions(), cfg.MaxCands
	for p := 0; p < P; p++ {
		s := p % cfg.Roles
		ex.Target[p] = 0
		for t := 0; t < nt; t++ {
			if words[t] == s {
				ex.Target[p] = int32(t + 1)
				break
			}
		}
		for c := 0; c < ex.NCand; c++ {
			ex.Allowed[p*C+c] = true
		}
	}
	return ex
}
