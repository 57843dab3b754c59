package understand

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Metrics counts what happened to a group of utterances, as fractions of N. Every
// utterance is exactly one of: executed and right, WrongCommands, FalseRejections
// or CorrectRejections; Exact is the first plus CorrectRejections.
type Metrics struct {
	N     int     `json:"n"`
	Exact float64 `json:"exact"` // Same(got, want)
	// IntentAccuracy: the list of intents equals the expected one (a rejection is
	// the list "REJECT"), whatever the slots.
	IntentAccuracy float64 `json:"intent_accuracy"`
	// WrongCommands: commands were executed and they are not exactly what was
	// expected (including commands where a rejection was expected). The worst outcome.
	WrongCommands float64 `json:"wrong_commands"`
	// FalseRejections: rejected although commands were expected.
	FalseRejections float64 `json:"false_rejections"`
	// CorrectRejections: rejected, and a rejection was expected.
	CorrectRejections float64 `json:"correct_rejections"`
}

// RiskPoint is one point of the risk–coverage curve: executing only results whose
// confidence is >= Threshold, Coverage is the fraction of all utterances executed
// and WrongCommands the fraction of all utterances executed wrongly.
type RiskPoint struct {
	Threshold     float64 `json:"threshold"`
	Coverage      float64 `json:"coverage"`
	WrongCommands float64 `json:"wrong_commands"`
}

// Miss is one utterance not understood exactly, in the dev set's notation (Describe).
type Miss struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

// Report is the outcome of Score. Sections are keyed by the case's @state name
// ("default" for none); Categories by the `# category:` comments of the file.
type Report struct {
	Metrics
	MinConfidence float64            `json:"min_confidence"`
	Sections      map[string]Metrics `json:"sections"`
	Categories    map[string]Metrics `json:"categories"`
	// RiskCoverage has one point per distinct confidence of the executed results,
	// by increasing threshold (so decreasing coverage).
	RiskCoverage []RiskPoint `json:"risk_coverage"`
	// ECE is the expected calibration error of the executed results' confidences
	// against being exactly right (10 bins; 0 is perfectly calibrated).
	ECE      float64 `json:"ece"`
	Failures []Miss  `json:"failures"`
}

// ScoreOptions tunes Score. The zero value scores every result as produced.
type ScoreOptions struct {
	// MinConfidence in [0,1]: a result whose confidence (the minimum over its
	// commands) is below it counts as rejected (not executed) for every metric.
	MinConfidence float64
	// Categories maps a case's Line to its category name (LoadCategories); nil: none.
	Categories map[int]string
}

// Confidence is the confidence of a result: the minimum of its commands'
// confidences. ok is false for a rejection or a result with no commands (nothing
// is executed).
func Confidence(r grammar.Result) (conf float64, ok bool) {
	if r.Rejected || len(r.Commands) == 0 {
		return 0, false
	}
	return r.Confidence(), true
}

