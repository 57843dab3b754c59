package grammar

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Value is one filled slot: a string (enum canonical name, dynamic value as spelled in
// the state, free text as spoken) or an integer (range slots such as steps).
type Value struct {
	Str   string
	Num   int
	IsNum bool
}

// Str returns a string value. Num returns an integer value.
func Str(s string) Value { return Value{Str: s} }
func Num(n int) Value    { return Value{Num: n, IsNum: true} }

// String renders the value as a user would read it.
func (v Value) String() string {
	if v.IsNum {
		return strconv.Itoa(v.Num)
	}
	return v.Str
}

// MarshalJSON writes integers as JSON numbers and everything else as strings.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsNum {
		return []byte(strconv.Itoa(v.Num)), nil
	}
	return json.Marshal(v.Str)
}

// UnmarshalJSON accepts a JSON number or string.
func (v *Value) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*v = Num(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("grammar: slot value must be a string or an integer, got %s", b)
	}
	*v = Str(s)
	return nil
}

// Command is one understood command: an intent with its filled slots. Omitted optional
// slots are absent from Slots.
type Command struct {
	Intent     string           `json:"intent"`
	Slots      map[string]Value `json:"slots"`
	Confidence float64          `json:"confidence"`
	// SlotConfidence is the model's probability for each slot it filled (for HUDs).
	SlotConfidence map[string]float64 `json:"-"`
}

// Result is what one utterance produced: commands in spoken order, or a rejection
// with a human-readable reason (Commands is then empty, never nil).
type Result struct {
	Text     string    `json:"text"`
	Commands []Command `json:"commands"`
	Rejected bool      `json:"rejected"`
	Reason   string    `json:"reason"`
	// Clarify holds the readings of an utterance rejected only because the filler
	// was not sure enough (see Unsure): a game may ask the player to confirm one.
	// Nothing in it has been executed.
	Clarify []Reading `json:"clarify,omitempty"`
}

// Reading is one possible meaning of an utterance the filler was unsure of.
type Reading struct {
	Commands   []Command `json:"commands"`
	Confidence float64   `json:"confidence"`
}

// Confidence is the result's confidence: the lowest of its commands' (0 when it
// has none).
func (r Result) Confidence() float64 {
	if len(r.Commands) == 0 {
		return 0
	}
	c := r.Commands[0].Confidence
	for _, x := range r.Commands[1:] {
		c = min(c, x.Confidence)
	}
	return c
}

// Unsure applies a confidence threshold: a result whose confidence is below min is
// turned into a rejection that executes nothing, with its commands kept as the one
// reading under Clarify and a reason that asks the player. Other results are
// returned unchanged (min <= 0 changes nothing).
func (r Result) Unsure(min float64) Result {
	if r.Rejected || len(r.Commands) == 0 || r.Confidence() >= min {
		return r
	}
	out := Reject(r.Text, "not sure: did you mean %s?", describeCommands(r.Commands))
	out.Clarify = []Reading{{Commands: r.Commands, Confidence: r.Confidence()}}
	return out
}

// describeCommands renders commands for a question: "dodge Bubbles left, then hold Sparky".
func describeCommands(cmds []Command) string {
	var parts []string
	for _, c := range cmds {
		p := c.Intent
		for _, k := range sortedSlotNames(c.Slots) {
			p += " " + c.Slots[k].String()
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", then ")
}

func sortedSlotNames(m map[string]Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Reject builds a rejection result.
func Reject(text, format string, args ...any) Result {
	return Result{Text: text, Commands: []Command{}, Rejected: true, Reason: fmt.Sprintf(format, args...)}
}
