// Package model is the filler network of docs/model.md: its Config, Weights and weights
// file, the pure-Go CPU backend (the reference every other backend is tested against),
// the reference diffusion sampler, and the trainer.
//
// The layout follows llama2.c: Config (sizes), Weights (named tensors with shape
// comments, all views into one contiguous slice), and a preallocated run state so that
// a diffusion step allocates nothing.
package model

import "fmt"

// Config holds every size of the network. The names follow docs/model.md.
// All fields must be positive; Dim must be divisible by Heads.
type Config struct {
	Dim            int // D, model width
	Heads          int // H, attention heads (head size Dim/Heads)
	EncLayers      int // Le, encoder blocks
	DecLayers      int // Ld, decoder blocks
	FFN            int // Fh, FFN hidden width
	HashBuckets    int // NB, rows of the hash-embedding table
	MaxTokens      int // T, transcript tokens per example
	HashesPerToken int // Hs, hash ids per token
	TokFeat        int // Ft, dense features per token
	MaxCands       int // C, candidates per example
	Kinds          int // NK, candidate kinds
	CandFeat       int // Fc, dense features per candidate
	Roles          int // S, slot roles per frame
	Frames         int // F, frames (commands) per utterance
}

// DefaultConfig returns the demo sizes of docs/model.md.
func DefaultConfig() Config {
	return Config{
		Dim: 48, Heads: 4, EncLayers: 2, DecLayers: 1, FFN: 96,
		HashBuckets: 4096, MaxTokens: 32, HashesPerToken: 12, TokFeat: 16,
		MaxCands: 96, Kinds: 64, CandFeat: 8, Roles: 9, Frames: 3,
	}
}

// Positions returns P = Frames·Roles, the number of decoder positions.
func (c Config) Positions() int { return c.Frames * c.Roles }

// HeadSize returns Dim/Heads.
func (c Config) HeadSize() int { return c.Dim / c.Heads }

// maxField bounds every size so that a corrupt weights file cannot ask for an
// absurd allocation before its checksum is even looked at.
const maxField = 1 << 20

func (c Config) fields() []int {
	return []int{c.Dim, c.Heads, c.EncLayers, c.DecLayers, c.FFN, c.HashBuckets,
		c.MaxTokens, c.HashesPerToken, c.TokFeat, c.MaxCands, c.Kinds, c.CandFeat,
		c.Roles, c.Frames}
}

var fieldNames = []string{"Dim", "Heads", "EncLayers", "DecLayers", "FFN", "HashBuckets",
	"MaxTokens", "HashesPerToken", "TokFeat", "MaxCands", "Kinds", "CandFeat", "Roles", "Frames"}

func configFromFields(f []int) Config {
	return Config{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13]}
}

// Validate reports the first size that is out of range.
func (c Config) Validate() error {
	for i, v := range c.fields() {
		if v <= 0 || v > maxField {
			return fmt.Errorf("model: config %s = %d out of range [1, %d]", fieldNames[i], v, maxField)
		}
	}
	if c.Dim%c.Heads != 0 {
		return fmt.Errorf("model: config Dim %d not divisible by Heads %d", c.Dim, c.Heads)
	}
	if c.Positions() > 127 {
		return fmt.Errorf("model: config Frames·Roles = %d exceeds 127 (Sampled.Step is int8)", c.Positions())
	}
	if n := paramCount(c); n > 1<<31 {
		return fmt.Errorf("model: config has %d parameters, too many", n)
	}
	return nil
}