// Score compares got[i] with cases[i].Want for every case. It is a pure function:
// got comes from any filler (see Model.FillEach). It panics if the lengths differ.
func Score(cases []Case, got []grammar.Result, opts ScoreOptions) Report {
	if len(cases) != len(got) {
		panic(fmt.Sprintf("understand: Score: %d cases and %d results", len(cases), len(got)))
	}
	rep := Report{MinConfidence: opts.MinConfidence, Sections: map[string]Metrics{}, Categories: map[string]Metrics{},
		RiskCoverage: []RiskPoint{}, Failures: []Miss{}}
	var all tally
	sections, categories := map[string]*tally{}, map[string]*tally{}
	add := func(m map[string]*tally, name string, o outcome) {
		if m[name] == nil {
			m[name] = &tally{}
		}
		m[name].add(o)
	}
	type exec struct {
		conf  float64
		wrong bool
	}
	var executed []exec
	for i, c := range cases {
		g := got[i]
		conf, ok := Confidence(g)
		switch {
		case ok && conf < opts.MinConfidence:
			g = grammar.Reject(g.Text, "confidence %.3f below the minimum %.3f", conf, opts.MinConfidence)
			ok = false
		case !ok && !g.Rejected: // no commands: nothing executed, score it as a rejection
			g = grammar.Reject(g.Text, "no commands")
		}
		o := outcome{exact: Same(g, c.Want), intents: slices.Equal(intents(g), intents(c.Want)), executed: ok, wantReject: c.Want.Rejected}
		all.add(o)
		section := c.StateName
		if section == "" {
			section = "default"
		}
		add(sections, section, o)
		if cat := opts.Categories[c.Line]; cat != "" {
			add(categories, cat, o)
		}
		if ok {
			executed = append(executed, exec{conf, !o.exact})
		}
		if !o.exact {
			rep.Failures = append(rep.Failures, Miss{Line: c.Line, Text: c.Text, Want: Describe(c.Want), Got: Describe(g)})
		}
	}
	rep.Metrics = all.metrics()
	for k, t := range sections {
		rep.Sections[k] = t.metrics()
	}
	for k, t := range categories {
		rep.Categories[k] = t.metrics()
	}
	// Risk–coverage: sweep the threshold down through the distinct confidences.
	slices.SortFunc(executed, func(a, b exec) int { return -cmpFloat(a.conf, b.conf) })
	n := float64(max(len(cases), 1))
	var cov, wrong int
	for i, e := range executed {
		cov++
		if e.wrong {
			wrong++
		}
		if i+1 < len(executed) && executed[i+1].conf == e.conf {
			continue // the whole tie enters at the same threshold
		}
		rep.RiskCoverage = append(rep.RiskCoverage, RiskPoint{Threshold: e.conf, Coverage: float64(cov) / n, WrongCommands: float64(wrong) / n})
	}
	slices.Reverse(rep.RiskCoverage)
	confs, rights := make([]float64, len(executed)), make([]bool, len(executed))
	for i, e := range executed {
		confs[i], rights[i] = e.conf, !e.wrong
	}
	rep.ECE = ECE(confs, rights)
	return rep
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intents lists a result's intents in order; a rejection is ["REJECT"].
func intents(r grammar.Result) []string {
	if r.Rejected || len(r.Commands) == 0 {
		return []string{"REJECT"}
	}
	out := make([]string, len(r.Commands))
	for i, c := range r.Commands {
		out[i] = c.Intent
	}
	return out
}

type outcome struct {
	exact, intents, executed, wantReject bool
}

type tally struct {
	n, exact, intents, wrong, falseRej, rightRej int
}

func (t *tally) add(o outcome) {
	t.n++
	if o.exact {
		t.exact++
	}
	if o.intents {
		t.intents++
	}
	switch {
	case o.executed && !o.exact:
		t.wrong++
	case !o.executed && o.wantReject:
		t.rightRej++
	case !o.executed:
		t.falseRej++
	}
}

func (t *tally) metrics() Metrics {
	f := func(k int) float64 {
		if t.n == 0 {
			return 0
		}
		return float64(k) / float64(t.n)
	}
	return Metrics{N: t.n, Exact: f(t.exact), IntentAccuracy: f(t.intents), WrongCommands: f(t.wrong),
		FalseRejections: f(t.falseRej), CorrectRejections: f(t.rightRej)}
}

// LoadCategories reads the `# category: NAME` (or `# section: NAME`) comments of a
// dev set file and returns the category of every line after one, by line number
// (Case.Line). A comment with an empty NAME ends the current category.
func LoadCategories(path string) (map[int]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fill: dev set: %w", err)
	}
	defer fh.Close()
	cats := map[int]string{}
	cur := ""
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "#"); ok {
			key, name, ok := strings.Cut(strings.TrimSpace(rest), ":")
			if key = strings.TrimSpace(key); ok && (key == "category" || key == "section") {
				cur = strings.TrimSpace(name)
			}
			continue
		}
		if cur != "" && line != "" {
			cats[n] = cur
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fill: dev set: %s: %w", path, err)
	}
	return cats, nil
}
