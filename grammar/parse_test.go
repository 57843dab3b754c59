package grammar

import (
	"strings"
	"testing"
)

func TestLex(t *testing.T) {
	tests := []struct {
		src  string
		want string // kinds and texts, space separated
	}{
		{"type steps 1..5", `ident:type ident:steps number:1 punct:.. number:5 eof`},
		{"intent a(x?: t) {\n}", `ident:intent ident:a punct:( ident:x punct:? punct:: ident:t punct:) punct:{ newline punct:} eof`},
		{`say "{actor} [go]"  # comment`, `ident:say string:{actor} [go] eof`},
		{`say "a \"b\""`, `ident:say string:a "b" eof`},
		{"x = -3", `ident:x punct:= number:-3 eof`},
		// errors
		{`say "open`, `ident:say error:unterminated string`},
		{"type a 1.5", `ident:type ident:a number:1 error:unexpected '.' (ranges are written 1..5)`},
		{"type $", `ident:type error:unexpected character '$'`},
		{`say "\n"`, `ident:say error:unknown escape \n in string`},
	}
	for _, tt := range tests {
		var got []string
		for _, tok := range lex(tt.src) {
			got = append(got, []string{"eof", "newline", "ident", "number", "string", "punct", "error"}[tok.kind]+textOf(tok))
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("lex(%q)\n got %s\nwant %s", tt.src, g, tt.want)
		}
	}
}

func textOf(t token) string {
	if t.kind == tokEOF || t.kind == tokNewline {
		return ""
	}
	return ":" + t.text
}

const okGrammar = `
type monster dynamic
type move dynamic
type steps 1..5
type name text
type direction enum {
    left
    forward: up, ahead, straight on
}
relation knows(monster, move)
join: and, and then
filler: uh, please
intent attack(actor: monster, move: move) {
    require knows(actor, move)
    default actor: related, state
    say "{actor} [,] (use | do) {move}" "{move}"
}
intent walk(actor: monster, direction: direction, steps?: steps) {
    say "{actor} (go | walk) [{steps} steps] {direction}"
    say "({actor} go | go {actor}) {direction}"
}
intent rename(actor: monster, name: name) {
    say "call {actor} {name}"
}
`

func TestParseOK(t *testing.T) {
	g, err := Parse("ok.vcg", okGrammar)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.SlotNames(), ","); got != "actor,move,direction,steps,name" {
		t.Errorf("slot names %s", got)
	}
	if st := g.Type("steps"); st.Kind != Range || st.Min != 1 || st.Max != 5 {
		t.Errorf("steps type %+v", st)
	}
	if d := g.Type("direction"); d.Values[1].Name != "forward" || strings.Join(d.Values[1].Synonyms, "|") != "up|ahead|straight on" {
		t.Errorf("direction %+v", d.Values)
	}
	at := g.Intent("attack")
	if len(at.Patterns) != 2 || at.Requires[0].Relation.Name != "knows" || strings.Join(at.Slot("actor").Defaults, ",") != "related,state" {
		t.Errorf("attack %+v", at)
	}
	if strings.Join(g.Joins, "|") != "and|and then" || strings.Join(g.Fillers, "|") != "uh|please" {
		t.Errorf("joins %v fillers %v", g.Joins, g.Fillers)
	}
	g2, _ := Parse("other.vcg", okGrammar+"\n# a comment changes nothing\n")
	if g.Fingerprint() != g2.Fingerprint() {
		t.Error("fingerprint depends on comments")
	}
	g3, _ := Parse("other.vcg", strings.Replace(okGrammar, "1..5", "1..6", 1))
	if g.Fingerprint() == g3.Fingerprint() {
		t.Error("fingerprint ignores a changed range")
	}
}

