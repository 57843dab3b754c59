package understand

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Case is one labelled utterance of a dev or test set.
type Case struct {
	Line      int
	Text      string
	StateName string         // "" for the game's default state
	State     *grammar.State // nil for the default state
	Want      grammar.Result
}

// LoadDevSet reads a dev set file (see examples/monstertrainer/devset.txt):
//
//	[@state] TEXT => intent slot=value ... [; intent ...]
//	TEXT => REJECT
//
// @name loads testdata/name_state.json next to the file.
func LoadDevSet(path string) ([]Case, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fill: dev set: %w", err)
	}
	defer fh.Close()
	states := map[string]*grammar.State{}
	var cases []Case
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
			continue
		}
		i := strings.LastIndex(line, "=>")
		if i < 0 {
			return nil, fmt.Errorf("%s:%d: missing =>", path, n)
		}
		c := Case{Line: n, Text: strings.TrimSpace(line[:i])}
		if strings.HasPrefix(c.Text, "@") {
			name, rest, _ := strings.Cut(c.Text[1:], " ")
			c.StateName, c.Text = name, strings.TrimSpace(rest)
			if states[name] == nil {
				st, err := grammar.LoadState(filepath.Join(filepath.Dir(path), "testdata", name+"_state.json"))
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %w", path, n, err)
				}
				states[name] = st
			}
			c.State = states[name]
		}
		want := strings.TrimSpace(line[i+2:])
		c.Want = grammar.Result{Text: c.Text, Commands: []grammar.Command{}}
		if want == "REJECT" {
			c.Want.Rejected = true
		} else {
			for _, part := range strings.Split(want, ";") {
				cmd, err := parseCommand(part)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %v", path, n, err)
				}
				c.Want.Commands = append(c.Want.Commands, cmd)
			}
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

// parseCommand reads `intent slot=value slot="two words"`.
func parseCommand(s string) (grammar.Command, error) {
	fields, err := splitQuoted(strings.TrimSpace(s))
	if err != nil || len(fields) == 0 {
		return grammar.Command{}, fmt.Errorf("bad command %q", s)
	}
	cmd := grammar.Command{Intent: fields[0], Slots: map[string]grammar.Value{}}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return cmd, fmt.Errorf("bad slot %q in %q", f, s)
		}
		if n, err := strconv.Atoi(v); err == nil {
			cmd.Slots[k] = grammar.Num(n)
		} else {
			cmd.Slots[k] = grammar.Str(v)
		}
	}
	return cmd, nil
}

func splitQuoted(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQ := false
	for _, r := range s {
		switch {
		case r == '"':
			inQ = !inQ
		case r == ' ' && !inQ:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if inQ {
		return nil, fmt.Errorf("unterminated quote")
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

// Same reports whether two results agree exactly: both rejected, or the same
// commands (intent and slots) in the same order. Reasons and confidences are not compared.
func Same(got, want grammar.Result) bool {
	if got.Rejected || want.Rejected {
		return got.Rejected == want.Rejected
	}
	if len(got.Commands) != len(want.Commands) {
		return false
	}
	for i := range got.Commands {
		g, w := got.Commands[i], want.Commands[i]
		if g.Intent != w.Intent || len(g.Slots) != len(w.Slots) {
			return false
		}
		for k, v := range w.Slots {
			if gv, ok := g.Slots[k]; !ok || gv != v {
				return false
			}
		}
	}
	return true
}

// Eval is the outcome of Evaluate.
type Eval struct {
	Total, Correct int
	ByState        map[string][2]int // state name -> {correct, total}; "" = default
	Failures       []Failure
}

// Failure is one case the filler got wrong.
type Failure struct {
	Case Case
	Got  grammar.Result
}

// Accuracy is Correct/Total.
func (e Eval) Accuracy() float64 {
	if e.Total == 0 {
		return 0
	}
	return float64(e.Correct) / float64(e.Total)
}

// Evaluate understands every case, one at a time with K = steps (<= 0: the
// model's default), and scores exact matches.
func Evaluate(f *Model, cases []Case, steps int) Eval {
	ev := Eval{ByState: map[string][2]int{}}
	for _, c := range cases {
		got := f.FillEach([]string{c.Text}, []*grammar.State{c.State}, steps)[0]
		ok := Same(got, c.Want)
		ev.Total++
		s := ev.ByState[c.StateName]
		s[1]++
		if ok {
			ev.Correct++
			s[0]++
		} else {
			ev.Failures = append(ev.Failures, Failure{Case: c, Got: got})
		}
		ev.ByState[c.StateName] = s
	}
	return ev
}

// Describe renders a result compactly, in the dev set's notation.
func Describe(r grammar.Result) string {
	if r.Rejected {
		return "REJECT (" + r.Reason + ")"
	}
	var parts []string
	for _, c := range r.Commands {
		s := c.Intent
		for _, k := range sortedKeys(c.Slots) {
			v := c.Slots[k].String()
			if strings.Contains(v, " ") {
				v = strconv.Quote(v)
			}
			s += " " + k + "=" + v
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func sortedKeys(m map[string]grammar.Value) []string {
	return slices.Sorted(maps.Keys(m))
}
