package understand

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/voicecmd/voicecmd/grammar"
	"github.com/voicecmd/voicecmd/internal/gen"
	"github.com/voicecmd/voicecmd/internal/model"
)

// trainingExample featurizes a generated sample and sets the gold target of every
// decoder position. It fails for samples the model cannot represent (too many
// commands or words); the caller draws another.
func (l *layout) trainingExample(s gen.Sample) (*model.Example, error) {
	if len(s.Frames) > l.cfg.Frames {
		return nil, fmt.Errorf("%d commands, model has %d frames", len(s.Frames), l.cfg.Frames)
	}
	f, err := l.featurizeOpt(s.Text, s.State, false)
	if err != nil {
		return nil, err
	}
	S, C := l.cfg.Roles, l.cfg.MaxCands
	ex := f.ex
	for p := range ex.Target {
		ex.Target[p] = 0 // absent
	}
	for fr, frame := range s.Frames {
		p0 := fr * S
		ex.Target[p0] = int32(f.candIntent(l.g, frame.Intent))
		for name, sf := range frame.Slots {
			r, ok := l.roleOf[name]
			if !ok {
				return nil, fmt.Errorf("slot %s has no role", name)
			}
			in := l.g.Intent(frame.Intent)
			typ := in.Slot(name).Type
			from, to := f.tokenSpan(sf.Start, sf.End)
			if from < 0 {
				return nil, fmt.Errorf("slot %s span %d:%d has no words", name, sf.Start, sf.End)
			}
			switch {
			case sf.Kind == gen.Unknown:
				ex.Target[p0+r] = int32(f.candToken(from))
			case typ.Kind == grammar.FreeText:
				ex.Target[p0+r] = int32(f.candToken(from))
				ex.Target[p0+r+1] = int32(f.candToken(to - 1))
			case typ.Kind == grammar.Range:
				ex.Target[p0+r] = int32(f.candToken(from))
			case typ.Kind == grammar.Enum:
				ex.Target[p0+r] = int32(f.candEnum(l, sf.Value.Str))
			default:
				ex.Target[p0+r] = int32(f.candValue(sf.Value.Str))
			}
		}
	}
	for p, t := range ex.Target {
		if t < 0 || !ex.Allowed[p*C+int(t)] {
			return nil, fmt.Errorf("target of position %d not allowed", p)
		}
	}
	return ex, nil
}

func (f *featurized) candIntent(g *grammar.Grammar, name string) int {
	for i, c := range f.cands {
		if c.kind == cIntent && g.Intents[c.intent].Name == name {
			return i
		}
	}
	return -1
}

func (f *featurized) candEnum(l *layout, name string) int {
	for i, c := range f.cands {
		if c.kind == cEnum && l.enums[c.enum].name == name {
			return i
		}
	}
	return -1
}

func (f *featurized) candValue(v string) int {
	for i, c := range f.cands {
		if c.kind == cDyn && c.value == v {
			return i
		}
	}
	return -1
}

func (f *featurized) candToken(t int) int {
	for i, c := range f.cands {
		if c.kind == cToken && c.tok == t {
			return i
		}
	}
	return -1
}

// tokenSpan maps a byte span of the text onto tokens [from, to).
func (f *featurized) tokenSpan(start, end int) (int, int) {
	from, to := -1, -1
	for i, t := range f.toks {
		if t.end > start && t.start < end {
			if from < 0 {
				from = i
			}
			to = i + 1
		}
	}
	return from, to
}

// TrainOptions configures Train.
type TrainOptions struct {
	Config   model.Config      // network sizes; zero value: model.DefaultConfig()
	Train    model.TrainConfig // optimizer settings; Steps is required
	Base     *grammar.State    // the game's state, mixed with random states
	Progress func(step int, loss float64, elapsed time.Duration)
}

// Train trains a model for grammar g on data generated from it. Deterministic for
// opts.Train.Seed.
func Train(ctx context.Context, g *grammar.Grammar, opts TrainOptions) (*model.Weights, error) {
	cfg := opts.Config
	if cfg.Dim == 0 {
		cfg = model.DefaultConfig()
	}
	lay, err := newLayout(g, cfg)
	if err != nil {
		return nil, err
	}
	w, err := model.NewWeights(cfg, opts.Train.Seed)
	if err != nil {
		return nil, err
	}
	w.Fingerprint = Fingerprint(g)
	gen := gen.New(g, gen.Options{BaseState: opts.Base})
	next := func(rng *rand.Rand) *model.Example {
		for {
			s := gen.Sample(rng)
			if ex, err := lay.trainingExample(s); err == nil {
				return ex
			}
		}
	}
	if err := model.Train(ctx, opts.Train, w, next, opts.Progress); err != nil {
		return nil, err
	}
	return w, nil
}
