//go:build ignore

// mknegatives derives the generator's built-in off-topic sentences (negatives.txt)
// from Debian's fortunes package: ordinary English a player might say near a
// microphone that is not a command. Run by scripts/derive-negatives.sh:
//
//	go run internal/gen/mknegatives.go DIR/usr/share/games/fortunes > internal/gen/negatives.txt
//
// Deterministic: the same package version gives the same file. Every second kept
// sentence goes to negatives_heldout.txt instead (written next to the output with
// -heldout FILE), so off-topic rejection can be scored on sentences never trained on.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Collections of everyday sentences; the rest (computers, perl, startrek, art...)
// are jargon or ASCII art, and a few are not what a game should ship.
var collections = []string{"fortunes", "food", "kids", "education", "wisdom", "work", "people",
	"pets", "platitudes", "literature", "love", "miscellaneous", "science", "sports", "riddles",
	"humorists", "medicine", "news", "cookie"}

func main() {
	heldout := flag.String("heldout", "", "write every second sentence here instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go run mknegatives.go [-heldout FILE] FORTUNES_DIR > negatives.txt")
		os.Exit(2)
	}
	seen := map[string]bool{}
	var all []string
	for _, c := range collections {
		f, err := os.Open(filepath.Join(flag.Arg(0), c))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var text strings.Builder
		sc := bufio.NewScanner(f)
		flush := func() {
			for _, s := range sentences(text.String()) {
				if !seen[s] {
					seen[s] = true
					all = append(all, s)
				}
			}
			text.Reset()
		}
		for sc.Scan() {
			line := sc.Text()
			if line == "%" {
				flush()
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(line), "--") { // attribution
				continue
			}
			text.WriteString(line)
			text.WriteByte(' ')
		}
		flush()
		f.Close()
	}
	// A stable pseudo-random order, so the file samples every collection.
	sort.Slice(all, func(i, j int) bool { return hash(all[i]) < hash(all[j]) })
	var keep, hold []string
	for i, s := range all {
		if i%2 == 1 && *heldout != "" {
			hold = append(hold, s)
		} else {
			keep = append(keep, s)
		}
	}
	const max = 3000
	fmt.Println("# Off-topic sentences for training: everyday English from Debian's fortunes")
	fmt.Println("# package (scripts/derive-negatives.sh). Generated; do not edit.")
	for _, s := range keep[:min(max, len(keep))] {
		fmt.Println(s)
	}
	if *heldout != "" {
		out, err := os.Create(*heldout)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(out, "# Held-out off-topic sentences (never trained on): the other half of")
		fmt.Fprintln(out, "# scripts/derive-negatives.sh's split. Generated; do not edit.")
		for _, s := range hold[:min(1000, len(hold))] {
			fmt.Fprintln(out, s)
		}
		out.Close()
	}
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// sentences splits a fortune into sentences a person could say: 3 to 14 words,
// letters and simple punctuation only, no quotes or dialogue markers.
func sentences(text string) []string {
	var out []string
	var cur strings.Builder
	emit := func() {
		s := strings.Join(strings.Fields(cur.String()), " ")
		cur.Reset()
		n := len(strings.Fields(s))
		if n < 3 || n > 14 {
			return
		}
		for _, r := range s {
			if r > unicode.MaxASCII || !(unicode.IsLetter(r) || r == ' ' || r == ',' || r == '\'' || r == '.' || r == '?' || r == '!') {
				return
			}
		}
		if strings.ToUpper(s) == s { // shouting headlines
			return
		}
		out = append(out, s)
	}
	for _, r := range text {
		cur.WriteRune(r)
		if r == '.' || r == '?' || r == '!' {
			emit()
		}
	}
	emit()
	return out
}
