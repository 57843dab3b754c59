package model

import (
	"fmt"
	"math"
)

func (cs *Constraints) check(cfg Config) error {
	if cs == nil {
		return nil
	}
	C := cfg.MaxCands
	for i, t := range cs.Tables {
		if t.RoleA < 0 || t.RoleA >= cfg.Roles || t.RoleB < 0 || t.RoleB >= cfg.Roles || len(t.OK) < C*C {
			return fmt.Errorf("model: constraint table %d: roles %d,%d (of %d), OK len %d (want %d)", i, t.RoleA, t.RoleB, cfg.Roles, len(t.OK), C*C)
		}
	}
	return nil
}

// Sample runs step s (0-based) of a steps-step fill for one example, after the
// decoder produced logits [P*C] for the current committed [P] (-1 = masked):
// it scores every masked position (docs/model.md, "Sampling"), commits the
// ceil(|masked|/(steps-s)) most confident ones into committed and out, and returns
// how many positions are still masked. Step 0 starts a fresh fill (it resets
// out.Step to -1; committed must be all -1). cons may be nil. It allocates nothing.
//
// A position that allows no candidate at all is committed with Chosen = Free = -1
// and Conf = 0 (the decoder then still sees it as masked).
func Sample(cfg Config, ex *Example, cons *Constraints, logits []float32, committed []int32, s, steps int, out *Sampled) int {
	P, C, S := cfg.Positions(), cfg.MaxCands, cfg.Roles
	nc := ex.NCand
	if s == 0 {
		for p := 0; p < P; p++ {
			out.Step[p] = -1
		}
	}
	K := clampSteps(steps, P)
	masked := 0
	for p := 0; p < P; p++ {
		if out.Step[p] >= 0 {
			continue
		}
		masked++
		row := logits[p*C : p*C+nc]
		allowed := ex.Allowed[p*C : p*C+nc]
		free, mx := int32(-1), float32(math.Inf(-1))
		for ci, ok := range allowed {
			if ok && (free < 0 || row[ci] > mx) {
				free, mx = int32(ci), row[ci]
			}
		}
		if free < 0 {
			out.Chosen[p], out.Free[p], out.Conf[p], out.FreeProb[p] = -1, -1, 0, 0
			continue
		}
		var sum float32
		for ci, ok := range allowed {
			if ok {
				sum += exp32(row[ci] - mx)
			}
		}
		f, role := p/S, p%S
		choice, best := free, mx // the free choice, unless a pair table forbids it
		if !pairOK(cons, committed, f*S, role, int(free), C) {
			choice = -1
			for ci, ok := range allowed {
				if ok && (choice < 0 || row[ci] > best) && pairOK(cons, committed, f*S, role, ci, C) {
					choice, best = int32(ci), row[ci]
				}
			}
		}
		out.Free[p] = free
		out.FreeProb[p] = 1 / sum
		if choice < 0 {
			out.Chosen[p], out.Conf[p] = free, 0
		} else {
			out.Chosen[p], out.Conf[p] = choice, exp32(best-mx)/sum
		}
	}
	n := masked
	if s < K {
		n = (masked + (K - s) - 1) / (K - s)
	}
	for ; n > 0; n-- {
		bp := -1
		for p := 0; p < P; p++ {
			if out.Step[p] < 0 && (bp < 0 || out.Conf[p] > out.Conf[bp]) {
				bp = p
			}
		}
		// Positions committed earlier in this same step constrain this one too:
		// re-pick its choice under everything committed so far, so that parallel
		// commits never break a pair table.
		if out.Conf[bp] > 0 {
			recheck(cfg, ex, cons, logits, committed, bp, out)
		}
		out.Step[bp] = int8(s)
		committed[bp] = out.Chosen[bp]
		masked--
	}
	return masked
}

// pairOK reports whether candidate c at role `role` of the frame starting at base
// satisfies every pair table whose other role is committed in that frame.
func pairOK(cons *Constraints, committed []int32, base, role, c, C int) bool {
	if cons == nil {
		return true
	}
	for i := range cons.Tables {
		t := &cons.Tables[i]
		if t.RoleB == role {
			if a := committed[base+t.RoleA]; a >= 0 && !t.OK[int(a)*C+c] {
				return false
			}
		}
		if t.RoleA == role {
			if b := committed[base+t.RoleB]; b >= 0 && !t.OK[c*C+int(b)] {
				return false
			}
		}
	}
	return true
}

// recheck re-picks position p's constrained choice under the current committed set
// (softmax normaliser unchanged: Conf stays a probability under the type-level mask).
func recheck(cfg Config, ex *Example, cons *Constraints, logits []float32, committed []int32, p int, out *Sampled) {
	C, S := cfg.MaxCands, cfg.Roles
	ch := out.Chosen[p]
	if ch >= 0 && pairOK(cons, committed, (p/S)*S, p%S, int(ch), C) {
		return
	}
	row := logits[p*C : p*C+ex.NCand]
	allowed := ex.Allowed[p*C : p*C+ex.NCand]
	choice, best := int32(-1), float32(0)
	for ci, ok := range allowed {
		if ok && (choice < 0 || row[ci] > best) && pairOK(cons, committed, (p/S)*S, p%S, ci, C) {
			choice, best = int32(ci), row[ci]
		}
	}
	if choice < 0 {
		out.Chosen[p], out.Conf[p] = out.Free[p], 0
		return
	}
	// Conf = exp(best - max) / sum = Conf(old) * exp(best - old logit)
	old := out.Chosen[p]
	out.Conf[p] *= float32(math.Exp(float64(best - row[old])))
	out.Chosen[p] = choice
}
