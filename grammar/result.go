package grammar

import (
	"encoding/json"
	"fmt"
	"strconv"
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
}

// Reject builds a rejection result.
func Reject(text, format string, args ...any) Result {
	return Result{Text: text, Commands: []Command{}, Rejected: true, Reason: fmt.Sprintf(format, args...)}
}