func TestParseErrors(t *testing.T) {
	base := "type monster dynamic\ntype move dynamic\n"
	tests := []struct {
		name, src, want string
	}{
		{"unknown type", base + "intent a(x: mosnter) {\n say \"{x}\"\n}", `g.vcg:3:13: unknown slot type "mosnter" (did you mean "monster"?)`},
		{"duplicate type", base + "type monster dynamic", `g.vcg:3:6: type "monster" declared twice`},
		{"bad range", "type s 5..1\nintent a(x: s) {\n say \"{x}\"\n}", `g.vcg:1:8: empty range 5..1`},
		{"range missing hi", "type s 1..", `g.vcg:1:11: expected the range's upper bound, found end of file`},
		{"range overflow", "type s 1..99999999999999999999\nintent a(x: s) {\n say \"{x}\"\n}", `g.vcg:1:11: range bound 99999999999999999999 out of range: at most 1000000 in size`},
		{"range too large", "type s 0..2000000\nintent a(x: s) {\n say \"{x}\"\n}", `g.vcg:1:11: range bound 2000000 out of range: at most 1000000 in size`},
		{"bad type kind", "type s blob", `g.vcg:1:8: expected dynamic, text, enum or a range like 1..5 after type s, found "blob"`},
		{"empty enum", "type d enum {\n}", `g.vcg:1:6: enum d has no values`},
		{"dup enum value", "type d enum {\n left\n left\n}", `g.vcg:3:2: enum value "left" listed twice`},
		{"relation non-dynamic", "type s 1..3\ntype m dynamic\nrelation r(m, s)", `g.vcg:3:12: relation r relates range values, but only dynamic types can be related`},
		{"unknown relation", base + "intent a(x: monster, y: move) {\n require knowz(x, y)\n say \"{x} {y}\"\n}", `g.vcg:4:10: unknown relation "knowz"`},
		{"require wrong type", base + "relation knows(monster, move)\nintent a(x: monster, y: move) {\n require knows(y, x)\n say \"{x} {y}\"\n}",
			"g.vcg:5:16: relation knows wants a monster here, but slot y is a move\ng.vcg:5:19: relation knows wants a move here, but slot x is a monster"},
		{"unknown slot in pattern", base + "intent a(x: monster) {\n say \"{x} {y}\"\n}", `g.vcg:4:11: intent a has no slot "y"`},
		{"slot twice", base + "intent a(x: monster) {\n say \"{x} and {x}\"\n}", `g.vcg:4:15: slot x appears twice in one pattern`},
		{"required slot omitted", base + "intent a(x: monster) {\n say \"[{x}] go\"\n}", `g.vcg:4:6: pattern can leave out slot x of intent a, which is required and has no default`},
		{"unclosed bracket", base + "intent a(x: monster) {\n say \"{x} [go\"\n}", `g.vcg:4:11: unclosed '['`},
		{"unmatched paren", base + "intent a(x: monster) {\n say \"{x} go)\"\n}", `g.vcg:4:13: unmatched ')'`},
		{"empty alternative", base + "intent a(x: monster) {\n say \"{x} (go | )\"\n}", `g.vcg:4:17: empty alternative`},
		{"no patterns", base + "intent a(x: monster) {\n}", `g.vcg:3:8: intent a has no say patterns`},
		{"no intents", base, `g.vcg:1:1: grammar declares no intents`},
		{"bad default source", base + "intent a(x: monster) {\n default x: guess\n say \"go\"\n}", `g.vcg:4:13: unknown default source "guess" (want related or state)`},
		{"related without require", base + "intent a(x: monster) {\n default x: related\n say \"go\"\n}", `g.vcg:4:13: default x: related needs a require that mentions x`},
		{"missing brace", base + "intent a(x: monster) {\n say \"{x}\"\n", `g.vcg:5:1: intent a: missing '}'`},
		{"stray word", base + "monster", `g.vcg:3:1: expected type, relation, group, intent, join or filler, found "monster"`},
		// multi-word enum names
		{"dup multi-word enum value", "type d enum {\n flat white\n flat  white: flat whites\n}", `g.vcg:3:2: enum value "flat white" listed twice`},
		{"synonym repeats a multi-word name", "type d enum {\n flat white: flat whites, flat white\n}", `g.vcg:2:27: synonym "flat white" of flat white is already used`},
		{"enum name then junk", "type d enum {\n flat white (x)\n}", `g.vcg:2:13: unexpected "(" at end of line`},
		{"enum name then empty synonyms", "type d enum {\n flat white:\n}", `g.vcg:2:13: expected a word, found newline`},
		// group words
		{"group unknown type", base + "group mosnter: all monsters", `g.vcg:3:7: group: unknown type "mosnter" (did you mean "monster"?)`},
		{"group of a range", "type s 1..3\ngroup s: all", `g.vcg:2:7: group s: only dynamic types have group words, s is range`},
		{"group of an enum", "type d enum {\n left\n}\ngroup d: both ways", `g.vcg:4:7: group d: only dynamic types have group words, d is enum`},
		{"group twice", base + "group monster: everyone\ngroup monster: all monsters", `g.vcg:4:7: group words for monster declared twice`},
		{"group word twice", base + "group monster: everyone, all, everyone", `g.vcg:3:31: group word "everyone" of monster listed twice`},
		{"group word in two groups", base + "group monster: all of them\ngroup move: all  of them", `g.vcg:4:13: group word "all of them" of move is already a group word of monster`},
		{"group word is a filler", base + "filler: uh, everyone\ngroup monster: everyone\nintent a(x: monster) {\n say \"{x}\"\n}", `g.vcg:4:16: group word "everyone" of monster is also a filler word; remove it from one list`},
		{"group word is a join", base + "group monster: and all\njoin: and all\nintent a(x: monster) {\n say \"{x}\"\n}", `g.vcg:3:16: group word "and all" of monster is also a join word; remove it from one list`},
		{"group without colon", base + "group monster everyone", `g.vcg:3:15: expected ":", found "everyone"`},
		{"group without words", base + "group monster:", `g.vcg:3:15: expected a word, found end of file`},
		{"group without type", base + "group : all", `g.vcg:3:7: expected a type name, found ":"`},
		{"dup slot", base + "intent a(x: monster, x: move) {\n say \"{x}\"\n}", `g.vcg:3:22: slot "x" declared twice in intent a`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("g.vcg", tt.src)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestParseMultiWordEnum(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "name=syn|syn name=..." of type drink
	}{
		{"one line", "type drink enum { flat white: flat whites }", "flat white=flat whites"},
		{"no synonyms", "type drink enum {\n flat white\n tea\n}", "flat white= tea="},
		{"several", "type drink enum {\n flat  White: flat whites, a flat white\n iced green tea: green tea on ice\n espresso: short black\n}",
			"flat white=flat whites|a flat white iced green tea=green tea on ice espresso=short black"},
		{"before brace", "type drink enum {\n flat white }", "flat white="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse("d.vcg", tt.src+"\nintent order(drink: drink) {\n say \"[a] {drink} please\"\n}\n")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range g.Type("drink").Values {
				got = append(got, v.Name+"="+strings.Join(v.Synonyms, "|"))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("values %s, want %s", g, tt.want)
			}
			// the canonical name is the command's value
			cmd := Command{Intent: "order", Slots: map[string]Value{"drink": Str(g.Type("drink").Values[0].Name)}}
			if err := g.Check(cmd, &State{}); err != nil {
				t.Errorf("Check(%v): %v", cmd, err)
			}
		})
	}
	g, _ := Parse("d.vcg", "type drink enum { flat white: flat whites }\nintent order(drink: drink) {\n say \"{drink}\"\n}\n")
	if v := g.Type("drink").Values[0]; v.Name != "flat white" || v.Pos != (Pos{1, 19}) {
		t.Errorf("value %q at %v, want \"flat white\" at 1:19", v.Name, v.Pos)
	}
}

func TestParseGroup(t *testing.T) {
	src := okGrammar + "type unit dynamic\ngroup unit: all units, Everyone, every  single one\ngroup monster: the team\n"
	g, err := Parse("g.vcg", src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Type("unit").Group, "|"); got != "all units|everyone|every single one" {
		t.Errorf("unit group %q", got)
	}
	for _, tt := range []struct{ phrase, typ string }{
		{"all units", "unit"}, {"All  Units", "unit"}, {"everyone!", "unit"}, {"the team", "monster"},
		{"all", ""}, {"units", ""}, {"", ""}, {"uh", ""},
	} {
		got := ""
		if typ := g.GroupOf(tt.phrase); typ != nil {
			got = typ.Name
		}
		if got != tt.typ {
			t.Errorf("GroupOf(%q) = %q, want %q", tt.phrase, got, tt.typ)
		}
	}
	if g.Type("move").Group != nil {
		t.Error("a type without a group declaration has group words")
	}
	// a model trained before group words changed is refused
	base, _ := Parse("g.vcg", okGrammar)
	changed, _ := Parse("g.vcg", strings.Replace(src, "all units", "all the units", 1))
	if g.Fingerprint() == base.Fingerprint() || g.Fingerprint() == changed.Fingerprint() {
		t.Error("fingerprint ignores group words")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(okGrammar)
	f.Add("type drink enum { flat white: flat whites }\nintent order(d: drink) {\n say \"{d}\"\n}")
	f.Add("type unit dynamic\ngroup unit: all units, everyone\nfiller: uh\nintent halt(u: unit) {\n say \"{u} halt\"\n}")
	f.Add("type d enum {\n a: b\n}\nintent x(y: d) {\n say \"[{y}] (a|b)\"\n}")
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse("fuzz.vcg", src)
		if err == nil && g == nil {
			t.Fatal("nil grammar without error")
		}
		if err != nil && !strings.Contains(err.Error(), "fuzz.vcg:") {
			t.Fatalf("error without position: %v", err)
		}
	})
}
