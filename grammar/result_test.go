package grammar

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUnsure(t *testing.T) {
	cmd := func(intent, actor string, conf float64) Command {
		return Command{Intent: intent, Slots: map[string]Value{"actor": Str(actor)}, Confidence: conf}
	}
	sure := Result{Text: "a", Commands: []Command{cmd("hold", "Sparky", 0.9), cmd("dodge", "Bubbles", 0.7)}}
	for _, tc := range []struct {
		name     string
		in       Result
		min      float64
		rejected bool
	}{
		{"above", sure, 0.5, false},
		{"at the lowest command", sure, 0.7, false},
		{"below the lowest command", sure, 0.8, true},
		{"zero threshold", sure, 0, false},
		{"already rejected", Reject("x", "nope"), 0.9, true},
		{"no commands", Result{Text: "x", Commands: []Command{}}, 0.9, false},
	} {
		got := tc.in.Unsure(tc.min)
		if got.Rejected != tc.rejected {
			t.Errorf("%s: rejected = %v", tc.name, got.Rejected)
		}
		if tc.name == "below the lowest command" {
			if len(got.Commands) != 0 || len(got.Clarify) != 1 || len(got.Clarify[0].Commands) != 2 || got.Clarify[0].Confidence != 0.7 {
				t.Errorf("%s: %+v", tc.name, got)
			}
			if !strings.Contains(got.Reason, "did you mean hold Sparky, then dodge Bubbles?") {
				t.Errorf("reason %q", got.Reason)
			}
			b, _ := json.Marshal(got)
			if !strings.Contains(string(b), `"clarify":[{"commands":[`) || !strings.Contains(string(b), `"commands":[],"rejected":true`) {
				t.Errorf("JSON %s", b)
			}
		}
	}
	if b, _ := json.Marshal(sure); strings.Contains(string(b), "clarify") {
		t.Errorf("a sure result has a clarify field: %s", b)
	}
}
