package understand

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/voicecmd/voicecmd/grammar"
)

func scoreCmd(intent string, conf float64, kv ...string) grammar.Command {
	c := grammar.Command{Intent: intent, Slots: map[string]grammar.Value{}, Confidence: conf}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Slots[kv[i]] = grammar.Str(kv[i+1])
	}
	return c
}

func scoreCommands(cs ...grammar.Command) grammar.Result {
	return grammar.Result{Commands: cs}
}

var scoreRejected = grammar.Reject("", "not a command")

func TestScoreOutcomes(t *testing.T) {
	attack := scoreCmd("attack", 0.9, "actor", "Sparky", "move", "thunderbolt")
	attackWrongMove := scoreCmd("attack", 0.9, "actor", "Sparky", "move", "ember")
	dodge := scoreCmd("dodge", 0.4, "actor", "Bubbles")
	tests := []struct {
		name    string
		want    grammar.Result
		got     grammar.Result
		minConf float64
		// expected single-utterance metrics
		exact, intents, wrong, falseRej, rightRej float64
	}{
		{"right", scoreCommands(attack), scoreCommands(attack), 0, 1, 1, 0, 0, 0},
		{"right rejection", scoreRejected, scoreRejected, 0, 1, 1, 0, 0, 1},
		{"command where REJECT expected", scoreRejected, scoreCommands(attack), 0, 0, 0, 1, 0, 0},
		{"rejection where a command expected", scoreCommands(attack), scoreRejected, 0, 0, 0, 0, 1, 0},
		{"intent right, slot wrong", scoreCommands(attack), scoreCommands(attackWrongMove), 0, 0, 1, 1, 0, 0},
		{"missing second command", scoreCommands(attack, dodge), scoreCommands(attack), 0, 0, 0, 1, 0, 0},
		{"min confidence turns a wrong command into a correct rejection", scoreRejected, scoreCommands(attack, dodge), 0.5, 1, 1, 0, 0, 1},
		{"min confidence turns a wrong command into a false rejection", scoreCommands(dodge), scoreCommands(attack, dodge), 0.5, 0, 0, 0, 1, 0},
		{"min confidence at the confidence still executes", scoreRejected, scoreCommands(dodge), 0.4, 0, 0, 1, 0, 0},
		{"empty command list counts as a rejection", scoreRejected, grammar.Result{}, 0, 1, 1, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Score([]Case{{Line: 7, Text: "x", Want: tt.want}}, []grammar.Result{tt.got}, ScoreOptions{MinConfidence: tt.minConf})
			want := Metrics{N: 1, Exact: tt.exact, IntentAccuracy: tt.intents, WrongCommands: tt.wrong, FalseRejections: tt.falseRej, CorrectRejections: tt.rightRej}
			if r.Metrics != want {
				t.Errorf("got %+v\nwant %+v", r.Metrics, want)
			}
			if r.Sections["default"] != want {
				t.Errorf("section default: %+v", r.Sections)
			}
			if (len(r.Failures) == 1) != (tt.exact == 0) {
				t.Errorf("failures %+v for exact %v", r.Failures, tt.exact)
			}
		})
	}
}

func TestScoreSectionsAndCategories(t *testing.T) {
	a := scoreCmd("attack", 0.9, "actor", "Sparky")
	cases := []Case{
		{Line: 1, Want: scoreCommands(a)},
		{Line: 2, Want: scoreCommands(a), StateName: "renamed"},
		{Line: 4, Want: scoreRejected, StateName: "renamed"},
	}
	got := []grammar.Result{scoreCommands(a), scoreRejected, scoreCommands(a)}
	r := Score(cases, got, ScoreOptions{Categories: map[int]string{2: "names", 4: "names"}})
	if r.N != 3 || math.Abs(r.Exact-1.0/3) > 1e-12 {
		t.Errorf("overall %+v", r.Metrics)
	}
	if d := r.Sections["default"]; d.N != 1 || d.Exact != 1 {
		t.Errorf("default %+v", d)
	}
	if rn := r.Sections["renamed"]; rn.N != 2 || rn.Exact != 0 || rn.WrongCommands != 0.5 || rn.FalseRejections != 0.5 {
		t.Errorf("renamed %+v", rn)
	}
	if len(r.Categories) != 1 || r.Categories["names"] != r.Sections["renamed"] {
		t.Errorf("categories %+v", r.Categories)
	}
	if len(r.Failures) != 2 || r.Failures[0].Line != 2 || r.Failures[0].Got != "REJECT (not a command)" || r.Failures[1].Want != "REJECT (not a command)" {
		t.Errorf("failures %+v", r.Failures)
	}
}

func TestScoreRiskCoverage(t *testing.T) {
	mk := func(c float64) grammar.Result { return scoreCommands(scoreCmd("dodge", c)) }
	right, wrong := scoreCommands(scoreCmd("dodge", 0)), scoreRejected
	cases := []Case{{Want: right}, {Want: right}, {Want: wrong}, {Want: right}, {Want: right}}
	// confidences 0.9 right, 0.9 right (tie), 0.6 wrong, 0.3 right; one scoreRejected (never executed)
	got := []grammar.Result{mk(0.9), mk(0.9), mk(0.6), mk(0.3), scoreRejected}
	r := Score(cases, got, ScoreOptions{})
	want := []RiskPoint{
		{Threshold: 0.3, Coverage: 0.8, WrongCommands: 0.2},
		{Threshold: 0.6, Coverage: 0.6, WrongCommands: 0.2},
		{Threshold: 0.9, Coverage: 0.4, WrongCommands: 0},
	}
	if !reflect.DeepEqual(r.RiskCoverage, want) {
		t.Errorf("risk-coverage\n got %+v\nwant %+v", r.RiskCoverage, want)
	}
	// With --min-confidence 0.5 the 0.3 result is scoreRejected: a false rejection, no point.
	r = Score(cases, got, ScoreOptions{MinConfidence: 0.5})
	if len(r.RiskCoverage) != 2 || r.RiskCoverage[0].Coverage != 0.6 || r.FalseRejections != 0.4 {
		t.Errorf("min confidence 0.5: %+v %+v", r.RiskCoverage, r.Metrics)
	}
}

func TestScoreLoadCategories(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dev.txt")
	os.WriteFile(p, []byte("a => REJECT\n# category: names\nb => REJECT\n\n#section:  long ones \nc => REJECT\n# just a comment\nd => REJECT\n# category:\ne => REJECT\n"), 0o644)
	got, err := LoadCategories(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{3: "names", 6: "long ones", 8: "long ones"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := LoadCategories(p + ".missing"); err == nil {
		t.Error("missing file: no error")
	}
}
