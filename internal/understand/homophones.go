package understand

import (
	"strconv"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Numbers heard as words that sound like them: "walk ahead to steps", "go left
// for spaces". The tokenizer knows "to", "for", "won" and "tree" may be numbers
// (token.homophone); before a word the grammar puts after a number ("steps"), one
// is. So is "a" before such a word in the singular ("take a step forward"). When no command of the whole reading took such a number, the filler reads
// the utterance again with the digit ("walk ahead 2 steps"); if that reading does
// not take it either, the utterance is rejected rather than executed without the
// number the player said.

// unitWords are the words a grammar's patterns put right after a number slot
// ("{steps} [steps | step | paces]").
func unitWords(g *grammar.Grammar) map[string]bool {
	out := map[string]bool{}
	for _, in := range g.Intents {
		for _, p := range in.Patterns {
			visitSeqs(p.Root, func(seq grammar.Seq) {
				for i := 0; i+1 < len(seq); i++ {
					if r, ok := seq[i].(grammar.SlotRef); ok && in.Slot(r.Name) != nil && in.Slot(r.Name).Type.Kind == grammar.Range {
						for _, w := range firstWords(seq[i+1:]) {
							out[normWord(w)] = true
						}
					}
				}
			})
		}
	}
	return out
}

// visitSeqs calls visit for every sequence in a pattern node.
func visitSeqs(n grammar.Node, visit func(grammar.Seq)) {
	switch n := n.(type) {
	case grammar.Seq:
		visit(n)
		for _, c := range n {
			visitSeqs(c, visit)
		}
	case grammar.Alt:
		for _, c := range n {
			visitSeqs(c, visit)
		}
	case grammar.Opt:
		visitSeqs(n.Body, visit)
	}
}

// firstWords returns the words a sequence of nodes can start with.
func firstWords(seq []grammar.Node) []string {
	if len(seq) == 0 {
		return nil
	}
	switch n := seq[0].(type) {
	case grammar.Word:
		return []string{n.Text}
	case grammar.Seq:
		return firstWords(append(append([]grammar.Node{}, n...), seq[1:]...))
	case grammar.Alt:
		var out []string
		for _, c := range n {
			out = append(out, firstWords(append([]grammar.Node{c}, seq[1:]...))...)
		}
		return out
	case grammar.Opt:
		return append(firstWords(append([]grammar.Node{n.Body}, seq[1:]...)), firstWords(seq[1:])...)
	}
	return nil
}

// withDigits returns text with every sound-alike number said before a unit word
// written as its digit, and the first such number, or "" when there is none.
func (l *layout) withDigits(text string) (string, int) {
	toks := tokenize(text)
	var b strings.Builder
	last, first := 0, -1
	for k, t := range toks {
		if k+1 >= len(toks) || !l.units[toks[k+1].norm] {
			continue
		}
		n := t.num
		switch {
		case t.homophone:
		case (t.norm == "a" || t.norm == "an") && !strings.HasSuffix(toks[k+1].norm, "s"):
			n = 1 // "take a step forward"
		default:
			continue
		}
		b.WriteString(text[last:t.start])
		b.WriteString(strconv.Itoa(n))
		last = t.end
		if first < 0 {
			first = n
		}
	}
	if first < 0 {
		return "", -1
	}
	b.WriteString(text[last:])
	return b.String(), first
}

// takesNumber reports whether some command of r has the number n in a slot.
func takesNumber(r grammar.Result, n int) bool {
	for _, c := range r.Commands {
		for _, v := range c.Slots {
			if v.IsNum && v.Num == n {
				return true
			}
		}
	}
	return false
}

// digitPass reads again, with their sound-alike numbers as digits, the utterances
// whose whole reading dropped such a number.
func (f *Model) digitPass(texts []string, sts []*grammar.State, steps int, out []grammar.Result) {
	var idx, nums []int
	var rtexts []string
	var rsts []*grammar.State
	for i, r := range out {
		if r.Rejected {
			continue
		}
		st, clean, ok := f.rereadable(texts, sts, i)
		if !ok {
			continue
		}
		t, n := f.lay.withDigits(clean)
		if t == "" || takesNumber(r, n) {
			continue
		}
		idx, nums, rtexts, rsts = append(idx, i), append(nums, n), append(rtexts, t), append(rsts, st)
	}
	if len(idx) == 0 {
		return
	}
	results := f.fillAs(rtexts, rsts, steps, nil, nil)
	for j, i := range idx {
		r := results[j]
		if r.Rejected || !takesNumber(r, nums[j]) {
			out[i] = grammar.Reject(texts[i], "the number %d was said but is not part of any command I understood", nums[j])
			continue
		}
		r.Text = texts[i]
		out[i] = r
	}
}
