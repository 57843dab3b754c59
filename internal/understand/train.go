package understand

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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
			case sf.Kind == gen.Group:
				ex.Target[p0+r] = int32(f.candGroup(typ.Name))
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

func (f *featurized) candGroup(typ string) int {
	for i, c := range f.cands {
		if c.kind == cGroup && c.typ == typ {
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

// OffTopicFile is the optional file of a game directory that lists sentences the
// game wants rejected (one per line; # comments), learned as off-topic speech.
const OffTopicFile = "offtopic.txt"

// LoadOffTopic reads DIR/offtopic.txt; a missing file is no sentences.
func LoadOffTopic(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, OffTopicFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, nil
}

// MaxCommands is the number of commands one utterance may hold (the model's frames).
const MaxCommands = 4

// TrainOptions configures Train.
type TrainOptions struct {
	// Config holds the network sizes; zero value: ConfigFor(g, model.DefaultConfig()).
	// Its Roles, Kinds, Frames and MaxCands are always derived from the grammar.
	Config   model.Config
	Train    model.TrainConfig // optimizer settings; Steps is required
	Base     *grammar.State    // the game's state, mixed with random states
	Progress func(step int, loss float64, elapsed time.Duration)
	// OffTopic are the game's own sentences that must be rejected (LoadOffTopic).
	OffTopic []string
	// MaxTries bounds how many generated utterances in a row may fail to become a
	// training example before Train gives up naming the intents that failed; 0: 2000.
	MaxTries int
}

// ConfigFor returns base with the shapes that come from the grammar: one decoder
// role per slot (two for a text slot) plus the intent, one candidate kind per intent,
// enum value and dynamic type, MaxCommands frames, and room for the grammar's fixed
// candidates, the words of an utterance and at least 48 names of the state. Errors
// name what to change in the grammar.
func ConfigFor(g *grammar.Grammar, base model.Config) (model.Config, error) {
	probe := base
	probe.Roles, probe.Kinds = 1<<20, 1<<20
	lay, err := newLayout(g, probe)
	if err != nil {
		return base, err
	}
	cfg := base
	cfg.Roles = len(lay.roles)
	cfg.Kinds = lay.numKinds
	cfg.Frames = MaxCommands
	fixed := lay.kindToken - len(lay.dynamic) // absent + intents + enum values
	cfg.MaxCands = max(base.MaxCands, (fixed+base.MaxTokens+48+7)/8*8)
	if cfg.Positions() > 127 {
		return base, fmt.Errorf("%s: the grammar has %d slot roles (one per slot name, two for a text slot, plus the intent); at most %d fit %d commands per utterance: use fewer distinct slot names (intents can share a slot name such as target)",
			grammarFile(g), cfg.Roles, 127/MaxCommands, MaxCommands)
	}
	if err := cfg.Validate(); err != nil {
		return base, err
	}
	return cfg, nil
}

// grammarFile names the grammar in errors (a game directory's grammar file).
func grammarFile(*grammar.Grammar) string { return GrammarFile }

// Train trains a model for grammar g on data generated from it. Deterministic for
// opts.Train.Seed. The model's shapes come from the grammar (ConfigFor).
func Train(ctx context.Context, g *grammar.Grammar, opts TrainOptions) (*model.Weights, error) {
	base := opts.Config
	if base.Dim == 0 {
		base = model.DefaultConfig()
	}
	cfg, err := ConfigFor(g, base)
	if err != nil {
		return nil, err
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
	maxTries := opts.MaxTries
	if maxTries <= 0 {
		maxTries = 2000
	}
	generator := gen.New(g, gen.Options{BaseState: opts.Base, OffTopic: opts.OffTopic})
	// Over the first maxTries samples, count per intent the commands that became
	// examples: an intent none of whose commands ever does cannot be learned, even
	// if its rejections ("Hello" without a name) and off-topic speech can.
	var (
		failed  failures
		tried   int
		checked bool
		learned = map[string]int{}
	)
	next := func(rng *rand.Rand) (*model.Example, error) {
		for range maxTries {
			s := generator.Sample(rng)
			ex, err := lay.trainingExample(s)
			tried++
			if err == nil {
				if len(s.Frames) > 0 && !s.Want.Rejected {
					learned[s.Frames[0].Intent]++
				}
				if tried >= maxTries && !checked {
					checked = true
					if err := failed.unlearnable(g, learned, maxTries); err != nil {
						return nil, err
					}
				}
				return ex, nil
			}
			failed.add(g, s, err)
		}
		return nil, failed.err(g, maxTries)
	}
	if err := model.Train(ctx, opts.Train, w, next, opts.Progress); err != nil {
		return nil, err
	}
	return w, nil
}

// failures counts why generated utterances could not become training examples, per
// intent, so that an unsatisfiable intent is named with its grammar position.
type failures struct {
	byIntent map[string]int
	reason   map[string]string
}

func (f *failures) add(g *grammar.Grammar, s gen.Sample, err error) {
	if f.byIntent == nil {
		f.byIntent, f.reason = map[string]int{}, map[string]string{}
	}
	key := "(off-topic)"
	if len(s.Frames) > 0 {
		key = s.Frames[0].Intent
	}
	f.byIntent[key]++
	f.reason[key] = fmt.Sprintf("%v (e.g. %q)", err, s.Text)
}

// unlearnable is f.err for the intents that failed and never became a command
// example (learned counts those), or nil if there are none.
func (f *failures) unlearnable(g *grammar.Grammar, learned map[string]int, tries int) error {
	var only failures
	for _, in := range g.Intents {
		if n := f.byIntent[in.Name]; n > 0 && learned[in.Name] == 0 {
			if only.byIntent == nil {
				only.byIntent, only.reason = map[string]int{}, map[string]string{}
			}
			only.byIntent[in.Name], only.reason[in.Name] = n, f.reason[in.Name]
		}
	}
	if only.byIntent == nil {
		return nil
	}
	return only.err(g, tries)
}

func (f *failures) err(g *grammar.Grammar, tries int) error {
	var parts []string
	for _, in := range g.Intents {
		if n := f.byIntent[in.Name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d:%d: intent %s: %d failures: %s", grammarFile(g), in.Pos.Line, in.Pos.Col, in.Name, n, f.reason[in.Name]))
		}
	}
	if n := f.byIntent["(off-topic)"]; n > 0 {
		parts = append(parts, fmt.Sprintf("off-topic samples: %d failures: %s", n, f.reason["(off-topic)"]))
	}
	return fmt.Errorf("train: the generator could not make a valid training example in %d tries; fix the grammar where it fails:\n  %s", tries, strings.Join(parts, "\n  "))
}
