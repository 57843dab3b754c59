package gen

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/voicecmd/voicecmd/grammar"
)

// Word lists for random states and off-topic speech. Random names teach the model to
// point at whatever the state holds instead of memorising the demo's party.
var (
	onsets  = []string{"b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gl", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pl", "qu", "r", "s", "sh", "sk", "sl", "sn", "sp", "st", "t", "th", "tr", "v", "w", "z", "zh"}
	vowels  = []string{"a", "e", "i", "o", "u", "oo", "ee", "ai", "ou", "y"}
	codas   = []string{"", "", "", "n", "r", "l", "x", "k", "m", "s", "t", "ng", "ck", "sh", "z", "p"}
	endings = []string{"y", "o", "er", "a", "ie", "on", "ix", "us", "ard", "ling", "jaw", "cap", "fang", "tail", "wing", "bite", "ette", "ster", "by", "kin"}
	// nameWords are English words players put in the names they give ("Wave Rider",
	// "Mister Green", "Sir Zaps A Lot"): a free-text name is not only made-up syllables.
	nameWords = []string{"wave", "rider", "green", "thunder", "paws", "storm", "shadow", "blaze", "bolt", "flash",
		"fuzzy", "lord", "lot", "zaps", "a", "of", "the", "star", "moon", "sun", "river", "stone", "leaf", "fire",
		"ice", "night", "sky", "jolt", "spark", "fang", "claw", "tail", "wing", "heart", "dash", "buddy", "chomp",
		"sprout", "bramble", "pebble", "pepper", "ginger", "maple", "biscuit", "cookie", "noodle", "pickle",
		"muffin", "rocket", "ninja", "tiger", "dragon", "bubble", "splash", "sparkle", "princess", "prince",
		"boss", "champ", "ace", "king", "queen", "mister", "sir", "the great", "junior", "senior", "zoom", "blue",
		"red", "gold", "silver", "iron", "mighty", "tiny", "speedy", "sleepy", "grumpy", "happy", "lucky"}
	titles = []string{"captain", "mister", "miss", "doctor", "lady", "sir", "king", "queen", "little", "big", "professor", "general"}

	moveHeads = []string{"hydro", "shadow", "aqua", "solar", "mega", "hyper", "ice", "fire", "rock", "dragon", "psychic", "poison", "sand", "mud", "aerial", "steel", "dark", "double", "iron", "night", "petal", "thunder", "flame", "frost", "spark", "storm", "crystal", "venom", "wind", "earth", "giga", "bullet", "sky", "moon", "sun", "star", "nether", "volt", "tidal", "blaze"}
	moveTails = []string{"pump", "ball", "beam", "punch", "kick", "slash", "tail", "fang", "claw", "storm", "blast", "wave", "wind", "wing", "bite", "dance", "throw", "shield", "shot", "bomb", "cutter", "drain", "strike", "burst", "spin", "whip", "crash", "slam", "roar", "howl", "screech", "lance", "edge", "pulse", "breath", "ray", "tackle", "guard", "rush", "charge"}
	itemHeads = []string{"hyper", "max", "full", "mega", "fresh", "golden", "silver", "mystic", "lucky", "great", "ultra", "sweet", "bitter", "old"}
	itemTails = []string{"potion", "elixir", "ether", "berry", "herb", "tonic", "restore", "candy", "heal", "water", "soda", "lemonade", "powder", "leaf", "apple", "tea", "remedy", "salve", "charm", "crystal"}

	offTopic = []string{
		"what's for dinner tonight", "i love this game", "can you hear me", "hello is this thing on",
		"how do i save the game", "this level is really hard", "let me think about it", "i don't know what to do",
		"what time is it", "turn the music down", "hold on my phone is ringing", "that was a great fight",
		"mom i'm playing", "where is the pause button", "i need a snack", "the weather is nice today",
		"how many {item} do we have", "i like {monster}", "what does {move} do", "{enemy} looks scary",
		"is {monster} tired", "good job everyone", "testing one two three", "why is it so slow",
		"open the menu", "show me the map", "what level is {monster}", "{monster} is my favourite",
		"i wonder what {enemy} will do", "wow", "nice", "oh no", "let's see", "the quick brown fox jumps over the lazy dog",
		"tell me a joke", "play some music", "what's the score", "who's winning", "save and quit",
		// talk near the microphone that holds a game's words without being an order:
		// narration, first person, past tense, questions about the game
		"i'm going back to the kitchen", "i'll be right back", "the left side of the screen is blurry",
		"turn left at the next light", "my left hand hurts", "she went back to school", "he walked right past me",
		"we're moving forward with the plan", "i'm heading back to bed after this", "look at the top right corner",
		"the back button doesn't work", "i went left last time and lost", "i walked two miles today",
		"my brother ran back home", "i'm going to the store later", "the right answer is three",
		"did you see {monster} use {move} last time", "remember when {monster} used {move}",
		"{monster} used {move} yesterday", "i think {enemy} is going to attack", "{monster} went left last round",
		"why did {monster} move back", "i wish {monster} knew {move}", "{enemy} hit {monster} really hard",
		"should i give {monster} a {item}", "i forgot to use the {item}", "we are not going anywhere tonight",
	}
)

func randomWord(rng *rand.Rand) string {
	var b strings.Builder
	n := 1 + rng.IntN(2)
	for i := 0; i < n; i++ {
		b.WriteString(onsets[rng.IntN(len(onsets))])
		b.WriteString(vowels[rng.IntN(len(vowels))])
		if i < n-1 || rng.Float64() < 0.5 {
			b.WriteString(codas[rng.IntN(len(codas))])
		}
	}
	if rng.Float64() < 0.6 {
		b.WriteString(endings[rng.IntN(len(endings))])
	}
	return b.String()
}

// randomName makes a capitalised pseudo-name of up to words words ("Zorbix",
// "Captain Fluffo").
func randomName(rng *rand.Rand, words int) string {
	var parts []string
	if words > 1 && rng.Float64() < 0.5 {
		parts = append(parts, capitalize(titles[rng.IntN(len(titles))]))
		words--
	}
	for i := 0; i < words; i++ {
		parts = append(parts, capitalize(randomWord(rng)))
	}
	return strings.Join(parts, " ")
}

// randomFreeName makes a name a player might give: half the time a pseudo-name of
// one or two words, else one to four English words ("wave rider", "sir zaps a lot").
func randomFreeName(rng *rand.Rand) string {
	if rng.Float64() < 0.5 {
		return randomName(rng, 1+rng.IntN(2))
	}
	n := 1 + rng.IntN(2) + rng.IntN(3)/2 + rng.IntN(3)/2 // 1-4, mostly 1-2
	parts := make([]string, n)
	for i := range parts {
		parts[i] = capitalize(nameWords[rng.IntN(len(nameWords))])
	}
	return strings.Join(parts, " ")
}

func randomMove(rng *rand.Rand) string {
	switch r := rng.Float64(); {
	case r < 0.55:
		return moveHeads[rng.IntN(len(moveHeads))] + " " + moveTails[rng.IntN(len(moveTails))]
	case r < 0.75:
		return moveHeads[rng.IntN(len(moveHeads))] + moveTails[rng.IntN(len(moveTails))]
	default:
		return randomWord(rng)
	}
}

func randomItem(rng *rand.Rand) string {
	if rng.Float64() < 0.5 {
		return itemTails[rng.IntN(len(itemTails))]
	}
	return itemHeads[rng.IntN(len(itemHeads))] + " " + itemTails[rng.IntN(len(itemTails))]
}

// randomState builds a state with random names for every dynamic type and random
// relation pairs, shaped like the grammar (types and relations it declares).
func (gen *Generator) randomState(rng *rand.Rand) *grammar.State {
	st := &grammar.State{Values: map[string][]string{}, Relations: map[string][][]string{}, Defaults: map[string]string{}}
	used := map[string]bool{}
	unique := func(f func() string) string {
		for {
			v := f()
			k := strings.ToLower(strings.ReplaceAll(v, " ", ""))
			if !used[k] && len(k) > 2 {
				used[k] = true
				return v
			}
		}
	}
	base := gen.opts.BaseState
	for _, t := range gen.g.Types {
		if t.Kind != grammar.Dynamic {
			continue
		}
		n := 2 + rng.IntN(4)
		var maker func() string
		switch {
		case strings.Contains(t.Name, "move") || strings.Contains(t.Name, "skill") || strings.Contains(t.Name, "spell"):
			n = 4 + rng.IntN(14)
			maker = func() string { return randomMove(rng) }
		case strings.Contains(t.Name, "item"):
			maker = func() string { return randomItem(rng) }
		default:
			maker = func() string { return randomName(rng, 1+boolInt(rng.Float64() < 0.1)) }
		}
		for i := 0; i < n; i++ {
			// keep some of the base state's values so mixed states occur
			if base != nil && rng.Float64() < 0.25 && len(base.Values[t.Name]) > 0 {
				v := base.Values[t.Name][rng.IntN(len(base.Values[t.Name]))]
				k := strings.ToLower(strings.ReplaceAll(v, " ", ""))
				if !used[k] {
					used[k] = true
					st.Values[t.Name] = append(st.Values[t.Name], v)
					continue
				}
			}
			st.Values[t.Name] = append(st.Values[t.Name], unique(maker))
		}
	}
	for _, r := range gen.g.Relations {
		as, bs := st.Values[r.A.Name], st.Values[r.B.Name]
		if rows := gen.dense[r.Name]; rows != nil {
			// most pairs hold in the game's own state (which moves target which
			// enemies): each a value relates to b values in the share that a random
			// a value of the game's state does (all enemies, or none for a self move)
			for _, a := range as {
				share := rows[rng.IntN(len(rows))]
				for _, b := range bs {
					if rng.Float64() < share {
						st.Relations[r.Name] = append(st.Relations[r.Name], []string{a, b})
					}
				}
			}
			continue
		}
		// each b value related to one a value (a move belongs to one monster), most of the time
		for _, b := range bs {
			a := as[rng.IntN(len(as))]
			st.Relations[r.Name] = append(st.Relations[r.Name], []string{a, b})
			if rng.Float64() < 0.1 {
				a2 := as[rng.IntN(len(as))]
				if a2 != a {
					st.Relations[r.Name] = append(st.Relations[r.Name], []string{a2, b})
				}
			}
		}
	}
	for _, t := range gen.g.Types {
		if t.Kind == grammar.Dynamic && base != nil && base.Defaults[t.Name] != "" || t.Kind == grammar.Dynamic && rng.Float64() < 0.3 {
			vals := st.Values[t.Name]
			st.Defaults[t.Name] = vals[rng.IntN(len(vals))]
		}
	}
	return st
}

// denseRows returns, for a relation of which at least half the pairs hold in the
// game's state base, the share of B values each A value of base relates to; nil for
// a sparse relation (a move belongs to one monster) or without a base state.
func denseRows(r *grammar.Relation, base *grammar.State) []float64 {
	if base == nil {
		return nil
	}
	as, bs := base.Values[r.A.Name], base.Values[r.B.Name]
	pairs := base.Relations[r.Name]
	if len(as) == 0 || len(bs) == 0 || 2*len(pairs) < len(as)*len(bs) {
		return nil
	}
	rows := make([]float64, len(as))
	for i, a := range as {
		n := 0
		for _, p := range pairs {
			if strings.EqualFold(p[0], a) {
				n++
			}
		}
		rows[i] = float64(n) / float64(len(bs))
	}
	return rows
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// offTopic makes speech that is not a command: the game's own off-topic sentences
// (Options.OffTopic), everyday English from a real corpus (negatives.txt), or game
// chatter naming the state's values.
func (gen *Generator) offTopic(rng *rand.Rand, st *grammar.State) Sample {
	var t string
	switch r := rng.Float64(); {
	case len(gen.opts.OffTopic) > 0 && r < 0.35:
		t = gen.opts.OffTopic[rng.IntN(len(gen.opts.OffTopic))]
	case len(gen.corpus) > 0 && r < 0.7:
		t = gen.corpus[rng.IntN(len(gen.corpus))]
		if rng.Float64() < 0.5 { // as a transcriber without punctuation prints it
			t = strings.ToLower(strings.Trim(t, ".?!"))
		}
		return Sample{Text: t, State: st, Want: grammar.Reject(t, "not a command")}
	default:
		t = offTopic[rng.IntN(len(offTopic))]
	}
	for _, typ := range st.Types() {
		ph := "{" + typ + "}"
		for strings.Contains(t, ph) {
			vals := st.Values[typ]
			v := strings.ToLower(typ)
			if len(vals) > 0 {
				v = vals[rng.IntN(len(vals))]
			}
			t = strings.Replace(t, ph, v, 1)
		}
	}
	if strings.Contains(t, "{") { // a placeholder for a type this grammar lacks
		t = "what a nice day"
	}
	if rng.Float64() < 0.5 {
		t = capitalize(t) + []string{".", "?", "!", ""}[rng.IntN(4)]
	}
	return Sample{Text: t, State: st, Want: grammar.Reject(t, "not a command")}
}

//go:embed negatives.txt
var negativesFile string

// corpusFor returns the corpus sentences usable as negatives for g: those that could
// be a command of g are left out (a short sentence made mostly of the grammar's
// pattern words, such as "Go forward.", must not be taught as off-topic).
func corpusFor(g *grammar.Grammar) []string {
	words := map[string]bool{}
	for _, in := range g.Intents {
		for _, p := range in.Patterns {
			for _, w := range p.Words() {
				words[w] = true
			}
		}
	}
	var out []string
	for _, line := range strings.Split(negativesFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(strings.ToLower(line))
		known := 0
		for _, w := range fields {
			if words[strings.Trim(w, ".,?!")] {
				known++
			}
		}
		if len(fields) <= 5 && 2*known > len(fields) {
			continue
		}
		out = append(out, line)
	}
	return out
}

// String renders a sample for debugging: text, then its frames.
func (s Sample) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", s.Text)
	for _, f := range s.Frames {
		fmt.Fprintf(&b, " [%s", f.Intent)
		for _, k := range sortedFills(f.Slots) {
			v := f.Slots[k]
			fmt.Fprintf(&b, " %s=%s@%d:%d", k, v.Value, v.Start, v.End)
			if v.Kind == Unknown {
				b.WriteString("?")
			}
		}
		b.WriteString("]")
	}
	if s.Want.Rejected {
		fmt.Fprintf(&b, " REJECT(%s)", s.Want.Reason)
	}
	return b.String()
}

func sortedFills(m map[string]SlotFill) []string {
	set := map[string]bool{}
	for k := range m {
		set[k] = true
	}
	return sortedSet(set)
}
